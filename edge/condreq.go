package edge

import (
	"github.com/edgegate/edgegate/cond"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/router"
	"github.com/edgegate/edgegate/snapshot"
)

// condReq lets a parameter strategy's compiled condition (cond.Program)
// and its counted parameter read the request being admitted. One lives
// in each loop and is re-pointed per request, so evaluation allocates
// nothing. Values alias the read buffer and the router's Result: valid
// until the request's handle returns.
type condReq struct {
	req *http1.Request
	res *router.Result
	ip  []byte
}

func (r *condReq) reset(req *http1.Request, res *router.Result, ip []byte) {
	r.req, r.res, r.ip = req, res, ip
}

// Header returns the first field named name (lower case).
func (r *condReq) Header(name string) ([]byte, bool) { return headerValue(r.req.Headers, name) }

// Query returns the raw (undecoded) value of the first parameter called
// name; a parameter without '=' has an empty value.
func (r *condReq) Query(name string) ([]byte, bool) {
	q := r.req.Query
	for len(q) > 0 {
		i := 0
		for i < len(q) && q[i] != '&' {
			i++
		}
		arg := q[:i]
		if i < len(q) {
			q = q[i+1:]
		} else {
			q = nil
		}
		eq := 0
		for eq < len(arg) && arg[eq] != '=' {
			eq++
		}
		if string(arg[:eq]) == name {
			if eq < len(arg) {
				return arg[eq+1:], true
			}
			return arg[eq:], true
		}
	}
	return nil, false
}

// PathParam returns a {name} variable of the matched route; the empty
// name is the whole API path (seed 参数流量控制: 参数位置 Path).
func (r *condReq) PathParam(name string) ([]byte, bool) {
	if name == "" {
		return r.res.APIPath, true
	}
	return r.res.Param(name)
}

func (r *condReq) Method() []byte   { return r.req.Method }
func (r *condReq) ClientIP() []byte { return r.ip }

// param returns the value a parameter strategy counts by (seed
// 参数流量控制: each distinct value has its own limit); false when the
// request lacks it, in which case the strategy does not apply.
func (r *condReq) param(ref snapshot.ParamRef) ([]byte, bool) {
	switch ref.Src {
	case cond.Header:
		return r.Header(ref.Name)
	case cond.Query:
		return r.Query(ref.Name)
	case cond.Path:
		return r.PathParam(ref.Name)
	}
	return nil, false
}
