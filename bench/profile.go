package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const profileSeconds = 5

// profLine is one row of `go tool pprof -top`.
type profLine struct {
	Flat    string `json:"flat"`
	FlatPct string `json:"flat_pct"`
	Cum     string `json:"cum"`
	CumPct  string `json:"cum_pct"`
	Func    string `json:"func"`
}

// profileResult is the CPU profile of Edgegate during an extra proxy run.
type profileResult struct {
	Seconds int        `json:"seconds"`
	Wrk     wrkResult  `json:"wrk"` // the load while profiling (profiler overhead included)
	TopCum  []profLine `json:"top10_cum"`
	Header  []string   `json:"header"` // pprof's Duration/Showing lines
	Text    string     `json:"-"`      // -top -nodecount=25, for profile.txt
}

// profileRun loads p (an Edgegate path) and fetches a CPU profile from its
// --pprof admin endpoint in the middle of the run.
func profileRun(ctx context.Context, e *env, o *options, p *peer, adminPort int, load driver) (*profileResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	type wrkOut struct {
		r   wrkResult
		err error
	}
	done := make(chan wrkOut, 1)
	go func() {
		r, _, err := load(ctx, e, o, p, (profileSeconds+3)*time.Second)
		done <- wrkOut{r, err}
	}()
	select {
	case <-time.After(1500 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	pprofPath := filepath.Join(e.dir, p.proc.name+"-"+strconv.Itoa(p.port)+"-cpu.pprof")
	fetchErr := fetchProfile(ctx, adminPort, pprofPath)
	w := <-done
	if fetchErr != nil {
		return nil, fetchErr
	}
	if w.err != nil {
		return nil, w.err
	}
	res := &profileResult{Seconds: profileSeconds, Wrk: w.r}
	text, err := pprofTop(ctx, e.gate, pprofPath, "-top", "-nodecount=25")
	if err != nil {
		return nil, err
	}
	res.Text = text
	cum, err := pprofTop(ctx, e.gate, pprofPath, "-top", "-cum", "-nodecount=10")
	if err != nil {
		return nil, err
	}
	res.Header, res.TopCum = parsePprofTop(cum)
	return res, nil
}

func fetchProfile(ctx context.Context, adminPort int, path string) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", adminPort, profileSeconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	c := &http.Client{Timeout: (profileSeconds + 15) * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("fetch CPU profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("fetch CPU profile: %s: %s", resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("fetch CPU profile: %w", err)
	}
	return f.Close()
}

func pprofTop(ctx context.Context, bin, prof string, args ...string) (string, error) {
	all := append([]string{"tool", "pprof"}, args...)
	all = append(all, bin, prof)
	cmd := exec.CommandContext(ctx, "go", all...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = io.Discard
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool pprof %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// parsePprofTop splits `pprof -top` output into its header lines and rows:
//
//	Duration: 5.13s, Total samples = 4.90s (95.52%)
//	      flat  flat%   sum%        cum   cum%
//	     1.20s 24.49% 24.49%      3.10s 63.27%  main.handler
func parsePprofTop(out string) (header []string, rows []profLine) {
	inRows := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if !inRows {
			if len(f) >= 5 && f[0] == "flat" && f[1] == "flat%" {
				inRows = true
				continue
			}
			if s := strings.TrimSpace(line); s != "" {
				header = append(header, s)
			}
			continue
		}
		if len(f) < 6 {
			continue
		}
		rows = append(rows, profLine{
			Flat: f[0], FlatPct: f[1], Cum: f[3], CumPct: f[4],
			Func: strings.Join(f[5:], " "),
		})
	}
	return header, rows
}
