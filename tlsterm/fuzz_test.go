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
