package snapshot

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// Snapshot is one compiled revision of everything published.
type Snapshot struct {
	Revision  uint64
	Published *model.Published
	Router    *router.Table
	// Backends is indexed by router.Route.Index.
	Backends []Backend
	// Access (access.go), Traffic (traffic.go) and IP (ipcontrol.go) are
	// the compiled checks; each indexes its per-route parts by
	// router.Route.Index. Never nil after Compile.
	Access  *Access
	Traffic *Traffic
	IP      *IPControl
	// Signing is the signature key of each route's backend (signing.go),
	// indexed by router.Route.Index; nil entries sign nothing.
	Signing []*backendsign.Key
}

// Kind is how a route is served.
type Kind uint8

// Backend kinds.
const (
	KindHTTP      Kind = iota + 1 // reverse proxy to HTTP targets
	KindMock                      // answered by the event loop itself
	KindWebSocket                 // upgrade, then a byte pipe to a ws:// target
)

// Backend is the compiled backend of one route.
type Backend struct {
	Kind    Kind
	Targets []Target
	// Host is the Host header sent upstream: the backend URL's authority,
	// or empty for target lists, where it is the chosen target's address.
	Host string
	// Timeout bounds the wait for the response head and each later read.
	Timeout time.Duration
	Health  Health
	Mock    Mock
	// TLS is the backend's TLS configuration (an https:// or wss:// Url);
	// nil for plain http:// and ws:// backends.
	TLS *TLS
}

// TLS is how the edge speaks TLS to a backend (README "Backends over
// TLS"). It is comparable: the edge keys its per-backend TLS clients by
// it, with the PEM contents in the key, so a replaced certificate makes a
// new client.
type TLS struct {
	// ServerName is sent as SNI (unless an IP address) and the backend's
	// certificate must be valid for it.
	ServerName string
	// CABundlePEM replaces the system roots when not empty.
	CABundlePEM string
	// ClientCertPEM and ClientKeyPEM are the client certificate (mTLS).
	ClientCertPEM, ClientKeyPEM string
	// InsecureSkipVerify turns verification off (not authenticated).
	InsecureSkipVerify bool
}

// Target is one backend address.
type Target struct {
	Addr   string // host:port, dialed as given (names are resolved at dial time)
	Weight int
}

// Health holds the passive (and optional active) health rules of a backend
// (seed: HealthCheckConf).
type Health struct {
	// MaxFails consecutive failures eject a target for Cooldown.
	MaxFails int
	Cooldown time.Duration
	// CheckPath, when set, turns on an active GET every CheckInterval.
	CheckPath     string
	CheckInterval time.Duration
}

// Mock is the fixed answer of a MOCK backend.
type Mock struct {
	Status  int
	Headers []model.KV
	Body    string
}

// Compile defaults and limits.
const (
	DefaultTimeout = 15 * time.Second
	// MaxHTTPTimeout is the seed's cap for HTTP backends (后端配置: 超时时间的最大限制为 30 秒).
	MaxHTTPTimeout = 30 * time.Second
	// MaxWebSocketTimeout bounds idle time on a websocket backend.
	MaxWebSocketTimeout = 3600 * time.Second
	defaultMaxFails     = 3
	defaultCooldown     = 10 * time.Second
	defaultCheckEvery   = 5 * time.Second
)

// Error is a compile failure of one API's backend. Unsupported marks a
// feature Edgegate does not provide (the control plane answers
// UnsupportedOperation rather than InvalidParameterValue).
type Error struct {
	ServiceId, ApiId, Field, Msg string
	Unsupported                  bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("service %s api %s: %s: %s", e.ServiceId, e.ApiId, e.Field, e.Msg)
}

// Compile builds a Snapshot. Errors are *router.CompileError or *Error.
func Compile(p *model.Published) (*Snapshot, error) {
	if p == nil {
		return nil, errors.New("nothing published")
	}
	t, err := router.Compile(p)
	if err != nil {
		return nil, err
	}
	routes := t.Routes()
	s := &Snapshot{Revision: p.Revision, Published: p, Router: t, Backends: make([]Backend, len(routes))}
	for i, r := range routes {
		b, err := compileBackend(r.API, p)
		if err != nil {
			return nil, err
		}
		s.Backends[i] = b
	}
	if s.Access, err = compileAccess(p, t); err != nil {
		return nil, err
	}
	if s.Traffic, err = compileTraffic(p, t); err != nil {
		return nil, err
	}
	if s.IP, err = compileIPControl(p, t); err != nil {
		return nil, err
	}
	if s.Signing, err = compileSigning(p, t); err != nil {
		return nil, err
	}
	return s, nil
}

