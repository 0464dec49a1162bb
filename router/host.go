package router

import "strings"

// maxHost bounds a host name (RFC 1035: 253 octets, plus slack for a port
// we strip); longer Host values find no service.
const maxHost = 255

// normHost writes the lookup form of a Host value into buf: the port
// removed (including after an IPv6 literal "[::1]:8080"), ASCII letters
// lower-cased, one trailing dot removed. It reports false for a value that
// cannot name a service.
func normHost(buf *[maxHost]byte, h []byte) (int, bool) {
	end := len(h)
	if end > 0 && h[0] == '[' {
		for i := 1; i < len(h); i++ {
			if h[i] == ']' {
				end = i + 1
				break
			}
		}
	} else {
		for i := 0; i < len(h); i++ {
			if h[i] == ':' {
				end = i
				break
			}
		}
	}
	h = h[:end]
	if len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	if len(h) == 0 || len(h) > maxHost {
		return 0, false
	}
	for i, c := range h {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return len(h), true
}

// hostKey is normHost for configured names.
func hostKey(s string) (string, bool) {
	var buf [maxHost]byte
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "/ \t?#@") {
		return "", false
	}
	n, ok := normHost(&buf, []byte(s))
	if !ok || n != len(strings.TrimSuffix(s, ".")) {
		// A configured name must not carry a port.
		return "", false
	}
	return string(buf[:n]), true
}
