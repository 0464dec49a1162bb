package http1

import (
	"math/rand/v2"
	"testing"
)

// slowName and slowValue are the byte loops skipName and skipValue stand
// for.
func slowName(buf []byte, i int) int {
	for i < len(buf) {
		c := buf[i] | 0x20
		if !('a' <= c && c <= 'z' || buf[i] == '-') {
			break
		}
		i++
	}
	return i
}

func slowValue(buf []byte, k int) int {
	for k < len(buf) && valueTable[buf[k]] {
		k++
	}
	return k
}

// TestSkipSWAR checks the word-at-a-time scans against byte loops: every
// byte value at every offset of a run, after every lead-in length (the
// borrow and carry cases sit next to the first stop), and random buffers.
func TestSkipSWAR(t *testing.T) {
	check := func(buf []byte, from int) {
		t.Helper()
		// skipName may stop early only in the last seven bytes, which the
		// table loop after it scans.
		if got, want := skipName(buf, from), slowName(buf, from); got != want && (got > want || len(buf)-got >= 8) {
			t.Fatalf("skipName(%q, %d) = %d, want %d", buf, from, got, want)
		}
		if got, want := skipValue(buf, from), slowValue(buf, from); got != want {
			t.Fatalf("skipValue(%q, %d) = %d, want %d", buf, from, got, want)
		}
	}
	for _, fill := range []byte{'a', 'Z', '-', 'x', 0x80, 0xff, '\t', ' '} {
		for c := 0; c < 256; c++ {
			for p := 0; p < 20; p++ {
				buf := make([]byte, 24)
				for i := range buf {
					buf[i] = fill
				}
				buf[p] = byte(c)
				for from := 0; from <= p; from++ {
					check(buf, from)
				}
				// A second stop byte after the first (a borrow's false
				// flag lands above a true one).
				if p+1 < len(buf) {
					buf[p+1] = 0
					check(buf, 0)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aZ-:_0\t \r\n\x7f\x80\xff\x00\x1f\x20\x40\x5b\x60\x7b\x0d\x2d")
	for n := 0; n < 200000; n++ {
		buf := make([]byte, r.IntN(40))
		for i := range buf {
			if r.IntN(4) == 0 {
				buf[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				buf[i] = byte(r.IntN(256))
			}
		}
		check(buf, 0)
	}
}
