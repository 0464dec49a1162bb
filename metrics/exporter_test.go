package metrics

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/admin"
)

func TestScrapeValues(t *testing.T) {
	f := manyAPIs(2)
	f.apis[0].ApiId = `api-"quoted"\n`
	f.stats.Conns, f.stats.Swaps = 3, 4
	exp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	e := New(Sources{Edge: f, Admin: &fakeAdmin{exp: []admin.CertificateExpiry{{CertificateId: "cert-1", NotAfter: exp}}},
		Firewall: fakeFirewall{mode: "xdp-generic"}})
	out := string(e.Scrape())
	for _, want := range []string{
		`edgegate_api_requests_total{service_id="service-0000",environment="release",api_id="api-000001"} 101` + "\n",
		`edgegate_api_requests_total{service_id="service-0000",environment="release",api_id="api-\"quoted\"\\n"} 100` + "\n",
		`edgegate_api_backend_502_total{service_id="service-0000",environment="release",api_id="api-000001"} 2` + "\n",
		`edgegate_api_responses_total{service_id="service-0000",environment="release",api_id="api-000001",code="5xx"} 3` + "\n",
		`edgegate_api_responses_total{service_id="service-0000",environment="release",api_id="api-000001",code="2xx"} 80` + "\n",
		// Buckets hold 0,1,2,...,14 above each bound: cumulative 0,1,3,6.
		`edgegate_api_request_duration_seconds_bucket{service_id="service-0000",environment="release",api_id="api-000001",le="0.005"} 6` + "\n",
		`edgegate_api_request_duration_seconds_bucket{service_id="service-0000",environment="release",api_id="api-000001",le="+Inf"} 105` + "\n",
		`edgegate_api_request_duration_seconds_count{service_id="service-0000",environment="release",api_id="api-000001"} 105` + "\n",
		`edgegate_api_request_duration_seconds_sum{service_id="service-0000",environment="release",api_id="api-000001"} 1.25` + "\n",
		`edgegate_api_backend_duration_seconds_bucket{service_id="service-0000",environment="release",api_id="api-000001",le="10"} 182` + "\n",
		"edgegate_connections 3\n", "edgegate_route_swaps_total 4\n", "edgegate_route_revision 42\n",
		`edgegate_auth_failures_total{code="AuthFailure.SignatureFailure"} 3` + "\n",
		`edgegate_limit_refusals_total{code="LimitExceeded",rule="plan-1"} 2` + "\n",
		`edgegate_target_healthy{target="10.0.0.1:80"} 0` + "\n" + `edgegate_target_healthy{target="10.0.0.2:80"} 1` + "\n",
		`edgegate_target_idle_connections{target="10.0.0.1:80"} 2` + "\n",
		`edgegate_xdp_packets_dropped_total{rule="deny[0] 10.0.0.0/8"} 6` + "\n",
		`edgegate_firewall_connections_refused_total{rule="deny[0] 10.0.0.0/8"} 1` + "\n",
		"edgegate_admin_revision 7\n",
		`edgegate_compression_decisions_total{reason="compressed"} 40` + "\n",
		"edgegate_compression_output_bytes_total 262144\n", "edgegate_compression_encoders 2\n",
		`edgegate_certificate_expiry_timestamp_seconds{certificate_id="cert-1"} 1798859045` + "\n",
		"# TYPE edgegate_api_request_duration_seconds histogram\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	checkExposition(t, out)
	if e2 := New(Sources{Edge: f}); bytes.Contains(e2.Scrape(), []byte("edgegate_admin_")) {
		t.Error("admin families without an admin")
	}
}

// TestXDPFamiliesOnlyWhenAttached: in twin mode the XDP families are left
// out (their counts would be zeros that look like "no drops").
func TestXDPFamiliesOnlyWhenAttached(t *testing.T) {
	out := string(New(Sources{Firewall: fakeFirewall{mode: "twin"}}).Scrape())
	if strings.Contains(out, "edgegate_xdp_") || !strings.Contains(out, "edgegate_firewall_connections_passed_total") {
		t.Fatalf("twin mode scrape:\n%s", out)
	}
}

// TestSourceErrorsCounted: a failing source leaves its family out and is
// counted, the rest of the scrape is served.
func TestSourceErrorsCounted(t *testing.T) {
	e := New(Sources{Admin: &fakeAdmin{err: errors.New("store closed")}, StorePath: "/nonexistent/edgegate.db"})
	e.Scrape()
	out := string(e.Scrape())
	for _, want := range []string{`edgegate_metrics_errors_total{source="certificates"} 2`, `edgegate_metrics_errors_total{source="store"} 2`, "edgegate_admin_revision 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "edgegate_certificate_expiry_timestamp_seconds{") {
		t.Error("certificate samples despite the error")
	}
}

// TestScrapeStable: the same counts give the same bytes, whatever order
// the edge lists its series in.
func TestScrapeStable(t *testing.T) {
	f := manyAPIs(50)
	e := New(Sources{Edge: f, Firewall: fakeFirewall{mode: "xdp-native"}})
	a := e.Scrape()
	for i, j := 0, len(f.apis)-1; i < j; i, j = i+1, j-1 {
		f.apis[i], f.apis[j] = f.apis[j], f.apis[i]
	}
	if b := e.Scrape(); !bytes.Equal(a, b) {
		t.Fatal("two scrapes of the same counts differ")
	}
	checkExposition(t, string(a))
}

func TestFamiliesNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Families() {
		if !validName(f.Name) || !strings.HasPrefix(f.Name, "edgegate_") || seen[f.Name] || f.Help == "" {
			t.Errorf("family %+v: bad or duplicate name, or no help", f)
		}
		seen[f.Name] = true
		if (f.Type == "counter") != strings.HasSuffix(f.Name, "_total") {
			t.Errorf("%s: counters and only counters end in _total", f.Name)
		}
	}
}

// checkExposition parses the text format strictly enough to catch what
// Prometheus would refuse: each sample belongs to the family declared
// just before it (families contiguous, never declared twice), has a
// valid name and a numeric value; histograms are cumulative and end with
// +Inf equal to _count.
func checkExposition(t *testing.T, out string) {
	t.Helper()
	declared := map[string]bool{}
	var cur, typ string
	var last float64
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, tp, _ := strings.Cut(rest, " ")
			if declared[name] {
				t.Fatalf("line %d: %s declared twice", i+1, name)
			}
			declared[name], cur, typ = true, name, tp
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value := line, ""
		if j := strings.LastIndexByte(line, ' '); j > 0 {
			name, value = line[:j], line[j+1:]
		}
		if k := strings.IndexByte(name, '{'); k >= 0 {
			if !strings.HasSuffix(name, "}") {
				t.Fatalf("line %d: %q", i+1, line)
			}
			name = name[:k]
		}
		if !validName(name) || value == "" {
			t.Fatalf("line %d: %q", i+1, line)
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("line %d: %q: %v", i+1, line, err)
		}
		if !strings.HasPrefix(name, "edgegate_") {
			continue // VictoriaMetrics' process metrics carry no TYPE
		}
		base := name
		if typ == "histogram" {
			base = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		}
		if base != cur {
			t.Fatalf("line %d: sample of %s under the family %s", i+1, name, cur)
		}
		if typ == "histogram" {
			switch {
			case strings.HasSuffix(name, "_bucket") && strings.Contains(line, `le="0.0005"`):
				last = v
			case strings.HasSuffix(name, "_bucket"):
				if v < last {
					t.Fatalf("line %d: buckets not cumulative", i+1)
				}
				last = v
			case strings.HasSuffix(name, "_count") && v != last:
				t.Fatalf("line %d: _count %v, +Inf bucket %v", i+1, v, last)
			}
		}
	}
}

// TestREADMEListsEveryFamily: the README's metric list (Observability,
// Metrics) names every family with its type, so it cannot fall behind.
func TestREADMEListsEveryFamily(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n### Metrics\n")
	if !ok {
		t.Fatal("README has no Metrics section")
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	for _, f := range Families() {
		if !strings.Contains(sec, "| `"+f.Name+"` | "+f.Type+" |") {
			t.Errorf("README's metric table lacks %s (%s)", f.Name, f.Type)
		}
	}
}

// TestSetAccessLog: a log attached after New shows in the next scrape.
func TestSetAccessLog(t *testing.T) {
	e := New(Sources{})
	if bytes.Contains(e.Scrape(), []byte("edgegate_accesslog_")) {
		t.Fatal("access log families without a log")
	}
	l, err := accesslog.New(accesslog.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e.SetAccessLog(l)
	if out := e.Scrape(); !bytes.Contains(out, []byte("\nedgegate_accesslog_dropped_total 0\n")) {
		t.Fatalf("no access log families:\n%s", out)
	}
}
