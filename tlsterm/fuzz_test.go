package tlsterm

import (
	"crypto/tls"
	"testing"
)

// FuzzOpen: after a handshake, any bytes from the peer either open or fail
// with an error; Open never panics, never returns more than it was given,
// and its work is bounded by the input (each record is looked at once).
func FuzzOpen(f *testing.F) {
	_, cli := newPair(f, tls.TLS_AES_128_GCM_SHA256)
	rec, _ := cli.Seal(nil, []byte("GET / HTTP/1.1\r\n\r\n"))
	ku, _ := cli.AppendKeyUpdate(nil, true)
	f.Add(rec, uint8(0))
	f.Add(append(rec, ku...), uint8(0))
	f.Add([]byte{23, 3, 3, 0, 17, 1, 2, 3}, uint8(1))
	f.Add([]byte{21, 3, 3, 0, 2, 1, 0}, uint8(1))
	f.Add([]byte{22, 3, 3, 0x40, 0}, uint8(2))
	ids := []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_CHACHA20_POLY1305_SHA256}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		srv, _ := newPair(t, ids[int(which)%len(ids)])
		buf := make([]byte, 0, MaxPlaintext)
		in := data
		for range len(data) + 2 {
			out, n, err := srv.Open(buf[:0], in)
			if n < 0 || n > len(in) || len(out) > len(in) {
				t.Fatalf("n %d out %d of %d", n, len(out), len(in))
			}
			in = in[n:]
			if err != nil || n == 0 {
				return
			}
		}
		t.Fatal("Open did not converge")
	})
}

// FuzzOpenClient: the client role's opener past authentication. The input
// is a list of records the server sends, sealed with the right keys, so
// the fuzzer reaches what FuzzOpen's forged records cannot: the parsing of
// post-handshake messages (tickets in any layout, fed to crypto/tls on the
// TLS 1.3 connection of a real handshake; KeyUpdate; HelloRequest),
// alerts and padding. Each piece: a selector byte, a length byte, and that
// many bytes of content; the selector's low two bits pick the content type
// (20-23), bit 2 seals the content as a raw TLS 1.3 inner plaintext (type
// and padding included), bit 3 sends it in clear, bit 4 picks TLS 1.2.
// Open gets the records in pieces of any size; it must not panic, consume
// more than it was given, or change its mind after an error.
func FuzzOpenClient(f *testing.F) {
	s, err := NewServer(Config{Certificates: testTable(f, true)})
	if err != nil {
		f.Fatal(err)
	}
	p13 := runPair(f, s, newClient(f, ClientConfig{}), nil)
	if p13.cliErr != nil {
		f.Fatal(p13.cliErr)
	}
	shared := p13.cli.tickets
	_, c12 := newPair(f, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
	piece := func(sel uint8, b []byte) []byte { return append([]byte{sel, byte(len(b))}, b...) }
	nst := nstMsg(40)
	f.Add(piece(2, nst), uint8(7))
	f.Add(append(piece(2, nst[:3]), piece(2, nst[3:])...), uint8(1))
	f.Add(append(piece(2, append(append([]byte{}, nst...), handshakeKeyUpdate, 0, 0, 1, 1)), piece(3, []byte("data"))...), uint8(5))
	f.Add(append(piece(3, []byte("data")), piece(1, []byte{1, 0})...), uint8(0))
	f.Add(piece(4|3, []byte{'x', recordAppData, 0, 0}), uint8(3))
	f.Add(piece(16|2, []byte{handshakeHelloRequest, 0, 0, 0}), uint8(2))
	f.Add(piece(8|2, []byte{1, 2, 3}), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		base := p13.cli
		if len(data) > 0 && data[0]&16 != 0 {
			base = c12
		}
		cli := *base
		if shared != nil && base == p13.cli {
			// A feed of its own (the message being gathered) on the shared
			// crypto/tls client, whose read sequence enc carries over. A
			// ticket that crypto/tls refused leaves it refusing: later
			// inputs then cover our side only.
			fe := &ticketFeed{tc: shared.tc, tr: shared.tr, enc: shared.enc}
			cli.tickets = fe
			defer func() { shared.enc = fe.enc }()
		}
		srv := Conn{suite: cli.suite, vers13: cli.vers13, out: cli.in}
		var wire []byte
		for len(data) >= 2 {
			sel, n := data[0], int(data[1])
			body := data[2:min(len(data), 2+n)]
			data = data[2+len(body):]
			typ := recordCCS + sel&3
			switch {
			case sel&8 != 0:
				wire = append(wire, typ, 3, 3, byte(len(body)>>8), byte(len(body)))
				wire = append(wire, body...)
			case sel&4 != 0 && srv.vers13:
				wire, _ = srv.sealInner(wire, body)
			default:
				wire, _ = srv.seal(wire, typ, body)
			}
		}
		buf := make([]byte, 0, MaxPlaintext)
		in, fed := []byte(nil), 0
		chunk := int(step)%64 + 1
		for range 2*len(wire) + 2 {
			next := min(len(wire), fed+chunk)
			in, fed = append(in, wire[fed:next]...), next
			out, n, err := cli.Open(buf[:0], in)
			if n < 0 || n > len(in) || len(out) > len(in) {
				t.Fatalf("n %d out %d of %d", n, len(out), len(in))
			}
			in = in[n:]
			if err != nil {
				if _, _, err2 := cli.Open(buf[:0], in); err2 != err {
					t.Fatalf("error changed: %v then %v", err, err2)
				}
				return
			}
			if fed == len(wire) && n == 0 {
				return
			}
		}
		t.Fatal("Open did not converge")
	})
}
