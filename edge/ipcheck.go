package edge

import (
	"net/netip"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/ipset"
	"github.com/edgegate/edgegate/snapshot"
)

// errIPForbidden answers a request whose client address an IP strategy or
// an IPControl plugin of the API refuses (seed 000 插件使用 → IP访问控制).
// A front-end error: counted in Stats.FrontendErrors, not billed.
var errIPForbidden = &failure{403, "IPForbidden", "the client address is not allowed to call this API"}

// errAppIPForbidden answers an app's call from an address its app ACL
// refuses (Huawei REST interface: PUT .../apps/{app_id}/app-acl).
var errAppIPForbidden = &failure{403, "IPForbidden", "the client address is not allowed to call with this app (its ACL)"}

// admitApp judges the client address against the calling app's ACL. It
// does not allocate.
func (cl *client) admitApp(acl *snapshot.IPRule, req *http1.Request) bool {
	if addr := cl.clientIP(req); addr.IsValid() && acl.Admit(addr) {
		return true
	}
	cl.l.ctr.add(cFrontendErrors, 1)
	cl.ob.refused = refIP
	cl.fail(errAppIPForbidden)
	return false
}

// ipRT is the per-API IP control state of an installed snapshot.
type ipRT struct {
	ctl *snapshot.IPControl
	// trusted are Config.TrustedProxies; nil means X-Forwarded-For is
	// never consulted.
	trusted *ipset.Set
}

func (s *Server) installIPControl(rt *runtime) error {
	rt.ipc.ctl = rt.snap.IP
	if len(s.cfg.TrustedProxies) > 0 {
		var b ipset.Builder
		for _, p := range s.cfg.TrustedProxies {
			b.AddPrefix(p)
		}
		rt.ipc.trusted = b.Build()
	}
	return nil
}

// checkIP judges the client address against the API's IP strategies and
// IP-control plugins: every rule that applies must admit it. It does not
// allocate.
func (cl *client) checkIP(a *apiRT, req *http1.Request) bool {
	rules := cl.rt.ipc.ctl.Rules(a.id)
	if len(rules) == 0 {
		return true
	}
	if snapshot.AdmitIP(rules, cl.clientIP(req)) == nil {
		return true
	}
	cl.l.ctr.add(cFrontendErrors, 1)
	cl.ob.refused = refIP
	cl.fail(errIPForbidden)
	return false
}

// clientIP is the address the IP checks judge. It is the socket peer,
// unless the peer is a trusted proxy (Config.TrustedProxies): then
// X-Forwarded-For is read from the right (the last field line, its last
// element first) and the client is the first address that is not a
// trusted proxy; when every listed address is trusted, the left-most one.
// Only addresses a trusted proxy appended are believed, so a client can't
// choose its address by sending the header itself. An element that is
// not an address (nor address:port) makes the client unknown: the zero
// Addr, which every IP rule refuses. It allocates only on such garbage.
func (cl *client) clientIP(req *http1.Request) netip.Addr {
	if !cl.callerKnown {
		cl.caller, cl.callerKnown = cl.forwardedFor(req), true
	}
	return cl.caller
}

// forwardedFor computes clientIP (once per request).
func (cl *client) forwardedFor(req *http1.Request) netip.Addr {
	tr := cl.rt.ipc.trusted
	if tr == nil || !tr.Contains(cl.peer) {
		return cl.peer
	}
	client := cl.peer
	hs := req.Headers
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Kind != http1.KindXForwardedFor {
			continue
		}
		var done bool
		if client, done = forwardedIn(hs[i].Value, tr, client); done {
			return client
		}
	}
	return client
}

// forwardedIn walks one X-Forwarded-For value right to left from client,
// the address the hop before it reported: done with the first address
// not in tr (the caller), or with the zero Addr for an element that is
// not an address; otherwise (every element trusted) the leftmost one.
func forwardedIn(v []byte, tr *ipset.Set, client netip.Addr) (netip.Addr, bool) {
	for end := len(v); end > 0; {
		start := end - 1
		for start >= 0 && v[start] != ',' {
			start--
		}
		elem := ascii.TrimOWS(v[start+1 : end])
		end = start
		if len(elem) == 0 {
			continue
		}
		a, ok := parseForwardedAddr(elem)
		if !ok {
			return netip.Addr{}, true
		}
		client = a
		if !tr.Contains(a) {
			return a, true
		}
	}
	return client, false
}

// parseForwardedAddr reads one X-Forwarded-For element: an address, or
// an address with a port ("192.0.2.1:4711", "[2001:db8::1]:4711"), which
// some proxies write.
func parseForwardedAddr(b []byte) (netip.Addr, bool) {
	s := b2s(b)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
