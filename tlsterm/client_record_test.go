package tlsterm

import (
	"crypto/tls"
	"testing"
)

// nstMsg is a NewSessionTicket (RFC 8446 §4.6.1) with a ticket of n bytes.
func nstMsg(n int) []byte {
	body := []byte{0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 7, byte(n >> 8), byte(n)}
	body = append(body, make([]byte, n)...)
	body = append(body, 0, 0) // no extensions
	return append([]byte{handshakeNewSessionTicket, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestClientPostHandshake13(t *testing.T) {
	// What a server may send a client after the handshake: tickets (no
	// feed here: accepted and ignored), in any record layout, and KeyUpdate.
	buf := make([]byte, 0, MaxPlaintext)
	nst := nstMsg(100)
	layouts := map[string]func(srv *Conn) []byte{
		"one ticket": func(srv *Conn) []byte {
			r, _ := srv.seal(nil, recordHandshake, nst)
			return r
		},
		"two tickets in one record": func(srv *Conn) []byte {
			r, _ := srv.seal(nil, recordHandshake, append(append([]byte{}, nst...), nst...))
			return r
		},
		"a ticket over three records, header split": func(srv *Conn) []byte {
			r, _ := srv.seal(nil, recordHandshake, nst[:2])
			r, _ = srv.seal(r, recordHandshake, nst[2:50])
			r, _ = srv.seal(r, recordHandshake, nst[50:])
			return r
		},
		"a big ticket over two records": func(srv *Conn) []byte {
			big := nstMsg(30000)
			r, _ := srv.seal(nil, recordHandshake, big[:maxFragment])
			r, _ = srv.seal(r, recordHandshake, big[maxFragment:])
			return r
		},
		"ticket then KeyUpdate(requested) in one record": func(srv *Conn) []byte {
			r, _ := srv.seal(nil, recordHandshake, append(append([]byte{}, nst...), handshakeKeyUpdate, 0, 0, 1, 1))
			srv.rekey(&srv.out)
			return r
		},
	}
	for name, build := range layouts {
		srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
		rec := build(srv)
		rec, _ = srv.Seal(rec, []byte("data"))
		out, n, err := cli.Open(buf, rec)
		if err != nil || n != len(rec) || string(out) != "data" {
			t.Fatalf("%s: %q %d/%d %v", name, out, n, len(rec), err)
		}
		// The client answers an owed KeyUpdate before its next record.
		req, _ := cli.Seal(nil, []byte("req"))
		if got, _, err := srv.Open(buf, req); err != nil || string(got) != "req" {
			t.Fatalf("%s: server reads %q %v", name, got, err)
		}
	}

	cases := []struct {
		name  string
		inner [][]byte // handshake content of consecutive records; nil: an application data record
		err   error
		alert uint8
	}{
		{"ticket cut by data", [][]byte{nst[:30], nil}, ErrUnexpectedMessage, AlertUnexpectedMessage},
		{"empty ticket", [][]byte{{handshakeNewSessionTicket, 0, 0, 0}}, ErrDecodeError, AlertDecodeError},
		{"ticket over 64 KiB", [][]byte{{handshakeNewSessionTicket, 1, 0, 1}}, ErrDecodeError, AlertDecodeError},
		{"certificate request", [][]byte{{13, 0, 0, 4, 0, 0, 0, 0}}, ErrUnexpectedMessage, AlertUnexpectedMessage},
		{"server hello", [][]byte{{2, 0, 0, 0}}, ErrUnexpectedMessage, AlertUnexpectedMessage},
		{"KeyUpdate before a ticket in its record", [][]byte{append([]byte{handshakeKeyUpdate, 0, 0, 1, 0}, nst...)}, ErrUnexpectedMessage, AlertUnexpectedMessage},
	}
	for _, tc := range cases {
		srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
		var rec []byte
		for _, in := range tc.inner {
			if in == nil {
				rec, _ = srv.Seal(rec, []byte("x"))
			} else {
				rec, _ = srv.seal(rec, recordHandshake, in)
			}
		}
		_, _, err := cli.Open(buf, rec)
		expectAlert(t, cli, srv, err, tc.err, tc.alert)
	}
}

func TestClientRenegotiation12(t *testing.T) {
	// A TLS 1.2 server's HelloRequest is refused with a no_renegotiation
	// warning and the end of the connection; other handshake messages are
	// unexpected.
	srv, cli := newPair(t, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
	rec, _ := srv.seal(nil, recordHandshake, []byte{handshakeHelloRequest, 0, 0, 0})
	_, _, err := cli.Open(make([]byte, 0, MaxPlaintext), rec)
	expectAlert(t, cli, srv, err, ErrRenegotiation, AlertNoRenegotiation)

	srv, cli = newPair(t, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
	rec, _ = srv.seal(nil, recordHandshake, []byte{2, 0, 0, 0})
	_, _, err = cli.Open(make([]byte, 0, MaxPlaintext), rec)
	expectAlert(t, cli, srv, err, ErrUnexpectedMessage, AlertUnexpectedMessage)
}
