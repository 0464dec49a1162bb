package tlsterm

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"math"
	"testing"
)

// newPair builds a server Conn and its mirror (the client's record layer)
// for a suite from random secrets, with handoff's constructors.
func newPair(t testing.TB, id uint16) (srv, cli *Conn) {
	t.Helper()
	s := suiteByID(id)
	if s == nil {
		t.Fatalf("suite %#x", id)
	}
	var err error
	if s.tls12 {
		var m [48]byte
		var cr, sr [32]byte
		rand.Read(m[:])
		rand.Read(cr[:])
		rand.Read(sr[:])
		if srv, err = newConn12(s, m[:], cr[:], sr[:]); err != nil {
			t.Fatal(err)
		}
	} else {
		cs, ss := make([]byte, s.hashLen()), make([]byte, s.hashLen())
		rand.Read(cs)
		rand.Read(ss)
		if srv, err = newConn13(s, cs, ss); err != nil {
			t.Fatal(err)
		}
	}
	cli = &Conn{suite: s, vers13: srv.vers13, client: true, in: srv.out, out: srv.in}
	return srv, cli
}

var allSuites = []uint16{
	tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

// openAll opens src in pieces of step bytes, as reads would deliver it.
func openAll(t testing.TB, c *Conn, src []byte, step int) ([]byte, error) {
	t.Helper()
	var plain []byte
	buf := make([]byte, 0, MaxPlaintext)
	var in []byte
	for off := 0; off < len(src) || len(in) > 0; {
		end := min(off+step, len(src))
		in = append(in, src[off:end]...)
		off = end
		var n int
		var err error
		buf, n, err = c.Open(buf[:0], in)
		plain = append(plain, buf...)
		in = in[n:]
		if err != nil {
			return plain, err
		}
		if off == len(src) && n == 0 && len(in) > 0 {
			t.Fatalf("%d bytes never consumed", len(in))
		}
	}
	return plain, nil
}

func TestRecordRoundTrip(t *testing.T) {
	for _, id := range allSuites {
		srv, cli := newPair(t, id)
		for _, size := range []int{1, 100, maxFragment, maxFragment + 1, 50000} {
			for _, step := range []int{1 << 20, 7} {
				if step == 7 && size > 20000 {
					continue
				}
				p := make([]byte, size)
				rand.Read(p)
				rec, err := cli.Seal(nil, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(rec) != cli.SealedLen(size) {
					t.Fatalf("%#x: sealed %d bytes, SealedLen says %d", id, len(rec), cli.SealedLen(size))
				}
				got, err := openAll(t, srv, rec, step)
				if err != nil || !bytes.Equal(got, p) {
					t.Fatalf("%#x size %d step %d: err %v, equal %v", id, size, step, err, bytes.Equal(got, p))
				}
				rec, _ = srv.Seal(nil, p)
				if got, err := openAll(t, cli, rec, step); err != nil || !bytes.Equal(got, p) {
					t.Fatalf("%#x size %d: server to client: %v", id, size, err)
				}
			}
		}
		if rec, _ := srv.Seal(nil, nil); len(rec) != 0 {
			t.Fatalf("empty Seal made %d bytes", len(rec))
		}
	}
}

func TestOpenShortBuffer(t *testing.T) {
	srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
	rec, _ := cli.Seal(nil, []byte("0123456789"))
	rec, _ = cli.Seal(rec, []byte("abcdefghij"))
	small := make([]byte, 0, 15)
	if _, n, err := srv.Open(small, rec[:0]); n != 0 || err != nil {
		t.Fatal(n, err)
	}
	out, n, err := srv.Open(small, rec)
	if err != nil || string(out) != "0123456789" || n != len(rec)/2 {
		t.Fatalf("%q %d %v", out, n, err)
	}
	if _, _, err := srv.Open(make([]byte, 0, 5), rec[n:]); err != ErrShortBuffer {
		t.Fatalf("err %v", err)
	}
	if out, _, err := srv.Open(small, rec[n:]); err != nil || string(out) != "abcdefghij" {
		t.Fatalf("%q %v", out, err)
	}
}

// expectAlert checks that c failed with want and that the alert it owes
// reaches the peer as desc.
func expectAlert(t *testing.T, c, peer *Conn, err, want error, desc uint8) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err %v, want %v", err, want)
	}
	if !c.Pending() {
		t.Fatal("no alert pending")
	}
	_, _, perr := peer.Open(make([]byte, 0, MaxPlaintext), c.AppendPending(nil))
	if desc == AlertNoRenegotiation {
		if perr != nil { // a TLS 1.2 warning: the peer reads on
			t.Fatalf("peer: %v", perr)
		}
	} else if perr != AlertError(desc) {
		t.Fatalf("peer got %v, want alert %d", perr, desc)
	}
	if _, err := c.Seal(nil, []byte("x")); err != ErrClosed {
		t.Fatalf("Seal after a fatal alert: %v", err)
	}
	if _, _, err2 := c.Open(nil, []byte{23, 3, 3, 0, 0}); err2 != err {
		t.Fatalf("Open after failure: %v", err2)
	}
}

