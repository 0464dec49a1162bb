package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// TestCompressionPlugin: the Compression plugin (an Edgegate extension)
// created and attached through the signed Action API (the SDK v1.0.162
// has no CreatePlugin/AttachPlugin, as for the seed's plugins), listed by
// the official SDK's DescribePlugins, turns gzip on for that API on a
// running edge: the bytes on the wire are a gzip stream that decodes to
// the upstream's answer. Bad data is refused with a stable code, and an
// API takes one Compression plugin.
func TestCompressionPlugin(t *testing.T) {
	f := newPluginFixture(t)
	defer catchSDK(t)
	const data = `{"Enabled":true,"Codings":["gzip"],"GzipLevel":1,"MinSize":64}`
	probe := func() answer { return f.g.fetch("GET", "/echo", "Accept-Encoding", "gzip") }
	if a := probe(); a.status != 200 || a.h.Get("Content-Encoding") != "" {
		t.Fatalf("before the plugin: %v %v", a, a.h)
	}
	z := createPlugin(t, f.cp, "gzip_api", "Compression", data)
	dp := apigw.NewDescribePluginsRequest()
	dp.PluginType = common.StringPtr("Compression")
	if r := mustSDK(f.sdk.DescribePlugins(dp)).Response.Result; *r.TotalCount != 1 || *r.PluginSet[0].PluginId != z || *r.PluginSet[0].PluginData != data {
		t.Fatalf("DescribePlugins (SDK): %s", mustSDK(f.sdk.DescribePlugins(dp)).ToJsonString())
	}
	since := time.Now()
	attachPlugin(t, f.cp, z, f.svc, f.apiID)
	a := inEffect(t, "Compression attached", since, probe, func(a answer) bool { return a.h.Get("Content-Encoding") == "gzip" })
	if !strings.HasPrefix(a.body, "\x1f\x8b") || a.h.Get("Content-Length") != "" || a.h.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("not a gzip stream on the wire: %q, %v", a.body[:min(len(a.body), 16)], a.h)
	}
	zr, err := gzip.NewReader(strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Method, URI string }
	if err := json.Unmarshal(plain, &e); err != nil || e.Method != "GET" || a.h.Get("X-Upstream") != "echo" {
		t.Fatalf("decoded body %q: %v", plain, err)
	}
	// A client that does not ask gets identity, the same bytes as before.
	if b := f.g.fetch("GET", "/echo", "Accept-Encoding", "identity"); b.h.Get("Content-Encoding") != "" || !bytes.HasPrefix([]byte(b.body), []byte("{")) {
		t.Errorf("identity: %v", b.h)
	}
	// The API without the plugin stays as it was.
	if b := f.g.fetch("GET", "/other", "Accept-Encoding", "gzip"); b.h.Get("Content-Encoding") != "" {
		t.Errorf("/other has no plugin: %v", b.h)
	}

	create := func(d string) map[string]any {
		return map[string]any{"PluginName": "z_bad", "PluginType": "Compression", "PluginData": d}
	}
	for _, c := range []struct {
		name   string
		params map[string]any
		code   string
		msg    string
	}{
		{"level", create(`{"Enabled":true,"GzipLevel":10}`), "InvalidParameterValue.InvalidPluginConfig", "CompressionBadLevel"},
		{"coding", create(`{"Enabled":true,"Codings":["br"]}`), "InvalidParameterValue.InvalidPluginConfig", "CompressionUnsupportedCoding"},
		{"type", create(`{"Enabled":true,"Types":["video/*"]}`), "InvalidParameterValue.InvalidPluginConfig", "CompressionIncompressibleType"},
		{"unknown key", create(`{"Enable":true}`), "InvalidParameterValue.InvalidPluginConfig", "Enable"},
	} {
		if code, raw := call(t, f.rc, "CreatePlugin", c.params); code != c.code || !strings.Contains(string(raw), c.msg) {
			t.Errorf("%s: %s %s; want %s with %q", c.name, code, raw, c.code, c.msg)
		}
	}
	second := createPlugin(t, f.cp, "zstd_api", "Compression", `{"Enabled":true}`)
	if code, _ := call(t, f.rc, "AttachPlugin", map[string]any{"PluginId": second, "ServiceId": f.svc, "EnvironmentName": "release", "ApiIds": []string{f.apiID}}); code != "UnsupportedOperation.AttachPlugin" {
		t.Errorf("second Compression plugin on one API: %q", code)
	}
}
