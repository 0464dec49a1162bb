package router

import (
	"bytes"
	"math/bits"

	"github.com/edgegate/edgegate/http1"
)

// Request is what Lookup and Build read. The edge fills it; every slice
// aliases the edge's read buffer and is only read.
type Request struct {
	Host   []byte // effective host (http1.Request.Host), port and all
	Method []byte
	Path   []byte // raw as sent (http1.Request.Path)
	Query  []byte // raw as sent, without '?' (http1.Request.Query)
	// Headers are the request's fields; Build reports the ones not to
	// forward as indexes into this slice.
	Headers []http1.Header
	// Body is an application/x-www-form-urlencoded body when the edge
	// buffered it (see Route.NeedBody), else nil.
	Body []byte
	// Form reports that Body is a urlencoded form.
	Form bool
}

// Result is what Lookup found. The edge keeps one per event loop and reuses
// it: its byte slices alias the Result's own buffer (or the Table) and are
// valid until the next Lookup with the same Result.
type Result struct {
	// Status is 0 when a route matched; otherwise 404, 405 or 400 with Code.
	Status int
	// Code is the stable reason when Status != 0: CodeHostNotFound,
	// CodeEnvironmentNotFound, CodeAPINotFound, CodeMethodNotAllowed or
	// CodeBadPath.
	Code string
	// Allow is the Allow field value for a 405 ("GET, HEAD, POST"); shared,
	// read-only.
	Allow []byte
	Route *Route
	// Env is the environment's name, set once it is known (so also on 404
	// ApiNotFound and 405); shared, read-only.
	Env []byte
	// Path is the normalised request path, environment segment included.
	// It is the path the gateway judged; see normalize.go.
	Path []byte
	// APIPath is Path without the environment selector (the first segment
	// on a default-mapped host, or the PathMappingSet prefix): the path the
	// API patterns were matched against. It starts with '/'.
	APIPath []byte
	// Rem is where the remainder after the matched prefix starts:
	// APIPath[Rem:] is what Build appends to a non-empty backend path
	// ("/apia/" on "/apia/20171012/index.html" leaves "20171012/index.html").
	// It is len(APIPath) for exact, param and regex routes.
	Rem int
	// HeadFallback reports a HEAD request served by the GET API of its path.
	HeadFallback bool
	// Proto and ForceHTTPS are the host's protocols and its forced-HTTPS
	// flag (custom domain: its own Protocol, else the service's), set once
	// the host is known (so also on every failure but HostNotFound).
	Proto      Proto
	ForceHTTPS bool

	buf   []byte
	ps    paramSearch
	ncaps int
	caps  [maxParams]span
}

var slash = []byte("/")

// NumParams is the number of {param} values captured.
func (res *Result) NumParams() int { return res.ncaps }

// ParamAt returns the i-th {param} name and value. The value is as it
// appears in the normalised path: percent-encoded for reserved and
// non-ASCII bytes.
func (res *Result) ParamAt(i int) (string, []byte) {
	c := res.caps[i]
	return res.Route.params[i], res.APIPath[c.s:c.e]
}

// Param returns the value of the {name} variable (see ParamAt).
func (res *Result) Param(name string) ([]byte, bool) {
	if res.Route == nil {
		return nil, false
	}
	for i := 0; i < res.ncaps; i++ {
		if res.Route.params[i] == name {
			c := res.caps[i]
			return res.APIPath[c.s:c.e], true
		}
	}
	return nil, false
}

func (res *Result) fail(status int, code string) {
	res.Status, res.Code = status, code
}

func (res *Result) found(r *Route, m, rem int) {
	res.Route, res.Rem = r, rem
	res.HeadFallback = m == mHEAD && r.method == mGET
}

// Lookup routes a request. It never allocates (once res.buf has grown to
// the longest path seen) and fills res; see Result.
//
// Order of decisions: the host (404 HostNotFound), the path's normal form
// (400 BadPath), the environment (404 EnvironmentNotFound), then the API
// tiers (404 ApiNotFound, 405 MethodNotAllowed).
func (t *Table) Lookup(req *Request, res *Result) {
	res.Status, res.Code, res.Allow, res.Route, res.Env = 0, "", nil, nil, nil
	res.Path, res.APIPath, res.Rem, res.HeadFallback, res.ncaps = nil, nil, 0, false, 0
	res.Proto, res.ForceHTTPS = 0, false

	h := t.host(req.Host)
	if h == nil {
		res.fail(404, CodeHostNotFound)
		return
	}
	res.Proto, res.ForceHTTPS = h.proto, h.forceHTTPS
	// nsl counts the '/' of the normal form, and then of the API path
	// (its segments), for env.paramSegs; the fast path counts them as it
	// checks.
	nsl := canonSlashes(req.Path)
	if nsl > 0 {
		res.buf = append(res.buf[:0], req.Path...)
	} else {
		var perr pathErr
		res.buf, perr = normalizeSlow(res.buf[:0], req.Path, false)
		if perr != pathOK {
			res.fail(400, CodeBadPath)
			return
		}
		nsl = bytes.Count(res.buf, slash)
	}
	p := res.buf
	res.Path = p
	var e *env
	var api []byte
	if h.defaultMapping {
		// seed: the first path segment names the environment (/release/...).
		end := 1
		for end < len(p) && p[end] != '/' {
			end++
		}
		e = h.svc.env(p[1:end])
		api = p[end:]
		nsl--
	} else {
		for i := range h.mappings {
			m := &h.mappings[i]
			if len(p) >= len(m.prefix) && string(p[:len(m.prefix)]) == m.prefix &&
				(len(p) == len(m.prefix) || p[len(m.prefix)] == '/') {
				e, api = m.env, p[len(m.prefix):]
				nsl -= m.slashes
				break
			}
		}
	}
	if e == nil {
		res.fail(404, CodeEnvironmentNotFound)
		return
	}
	if len(api) == 0 {
		api, nsl = slash, 1
	}
	res.Env, res.APIPath = e.nameB, api
	e.match(methodIndex(req.Method), nsl, res)
}

