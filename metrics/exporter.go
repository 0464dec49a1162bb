package metrics

import (
	"cmp"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/bpf"
	"github.com/edgegate/edgegate/compression"
	"github.com/edgegate/edgegate/edge"
)

// Edge is what the Exporter reads from the data plane; *edge.Server is
// one (edge/metrics.go, edge/stats.go).
type Edge interface {
	Stats() edge.Stats
	Revision() uint64
	EachAPI(fn func(*edge.APIStats))
	EachAuthFailure(fn func(code string, n uint64))
	EachLimitRefusal(fn func(code, rule string, n uint64))
	EachTarget(fn func(*edge.TargetStats))
	CompressionStats() edge.CompressionStats
}

// Admin is what the Exporter reads from the control plane; *admin.Admin
// is one.
type Admin interface {
	Revision() uint64
	CertificateExpiries() ([]admin.CertificateExpiry, error)
}

// Firewall is the IP prefilter; *bpf.Filter is one.
type Firewall interface {
	Mode() string
	Counters() ([]bpf.RuleCounter, error)
}

// Sources are what one process exposes; a nil field leaves its families
// out (the edge's in `edgegate admin`, the admin's in `edgegate edge`).
type Sources struct {
	Edge      Edge
	Admin     Admin
	StorePath string // the admin's BuntDB file (admin.DBPath); "" leaves out its size
	Firewall  Firewall
	AccessLog *accesslog.Log
	Cluster   Cluster // cluster-wide limits (cluster.go); nil without --redis
	// Process adds VictoriaMetrics' process_* and go_* metrics.
	Process bool
}

// Exporter writes the Prometheus text format of its Sources. Scrapes are
// serialised while they read the sources (one table of rows is reused),
// not while they send: the text goes into a pooled buffer that is written
// to the scraper after the lock is released, so a slow scraper holds up
// no other. A scrape allocates nothing per series once the buffers have
// grown (a new API's label set is rendered once and kept).
type Exporter struct {
	src  Sources
	bufs sync.Pool // *text

	mu      sync.Mutex
	out     *text // the buffer being filled, while mu is held
	rows    []apiRow
	sorted  []*apiRow
	targets []edge.TargetStats
	labels  map[edge.APIKey]string // rendered per-API label sets, kept like the edge keeps the series
	errs    map[string]uint64      // source -> failed scrapes
}

// apiRow is one API's stats as read at this scrape, with its labels.
type apiRow struct {
	edge.APIStats
	labels string
}

// New returns an Exporter over src.
func New(src Sources) *Exporter {
	return &Exporter{src: src, labels: map[edge.APIKey]string{}, errs: map[string]uint64{}}
}

// SetAccessLog adds (or, with nil, removes) the access log's families:
// for a log opened after the Exporter.
func (e *Exporter) SetAccessLog(l *accesslog.Log) {
	e.mu.Lock()
	e.src.AccessLog = l
	e.mu.Unlock()
}

// ServeHTTP answers GET /metrics.
func (e *Exporter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	t, _ := e.bufs.Get().(*text)
	if t == nil {
		t = new(text)
	}
	e.render(t)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(t.b)))
	_, _ = w.Write(t.b)
	e.bufs.Put(t)
}

// Scrape returns one scrape's text (tests, tools).
func (e *Exporter) Scrape() []byte {
	var t text
	e.render(&t)
	return t.b
}

// render replaces t's text with one scrape's.
func (e *Exporter) render(t *text) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t.b = t.b[:0]
	e.out = t
	e.scrape()
	e.out = nil
}

