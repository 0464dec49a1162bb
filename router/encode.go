package router

import "bytes"

// appendDecode appends raw with %XX escapes decoded (an invalid escape is
// kept literally) and, when plus is set (urlencoded forms and queries),
// '+' read as a space.
func appendDecode(dst, raw []byte, plus bool) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%' && i+2 < len(raw) && unhexTab[raw[i+1]] >= 0 && unhexTab[raw[i+2]] >= 0:
			dst = append(dst, byte(unhexTab[raw[i+1]])<<4|byte(unhexTab[raw[i+2]]))
			i += 2
		case c == '+' && plus:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendEscape appends v with every byte but the unreserved ones
// percent-encoded: safe in a path segment, a query name or value and a
// form field alike.
func appendEscape(dst, v []byte) []byte {
	for _, c := range v {
		if isUnreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// formNameIs reports whether the urlencoded name enc decodes to name.
func formNameIs(enc []byte, name string) bool {
	j := 0
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		switch {
		case c == '%' && i+2 < len(enc) && unhexTab[enc[i+1]] >= 0 && unhexTab[enc[i+2]] >= 0:
			c = byte(unhexTab[enc[i+1]])<<4 | byte(unhexTab[enc[i+2]])
			i += 2
		case c == '+':
			c = ' '
		}
		if j == len(name) || name[j] != c {
			return false
		}
		j++
	}
	return j == len(name)
}

// nextArg splits the first '&'-separated argument off a query or form.
func nextArg(q []byte) (arg, rest []byte) {
	if i := bytes.IndexByte(q, '&'); i >= 0 {
		return q[:i], q[i+1:]
	}
	return q, nil
}

func argName(arg []byte) []byte {
	if i := bytes.IndexByte(arg, '='); i >= 0 {
		return arg[:i]
	}
	return arg
}

// findArg returns the raw value of the first argument named name (a
// missing '=' gives an empty value).
func findArg(q []byte, name string) ([]byte, bool) {
	for len(q) > 0 {
		var arg []byte
		arg, q = nextArg(q)
		n := argName(arg)
		if formNameIs(n, name) {
			if len(n) == len(arg) {
				return arg[len(arg):], true
			}
			return arg[len(n)+1:], true
		}
	}
	return nil, false
}

// validHeaderValue refuses bytes that could split or end a field line
// (RFC 9110 §5.5: CR, LF and NUL are never allowed).
func validHeaderValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validToken reports whether s is an RFC 9110 token (a header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0) {
			return false
		}
	}
	return true
}
