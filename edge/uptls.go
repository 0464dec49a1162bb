package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/edgegate/edgegate/tlsterm"
)

// upTLS is the TLS side of a connection to an https:// or wss:// target
// (README "Backends over TLS"), the client-role twin of tlsConn: the
// target's tlsterm.Client (one per target, so per address and TLS
// configuration, shared by the loops; its session cache resumes new
// connections) runs the handshake off the loop: the upstream's OnTraffic
// feeds it, its flights leave through gnet's AsyncWrite (copied) and its
// end comes back with EventLoop.Execute (Run). Then the record layer runs
// on the loop: requests are sealed into the loop's seal buffer and handed
// to gnet's Write, responses opened into a plaintext buffer lent by the
// loop (recIn) and returned once read, so a pooled connection holds only
// its record keys. Back-pressure counts ciphertext (gnet's buffers).
type upTLS struct {
	u     *upstream
	hs    *tlsterm.Handshake // until the handshake ends
	recIn                    // the record layer's read side, once it has
	rerr  error              // the read side ended: close_notify or a fatal error
	// early holds what the backend sent after its part of the handshake
	// and before Run: its tickets, or the alert a TLS 1.3 backend refusing
	// our client certificate sends before it hangs up, which must outlive
	// gnet's buffer if the connection closes first.
	early []byte
}

