package edge

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/compression"
	"github.com/edgegate/edgegate/router"
	"github.com/edgegate/edgegate/snapshot"
	"github.com/edgegate/edgegate/tlsterm"
)

// runtime is an installed snapshot: the snapshot plus what the edge derives
// from it once (targets bound to their health records, rendered mock
// answers). Immutable once stored.
type runtime struct {
	snap    *snapshot.Snapshot
	router  *router.Table
	apis    []apiRT   // by router.Route.Index
	targets []*target // every target the apis use, once each
	// The checks' own compiled state (auth.go, limits.go, ipcheck.go).
	access  accessRT
	traffic trafficRT
	ipc     ipRT
	signs   bool // some API signs to its backend (backendsign.go)
	// HTTPS (tlscerts.go): the certificate table, the parsed pairs by
	// CertificateId and the warnings the build had for them.
	certs    *tlsterm.CertTable
	pairs    map[string]*certPair
	certWarn []string
}

// apiRT is one route as the edge serves it.
type apiRT struct {
	id       int
	series   int32 // per-API counts (obs.go)
	kind     snapshot.Kind
	route    *router.Route
	targets  []*target
	sched    []uint16
	host     []byte
	timeout  int64 // ns
	mockHead []byte
	mockBody []byte
	zpol     *compression.Policy // the Compression plugin's, enabled; nil: none (compress.go)
	sign     *backendsign.Key    // the bound signature key; nil: none (backendsign.go)
}

// build derives the runtime of snap without side effects: targets come
// from a plan (live ones looked up, fresh ones only reserved), nothing is
// registered and no check is started, so a build that fails leaves the
// server as it was. Swap commits the plan after storing the runtime.
func (s *Server) build(snap *snapshot.Snapshot) (*runtime, *targetPlan, error) {
	routes := snap.Router.Routes()
	if len(routes) != len(snap.Backends) {
		return nil, nil, fmt.Errorf("edge: snapshot has %d routes and %d backends", len(routes), len(snap.Backends))
	}
	rt := &runtime{snap: snap, router: snap.Router, apis: make([]apiRT, len(routes))}
	plan := s.targets.plan()
	for i, r := range routes {
		b := &snap.Backends[i]
		a := &rt.apis[i]
		a.id, a.kind, a.route = i, b.Kind, r
		a.zpol = zpolicy(snap, i)
		a.timeout = int64(b.Timeout)
		a.host = []byte(b.Host)
		if i < len(snap.Signing) && snap.Signing[i] != nil {
			a.sign, rt.signs = snap.Signing[i], true
		}
		if b.Kind == snapshot.KindWebSocket {
			a.timeout = int64(s.cfg.WebSocketIdle)
			if b.Timeout > 0 {
				a.timeout = int64(b.Timeout)
			}
		}
		switch b.Kind {
		case snapshot.KindMock:
			a.mockHead, a.mockBody = renderMock(&b.Mock)
		default:
			weights := make([]int, len(b.Targets))
			for j, t := range b.Targets {
				tg, err := plan.get(t.Addr, b.Health, b.TLS)
				if err != nil {
					return nil, nil, err
				}
				a.targets = append(a.targets, tg)
				weights[j] = t.Weight
			}
			a.sched = schedule(weights)
		}
	}
	rt.targets = plan.list
	s.numberSeries(rt)
	rt.certWarn = append(rt.certWarn, plan.warn...)
	for _, f := range []func(*runtime) error{s.installAccess, s.installTraffic, s.installIPControl, s.buildCerts} {
		if err := f(rt); err != nil {
			return nil, nil, err
		}
	}
	return rt, plan, nil
}

// renderMock pre-renders a mock answer up to the per-request headers.
// Without a configured Content-Type, a body that looks like JSON is sent as
// application/json and anything else as text/plain.
func renderMock(m *snapshot.Mock) (head, body []byte) {
	body = []byte(m.Body)
	head = appendStatusLine(nil, m.Status, nil)
	hasType := false
	for _, h := range m.Headers {
		if strings.EqualFold(h.Key, "Content-Type") {
			hasType = true
		}
		head = append(head, h.Key...)
		head = append(head, ": "...)
		head = append(head, h.Value...)
		head = append(head, "\r\n"...)
	}
	if !hasType {
		ct := "text/plain; charset=utf-8"
		if t := strings.TrimSpace(m.Body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			ct = "application/json"
		}
		head = append(head, "Content-Type: "+ct+"\r\n"...)
	}
	if m.Status != 204 && m.Status != 304 {
		head = append(head, "Content-Length: "...)
		head = strconv.AppendInt(head, int64(len(body)), 10)
		head = append(head, "\r\n"...)
	} else {
		body = nil
	}
	return head, body
}
