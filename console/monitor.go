package console

import (
	"bufio"
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The monitoring page (seed 000, 监控): the per-API families of GET
// /metrics (metrics/families.go), read in process and handed to the page
// as cumulative counts; the page turns two readings into rates (requests
// per second, errors, mean latency over the interval) and refreshes.

// apiSample is one API's counts in one environment at one reading.
type apiSample struct {
	ServiceId, Environment, ApiId string
	Requests, Valid               float64
	FrontendErrors, BackendErrors float64
	Backend404, Backend502        float64
	Responses                     map[string]float64 // "2xx" → count
	LatencySum, LatencyCount      float64
	// Buckets are the latency histogram's cumulative counts at Bounds.
	Buckets []float64
	Active  float64
}

// apiFields says where each per-API family's value goes
// (metrics/families.go names them).
var apiFields = map[string]func(*apiSample) *float64{
	"edgegate_api_requests_total":                 func(a *apiSample) *float64 { return &a.Requests },
	"edgegate_api_valid_requests_total":           func(a *apiSample) *float64 { return &a.Valid },
	"edgegate_api_frontend_errors_total":          func(a *apiSample) *float64 { return &a.FrontendErrors },
	"edgegate_api_backend_errors_total":           func(a *apiSample) *float64 { return &a.BackendErrors },
	"edgegate_api_backend_404_total":              func(a *apiSample) *float64 { return &a.Backend404 },
	"edgegate_api_backend_502_total":              func(a *apiSample) *float64 { return &a.Backend502 },
	"edgegate_api_request_duration_seconds_sum":   func(a *apiSample) *float64 { return &a.LatencySum },
	"edgegate_api_request_duration_seconds_count": func(a *apiSample) *float64 { return &a.LatencyCount },
	"edgegate_api_active_requests":                func(a *apiSample) *float64 { return &a.Active },
}

// metricsAnswer is GET /console/api/metrics.
type metricsAnswer struct {
	TimeMs  int64
	Bounds  []float64 // the latency buckets' upper bounds, seconds (+Inf left out)
	Apis    []*apiSample
	Gateway map[string]float64 // gateway-wide families without labels
}

// gatewayFamilies are the label-free families the page shows.
var gatewayFamilies = map[string]bool{
	"edgegate_requests_total": true, "edgegate_connections": true, "edgegate_inflight_requests": true,
	"edgegate_gateway_errors_total": true, "edgegate_frontend_errors_total": true, "edgegate_route_revision": true,
	"edgegate_admin_revision": true,
}

func (c *Console) serveMetrics(w http.ResponseWriter, r *http.Request, _ *session) {
	if c.opts.Metrics == nil {
		writeError(w, http.StatusNotFound, CodeNoMetrics, "this process serves no /metrics")
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/metrics", nil)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	rec := &recorder{header: http.Header{}}
	c.opts.Metrics.ServeHTTP(rec, req)
	if rec.status != 0 && rec.status != http.StatusOK {
		writeError(w, http.StatusBadGateway, CodeNoMetrics, "GET /metrics answered "+strconv.Itoa(rec.status))
		return
	}
	out := parseMetrics(rec.body.Bytes())
	out.TimeMs = c.opts.Now().UnixMilli()
	writeJSON(w, http.StatusOK, out)
}

// parseMetrics reads the Prometheus text format (0.0.4) the metrics
// package writes: one sample a line, "name{l="v",...} value". Lines it
// cannot read are skipped: the page shows what it understands.
func parseMetrics(text []byte) *metricsAnswer {
	out := &metricsAnswer{Apis: []*apiSample{}, Gateway: map[string]float64{}}
	apis := map[[3]string]*apiSample{}
	bounds := map[float64]bool{}
	type bucket struct {
		api *apiSample
		le  float64
		n   float64
	}
	var buckets []bucket
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, labels, value, ok := parseSample(line)
		if !ok {
			continue
		}
		if gatewayFamilies[name] && len(labels) == 0 {
			out.Gateway[name] = value
			continue
		}
		if !strings.HasPrefix(name, "edgegate_api_") {
			continue
		}
		k := [3]string{labels["service_id"], labels["environment"], labels["api_id"]}
		if k[2] == "" {
			continue
		}
		a := apis[k]
		if a == nil {
			a = &apiSample{ServiceId: k[0], Environment: k[1], ApiId: k[2], Responses: map[string]float64{}}
			apis[k] = a
			out.Apis = append(out.Apis, a)
		}
		if f := apiFields[name]; f != nil {
			*f(a) = value
			continue
		}
		switch name {
		case "edgegate_api_responses_total":
			a.Responses[labels["code"]] = value
		case "edgegate_api_request_duration_seconds_bucket":
			le, err := strconv.ParseFloat(labels["le"], 64)
			if err == nil && le < 1e308 {
				bounds[le] = true
				buckets = append(buckets, bucket{a, le, value})
			}
		}
	}
	for b := range bounds {
		out.Bounds = append(out.Bounds, b)
	}
	sort.Float64s(out.Bounds)
	idx := map[float64]int{}
	for i, b := range out.Bounds {
		idx[b] = i
	}
	for _, b := range buckets {
		if b.api.Buckets == nil {
			b.api.Buckets = make([]float64, len(out.Bounds))
		}
		b.api.Buckets[idx[b.le]] = b.n
	}
	sort.Slice(out.Apis, func(i, j int) bool {
		x, y := out.Apis[i], out.Apis[j]
		if x.ServiceId != y.ServiceId {
			return x.ServiceId < y.ServiceId
		}
		if x.ApiId != y.ApiId {
			return x.ApiId < y.ApiId
		}
		return x.Environment < y.Environment
	})
	return out
}

// parseSample splits one sample line. Label values are quoted with \\,
// \" and \n escapes.
func parseSample(line string) (name string, labels map[string]string, value float64, ok bool) {
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return "", nil, 0, false
	}
	name, rest := line[:i], line[i:]
	if rest[0] == '{' {
		labels = map[string]string{}
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, ", ")
			if rest == "" {
				return "", nil, 0, false
			}
			if rest[0] == '}' {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				return "", nil, 0, false
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				ch := rest[j]
				if ch == '\\' && j+1 < len(rest) {
					j++
					switch rest[j] {
					case 'n':
						v.WriteByte('\n')
					default:
						v.WriteByte(rest[j])
					}
					continue
				}
				if ch == '"' {
					rest, closed = rest[j+1:], true
					break
				}
				v.WriteByte(ch)
			}
			if !closed {
				return "", nil, 0, false
			}
			labels[key] = v.String()
		}
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return "", nil, 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return "", nil, 0, false
	}
	return name, labels, v, true
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