// setupTLS builds t's handshake client and the tls.Config of its active
// check (the same name, trust and client certificate). The handshake is
// bounded by timeout (the connect timeout). A client certificate outside
// its validity is used with a warning, as served certificates are
// (parseCertificate): the backend judges it.
func (t *target) setupTLS(timeout time.Duration) (warn string, err error) {
	c := t.tlsCfg
	cfg := tlsterm.ClientConfig{Target: t.addr, ServerName: c.ServerName,
		InsecureSkipVerify: c.InsecureSkipVerify, HandshakeTimeout: timeout}
	check := &tls.Config{ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify,
		MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	if c.CABundlePEM != "" {
		cfg.CABundle = []byte(c.CABundlePEM)
		check.RootCAs = x509.NewCertPool()
		check.RootCAs.AppendCertsFromPEM(cfg.CABundle) // NewClient refuses a bad bundle
	}
	if c.ClientCertPEM != "" {
		kp, w, err := parseCertificate([]byte(c.ClientCertPEM), []byte(c.ClientKeyPEM), true)
		if err != nil {
			return "", fmt.Errorf("client certificate: %w", err)
		}
		warn = w
		cfg.Certificate = kp.Cert
		check.Certificates = []tls.Certificate{*kp.Cert}
	}
	if t.tls, err = tlsterm.NewClient(cfg); err != nil {
		return "", err
	}
	t.checkTLS = check
	return warn, nil
}

// startTLS begins the handshake on a connection just opened to a TLS
// target; ready follows when it ends well. The client's dial deadline
// is renewed for it; tlsterm's timeout (the connect timeout) ends it first.
func (u *upstream) startTLS() {
	x := &upTLS{u: u}
	u.tls = x
	if cl := u.cl; cl != nil && cl.up == u && !cl.dead {
		cl.setDeadline(u.l.now()+int64(u.l.s.cfg.ConnectTimeout)+int64(time.Second), dlDial)
	}
	x.hs = u.t.tls.NewHandshake(x)
}

// HandshakeWrite implements tlsterm.Events (on the handshake's goroutine).
func (x *upTLS) HandshakeWrite(b []byte) { asyncCopy(x.u.c, b) }

// HandshakeDone implements tlsterm.Events: the rest runs on the loop (Run).
func (x *upTLS) HandshakeDone(*tlsterm.Handshake) {
	_ = x.u.l.el.Execute(context.Background(), x)
}

// feed hands the backend's bytes to the handshake; what it declines (the
// handshake has ended) is kept for the record layer.
func (x *upTLS) feed() {
	c := x.u.c
	feedHandshake(c, x.hs)
	if buf, _ := c.Peek(-1); len(buf) > 0 {
		x.early = append(x.early, buf...)
		consume(c, len(buf))
	}
}

// Run ends the handshake on the loop (gnet.Runnable): the request goes
// out, or the attempt fails with UpstreamTLSError (a target failure for
// passive health). Nothing reached the backend's HTTP server, so another
// target may be tried.
func (x *upTLS) Run(context.Context) error {
	u := x.u
	hs := x.hs
	if hs == nil {
		return nil
	}
	x.hs = nil
	l := u.l
	l.enter()
	defer l.exit()
	rl, left, st, err := hs.Result()
	left = append(left, x.early...)
	x.early = nil
	if err == nil && u.dead {
		err = lastWords(l, rl, left) // it ended well, but the backend has gone
	}
	if err != nil {
		l.ctr.add(cUpTLSFailed, 1)
		u.t.fail(l.now())
		cl := u.cl
		u.cl = nil
		u.close()
		if cl != nil && cl.up == u {
			cl.up = nil
			cl.upstreamFailed(upTLSFailure(err), false, true)
		}
		return nil
	}
	l.ctr.add(cUpTLSHandshakes, 1)
	if st.DidResume {
		l.ctr.add(cUpTLSResumed, 1)
	}
	x.rl = rl
	if len(left) > 0 {
		x.carry = left
	}
	u.ready()
	if !u.dead && x.buffered()+u.c.InboundBuffered() > 0 {
		u.process() // the backend spoke first (a ticket, or bytes it should not have sent)
	}
	return nil
}

// lastWords opens what a backend sent before it closed a connection
// whose handshake had just ended: an alert (certificate_required) is the
// error; without one, the backend hung up.
func lastWords(l *loop, rl *tlsterm.Conn, src []byte) error {
	buf := l.getPlain(false)
	defer l.putPlain(buf, false)
	for wholeRecord(src) {
		_, n, err := rl.Open(buf[:0], src)
		if err != nil && err != tlsterm.ErrShortBuffer {
			return err
		}
		if n == 0 {
			break
		}
		src = src[n:]
	}
	return tlsterm.ErrHandshakeAborted
}

// failed ends the read side, sending the alert the record layer owes.
func (x *upTLS) failed(err error) {
	x.rerr = err
	if x.rl.Pending() {
		_, _ = x.u.c.Write(x.rl.AppendPending(x.u.l.seal[:0]))
	}
}

// write seals b into records for the backend (sealer; requests, bodies,
// tunnel bytes).
func (x *upTLS) write(b []byte) {
	u := x.u
	l := u.l
	for len(b) > 0 && !u.dead {
		k := min(len(b), sealChunk)
		out, err := x.rl.Seal(l.seal[:0], b[:k])
		l.seal = out[:0]
		if len(out) > 0 {
			_, _ = u.c.Write(out)
		}
		if err != nil {
			u.close() // the write side is over (sequence numbers exhausted)
			return
		}
		b = b[k:]
	}
}

// closeNotify precedes a close the gateway chose (RFC 8446 §6.1).
func (x *upTLS) closeNotify() {
	if x.rl != nil && x.rerr == nil {
		_, _ = x.u.c.Write(x.rl.AppendCloseNotify(x.u.l.seal[:0]))
	}
}

// closed runs once the connection is gone; buffers go back to the loop.
// A handshake still running is stopped, but what the backend sent before
// hanging up is still read (an alert gives the error): Run reports the
// failure then, and closed returns true.
func (x *upTLS) closed() bool {
	x.drop(x.u.l)
	if x.hs != nil {
		x.hs.Abort()
		return true
	}
	return false
}

// ended handles the end of the backend's records with nothing left to
// read: close_notify is the backend closing (closed() then retries a
// stale pooled connection, ends a close-delimited body or cuts the
// client, as for a FIN); a fatal error before any response byte is a TLS
// failure (a TLS 1.3 backend refusing our client certificate says so
// only after the handshake: certificate_required).
func (u *upstream) tlsEnded() {
	err := u.tls.rerr
	cl := u.cl
	if err != tlsterm.ErrCloseNotify && cl != nil && u.phase == upHead && !u.gotBytes {
		u.t.fail(u.l.now())
		cl.upstreamFailed(upTLSFailure(err), false, false)
		return
	}
	u.close()
}

// upTLSErrors are the failures of tlsterm's stable handshake errors.
var upTLSErrors = []struct {
	err error
	f   *failure
}{
	{tlsterm.ErrUnknownAuthority, errUpTLSUnknownCA}, {tlsterm.ErrNameMismatch, errUpTLSName},
	{tlsterm.ErrCertificateExpired, errUpTLSExpired}, {tlsterm.ErrCertificateInvalid, errUpTLSInvalid},
	{tlsterm.ErrHandshakeTimeout, errUpTLSTimeout}, {tlsterm.ErrHandshakeAborted, errUpTLSClosed},
}

// upTLSFailure names a failed TLS attempt for the client.
func upTLSFailure(err error) *failure {
	for _, e := range upTLSErrors {
		if errors.Is(err, e.err) {
			return e.f
		}
	}
	var a tlsterm.AlertError
	if errors.As(err, &a) {
		if f := upTLSAlerts[a]; f != nil {
			return f
		}
		return errUpTLSAlert
	}
	return errUpTLSOther
}

// upTLSAlerts are the failures for the alerts a backend refuses a
// handshake with (RFC 8446 §6.2), made once: an error answer allocates
// nothing.
var upTLSAlerts = func() map[tlsterm.AlertError]*failure {
	names := map[uint8]string{
		tlsterm.AlertHandshakeFailure: "handshake_failure", tlsterm.AlertBadCertificate: "bad_certificate",
		43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
		46: "certificate_unknown", tlsterm.AlertIllegalParameter: "illegal_parameter", 48: "unknown_ca",
		49: "access_denied", tlsterm.AlertDecodeError: "decode_error", 51: "decrypt_error",
		tlsterm.AlertProtocolVersion: "protocol_version", 71: "insufficient_security",
		tlsterm.AlertInternalError: "internal_error", tlsterm.AlertUnrecognizedName: "unrecognized_name",
		tlsterm.AlertNoApplicationProto: "no_application_protocol",
	}
	m := map[tlsterm.AlertError]*failure{tlsterm.AlertError(tlsterm.AlertCertificateRequired): errUpTLSCertReq}
	for a, n := range names {
		m[tlsterm.AlertError(a)] = &failure{502, errUpTLSAlert.code,
			"TLS to the backend failed: the backend sent alert " + n + " (" + strconv.Itoa(int(a)) + ")"}
	}
	return m
}()
