package edge

import (
	"bytes"

	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/http1"
)

// Backend signatures (signature keys, Huawei APIG 签名密钥): a request to
// an API bound to a key goes upstream signed (package backendsign), so the
// backend can tell the gateway's traffic from anyone else's. The head is
// signed once built (handle), and again when a connect failure moves the
// request to another target and its Host changes (retarget). The signer
// is the loop's; signing allocates nothing once its buffers have grown.

// maxSignedBody bounds the body the edge holds whole before sending the
// head, so that its hash is signed: the form bound, which the TLS
// plaintext buffers are sized for (tlsserver.go). Larger bodies, chunked
// ones and those behind Expect: 100-continue are streamed as
// UNSIGNED-PAYLOAD (backendsign's doc says what a backend may do).
const maxSignedBody = maxFormBody

// signState is what re-signing a client's head needs: the payload hash
// (hex SHA-256, or UNSIGNED-PAYLOAD), which the body may no longer give.
type signState struct {
	payload [64]byte
	n       uint8
}

// signer is the loop's backendsign.Signer, made on first use.
func (l *loop) signer() *backendsign.Signer {
	if l.bsign == nil {
		l.bsign = backendsign.NewSigner()
	}
	return l.bsign
}

// awaitSignedBody reports whether the request goes to a signing API and
// its (Content-Length, at most maxSignedBody) body has not fully arrived:
// the head is parsed again once it has, like a form body (awaitForm).
func (cl *client) awaitSignedBody(req *http1.Request, rest []byte) bool {
	if req.ContentLength <= 0 || req.ContentLength > maxSignedBody || int64(len(rest)) >= req.ContentLength || req.ExpectContinue {
		return false
	}
	l := cl.l
	rt := l.s.rt.Load()
	if !rt.signs {
		return false
	}
	rr := &l.rreq
	rr.Host, rr.Method, rr.Path, rr.Query, rr.Headers = req.Host, req.Method, req.Path, req.Query, req.Headers
	rr.Body, rr.Form = nil, false
	rt.router.Lookup(rr, &l.rres)
	return l.rres.Status == 0 && rt.apis[l.rres.Route.Index].sign != nil
}

// signHead signs cl.head, just built for a, with a's key. The payload is
// the router's rewritten body, else the client's when it is all in rest
// (the bytes after the head), else UNSIGNED-PAYLOAD.
func (cl *client) signHead(req *http1.Request, rest []byte, a *apiRT) {
	l := cl.l
	p := cl.bs.payload[:0]
	switch {
	case l.rb.BodySet:
		p = backendsign.AppendPayloadHash(p, l.rb.Body)
	case cl.ws || (!req.Chunked && req.ContentLength <= 0):
		p = backendsign.AppendPayloadHash(p, nil)
	case !req.Chunked && int64(len(rest)) >= req.ContentLength:
		p = backendsign.AppendPayloadHash(p, rest[:req.ContentLength])
	default:
		p = append(p, backendsign.UnsignedPayload...)
	}
	cl.bs.n = uint8(len(p))
	// A head the edge built always ends with its empty line.
	cl.head, _ = l.signer().SignHead(cl.head, a.sign, p, l.unix())
}

// resign signs cl.head again after retarget rewrote its Host; a body the
// router set follows the head and is kept.
func (cl *client) resign() {
	a := cl.api
	if a.sign == nil {
		return
	}
	l := cl.l
	end := bytes.Index(cl.head, crlfcrlf) + len(crlfcrlf)
	tail := append(l.tmp[:0], cl.head[end:]...)
	head, _ := l.signer().SignHead(cl.head[:end], a.sign, cl.bs.payload[:cl.bs.n], l.unix())
	cl.head = append(head, tail...)
	l.tmp = tail[:0]
}

var crlfcrlf = []byte("\r\n\r\n")
