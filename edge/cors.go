package edge

import (
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/snapshot"
)

// corsRT is one route's CORS policy with its header lines rendered once
// per snapshot, so a request only appends bytes.
type corsRT struct {
	pol *snapshot.CORS
	// star: answer "Access-Control-Allow-Origin: *" (any origin without
	// credentials); otherwise the request's Origin is echoed, with
	// "Vary: Origin" (Fetch standard, CORS protocol and HTTP caches).
	star bool
	// actual follows Access-Control-Allow-Origin on an actual response:
	// Vary, Expose-Headers, Allow-Credentials.
	actual []byte
	// preflight follows it on a preflight answer: Allow-Methods,
	// Allow-Headers (when not echoed), Max-Age, Allow-Credentials.
	preflight []byte
}

func newCorsRT(p *snapshot.CORS) *corsRT {
	c := &corsRT{pol: p, star: p.AnyOrigin && !p.Credentials}
	var b strings.Builder
	if !c.star {
		b.WriteString("Vary: Origin\r\n")
	}
	if len(p.ExposeHeaders) > 0 {
		b.WriteString("Access-Control-Expose-Headers: " + strings.Join(p.ExposeHeaders, ", ") + "\r\n")
	}
	if p.Credentials {
		b.WriteString("Access-Control-Allow-Credentials: true\r\n")
	}
	c.actual = []byte(b.String())
	b.Reset()
	b.WriteString("Access-Control-Allow-Methods: " + strings.Join(p.Methods, ", ") + "\r\n")
	if !p.AnyHeader && len(p.AllowHeaders) > 0 {
		b.WriteString("Access-Control-Allow-Headers: " + strings.Join(p.AllowHeaders, ", ") + "\r\n")
	}
	b.WriteString("Access-Control-Max-Age: " + strconv.FormatInt(p.MaxAge, 10) + "\r\n")
	if p.Credentials {
		b.WriteString("Access-Control-Allow-Credentials: true\r\n")
	}
	c.preflight = []byte(b.String())
	return c
}

// headerValue returns the first value of the field named lower.
func headerValue(hs []http1.Header, lower string) ([]byte, bool) {
	for i := range hs {
		if ascii.EqualFold(hs[i].Name, lower) {
			return hs[i].Value, true
		}
	}
	return nil, false
}

// appendAllowOrigin appends the Access-Control-Allow-Origin line.
func (c *corsRT) appendAllowOrigin(dst, origin []byte) []byte {
	if c.star {
		return append(dst, "Access-Control-Allow-Origin: *\r\n"...)
	}
	dst = append(dst, "Access-Control-Allow-Origin: "...)
	dst = append(dst, origin...)
	return append(dst, "\r\n"...)
}

// corsActual adds the CORS lines of an actual (non-preflight) request to
// the response: for an allowed Origin, Access-Control-Allow-Origin and the
// rest; otherwise only Vary (the browser then withholds the response from
// the page). It does not allocate once respExtra has grown.
func (cl *client) corsActual(c *corsRT, req *http1.Request) {
	origin, ok := headerValue(req.Headers, "origin")
	if !ok || !c.pol.AllowsOrigin(origin) {
		if !c.star {
			cl.respExtra = append(cl.respExtra, "Vary: Origin\r\n"...)
		}
		return
	}
	cl.respExtra = c.appendAllowOrigin(cl.respExtra, origin)
	cl.respExtra = append(cl.respExtra, c.actual...)
}

// preflight answers a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method; Fetch standard §3.2.2) for a route with a
// CORS policy. The route is the one the announced method reaches, so an
// API defined for GET answers the OPTIONS that precedes its GET instead of
// 405. It reports false, having answered nothing, when the request is not
// a preflight or that route has no CORS policy: the request is then served
// as an ordinary OPTIONS.
func (cl *client) preflight(req *http1.Request, rt *runtime) bool {
	origin, ok := headerValue(req.Headers, "origin")
	if !ok {
		return false
	}
	acrm, ok := headerValue(req.Headers, "access-control-request-method")
	if !ok || len(acrm) == 0 {
		return false
	}
	l := cl.l
	rr := &l.rreq
	rr.Host, rr.Method, rr.Path, rr.Query, rr.Headers = req.Host, acrm, req.Path, req.Query, req.Headers
	rr.Body, rr.Form = nil, false
	res := &l.rres
	rt.router.Lookup(rr, res)
	if res.Status != 0 || !cl.schemeOK(res) {
		return false // handle answers it
	}
	c := rt.traffic.cors[res.Route.Index]
	if c == nil {
		return false
	}
	a := &rt.apis[res.Route.Index]
	cl.api = a
	// IP control applies to preflights too; authentication does not (a
	// preflight carries no credentials, Fetch standard §3.2.5).
	if !cl.checkIP(a, req) {
		return true
	}
	b := cl.appendStamp(append(l.tmp[:0], "HTTP/1.1 204 No Content\r\n"...))
	if c.pol.AllowsOrigin(origin) && c.pol.AllowsMethod(acrm) {
		b = c.appendAllowOrigin(b, origin)
		b = append(b, c.preflight...)
		if c.pol.AnyHeader {
			if h, ok := headerValue(req.Headers, "access-control-request-headers"); ok && len(h) > 0 {
				b = append(b, "Access-Control-Allow-Headers: "...)
				b = append(b, h...)
				b = append(b, "\r\n"...)
			}
		}
	}
	// Refused or not, the answer depends on these request fields.
	b = append(b, "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers\r\n"...)
	cl.sendAnswer(cl.appendHeadEnd(b))
	return true
}

// isPreflightCandidate is the cheap test handle makes before preflight.
func isPreflightCandidate(rt *runtime, req *http1.Request) bool {
	return rt.traffic.anyCORS && string(req.Method) == "OPTIONS"
}
