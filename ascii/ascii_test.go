package ascii

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestEqualFold(t *testing.T) {
	for _, c := range []struct {
		b, lit string
		want   bool
	}{
		{"Content-Type", "content-type", true},
		{"CONTENT-TYPE", "content-type", true},
		{"content-typ", "content-type", false},
		{"content-typf", "content-type", false},
		{"", "", true},
		{"\xc0", "\xe0", false}, // not ASCII: no folding
		{"K", "k", true},
	} {
		if got := EqualFold([]byte(c.b), c.lit); got != c.want {
			t.Errorf("EqualFold(%q, %q) = %v", c.b, c.lit, got)
		}
		if got := EqualFoldString([]byte(c.b), strings.ToUpper(c.lit)); got != c.want && c.lit != "\xe0" {
			t.Errorf("EqualFoldString(%q, %q) = %v", c.b, strings.ToUpper(c.lit), got)
		}
		if got := EqualFoldBytes([]byte(c.b), []byte(c.lit)); got != c.want {
			t.Errorf("EqualFoldBytes(%q, %q) = %v", c.b, c.lit, got)
		}
	}
	// The token fast path agrees with the general one on tokens.
	for _, tok := range []string{"Host", "X-Date", "transfer-ENCODING", "a1-b2"} {
		for _, lit := range []string{"host", "x-date", "transfer-encoding", "a1-b2", "a1-b3"} {
			if EqualFoldToken([]byte(tok), lit) != EqualFold([]byte(tok), lit) {
				t.Errorf("EqualFoldToken(%q, %q) disagrees with EqualFold", tok, lit)
			}
		}
	}
}

// TestEqualFoldToken compares the word-at-a-time EqualFoldToken with
// EqualFold at every length through 40 (the byte loop, the overlapping
// halves, whole words and the overlapping last word), with each position
// changed to every tchar and upper-cased in turn.
func TestEqualFoldToken(t *testing.T) {
	const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const lits = "content-length-x-forwarded-for-0123456789"
	for n := 0; n <= 40; n++ {
		lit := lits[:n]
		b := []byte(strings.ToUpper(lit))
		if !EqualFoldToken(b, lit) || n > 0 && EqualFoldToken(b[:n/2], lit) {
			t.Fatalf("EqualFoldToken(%q, %q) wrong on the length", b, lit)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < len(tchars); c++ {
				b := []byte(lit)
				b[i] = tchars[c]
				if got, want := EqualFoldToken(b, lit), EqualFold(b, lit); got != want {
					t.Fatalf("EqualFoldToken(%q, %q) = %v, want %v", b, lit, got, want)
				}
			}
		}
	}
}

func TestTrimOWS(t *testing.T) {
	for in, want := range map[string]string{" \t a b\t ": "a b", "": "", " \t": "", "x": "x", "\va\v": "\va\v"} {
		if got := TrimOWS([]byte(in)); !bytes.Equal(got, []byte(want)) {
			t.Errorf("TrimOWS(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEqualFold(f *testing.F) {
	f.Add([]byte("Content-Length"), "content-length")
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		want := len(b) == len(s) && strings.EqualFold(asASCII(b), asASCII([]byte(s))) && bytes.Equal(nonLetters(b), nonLetters([]byte(s)))
		if got := EqualFoldString(b, s); got != want {
			t.Fatalf("EqualFoldString(%q, %q) = %v, want %v", b, s, got, want)
		}
	})
}

// asASCII keeps a byte string's ASCII letters lower-cased and masks the rest,
// so strings.EqualFold cannot apply Unicode folding.
func asASCII(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' {
			out[i] = c | 0x20
		} else {
			out[i] = '.'
		}
	}
	return string(out)
}

// nonLetters masks the letters, so the rest must match byte for byte.
func nonLetters(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' {
			out[i] = 'a'
		} else {
			out[i] = c
		}
	}
	return out
}

// FuzzParseDigits checks ParseDigits against strconv.ParseUint on the
// strings it takes: 1 to 19 ASCII digits and nothing else.
func FuzzParseDigits(f *testing.F) {
	for _, s := range []string{"0", "007", "9999999999999999999", "18446744073709551615", "", "+1", "-1", " 1", "1_0", "0x1", "\xd9\xa1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseDigits([]byte(s))
		want, err := strconv.ParseUint(s, 10, 64)
		digits := s != "" && strings.Trim(s, "0123456789") == ""
		if wantOK := digits && len(s) <= 19 && err == nil; ok != wantOK || ok && n != want {
			t.Fatalf("ParseDigits(%q) = %d, %v; want %d, %v", s, n, ok, want, wantOK)
		}
	})
}

func BenchmarkEqualFold(b *testing.B) {
	origin, allowed := []byte("https://App.example.com"), "https://app.example.com"
	b.Run("String", func(b *testing.B) {
		for b.Loop() {
			if !EqualFoldString(origin, allowed) {
				b.Fatal("unequal")
			}
		}
	})
	name, lit := []byte("X-Date"), []byte("x-date")
	b.Run("Bytes6", func(b *testing.B) {
		for b.Loop() {
			if !EqualFoldBytes(name, lit) {
				b.Fatal("unequal")
			}
		}
	})
}

// The word-at-a-time comparison agrees with a byte at a time on every
// pair of bytes, at every position of words and tails.
func TestFoldEqualEveryByte(t *testing.T) {
	ref := func(a, b []byte) bool {
		for i := range a {
			if lower(a[i]) != lower(b[i]) {
				return false
			}
		}
		return true
	}
	for _, n := range []int{1, 3, 4, 5, 7, 8, 9, 16, 23} {
		a, b := bytes.Repeat([]byte("xY-"), 8)[:n], bytes.Repeat([]byte("Xy-"), 8)[:n]
		for _, pos := range []int{0, n / 2, n - 1} {
			for c := range 256 {
				for d := range 256 {
					a2, b2 := bytes.Clone(a), bytes.Clone(b)
					a2[pos], b2[pos] = byte(c), byte(d)
					want := ref(a2, b2)
					if got := EqualFoldBytes(a2, b2); got != want {
						t.Fatalf("EqualFoldBytes(%q, %q) = %v, want %v", a2, b2, got, want)
					}
					if got := EqualFoldString(a2, string(b2)); got != want {
						t.Fatalf("EqualFoldString(%q, %q) = %v, want %v", a2, b2, got, want)
					}
				}
			}
		}
	}
}