func TestBitFlip(t *testing.T) {
	for _, id := range allSuites {
		rec0, _ := func() ([]byte, error) {
			_, cli := newPair(t, id)
			return cli.Seal(nil, []byte("GET / HTTP/1.1\r\n\r\n"))
		}()
		for i := recordHeaderLen; i < len(rec0); i++ {
			srv, cli := newPair(t, id)
			from, to := cli, srv
			if i%2 == 1 {
				from, to = srv, cli // the client role opens too
			}
			rec, _ := from.Seal(nil, []byte("GET / HTTP/1.1\r\n\r\n"))
			rec[i] ^= 0x10
			out, _, err := to.Open(make([]byte, 0, MaxPlaintext), rec)
			if len(out) != 0 {
				t.Fatalf("%#x byte %d: data from a forged record", id, i)
			}
			expectAlert(t, to, from, err, ErrBadRecordMAC, AlertBadRecordMAC)
		}
	}
}

func TestRecordOverflow(t *testing.T) {
	for _, id := range allSuites {
		srv, cli := newPair(t, id)
		// A record whose plaintext is one byte over the limit.
		big := make([]byte, maxFragment+1)
		var rec []byte
		var err error
		if cli.vers13 {
			big = append(big, recordAppData) // inner plaintext 2^14+2
			rec, err = cli.sealInner(nil, big)
		} else {
			rec, err = cli.seal(nil, recordAppData, big)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = srv.Open(make([]byte, 0, 1<<16), rec)
		expectAlert(t, srv, cli, err, ErrRecordOverflow, AlertRecordOverflow)

		// A header announcing more than the protocol allows fails at once.
		srv, cli = newPair(t, id)
		_, _, err = srv.Open(nil, []byte{23, 3, 3, 0x48, 0x01})
		expectAlert(t, srv, cli, err, ErrRecordOverflow, AlertRecordOverflow)
	}
}

// sealInner seals a TLS 1.3 record with an arbitrary inner plaintext
// (content, type, padding), for tests of the opener.
func (c *Conn) sealInner(dst, inner []byte) ([]byte, error) {
	n := len(inner) + tagLen
	start := len(dst)
	dst = append(dst, recordAppData, 3, 3, byte(n>>8), byte(n))
	dst = append(dst, inner...)
	body := dst[start+recordHeaderLen:]
	dst = append(dst[:start+recordHeaderLen], c.out.aead.Seal(body[:0:0], c.out.nonceXOR(), body, dst[start:start+recordHeaderLen])...)
	c.out.seq++
	return dst, nil
}

func TestPadding13(t *testing.T) {
	srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
	padded := append([]byte("hello"), recordAppData, 0, 0, 0, 0, 0, 0)
	rec, _ := cli.sealInner(nil, padded)
	rec, _ = cli.sealInner(rec, []byte{recordAppData}) // empty application data: allowed
	out, _, err := srv.Open(make([]byte, 0, MaxPlaintext), rec)
	if err != nil || string(out) != "hello" {
		t.Fatalf("%q %v", out, err)
	}
	rec, _ = cli.sealInner(nil, []byte{0, 0, 0}) // no content type at all
	_, _, err = srv.Open(make([]byte, 0, MaxPlaintext), rec)
	expectAlert(t, srv, cli, err, ErrUnexpectedMessage, AlertUnexpectedMessage)

	for _, inner := range [][]byte{{recordHandshake}, {recordAlert}} { // zero-length: forbidden
		srv, cli = newPair(t, tls.TLS_AES_128_GCM_SHA256)
		rec, _ = cli.sealInner(nil, inner)
		_, _, err = srv.Open(make([]byte, 0, MaxPlaintext), rec)
		if inner[0] == recordHandshake {
			expectAlert(t, srv, cli, err, ErrUnexpectedMessage, AlertUnexpectedMessage)
		} else {
			expectAlert(t, srv, cli, err, ErrDecodeError, AlertDecodeError)
		}
	}
}

func TestKeyUpdateRecords(t *testing.T) {
	for _, id := range allSuites[:3] {
		srv, cli := newPair(t, id)
		buf := make([]byte, 0, MaxPlaintext)
		// The client updates and asks us to: we update our read key, owe a
		// KeyUpdate, and send it before the next data.
		rec, err := cli.AppendKeyUpdate(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ = cli.Seal(rec, []byte("after"))
		out, _, err := srv.Open(buf, rec)
		if err != nil || string(out) != "after" || !srv.Pending() {
			t.Fatalf("%q %v pending %v", out, err, srv.Pending())
		}
		resp, _ := srv.Seal(nil, []byte("reply"))
		if srv.Pending() {
			t.Fatal("Seal did not send the owed KeyUpdate")
		}
		if out, _, err := cli.Open(buf, resp); err != nil || string(out) != "reply" {
			t.Fatalf("client: %q %v", out, err)
		}
		// Without a request: no answer owed. Split across two records.
		msg := []byte{handshakeKeyUpdate, 0, 0, 1, 0}
		rec, _ = cli.sealInner(nil, append(msg[:2:2], recordHandshake))
		rec, _ = cli.sealInner(rec, append(msg[2:5:5], recordHandshake))
		if err := cli.rekey(&cli.out); err != nil {
			t.Fatal(err)
		}
		rec, _ = cli.Seal(rec, []byte("x"))
		if out, _, err := srv.Open(buf, rec); err != nil || string(out) != "x" || srv.Pending() {
			t.Fatalf("split KeyUpdate: %q %v %v", out, err, srv.Pending())
		}
		// AppendPending alone flushes an owed KeyUpdate.
		rec, _ = cli.AppendKeyUpdate(nil, true)
		if _, _, err := srv.Open(buf, rec); err != nil {
			t.Fatal(err)
		}
		rec = srv.AppendPending(nil)
		rec, _ = srv.Seal(rec, []byte("y"))
		if out, _, err := cli.Open(buf, rec); err != nil || string(out) != "y" {
			t.Fatalf("after AppendPending: %q %v", out, err)
		}
	}
}

func TestPostHandshakeMessages13(t *testing.T) {
	cases := []struct {
		inner []byte
		err   error
		alert uint8
	}{
		{[]byte{4, 0, 0, 0, recordHandshake}, ErrUnexpectedMessage, AlertUnexpectedMessage},                         // NewSessionTicket from a client
		{[]byte{1, 0, 0, 0, recordHandshake}, ErrUnexpectedMessage, AlertUnexpectedMessage},                         // ClientHello
		{[]byte{handshakeKeyUpdate, 0, 0, 2, 0, 0, recordHandshake}, ErrDecodeError, AlertDecodeError},              // bad length
		{[]byte{handshakeKeyUpdate, 0, 0, 1, 2, recordHandshake}, ErrDecodeError, AlertIllegalParameter},            // bad request value
		{[]byte{handshakeKeyUpdate, 0, 0, 1, 0, 24, recordHandshake}, ErrUnexpectedMessage, AlertUnexpectedMessage}, // not at record end
		{[]byte{1, AlertCloseNotify, 0, recordAlert}, ErrDecodeError, AlertDecodeError},                             // 3-byte alert
		{[]byte{1, recordCCS}, ErrUnexpectedMessage, AlertUnexpectedMessage},                                        // protected CCS
		{[]byte{1, 2, 3, 99}, ErrUnexpectedMessage, AlertUnexpectedMessage},                                         // unknown type
	}
	for _, tc := range cases {
		srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
		rec, _ := cli.sealInner(nil, tc.inner)
		_, _, err := srv.Open(make([]byte, 0, MaxPlaintext), rec)
		expectAlert(t, srv, cli, err, tc.err, tc.alert)
	}
	// A change_cipher_spec record in clear after the handshake.
	srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
	_, _, err := srv.Open(nil, []byte{recordCCS, 3, 3, 0, 1, 1})
	expectAlert(t, srv, cli, err, ErrUnexpectedMessage, AlertUnexpectedMessage)
}

func TestRenegotiationRecord12(t *testing.T) {
	srv, cli := newPair(t, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	rec, _ := cli.seal(nil, recordHandshake, []byte{1, 0, 0, 0}) // ClientHello
	_, _, err := srv.Open(make([]byte, 0, MaxPlaintext), rec)
	expectAlert(t, srv, cli, err, ErrRenegotiation, AlertNoRenegotiation)

	srv, cli = newPair(t, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	rec, _ = cli.seal(nil, recordCCS, []byte{1})
	_, _, err = srv.Open(make([]byte, 0, MaxPlaintext), rec)
	expectAlert(t, srv, cli, err, ErrUnexpectedMessage, AlertUnexpectedMessage)

	srv, cli = newPair(t, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	rec, _ = cli.Seal(nil, []byte("x"))
	rec[1], rec[2] = 3, 1
	_, _, err = srv.Open(make([]byte, 0, MaxPlaintext), rec)
	expectAlert(t, srv, cli, err, ErrProtocolVersion, AlertProtocolVersion)
}

func TestAlertsReceived(t *testing.T) {
	for _, id := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256} {
		srv, cli := newPair(t, id)
		buf := make([]byte, 0, MaxPlaintext)
		ignorable := []byte{alertLevelWarning, AlertUserCanceled} // ignored by both versions
		rec, _ := cli.seal(nil, recordAlert, ignorable)
		rec, _ = cli.Seal(rec, []byte("data"))
		rec = cli.AppendCloseNotify(rec)
		out, n, err := srv.Open(buf, rec)
		if err != ErrCloseNotify || string(out) != "data" || n != len(rec) {
			t.Fatalf("%#x: %q %d %v", id, out, n, err)
		}
		if srv.Pending() {
			t.Fatal("close_notify made an alert pending")
		}
		if resp, err := srv.Seal(nil, []byte("last words")); err != nil || len(resp) == 0 {
			t.Fatalf("half-closed write side: %v", err)
		}
		if _, err := cli.Seal(nil, []byte("x")); err != ErrClosed {
			t.Fatalf("Seal after close_notify: %v", err)
		}

		srv, cli = newPair(t, id)
		rec, _ = cli.seal(nil, recordAlert, []byte{alertLevelFatal, AlertHandshakeFailure})
		if _, _, err := srv.Open(buf, rec); err != AlertError(AlertHandshakeFailure) || srv.Pending() {
			t.Fatalf("fatal alert: %v pending %v", err, srv.Pending())
		}
	}
}

func TestSequenceExhaustion(t *testing.T) {
	for _, id := range allSuites {
		srv, cli := newPair(t, id)
		srv.out.seq = math.MaxUint64
		if _, err := srv.Seal(nil, []byte("x")); err != ErrSeqExhausted {
			t.Fatalf("%#x Seal: %v", id, err)
		}
		rec, _ := cli.Seal(nil, []byte("x"))
		srv.in.seq = math.MaxUint64
		if _, _, err := srv.Open(make([]byte, 0, MaxPlaintext), rec); err != ErrSeqExhausted {
			t.Fatalf("%#x Open: %v", id, err)
		}
	}
}

func TestAutoKeyUpdate(t *testing.T) {
	// RFC 8446 §5.5: the write side rekeys before AES-GCM's record limit.
	srv, cli := newPair(t, tls.TLS_AES_128_GCM_SHA256)
	srv.out.seq, cli.in.seq = keyUpdateAfter, keyUpdateAfter
	rec, err := srv.Seal(nil, []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	if srv.out.seq != 1 {
		t.Fatalf("write seq %d after the rekey", srv.out.seq)
	}
	if out, _, err := cli.Open(make([]byte, 0, MaxPlaintext), rec); err != nil || string(out) != "payload" {
		t.Fatalf("%q %v", out, err)
	}
}