// host finds the service for a Host value (see normHost). Keys are in
// lookup form, so a raw value equal to one is in lookup form too: the
// common case (lower case, no port) costs one table probe and no copy.
func (t *Table) host(h []byte) *host {
	if x := t.hosts.get(h); x != nil {
		return x
	}
	var hb [maxHost]byte
	if n, ok := normHost(&hb, h); ok {
		return t.hosts.get(hb[:n])
	}
	return nil
}

func hasLit(p, lit []byte) bool {
	return len(p) >= len(lit) && string(p[:len(lit)]) == string(lit)
}

// match runs the seed's tiers over res.APIPath (seed 000, 常见问题 "api 命中
// 优先级"): exact, then "^~" (longest), then regex and {param} paths (first
// defined), then plain prefixes (longest). Only APIs serving the method are
// candidates; when none is but some API matches the path, the answer is
// 405 with the union of their methods.
//
// nsl is the number of '/' in res.APIPath.
func (e *env) match(m, nsl int, res *Result) {
	p := res.APIPath
	var allow uint16
	if n := min(len(p), 255); e.exactLen[n>>6]&(1<<(n&63)) != 0 {
		if x := e.exact[string(p)]; x != nil {
			if r := x.routes[m]; r != nil {
				res.found(r, m, len(p))
				return
			}
			allow |= x.allow
		}
	}
	// The first segment, p[1:end1], selects the trees below it (first.go).
	end1, h := 1, uint32(fnvOffset)
	for end1 < len(p) && p[end1] != '/' {
		h = (h ^ uint32(p[end1])) * fnvPrime
		end1++
	}
	var slot *segSlot
	if e.segs.slots != nil {
		slot = e.segs.get(p[1:end1], h)
	}
	prioSub, plainSub := int32(-1), int32(-1)
	if slot != nil && end1 < len(p) {
		prioSub, plainSub = slot.prio, slot.plain
	}
	var w prefixWalk
	if r, n := e.tree.prefix(p, e.prioShort, prioSub, end1, m, &w); r != nil {
		res.found(r, m, n)
		return
	}
	var best *entry
	ps := &res.ps
	if e.params != nil && e.paramSegs&(1<<min(nsl, 63)) != 0 {
		ps.path, ps.m, ps.best, ps.allow = p, m, nil, 0
		last := end1 == len(p)
		if slot != nil && slot.param != nil {
			if last {
				slot.param.accept(ps, 0)
			} else {
				slot.param.search(ps, end1+1, 0)
			}
		}
		if v := e.params.param; v != nil && end1 > 1 {
			ps.caps[0] = span{1, int32(end1)}
			if last {
				v.accept(ps, 1)
			} else {
				v.search(ps, end1+1, 1)
			}
		}
		best = ps.best
		allow |= ps.allow
	}
	bit := uint8(1) << m
	// The regexes whose literal prefix p starts with, in definition order
	// (w.re, see reBucket); tier 3's first defined wins.
regex:
	for mk := w.re; mk != 0; mk &= mk - 1 {
		i := bits.TrailingZeros64(mk) * e.reBucket
		for end := min(i+e.reBucket, len(e.regex)); i < end; i++ {
			x := &e.regex[i]
			if best != nil && int(x.order) > best.order {
				break regex
			}
			if x.served&bit == 0 || e.reBucket > 1 && !hasLit(p, e.reLits[x.lit:x.litEnd]) {
				continue
			}
			if x.e.re.Match(p) {
				res.found(x.e.routes[m], m, len(p))
				return
			}
		}
	}
	if best != nil {
		res.ncaps = copy(res.caps[:], ps.bestCaps[:ps.bestCount])
		res.found(best.routes[m], m, len(p))
		return
	}
	if r, n := e.tree.prefix(p, e.plainShort, plainSub, end1, m, &w); r != nil {
		res.found(r, m, n)
		return
	}
	allow |= w.allow
	// No candidate: finish the Allow set with the regexes skipped above.
	for mk := w.re; mk != 0; mk &= mk - 1 {
		i := bits.TrailingZeros64(mk) * e.reBucket
		for end := min(i+e.reBucket, len(e.regex)); i < end; i++ {
			x := &e.regex[i]
			if x.served&bit == 0 && hasLit(p, e.reLits[x.lit:x.litEnd]) && x.e.re.Match(p) {
				allow |= x.e.allow
			}
		}
	}
	if allow != 0 {
		res.fail(405, CodeMethodNotAllowed)
		res.Allow = allowText[allow]
		return
	}
	res.fail(404, CodeAPINotFound)
}
