package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// prometheusProc is a real Prometheus (Debian package prometheus, which
// `make deps` installs) scraping target every second, on a free loopback
// port, with its storage in a temporary directory. The test's cleanup
// stops it (SIGTERM, then SIGKILL).
type prometheusProc struct {
	*proc
	addr string
}

func startPrometheus(t *testing.T, target string) *prometheusProc {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus not found: `make deps` installs the Debian package prometheus")
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: edgegate
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &prometheusProc{addr: freeAddr(t)}
	p.proc = launch(t, exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+p.addr, "--log.level=warn"))
	p.waitListening(p.addr)
	return p
}

// query evaluates expr now through the HTTP API (/api/v1/query) and
// returns the single sample's value; ok is false while there is none.
func (p *prometheusProc) query(t *testing.T, expr string) (v float64, ok bool) {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s %s", expr, err, r.Status, r.Error)
	}
	if len(r.Data.Result) != 1 {
		return 0, false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err = strconv.ParseFloat(s, 64)
	return v, err == nil
}

// scrape is one GET /metrics of addr.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s/metrics: %d %s", addr, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

// TestPrometheusCountsWhatWasSent (issue 13, "Done when"): a real
// Prometheus scrapes the gateway's --metrics-listen during traffic; the
// per-API request count and 5xx count it reports through its query API
// equal what the test sent. The service is created and released with the
// official SDK; the backend answers the status the test asks for. The
// gateway-wide request count and the access log's written lines (one a
// request, --access-log-dir) match too.
func TestPrometheusCountsWhatWasSent(t *testing.T) {
	defer catchSDK(t)
	up := startUpstream(t)
	maddr := freeAddr(t)
	cp := startControlPlane(t, "--metrics-listen", maddr, "--access-log-dir", filepath.Join(t.TempDir(), "access"))
	cp.waitListening(maddr)
	prom := startPrometheus(t, maddr)
	c := cp.sdk("", "")
	svc := sdkCreateService(c, "metrics")
	api := sdkAPI(c, svc, "/m", proxyTo(up, "/status"))
	sdkRelease(c, svc)

	// Count what reaches the API: the backend's own answers. (A 404 from
	// the gateway before the release is in force is not the API's.)
	// edgeReqs counts every request head the edge got (gateway-wide).
	var sent, fives, edgeReqs int
	waitFor(t, 10*time.Second, "the released API answers", func() bool {
		st, _ := cp.get(svc, "/release/m?code=200")
		edgeReqs++
		if st == 200 {
			sent++
		}
		return st == 200
	})
	for i := range 60 {
		code := 200
		if i%5 == 0 {
			code = 503
		}
		st, body := cp.get(svc, fmt.Sprintf("/release/m?code=%d", code))
		if st != code {
			t.Fatalf("request %d: %d %s, want %d from the backend", i, st, body, code)
		}
		sent++
		edgeReqs++
		if code >= 500 {
			fives++
		}
		if i%20 == 0 {
			time.Sleep(1100 * time.Millisecond) // let Prometheus scrape mid-traffic
		}
	}
	sel := fmt.Sprintf(`{job="edgegate",service_id=%q,environment="release",api_id=%q}`, svc, api)
	want := map[string]float64{
		"edgegate_api_requests_total" + sel:                                     float64(sent),
		"edgegate_api_backend_errors_total" + sel:                               float64(fives),
		`sum(edgegate_api_responses_total` + sel[:len(sel)-1] + `,code="5xx"})`: float64(fives),
		`sum(edgegate_api_responses_total` + sel[:len(sel)-1] + `,code="2xx"})`: float64(sent - fives),
		`edgegate_api_request_duration_seconds_count` + sel:                     float64(sent),
		`edgegate_requests_total{job="edgegate"}`:                               float64(edgeReqs),
		`edgegate_accesslog_written_total{job="edgegate"}`:                      float64(edgeReqs), // one line a request
	}
	got := map[string]float64{}
	if !eventually(30*time.Second, func() bool {
		clear(got)
		for q, w := range want {
			if v, ok := prom.query(t, q); !ok || v != w {
				got[q] = v // 0 when there is no sample yet
			}
		}
		return len(got) == 0
	}) {
		t.Fatalf("Prometheus did not report what was sent (%d requests, %d 5xx) within 30 s; last readings differing: %v\nscrape:\n%s",
			sent, fives, got, grepLines(scrape(t, maddr), "edgegate_api_"))
	}
	if v, ok := prom.query(t, `up{job="edgegate"}`); !ok || v != 1 {
		t.Fatalf("up = %v, %v", v, ok)
	}

	// The admin listener serves the same exposition; promtool passes the
	// gateway's families of a real scrape taken during traffic.
	own := grepLines(scrape(t, cp.Admin), "edgegate_")
	if !strings.Contains(own, "edgegate_api_requests_total{service_id=\""+svc) || !strings.Contains(own, "edgegate_store_size_bytes ") {
		t.Fatalf("admin listener /metrics:\n%s", own)
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(own)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	prom.stop(syscall.SIGKILL) // the cleanup would SIGTERM it; nothing of it is needed now
}

// TestSplitModeMetrics: in split mode the edge has no admin listener and
// serves its families on its own --metrics-listen; the admin serves the
// control plane's on its listener and on its --metrics-listen.
func TestSplitModeMetrics(t *testing.T) {
	adm := freeAddr(t)
	a := startAdmin(t, "--metrics-listen", adm)
	a.waitListening(adm)
	edm := freeAddr(t)
	e := a.startEdgeVia("e1", "http://"+a.Admin, "--metrics-listen", edm)
	e.waitListening(edm)
	for _, c := range []struct {
		addr      string
		has, lack []string
	}{
		{adm, []string{"edgegate_admin_revision ", "edgegate_store_size_bytes ", "process_resident_memory_bytes "}, []string{"edgegate_requests_total", "edgegate_route_revision"}},
		{a.Admin, []string{"edgegate_admin_revision "}, []string{"edgegate_requests_total"}},
		{edm, []string{"edgegate_requests_total ", "edgegate_route_swaps_total ", "# TYPE edgegate_api_requests_total counter"}, []string{"edgegate_admin_revision", "edgegate_store_size_bytes"}},
	} {
		out := scrape(t, c.addr)
		for _, h := range c.has {
			if !strings.Contains(out, h) {
				t.Errorf("%s/metrics lacks %q", c.addr, h)
			}
		}
		for _, l := range c.lack {
			if strings.Contains(out, l) {
				t.Errorf("%s/metrics has %q", c.addr, l)
			}
		}
	}
}

// grepLines keeps the lines of s that mention any of subs (HELP and TYPE
// lines included).
func grepLines(s string, subs ...string) string {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(line, sub) {
				b.WriteString(line)
				break
			}
		}
	}
	return b.String()
}
