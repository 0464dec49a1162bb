package edge

import (
	"strconv"

	"github.com/edgegate/edgegate/http1"
)

// appendUpstreamHead renders the request head sent to the backend. Client
// fields pass through except hop-by-hop ones (RFC 9110 §7.6.1, including
// those the client lists in Connection), framing (re-emitted), and the
// forwarding fields the gateway owns: X-Forwarded-For gets the client
// address appended (or alone with XFFReplace); X-Real-IP,
// X-Forwarded-Proto (https on the HTTPS listener), X-Forwarded-Host and
// X-Request-Id are always the gateway's, whatever the client sent
// (client-sent X-Forwarded-Port,
// X-Forwarded-Prefix and Forwarded are dropped, not trusted); so are
// X-Secret-ID and X-UsagePlan-ID, sent only for a verified key pair.
func (l *loop) appendUpstreamHead(dst []byte, cl *client, req *http1.Request, a *apiRT) []byte {
	rb := &l.rb
	method := rb.Method
	if len(method) == 0 {
		method = req.Method
	}
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, rb.URI...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	cl.hostOff = len(dst)
	if len(a.host) > 0 {
		dst = append(dst, a.host...)
	} else {
		dst = append(dst, cl.t.addr...)
	}
	cl.hostEnd = len(dst)
	dst = append(dst, "\r\n"...)

	var drop [2]uint64 // header indexes the router moved or renamed
	for _, i := range rb.DropHeaders {
		if i >= 0 && i < 128 {
			drop[i>>6] |= 1 << (i & 63)
		}
	}
	dropUnderscore := l.s.cfg.Underscores == UnderscoreDrop
	xff := false
	for i := range req.Headers {
		h := &req.Headers[i]
		if i < 128 && drop[i>>6]&(1<<(i&63)) != 0 {
			continue
		}
		switch h.Kind {
		case http1.KindOther:
			if h.Underscore && dropUnderscore {
				continue
			}
			if isIdentityHeader(h.Name) {
				// Asserted by the gateway alone, on every API whatever its
				// auth type, so one backend behind both kinds can trust
				// them (auth.go; issue 11, defect 3).
				continue
			}
		case http1.KindXForwardedFor:
			xff = true
			continue
		default:
			continue
		}
		dst = appendField(dst, h.Name, h.Value)
	}
	dst = append(dst, "X-Forwarded-For: "...)
	if xff && !l.s.cfg.XFFReplace {
		for i := range req.Headers {
			if h := &req.Headers[i]; h.Kind == http1.KindXForwardedFor && len(h.Value) > 0 {
				dst = append(dst, h.Value...)
				dst = append(dst, ", "...)
			}
		}
	}
	dst = append(dst, cl.ip...)
	dst = append(dst, "\r\nX-Real-IP: "...)
	dst = append(dst, cl.ip...)
	if cl.tls != nil {
		dst = append(dst, "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: "...)
	} else {
		dst = append(dst, "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: "...)
	}
	dst = append(dst, req.Host...)
	dst = append(dst, "\r\nX-Request-Id: "...)
	dst = append(dst, cl.id[:]...)
	dst = append(dst, "\r\n"...)
	dst = append(dst, l.auth.up...)
	for i := range rb.SetHeaders {
		dst = appendField(dst, rb.SetHeaders[i].Name, rb.SetHeaders[i].Value)
	}
	switch {
	case rb.BodySet:
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(rb.Body)), 10)
		dst = append(dst, "\r\n"...)
	case cl.ws:
		dst = append(dst, "Connection: Upgrade\r\nUpgrade: websocket\r\n"...)
	case req.Chunked:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	case req.ContentLength >= 0:
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, req.ContentLength, 10)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// appendResponseHead renders the response head for the client: the
// backend's fields minus hop-by-hop ones and framing, plus X-Request-Id and
// the framing this hop uses.
func (l *loop) appendResponseHead(dst []byte, cl *client, r *http1.Response, u *upstream) []byte {
	dst = appendStatusLine(dst, r.Status, r.Reason)
	keepCL := u.mode == respNone && r.Status != 204 // HEAD and 304 keep the backend's Content-Length
	dst = u.appendRelayedZ(dst, r.Headers, keepCL)  // with the compression edits (compress.go)
	dst = append(dst, "X-Request-Id: "...)
	dst = append(dst, cl.id[:]...)
	dst = append(dst, "\r\n"...)
	dst = append(dst, cl.respExtra...)
	switch u.mode {
	case respLength:
		if u.z.enc != nil { // compressed: re-framed chunked (compress.go)
			dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
			break
		}
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, u.left, 10)
		dst = append(dst, "\r\n"...)
	case respChunked, respClose:
		if u.rechunk {
			dst = appendChunkedTE(dst, r.Headers, u.teCoded)
		}
	}
	if cl.closeAfter || cl.l.s.draining.Load() {
		cl.closeAfter = true
		dst = append(dst, "Connection: close\r\n"...)
	} else if cl.minor == 0 {
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// appendRelayed appends the backend's response fields the client gets:
// not the hop-by-hop ones (RFC 9110 §7.6.1), not X-Request-Id (the
// gateway's own), and Content-Length only with keepCL (the gateway frames
// the body itself).
func appendRelayed(dst []byte, hs []http1.Header, keepCL bool) []byte {
	for i := range hs {
		h := &hs[i]
		switch h.Kind {
		case http1.KindConnection, http1.KindKeepAlive, http1.KindProxyConnection, http1.KindTE,
			http1.KindTrailer, http1.KindTransferEncoding, http1.KindUpgrade, http1.KindHopByHop,
			http1.KindXRequestID:
			continue
		case http1.KindContentLength:
			if !keepCL {
				continue
			}
		}
		dst = appendField(dst, h.Name, h.Value)
	}
	return dst
}

// appendField appends the header line "name: value\r\n".
func appendField(dst, name, value []byte) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// retarget rewrites the Host line of a built head for another target of a
// target list (a connect failure moved the request).
func (cl *client) retarget(t *target) {
	if len(cl.api.host) > 0 || cl.hostEnd == 0 {
		return
	}
	l := cl.l
	tail := append(l.tmp[:0], cl.head[cl.hostEnd:]...)
	cl.head = append(append(cl.head[:cl.hostOff], t.addr...), tail...)
	cl.hostEnd = cl.hostOff + len(t.addr)
	l.tmp = tail[:0]
	cl.resign() // backendsign.go: the Host is signed
}
