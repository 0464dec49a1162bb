package edge

import (
	"strconv"

	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/router"
)

// The host's protocols against the connection's scheme (seed:
// CreateService and BindSubDomain Protocol, IsForcedHttps; README
// "HTTPS"). The router reports them per host (Result.Proto, 0 when no host
// matched: its own 404 follows).

// schemeOK reports whether the host is served over this connection as is.
func (cl *client) schemeOK(res *router.Result) bool {
	if res.Proto == 0 {
		return true
	}
	if cl.tls != nil {
		return res.Proto&router.ProtoHTTPS != 0
	}
	return res.Proto&router.ProtoHTTP != 0 && !forcesHTTPS(res)
}

// forcesHTTPS: IsForcedHttps counts only where HTTPS is served.
func forcesHTTPS(res *router.Result) bool {
	return res.ForceHTTPS && res.Proto&router.ProtoHTTPS != 0
}

// refuseScheme answers a request schemeOK refused: a redirect to HTTPS on a
// host that forces it, else HttpsRequired (plain request, HTTPS-only host)
// or HttpsNotEnabled (TLS request, HTTP-only host).
func (cl *client) refuseScheme(req *http1.Request, res *router.Result) {
	switch {
	case cl.tls != nil:
		cl.fail(errHTTPSNotEnabled)
	case forcesHTTPS(res):
		cl.redirectHTTPS(req)
	default:
		cl.fail(errHTTPSRequired)
	}
}

// redirectHTTPS sends the client to https://host[:port]/path?query. GET
// and HEAD get 301, which every client follows; other methods 308 (RFC
// 9110 §15.4.9), which keeps the method and body where 301 may turn them
// into a GET. The port is Config.PublicHTTPSPort, else the HTTPS
// listener's, left out when 443.
func (cl *client) redirectHTTPS(req *http1.Request) {
	l := cl.l
	code := 308
	if m := string(req.Method); m == "GET" || m == "HEAD" {
		code = 301
	}
	b := appendStatusLine(l.tmp[:0], code, nil)
	b = append(b, "Location: https://"...)
	b = append(b, hostName(req.Host)...)
	if p := l.s.redirectPort(); p != 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(p), 10)
	}
	if len(req.Path) > 0 && req.Path[0] == '/' {
		b = append(b, req.Path...)
	} else {
		b = append(b, '/') // "OPTIONS *"
	}
	if req.Query != nil {
		b = append(b, '?')
		b = append(b, req.Query...)
	}
	b = cl.appendStamp(append(b, "\r\nContent-Length: 0\r\n"...))
	b = append(b, cl.respExtra...)
	cl.sendAnswer(cl.appendHeadEnd(b))
}

// hostName is a Host value without its port ("[::1]:80" -> "[::1]").
func hostName(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		for i, c := range h {
			if c == ']' {
				return h[:i+1]
			}
		}
		return h
	}
	for i, c := range h {
		if c == ':' {
			return h[:i]
		}
	}
	return h
}
