package backendsign

import "testing"

// BenchmarkSignHead: one signature of the vector's head, payload hash
// included, per key type.
func BenchmarkSignHead(b *testing.B) {
	s := NewSigner()
	body := []byte(vectorBody)
	payload := make([]byte, 0, 64)
	buf := make([]byte, 0, 4096)
	for _, name := range []string{"hmac", "aes256", "basic"} {
		k := vectorKey(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				payload = AppendPayloadHash(payload[:0], body)
				s.SignHead(append(buf[:0], vectorHead...), k, payload, int64(vectorUnix+i))
			}
		})
	}
}