// scrape fills e.out. Call from render.
func (e *Exporter) scrape() {
	if e.src.Edge != nil {
		e.writeAPIs(e.src.Edge)
		e.writeGateway(e.src.Edge)
	}
	if e.src.Firewall != nil {
		e.writeFirewall(e.src.Firewall)
	}
	if e.src.Cluster != nil {
		e.writeCluster(e.src.Cluster)
	}
	if l := e.src.AccessLog; l != nil {
		st := l.Stats()
		t := e.out
		for _, c := range []struct {
			f *fam
			v int64
		}{{fLogWritten, st.Written}, {fLogDropped, st.Dropped}, {fLogLost, st.Lost}, {fLogSegments, st.Segments}} {
			t.family(c.f)
			t.unsigned(c.f.name, c.v)
		}
	}
	if e.src.Admin != nil {
		e.writeAdmin(e.src.Admin)
	}
	if e.src.StorePath != "" {
		if fi, err := os.Stat(e.src.StorePath); err == nil {
			e.out.family(fStoreSize)
			e.out.unsigned(fStoreSize.name, fi.Size())
		} else {
			e.errs["store"]++
		}
	}
	e.out.family(fErrors)
	for _, src := range []string{"certificates", "firewall", "store"} {
		if n, ok := e.errs[src]; ok {
			e.out.open(fErrors.name)
			e.out.label(true, "source", src)
			e.out.closeU(n)
		}
	}
	if e.src.Process {
		vm.WriteProcessMetrics(e.out)
	}
}

// writeAPIs writes the per-API families. Each family's samples must be
// contiguous, so the rows are read once and written family by family,
// sorted by their labels for a stable output.
func (e *Exporter) writeAPIs(src Edge) {
	e.rows = e.rows[:0]
	src.EachAPI(func(s *edge.APIStats) {
		lb, ok := e.labels[s.APIKey]
		if !ok {
			lb = renderLabels("service_id", s.ServiceId, "environment", s.Environment, "api_id", s.ApiId)
			e.labels[s.APIKey] = lb
		}
		e.rows = append(e.rows, apiRow{APIStats: *s, labels: lb})
	})
	e.sorted = e.sorted[:0]
	for i := range e.rows {
		e.sorted = append(e.sorted, &e.rows[i])
	}
	slices.SortFunc(e.sorted, func(a, b *apiRow) int { return cmp.Compare(a.labels, b.labels) })
	t := e.out
	for _, c := range apiCounters {
		t.family(c.f)
		for _, r := range e.sorted {
			t.open(c.f.name)
			t.raw(r.labels)
			t.closeU(c.get(r))
		}
	}
	t.family(fAPIResponses)
	for _, r := range e.sorted {
		for class := 1; class < len(r.Responses); class++ {
			t.open(fAPIResponses.name)
			t.raw(r.labels)
			t.b = append(t.b, `,code="`...)
			t.b = append(t.b, byte('0'+class))
			t.b = append(t.b, `xx"`...)
			t.closeU(r.Responses[class])
		}
	}
	t.family(fAPILatency)
	for _, r := range e.sorted {
		t.histogram(fAPILatency, r.labels, &r.Latency)
	}
	t.family(fAPIBackendLatency)
	for _, r := range e.sorted {
		t.histogram(fAPIBackendLatency, r.labels, &r.Backend)
	}
	t.family(fAPIActive)
	for _, r := range e.sorted {
		t.open(fAPIActive.name)
		t.raw(r.labels)
		t.closeF(float64(r.Active))
	}
}

