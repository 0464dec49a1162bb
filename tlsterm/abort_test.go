package tlsterm

import (
	"crypto/tls"
	"testing"
)

// A client handshake that crypto/tls completes while Abort comes in (the
// backend hung up right after our Finished, as a TLS 1.3 server refusing
// our client certificate does once it has sent its alert) is reported as
// completed, with the record layer that can open what the server sent
// before hanging up; it was ErrHandshakeAborted, and the alert was lost.
func TestAbortAfterClientFinished(t *testing.T) {
	s, err := NewServer(Config{Certificates: testTable(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ClientConfig{MaxVersion: tls.VersionTLS13, SessionTicketsDisabled: true})
	// se.peer is the client's handshake, set before the client writes.
	se := &pairEvents{done: make(chan struct{})}
	ce := &pairEvents{done: make(chan struct{}), tap: func(b []byte) []byte {
		for rec, rest := nextRecord(b); rec != nil; rec, rest = nextRecord(rest) {
			if rec[0] == recordAppData { // our encrypted Finished: the last thing we send
				se.peer.Abort()
			}
		}
		return b
	}}
	sh, ch := pairUp(t, s, c, se, ce)
	conn, _, _, err := ch.Result()
	if err != nil || conn == nil {
		t.Fatalf("aborted after crypto/tls completed the handshake: %v", err)
	}
	srv, _, _, err := sh.Result()
	if err != nil {
		t.Fatal(err)
	}
	// What the server sends now (here: its alert) opens with that Conn.
	alert := srv.AppendCloseNotify(nil)
	if _, _, err := conn.Open(make([]byte, 0, MaxPlaintext), alert); err != ErrCloseNotify {
		t.Fatalf("opening the server's alert: %v", err)
	}
}
