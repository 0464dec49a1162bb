// Package ascii holds the byte-level text helpers that HTTP code needs on
// every request: case-insensitive comparison of ASCII tokens (RFC 9110
// §5.1: field names are case-insensitive) and trimming optional white
// space (RFC 9110 §5.6.3). It allocates nothing and imports nothing, so
// both planes may use it.
package ascii

// lower maps an ASCII upper-case letter to lower case; any other byte is
// returned as it is.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// EqualFold reports whether b equals lit ignoring ASCII case. lit must be
// lower case; b may hold any bytes.
func EqualFold(b []byte, lit string) bool {
	if len(b) != len(lit) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lit[i] {
			return false
		}
	}
	return true
}

// EqualFoldToken is EqualFold for a b known to be an RFC 9110 token and a
// lit of lower-case letters, digits and '-': then b[i]|0x20 equals lit[i]
// only for that character or its upper-case form (the other bytes that
// fold onto them are control characters, which no token holds), so one
// OR per byte does.
//
// A word at a time, as equalFold: field names are compared on every
// request (classify in http1).
func EqualFoldToken(b []byte, lit string) bool {
	n := len(b)
	if n != len(lit) {
		return false
	}
	const fold = 0x2020202020202020
	if n < 8 {
		if n >= 4 { // the first and last four bytes, overlapping, as one word
			return (half(b)|half(b[n-4:])<<32)|fold == half(lit)|half(lit[n-4:])<<32
		}
		for i := 0; i < n; i++ {
			if b[i]|0x20 != lit[i] {
				return false
			}
		}
		return true
	}
	for i := 0; i+8 < n; i += 8 {
		if word(b[i:])|fold != word(lit[i:]) {
			return false
		}
	}
	return word(b[n-8:])|fold == word(lit[n-8:])
}

// EqualFoldString reports whether b equals s ignoring ASCII case, either
// side in any case.
func EqualFoldString(b []byte, s string) bool { return equalFold(b, s) }

// EqualFoldBytes reports whether a equals b ignoring ASCII case.
func EqualFoldBytes(a, b []byte) bool { return equalFold(a, b) }

// text is what equalFold compares a byte slice with.
type text interface{ ~string | ~[]byte }

func equalFold[T text](a []byte, b T) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	if n < 8 {
		if n >= 4 { // the first and last four bytes, overlapping, as one word
			return foldEqual8(half(a)|half(a[n-4:])<<32, half(b)|half(b[n-4:])<<32)
		}
		for i := 0; i < n; i++ {
			if lower(a[i]) != lower(b[i]) {
				return false
			}
		}
		return true
	}
	// Whole words, the last one overlapping the one before.
	for i := 0; i+8 < n; i += 8 {
		if !foldEqual8(word(a[i:]), word(b[i:])) {
			return false
		}
	}
	return foldEqual8(word(a[n-8:]), word(b[n-8:]))
}

// foldEqual8 compares eight bytes ignoring ASCII case, eight at a time
// (SWAR; under eight bytes, the first and last four as one word): the
// words may differ only in bit 0x20, and only in bytes where
// a holds an ASCII letter. Origins and signed header names are 6 to 30
// bytes: a byte at a time took most of a CORS check.
func foldEqual8(a, b uint64) bool {
	const ones, high, case20 = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020
	x := a ^ b
	if x == 0 {
		return true
	}
	if x&^case20 != 0 {
		return false
	}
	l := (a | case20) &^ high // lower-cased, seven bits: no carry below
	letter := (l + ones*(0x80-'a')) &^ (l + ones*(0x80-'z'-1)) &^ a & high
	return (x<<2)&high&^letter == 0 // bit 0x20 moved to each byte's top bit
}

// word loads eight bytes little-endian and half four (one load each: the
// compiler merges the byte loads).
func word[T text](b T) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func half[T text](b T) uint64 {
	_ = b[3]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
}

// IsOWS reports whether c is optional white space: SP or HTAB.
func IsOWS(c byte) bool { return c == ' ' || c == '\t' }

// TrimOWS removes leading and trailing SP and HTAB.
func TrimOWS(b []byte) []byte {
	for len(b) > 0 && IsOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && IsOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// ParseDigits parses b, 1 to 19 ASCII digits (so it cannot overflow), as
// a uint64; anything else, signs and spaces included, is false.
func ParseDigits(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