func compileBackend(a *model.API, p *model.Published) (Backend, error) {
	fail := func(field, msg string, args ...any) (Backend, error) {
		return Backend{}, &Error{ServiceId: a.ServiceId, ApiId: a.ApiId, Field: field, Msg: fmt.Sprintf(msg, args...)}
	}
	unsupported := func(field, msg string, args ...any) (Backend, error) {
		return Backend{}, &Error{ServiceId: a.ServiceId, ApiId: a.ApiId, Field: field, Msg: fmt.Sprintf(msg, args...), Unsupported: true}
	}
	// AuthType is compiled by compileAccess (access.go).
	var b Backend
	timeout := time.Duration(a.ServiceTimeout) * time.Second
	if a.ServiceTimeout < 0 {
		return fail("ServiceTimeout", "must not be negative")
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	b.Timeout = timeout
	st := strings.ToUpper(a.ServiceType)
	switch st {
	case "MOCK":
		b.Kind = KindMock
		b.Mock = Mock{Status: a.ServiceMockStatusCode, Headers: a.ServiceMockHeaders, Body: a.ServiceMockReturnMessage}
		if b.Mock.Status == 0 {
			b.Mock.Status = 200
		}
		if b.Mock.Status < 200 || b.Mock.Status > 599 {
			return fail("ServiceMockStatusCode", "%d is not a final HTTP status (200-599)", b.Mock.Status)
		}
		for _, h := range b.Mock.Headers {
			if !validHeaderName(h.Key) || !validHeaderValue(h.Value) {
				return fail("ServiceMockHeaders", "invalid header %q", h.Key)
			}
			switch strings.ToLower(h.Key) {
			case "content-length", "transfer-encoding", "connection", "x-request-id":
				return fail("ServiceMockHeaders", "%s is set by the gateway", h.Key)
			}
		}
		return b, nil
	case "HTTP", "WEBSOCKET":
		if st == "HTTP" && timeout > MaxHTTPTimeout {
			return fail("ServiceTimeout", "at most %d seconds for HTTP backends (seed 后端配置)", int(MaxHTTPTimeout/time.Second))
		}
		if timeout > MaxWebSocketTimeout {
			return fail("ServiceTimeout", "at most %d seconds", int(MaxWebSocketTimeout/time.Second))
		}
		scheme, host, err := parseBackendURL(a.ServiceConfig.Url)
		if err != nil {
			return fail("ServiceConfig.Url", "%v", err)
		}
		b.Kind = KindHTTP
		if st == "WEBSOCKET" || scheme == "ws" || scheme == "wss" || strings.EqualFold(a.Protocol, "WEBSOCKET") {
			b.Kind = KindWebSocket
		}
		b.Host = host
		port := "80"
		var terr *Error
		if b.TLS, terr = backendTLS(&a.ServiceConfig, scheme, host, p); terr != nil {
			return fail(terr.Field, "%s", terr.Msg)
		}
		if b.TLS != nil {
			port = "443"
		}
		b.Targets = []Target{{Addr: hostPortDefault(host, port), Weight: 1}}
	case "TARGET", "TSF":
		if len(a.TargetServices) == 0 {
			if st == "TSF" && len(a.MicroServices) > 0 {
				return unsupported("MicroServices", "TSF service discovery is not available; list the instances in TargetServices")
			}
			return fail("TargetServices", "at least one target is required")
		}
		if timeout > MaxHTTPTimeout {
			return fail("ServiceTimeout", "at most %d seconds for HTTP backends (seed 后端配置)", int(MaxHTTPTimeout/time.Second))
		}
		b.Kind = KindHTTP
		if strings.EqualFold(a.Protocol, "WEBSOCKET") {
			b.Kind = KindWebSocket
		}
		// ServiceConfig.Url, optional here, says only the instances'
		// scheme: https:// (or wss://) speaks TLS to each, its host the
		// name verified (README "Backends over TLS").
		if u := a.ServiceConfig.Url; u != "" {
			scheme, host, err := parseBackendURL(u)
			if err != nil {
				return fail("ServiceConfig.Url", "%v", err)
			}
			var terr *Error
			if b.TLS, terr = backendTLS(&a.ServiceConfig, scheme, host, p); terr != nil {
				return fail(terr.Field, "%s", terr.Msg)
			}
		} else if _, terr := backendTLS(&a.ServiceConfig, "http", "", p); terr != nil {
			return fail(terr.Field, "%s", terr.Msg)
		}
		for i, ts := range a.TargetServices {
			if net.ParseIP(ts.VmIp) == nil {
				return fail(fmt.Sprintf("TargetServices[%d].VmIp", i), "%q is not an IP address", ts.VmIp)
			}
			if ts.VmPort < 1 || ts.VmPort > 65535 {
				return fail(fmt.Sprintf("TargetServices[%d].VmPort", i), "%d is not a port", ts.VmPort)
			}
			w := ts.Weight
			if w == 0 {
				w = 1
			}
			if w < 0 || w > 100 {
				return fail(fmt.Sprintf("TargetServices[%d].Weight", i), "must be 1-100")
			}
			b.Targets = append(b.Targets, Target{Addr: net.JoinHostPort(ts.VmIp, strconv.FormatInt(ts.VmPort, 10)), Weight: int(w)})
		}
		// Host stays empty: each request names the target it goes to.
		hc := a.TargetServicesHealthCheckConf
		if st == "TSF" && a.ServiceTsfHealthCheckConf != nil {
			hc = a.ServiceTsfHealthCheckConf
		}
		h, err := compileHealth(hc)
		if err != nil {
			return fail("HealthCheckConf", "%v", err)
		}
		b.Health = h
		return b, nil
	case "SCF":
		return unsupported("ServiceType", "SCF backends are not available in Edgegate")
	case "":
		return fail("ServiceType", "required (HTTP, MOCK, WEBSOCKET, TARGET or TSF)")
	default:
		return fail("ServiceType", "unknown type %q", a.ServiceType)
	}
	b.Health = Health{MaxFails: defaultMaxFails, Cooldown: defaultCooldown}
	return b, nil
}

func compileHealth(hc *model.HealthCheckConf) (Health, error) {
	h := Health{MaxFails: defaultMaxFails, Cooldown: defaultCooldown}
	if hc == nil {
		return h, nil
	}
	if hc.RequestVolumeThreshold < 0 || hc.SleepWindowInMilliseconds < 0 || hc.HealthCheckIntervalMs < 0 {
		return h, errors.New("values must not be negative")
	}
	if hc.RequestVolumeThreshold > 0 {
		h.MaxFails = int(hc.RequestVolumeThreshold)
	}
	if hc.SleepWindowInMilliseconds > 0 {
		h.Cooldown = time.Duration(hc.SleepWindowInMilliseconds) * time.Millisecond
	}
	if hc.HealthCheckPath != "" {
		if !strings.HasPrefix(hc.HealthCheckPath, "/") || strings.ContainsAny(hc.HealthCheckPath, " \r\n\t") {
			return h, fmt.Errorf("HealthCheckPath %q must be an absolute path", hc.HealthCheckPath)
		}
		h.CheckPath = hc.HealthCheckPath
		h.CheckInterval = defaultCheckEvery
		if hc.HealthCheckIntervalMs > 0 {
			h.CheckInterval = time.Duration(hc.HealthCheckIntervalMs) * time.Millisecond
		}
		if h.CheckInterval < 100*time.Millisecond {
			return h, errors.New("HealthCheckIntervalMs must be at least 100")
		}
	}
	return h, nil
}

// parseBackendURL accepts http, https, ws and wss URLs of the form
// scheme://host[:port] (a path, if any, must be "/"; the backend path is
// ServiceConfig.Path).
func parseBackendURL(raw string) (scheme, host string, err error) {
	if raw == "" {
		return "", "", errors.New("required for HTTP and WEBSOCKET backends")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("%q: %v", raw, err)
	}
	scheme = strings.ToLower(u.Scheme)
	switch scheme {
	case "http", "ws", "https", "wss":
	default:
		return "", "", fmt.Errorf("%q: scheme must be http, https, ws or wss", raw)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", "", fmt.Errorf("%q: want scheme://host[:port] (put the path in ServiceConfig.Path)", raw)
	}
	h := u.Hostname()
	if h == "" {
		return "", "", fmt.Errorf("%q: empty host", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("%q: bad port", raw)
		}
	}
	return scheme, strings.ToLower(u.Host), nil
}

func hostPortDefault(host, port string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
