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
func EqualFoldToken(b []byte, lit string) bool {
	if len(b) != len(lit) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != lit[i] {
			return false
		}
	}
	return true
}

// EqualFoldString reports whether b equals s ignoring ASCII case, either
// side in any case.
func EqualFoldString(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// EqualFoldBytes reports whether a equals b ignoring ASCII case.
func EqualFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
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
