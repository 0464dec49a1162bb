//go:build !race

package backendsign

import "testing"

// TestSignHeadAllocs: signing on the edge's hot path allocates nothing
// once the Signer's buffers have grown.
func TestSignHeadAllocs(t *testing.T) {
	s := NewSigner()
	body := []byte(vectorBody)
	payload := make([]byte, 0, 64)
	buf := make([]byte, 0, 4096)
	for _, name := range []string{"hmac", "aes128", "aes256", "basic"} {
		k := vectorKey(t, name)
		unix := int64(vectorUnix)
		n := testing.AllocsPerRun(200, func() {
			unix++ // a new X-Sdk-Date now and then
			payload = AppendPayloadHash(payload[:0], body)
			head := append(buf[:0], vectorHead...)
			if _, ok := s.SignHead(head, k, payload, unix/2); !ok {
				t.Fatal("refused")
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per signature", name, n)
		}
	}
}
