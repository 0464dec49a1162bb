package router

import (
	"strconv"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
)

// System holds the request-level values system parameters can carry; the
// route supplies $api_id, $service_id, $environment and $api_name.
type System struct {
	ClientIP  []byte
	RequestID []byte
	Host      []byte
	Now       int64 // unix seconds
}

// Backend is the backend request Build composes. The edge keeps one per
// event loop; its slices alias the Backend's own buffers, the Request and
// the Table, and are valid until the next Build with the same Backend.
type Backend struct {
	// Method is the backend method: ServiceConfig.Method, or the client's
	// when that is empty or ANY. A client HEAD stays HEAD when the backend
	// method is GET.
	Method []byte
	// URI is the backend path and query ("/endpoint/x?a=1"), percent-encoded,
	// ready for the request line.
	URI []byte
	// SetHeaders are fields to add (mapped parameters, defaults, constants,
	// system parameters). Kind is KindOther.
	SetHeaders []http1.Header
	// DropHeaders are indexes into Request.Headers not to forward: header
	// parameters moved elsewhere, and client fields named like one of
	// SetHeaders (a client cannot spoof a constant or a system parameter).
	DropHeaders []int
	// Body replaces the client's body when BodySet (Content-Length becomes
	// len(Body)): a urlencoded form with parameters removed or added.
	Body    []byte
	BodySet bool

	vals    []pval
	scratch []byte
}

// pval is the value Build found for one declared parameter.
type pval struct {
	state uint8 // absent, present, defaulted
	dec   []byte
}

const (
	absent uint8 = iota
	present
	defaulted
)

var (
	headMethod = []byte("HEAD")
	// errBackendPath answers a composed backend path that reads as a dot
	// segment (see cleanPath).
	errBackendPath = &ParamError{Status: 400, Code: CodeBadPath, Msg: "the backend path would hold a dot segment"}
)

// Build composes the backend request for a matched route into b, reusing
// b's buffers (no allocation once they have grown). It returns nil or a
// *ParamError (Status 400) that the caller must not modify.
//
// Backend path (seed 000, 常见问题 "后端 URL 组织问题"): with an empty
// ServiceConfig.Path the backend gets APIPath, the normalised path without
// the environment ("/release/apia/x" → "/apia/x"); otherwise it gets
// ServiceConfig.Path with its {variables} filled (percent-encoded) followed
// by the remainder after the matched prefix ("/apia/" on "/apia/x" with
// "/endpoint/" → "/endpoint/x"; one slash is dropped where both sides have
// one). Exact, param and regex routes have no remainder. The path
// forwarded is always built from the normalised path, never the raw one.
//
// Query: the client's arguments are kept as sent (raw bytes, order and
// duplicates), less those of parameters moved elsewhere and those named
// like a value the gateway sets; then the gateway appends defaults of
// absent parameters, mapped parameters, constants and system parameters,
// each once. A parameter read from a query or form is its first occurrence.
func (r *Route) Build(b *Backend, req *Request, res *Result, sys *System) *ParamError {
	pl := &r.plan
	b.Method, b.URI, b.Body, b.BodySet = nil, b.URI[:0], b.Body[:0], false
	b.SetHeaders, b.DropHeaders, b.scratch = b.SetHeaders[:0], b.DropHeaders[:0], b.scratch[:0]

	switch {
	case pl.method == nil:
		b.Method = req.Method
	case pl.methodGET && string(req.Method) == "HEAD":
		b.Method = headMethod
	default:
		b.Method = pl.method
	}

	// Front-end parameters: find, default, check.
	if cap(b.vals) < len(pl.in) {
		b.vals = make([]pval, len(pl.in), len(pl.in)+4)
	}
	b.vals = b.vals[:len(pl.in)]
	for i := range pl.in {
		in, v := &pl.in[i], &b.vals[i]
		var raw []byte
		found := false
		switch in.pos {
		case posPath:
			if in.capIdx < res.ncaps {
				c := res.caps[in.capIdx]
				raw, found = res.APIPath[c.s:c.e], true
			}
		case posQuery:
			raw, found = findArg(req.Query, in.name)
		case posHeader:
			for j := range req.Headers {
				if ascii.EqualFoldString(req.Headers[j].Name, in.name) {
					raw, found = req.Headers[j].Value, true
					break
				}
			}
		case posBody:
			if req.Form {
				raw, found = findArg(req.Body, in.name)
			}
		}
		if !found {
			switch {
			case in.required:
				return in.missing
			case in.hasDef:
				v.state, v.dec = defaulted, in.def
			default:
				v.state, v.dec = absent, nil
			}
			continue
		}
		start := len(b.scratch)
		switch in.pos {
		case posHeader:
			b.scratch = append(b.scratch, raw...)
		case posPath:
			b.scratch = appendDecode(b.scratch, raw, false)
		default:
			b.scratch = appendDecode(b.scratch, raw, true)
		}
		v.state, v.dec = present, b.scratch[start:len(b.scratch):len(b.scratch)]
		if !validValue(in.typ, v.dec) {
			return in.badType
		}
	}

	// Path.
	if pl.pathTpl == nil {
		b.URI = append(b.URI, res.APIPath...)
	} else {
		for i := range pl.pathTpl {
			p := &pl.pathTpl[i]
			if p.src < 0 {
				b.URI = append(b.URI, p.lit...)
				continue
			}
			v := &b.vals[p.src]
			val := v.dec
			if v.state == absent {
				if !p.hasDef {
					return pl.in[p.src].missing
				}
				val = p.def
			}
			start := len(b.URI)
			b.URI = appendEscape(b.URI, val)
			if seg := b.URI[start:]; len(seg) == 0 || isDots(seg) {
				return pl.in[p.src].badValue
			}
		}
		rem := res.APIPath[res.Rem:]
		if len(rem) > 0 && rem[0] == '/' && b.URI[len(b.URI)-1] == '/' {
			rem = rem[1:]
		}
		b.URI = append(b.URI, rem...)
	}
	if !cleanPath(b.URI) {
		return errBackendPath
	}

	// Query.
	q0 := len(b.URI)
	var n int
	b.URI, n = b.appendArgs(append(b.URI, '?'), req.Query, pl.dropQuery, pl.outs, posQuery, sys)
	if n == 0 {
		b.URI = b.URI[:q0]
	}

	// Headers.
	if len(pl.dropHeader) > 0 {
		for j := range req.Headers {
			for _, name := range pl.dropHeader {
				if ascii.EqualFoldString(req.Headers[j].Name, name) {
					b.DropHeaders = append(b.DropHeaders, j)
					break
				}
			}
		}
	}
	for i := range pl.outs {
		o := &pl.outs[i]
		if o.pos != posHeader {
			continue
		}
		val, ok := b.outValue(o, sys)
		if !ok {
			continue
		}
		if !validHeaderValue(val) {
			if o.kind == outMapped {
				return pl.in[o.src].badValue
			}
			continue
		}
		b.SetHeaders = append(b.SetHeaders, http1.Header{Name: o.nameB, Value: val})
	}

	// Body.
	if pl.bodyEdit && req.Form {
		b.Body, _ = b.appendArgs(b.Body, req.Body, pl.dropBody, pl.outs, posBody, sys)
		b.BodySet = true
	}
	return nil
}

