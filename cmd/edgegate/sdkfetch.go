package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// reportCall reports a failed call as ctl does (ctlout.go) and returns
// the exit status of its error class.
func reportCall(_, stderr io.Writer, what string, err error) int {
	return ctlCallError(stderr, what, nil, err)
}

func ctlSDK(o *subOpts, stdout, stderr io.Writer) int {
	svc, env, lang := o.kv["ServiceId"], o.kv["GenEnvironment"], o.kv["GenLanguage"]
	if svc == "" || env == "" || lang == "" {
		fmt.Fprintf(stderr, "ctl sdk: --ServiceId, --GenEnvironment and --GenLanguage are required\n")
		return exitUsage
	}
	c, hc, err := o.client()
	if err != nil {
		fmt.Fprintf(stderr, "ctl sdk: %v\n", err)
		return exitUsage
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	raw, err := c.Call(ctx, "GenerateApiDocument", map[string]any{"ServiceId": svc, "GenEnvironment": env, "GenLanguage": lang})
	if err != nil {
		return reportCall(stdout, stderr, "GenerateApiDocument", err)
	}
	var r struct {
		Result struct{ DocumentURL, SdkURL string }
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		fmt.Fprintf(stderr, "ctl sdk: %v\n", err)
		return exitUsage
	}
	out := o.kv["out"]
	if out == "" {
		out = svc + "-" + env + "-" + strings.ToLower(lang)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "ctl sdk: %v\n", err)
		return exitUsage
	}
	doc, err := download(ctx, hc, r.Result.DocumentURL)
	if err == nil {
		err = os.WriteFile(filepath.Join(out, "openapi.json"), doc, 0o644)
	}
	var zipped []byte
	if err == nil {
		zipped, err = download(ctx, hc, r.Result.SdkURL)
	}
	if err == nil {
		err = unzipInto(out, zipped)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ctl sdk: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

func download(ctx context.Context, hc *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

// unzipInto writes the archive's files under dir, refusing names that
// would leave it.
func unzipInto(dir string, data []byte) error {
	zr, err := zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if !filepath.IsLocal(f.Name) {
			return fmt.Errorf("archive entry %q leaves the directory", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			return err
		}
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
