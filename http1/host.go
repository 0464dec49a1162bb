package http1

// validHost reports whether h is uri-host [ ":" port ] (RFC 9110 §7.2,
// RFC 3986 §3.2.2-3.2.3) with a non-empty host: a reg-name of unreserved
// and sub-delims characters, an IPv4 address (which reg-name covers) or an
// IP-literal in brackets, then an optional ':' and *DIGIT.
//
// Stricter than RFC 3986: pct-encoded octets in a reg-name and IPv6 zone
// identifiers are rejected (a router compares names byte for byte, so
// "ex%61mple.com" must not reach it as a different name for the same
// host), and so is an empty host before a port (":80").
func validHost(h []byte) bool {
	if len(h) == 0 {
		return false
	}
	i := 0
	if h[0] == '[' {
		end := -1
		for j := 1; j < len(h); j++ {
			if h[j] == ']' {
				end = j
				break
			}
		}
		if end < 0 || !validIPLiteral(h[1:end]) {
			return false
		}
		i = end + 1
	} else {
		for i < len(h) && regNameTable[h[i]] {
			i++
		}
		if i == 0 {
			return false
		}
	}
	if i == len(h) {
		return true
	}
	if h[i] != ':' {
		return false
	}
	for _, c := range h[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validIPLiteral reports whether s (the text between '[' and ']') is an
// IPv6address or an IPvFuture (RFC 3986 §3.2.2).
func validIPLiteral(s []byte) bool {
	if len(s) > 0 && (s[0] == 'v' || s[0] == 'V') {
		// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
		i := 1
		for i < len(s) && hexTable[s[i]] != 0 {
			i++
		}
		if i == 1 || i >= len(s) || s[i] != '.' || i+1 == len(s) {
			return false
		}
		for _, c := range s[i+1:] {
			if !regNameTable[c] && c != ':' {
				return false
			}
		}
		return true
	}
	return validIPv6(s)
}

// validIPv6 reports whether s is an IPv6address (RFC 3986 §3.2.2): eight
// h16 groups, or fewer with one "::", the last two of which may be an IPv4
// address.
func validIPv6(s []byte) bool {
	groups := 0
	compressed := false
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		compressed = true
		i = 2
	} else if len(s) == 0 || s[0] == ':' {
		return false
	}
	for i < len(s) {
		j := i
		for j < len(s) && j-i < 5 && hexTable[s[j]] != 0 {
			j++
		}
		if j < len(s) && s[j] == '.' {
			// ls32 as an IPv4 address: must be last.
			if !validIPv4(s[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == len(s) {
			break
		}
		if s[i] != ':' {
			return false
		}
		i++
		if i == len(s) {
			return false // a single trailing ':'
		}
		if s[i] == ':' {
			if compressed {
				return false
			}
			compressed = true
			i++
		}
	}
	if compressed {
		return groups <= 7
	}
	return groups == 8
}

// validIPv4 reports whether s is four dec-octets (RFC 3986 §3.2.2: no
// leading zeros, each at most 255) separated by dots.
func validIPv4(s []byte) bool {
	parts := 0
	i := 0
	for {
		j := i
		v := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' && j-i < 3 {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j == i || v > 255 || j-i > 1 && s[i] == '0' {
			return false
		}
		parts++
		if j == len(s) {
			return parts == 4
		}
		if s[j] != '.' || parts == 4 {
			return false
		}
		i = j + 1
	}
}