// appendArgs appends a urlencoded argument list (a query or a form body):
// the client's arguments in src minus the dropped names, then the emitted
// parameters at pos. It returns the list and how many arguments it holds.
func (b *Backend) appendArgs(dst, src []byte, drop []string, outs []outParam, pos position, sys *System) ([]byte, int) {
	n := 0
	for q := src; len(q) > 0; {
		var arg []byte
		arg, q = nextArg(q)
		if len(arg) == 0 || nameListed(argName(arg), drop) {
			continue
		}
		if n > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, arg...)
		n++
	}
	for i := range outs {
		o := &outs[i]
		if o.pos != pos {
			continue
		}
		val, ok := b.outValue(o, sys)
		if !ok {
			continue
		}
		if n > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, o.nameB...)
		dst = append(dst, '=')
		dst = appendEscape(dst, val)
		n++
	}
	return dst, n
}

// outValue resolves the value of an emitted parameter; false means none.
func (b *Backend) outValue(o *outParam, sys *System) ([]byte, bool) {
	switch o.kind {
	case outDefault:
		v := &b.vals[o.src]
		return v.dec, v.state == defaulted
	case outMapped:
		v := &b.vals[o.src]
		if v.state != absent {
			return v.dec, true
		}
		return o.def, o.hasDef
	case outConst:
		return o.lit, true
	}
	if sys == nil {
		return nil, false
	}
	switch o.sys {
	case sysClientIP:
		return sys.ClientIP, true
	case sysRequestID:
		return sys.RequestID, true
	case sysHost:
		return sys.Host, true
	case sysTimeUnix:
		start := len(b.scratch)
		b.scratch = strconv.AppendInt(b.scratch, sys.Now, 10)
		return b.scratch[start:len(b.scratch):len(b.scratch)], true
	}
	return nil, false
}

// nameListed reports whether the urlencoded name decodes to one of names.
func nameListed(enc []byte, names []string) bool {
	for _, n := range names {
		if formNameIs(enc, n) {
			return true
		}
	}
	return false
}