// writeGateway writes the edge's gateway-wide families.
func (e *Exporter) writeGateway(src Edge) {
	t := e.out
	st := src.Stats()
	for _, c := range []struct {
		f *fam
		v int64
	}{
		{fConns, st.Conns}, {fInflight, st.Inflight}, {fRequests, st.Requests}, {fGatewayErrors, st.GatewayErrors},
		{fFrontendErrors, st.FrontendErrors}, {fConnsRefused, st.ConnsRefused}, {fUpstreamDials, st.UpstreamDials},
		{fUpstreamReused, st.UpstreamReused}, {fRetries, st.Retries}, {fSwaps, st.Swaps},
		{fRevision, int64(src.Revision())}, //nolint:gosec // a revision fits
		{fTLSHandshakes, st.TLSHandshakes}, {fTLSFailures, st.TLSHandshakeFailures},
		{fUpTLSHandshakes, st.UpstreamTLSHandshakes}, {fUpTLSResumed, st.UpstreamTLSResumed}, {fUpTLSFailures, st.UpstreamTLSFailures},
	} {
		t.family(c.f)
		t.unsigned(c.f.name, c.v)
	}
	z := src.CompressionStats()
	t.family(fZDecisions)
	for r, n := range z.Decisions {
		t.open(fZDecisions.name)
		t.label(true, "reason", compression.Reason(r).String()) //nolint:gosec // r < numZReasons
		t.closeU(n)
	}
	t.family(fZIn)
	t.unsigned(fZIn.name, int64(z.BytesIn)) //nolint:gosec // a byte count fits
	t.family(fZOut)
	t.unsigned(fZOut.name, int64(z.BytesOut)) //nolint:gosec // a byte count fits
	t.family(fZEncoders)
	t.unsigned(fZEncoders.name, z.Encoders)
	t.family(fAuthFailures)
	src.EachAuthFailure(func(code string, n uint64) {
		t.open(fAuthFailures.name)
		t.label(true, "code", code)
		t.closeU(n)
	})
	t.family(fLimitRefusals)
	src.EachLimitRefusal(func(code, rule string, n uint64) {
		t.open(fLimitRefusals.name)
		t.label(true, "code", code)
		t.label(false, "rule", rule)
		t.closeU(n)
	})
	// Five families over the same targets: read them once.
	type row struct {
		addr          string
		healthy, chkd bool
		dials, reused uint64
		idle          int64
	}
	var rows []row
	src.EachTarget(func(ts *edge.TargetStats) {
		rows = append(rows, row{ts.Address, ts.Healthy, ts.Checked, ts.Dials, ts.Reused, ts.Idle})
	})
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.addr, b.addr) })
	for _, c := range []struct {
		f   *fam
		get func(*row) float64
	}{
		{fTargetHealthy, func(r *row) float64 { return b2f(r.healthy) }},
		{fTargetChecked, func(r *row) float64 { return b2f(r.chkd) }},
		{fTargetDials, func(r *row) float64 { return float64(r.dials) }},
		{fTargetReused, func(r *row) float64 { return float64(r.reused) }},
		{fTargetIdle, func(r *row) float64 { return float64(r.idle) }},
	} {
		t.family(c.f)
		for i := range rows {
			t.open(c.f.name)
			t.label(true, "target", rows[i].addr)
			t.closeF(c.get(&rows[i]))
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writeFirewall writes the prefilter's per-rule counters: the accept-time
// twin's always, the XDP program's per-CPU map sums only when XDP is
// attached (mode "xdp-...").
func (e *Exporter) writeFirewall(fw Firewall) {
	cs, err := fw.Counters()
	if err != nil {
		e.errs["firewall"]++
		return
	}
	t := e.out
	fams := []*fam{fFwConnsPassed, fFwConnsRefused}
	if strings.HasPrefix(fw.Mode(), "xdp-") {
		fams = append(fams, fXDPPassed, fXDPDropped)
	}
	for _, f := range fams {
		t.family(f)
		for i := range cs {
			c := &cs[i]
			v := c.ConnsPassed
			switch f {
			case fFwConnsRefused:
				v = c.ConnsRefused
			case fXDPPassed:
				v = c.Passed
			case fXDPDropped:
				v = c.Dropped
			}
			t.open(f.name)
			t.label(true, "rule", c.Name)
			t.closeU(v)
		}
	}
}

// writeAdmin writes the control plane's families. Certificate expiry is
// a Unix time, so an alert compares it with time() (issue 12: warn
// before expiry, log and metric).
func (e *Exporter) writeAdmin(a Admin) {
	t := e.out
	t.family(fAdminRevision)
	t.unsigned(fAdminRevision.name, int64(a.Revision())) //nolint:gosec // a revision fits
	exp, err := a.CertificateExpiries()
	if err != nil {
		e.errs["certificates"]++
		return
	}
	t.family(fCertExpiry)
	for _, c := range exp {
		t.open(fCertExpiry.name)
		t.label(true, "certificate_id", c.CertificateId)
		t.closeU(uint64(max(0, c.NotAfter.Unix()))) //nolint:gosec // clamped
	}
}
