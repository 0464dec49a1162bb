package http1

import (
	"iter"

	"github.com/edgegate/edgegate/ascii"
)

// Byte class tables, built once at init. Each is a [256]bool so that a
// check is one indexed load with no bounds check.
var (
	// tokenTable: tchar (RFC 9110 §5.6.2).
	tokenTable [256]bool
	// nameTable: 1 for a tchar, 3 for '_' (so that a field-name loop
	// learns about underscores for free).
	nameTable [256]uint8
	// valueTable: field-vchar, SP and HTAB (RFC 9110 §5.5); obs-text
	// (0x80-0xFF) is allowed, CTLs and DEL are not.
	valueTable [256]bool
	// targetTable: bytes allowed in a request-target: visible ASCII except
	// '#' (a fragment is never sent, RFC 9112 §3.2). Non-ASCII, SP and
	// CTLs are rejected.
	targetTable [256]bool
	// regNameTable: unreserved and sub-delims (RFC 3986 §3.2.2 reg-name,
	// without pct-encoded, which a gateway routing on names refuses).
	regNameTable [256]bool
	// hexTable maps a HEXDIG to its value + 1 (0 means not a hex digit).
	hexTable [256]uint8
	// qdtextTable: qdtext (RFC 9110 §5.6.4).
	qdtextTable [256]bool
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		isAlpha := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		isDigit := '0' <= b && b <= '9'
		switch {
		case isAlpha || isDigit:
			tokenTable[c] = true
		default:
			for i := 0; i < len("!#$%&'*+-.^_`|~"); i++ {
				if "!#$%&'*+-.^_`|~"[i] == b {
					tokenTable[c] = true
				}
			}
		}
		if tokenTable[c] {
			nameTable[c] = 1
		}
		valueTable[c] = b == '\t' || b >= 0x20 && b != 0x7f
		targetTable[c] = b > 0x20 && b < 0x7f && b != '#'
		regNameTable[c] = isAlpha || isDigit
		for i := 0; i < len("-._~!$&'()*+,;="); i++ {
			if "-._~!$&'()*+,;="[i] == b {
				regNameTable[c] = true
			}
		}
		switch {
		case isDigit:
			hexTable[c] = b - '0' + 1
		case 'a' <= b && b <= 'f':
			hexTable[c] = b - 'a' + 11
		case 'A' <= b && b <= 'F':
			hexTable[c] = b - 'A' + 11
		}
		qdtextTable[c] = b == '\t' || b == ' ' || b == 0x21 || b >= 0x23 && b <= 0x5b || b >= 0x5d && b <= 0x7e || b >= 0x80
	}
	nameTable['_'] = 3
}

// isToken reports whether s is a non-empty token.
func isToken(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !tokenTable[c] {
			return false
		}
	}
	return true
}

// nextListElem splits the first element off a comma-separated list
// (RFC 9110 §5.6.1) and returns it with OWS trimmed, and the rest after
// the comma. ok is false when s holds no more elements.
func nextListElem(s []byte) (elem, rest []byte, ok bool) {
	if len(s) == 0 {
		return nil, nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return ascii.TrimOWS(s[:i]), s[i+1:], true
		}
	}
	return ascii.TrimOWS(s), nil, true
}

// listElems yields each element of the list-valued fields of kind k in h
// (RFC 9110 §5.6.1), empty ones included.
func listElems(h []Header, k Kind) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := range h {
			if h[i].Kind != k {
				continue
			}
			for rest := h[i].Value; ; {
				elem, r, ok := nextListElem(rest)
				if !ok {
					break
				}
				if rest = r; !yield(elem) {
					return
				}
			}
		}
	}
}
