package console

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	text, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := parseMetrics(text)
	if !reflect.DeepEqual(m.Bounds, []float64{0.001, 0.01}) {
		t.Errorf("bounds %v", m.Bounds)
	}
	if len(m.Apis) != 3 {
		t.Fatalf("%d APIs, want 3 (a sample without api_id and malformed lines skipped): %+v", len(m.Apis), m.Apis)
	}
	a := m.Apis[0]
	want := apiSample{ServiceId: "service-a", Environment: "release", ApiId: "api-1", Requests: 12, Valid: 10, FrontendErrors: 2,
		BackendErrors: 1, Backend502: 1, Responses: map[string]float64{"2xx": 9, "4xx": 2}, LatencySum: 0.0425, LatencyCount: 12,
		Buckets: []float64{4, 11}, Active: 1}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("api-1 in release:\n got %+v\nwant %+v", *a, want)
	}
	if m.Apis[1].Environment != "test" || m.Apis[1].Requests != 3 {
		t.Errorf("api-1 in test: %+v", m.Apis[1])
	}
	if m.Apis[2].ApiId != "api-\"q\"\\x\n" || m.Apis[2].Requests != 1 {
		t.Errorf("escaped label: %q", m.Apis[2].ApiId)
	}
	if !reflect.DeepEqual(m.Gateway, map[string]float64{"edgegate_requests_total": 20, "edgegate_connections": 2}) {
		t.Errorf("gateway %v", m.Gateway)
	}
}

// TestMetricsEndpoint: the page reads /metrics in process, signed in only.
func TestMetricsEndpoint(t *testing.T) {
	text, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) {
		o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(text) })
	})
	b := h.browser()
	if r := b.send("GET", "/console/api/metrics", nil, nil); r.status != 401 {
		t.Fatalf("metrics before sign-in: %d", r.status)
	}
	b.mustLogin()
	r := b.send("GET", "/console/api/metrics", nil, nil)
	var m metricsAnswer
	if err := json.Unmarshal(r.raw, &m); err != nil || r.status != 200 || len(m.Apis) != 3 || m.TimeMs != h.clock.Now().UnixMilli() {
		t.Fatalf("metrics: %d %s", r.status, r.raw)
	}
}
