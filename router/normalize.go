package router

import "bytes"

// Path normalisation (security-critical; RELIABILITY.md "Path normalisation
// vs auth").
//
// The router matches, and the backend receives, one canonical form of the
// request path:
//
//   - percent-encoded unreserved bytes are decoded (RFC 3986 §6.2.2.2, so
//     %2e is '.' and %41 is 'A'); every other escape stays encoded with
//     upper-case hex (§6.2.2.1), so %2F is a byte of its segment, never a
//     separator, and %25 is never decoded twice;
//   - raw bytes that may not appear in a path (non-ASCII, `"<>[]^{|}` and
//     backtick) are percent-encoded; raw sub-delims, ':' and '@' stay raw
//     and are not equal to their escapes (§2.2);
//   - empty segments are dropped ("//a" is "/a"); a trailing slash is kept;
//   - dot segments are removed (§5.2.4), after decoding, so "/%2e%2e/" is
//     "/../".
//
// A path is refused (400 BadPath) when it does not start with '/', holds an
// invalid escape, a control byte raw or encoded (%00, %0A, ...), a
// backslash raw or encoded (%5C; Windows and some proxies treat it as a
// separator), a raw '#' or space, climbs above the root ("/.."), or has a
// segment that a backend could still read as a dot segment: "..;x" or ".;"
// (Tomcat path parameters), or one that splits on %2F or %3B into "." or
// ".." ("..%2Fadmin"), since backends that decode %2F would climb.

// Byte classes for raw path bytes.
const (
	cBad    = iota // refuse: controls, space, DEL, '\\', '#'
	cKeep          // unreserved, sub-delims, ':', '@': copy
	cEncode        // percent-encode
	cPct           // '%'
)

var pathClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c <= ' ' || c == 0x7f || c == '\\' || c == '#':
			t[c] = cBad
		case isUnreserved(byte(c)) || bytes.IndexByte([]byte("!$&'()*+,;=:@"), byte(c)) >= 0:
			t[c] = cKeep
		case c == '%':
			t[c] = cPct
		default:
			t[c] = cEncode
		}
	}
	return t
}()

// plainByte marks the bytes normalizePath copies without a second look:
// cKeep but ';' (which makes a segment worth checking, dangerousSegment).
var plainByte = func() (t [256]bool) {
	for c := range t {
		t[c] = pathClass[c] == cKeep && c != ';'
	}
	return t
}()

var unreservedTab = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
	return t
}()

func isUnreserved(c byte) bool { return unreservedTab[c] }

const upperHex = "0123456789ABCDEF"

var unhexTab = func() (t [256]int8) {
	for c := range t {
		t[c] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

// pathErr says why a path was refused; compile turns it into a message.
type pathErr uint8

const (
	pathOK pathErr = iota
	pathNotAbsolute
	pathBadEscape
	pathBadByte
	pathBackslash
	pathAboveRoot
	pathDotParam
	pathEmptySegment // strict mode only
	pathDotSegment   // strict mode only
)

var pathErrText = [...]string{
	pathOK:           "ok",
	pathNotAbsolute:  "path must start with '/'",
	pathBadEscape:    "invalid percent-escape",
	pathBadByte:      "control byte, space, '#' or %00-%1F/%7F in path",
	pathBackslash:    "backslash (raw or %5C) in path",
	pathAboveRoot:    "path climbs above the root",
	pathDotParam:     "dot segment with parameters or an encoded separator (\"..;\", \"..%2F\")",
	pathEmptySegment: "empty path segment (\"//\"); requests never carry one after normalisation",
	pathDotSegment:   "dot segment (\".\" or \"..\"); requests never carry one after normalisation",
}

func (e pathErr) String() string { return pathErrText[e] }

// appendCanonSegment appends the canonical form of one raw segment (no '/').
func appendCanonSegment(dst, seg []byte) ([]byte, pathErr) {
	for j := 0; j < len(seg); j++ {
		c := seg[j]
		switch pathClass[c] {
		case cKeep:
			dst = append(dst, c)
		case cEncode:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		case cPct:
			if j+2 >= len(seg) {
				return dst, pathBadEscape
			}
			h, l := unhexTab[seg[j+1]], unhexTab[seg[j+2]]
			if h < 0 || l < 0 {
				return dst, pathBadEscape
			}
			v := byte(h)<<4 | byte(l)
			j += 2
			switch {
			case v < 0x20 || v == 0x7f:
				return dst, pathBadByte
			case v == '\\':
				return dst, pathBackslash
			case isUnreserved(v):
				dst = append(dst, v)
			default:
				dst = append(dst, '%', upperHex[v>>4], upperHex[v&15])
			}
		default:
			if c == '\\' {
				return dst, pathBackslash
			}
			return dst, pathBadByte
		}
	}
	return dst, pathOK
}

// normalizePath appends the canonical form of the raw request path to dst
// (see the comment at the top of this file). In strict mode, used for API
// paths at compile time, empty and dot segments are errors instead of being
// removed. On error dst is returned truncated to its original length.
//
// A path that is already canonical, as most are, is only checked and
// copied (canonSlashes); any other goes through normalizeSlow.
func normalizePath(dst, raw []byte, strict bool) ([]byte, pathErr) {
	if canonSlashes(raw) > 0 {
		return append(dst, raw...), pathOK
	}
	return normalizeSlow(dst, raw, strict)
}

// canonSlashes returns the number of '/' in raw when raw is already in
// normal form, and 0 when it may not be. It is normalizePath's fast path:
// a path of bytes that are copied as they are, without empty or dot
// segments but for a trailing slash (which stays), is its own normal form.
// Whatever else (an escape, ';', a byte to encode or refuse, "//", "." or
// "..") is left to normalizeSlow, so the fast path refuses nothing itself
// (TestCanonFastPath).
func canonSlashes(raw []byte) int {
	if len(raw) == 0 || raw[0] != '/' {
		return 0
	}
	n, j := 1, 1
	for {
		s := j
		for j < len(raw) && plainByte[raw[j]] {
			j++
		}
		if l := j - s; l <= 2 && (l == 0 && j < len(raw) || l > 0 && raw[s] == '.' && (l == 1 || raw[s+1] == '.')) {
			return 0
		}
		if j == len(raw) {
			return n
		}
		if raw[j] != '/' {
			return 0
		}
		n++
		j++
	}
}

// normalizeSlow is normalizePath without the fast path: one pass over raw
// (the byte rules are appendCanonSegment's, inlined for speed;
// TestCanonSegmentAgrees keeps them equal).
func normalizeSlow(dst, raw []byte, strict bool) ([]byte, pathErr) {
	base := len(dst)
	if len(raw) == 0 || raw[0] != '/' {
		return dst, pathNotAbsolute
	}
	// Room for the worst case (every byte percent-encoded, one more '/'),
	// so the loop writes by index.
	if need := base + 3*len(raw) + 1; cap(dst) < need {
		dst = append(dst[:cap(dst)], make([]byte, need-cap(dst))...)
	}
	d := dst[:cap(dst)]
	w, segStart := base, base
	d[w] = '/'
	w++
	sep := false // the segment holds ';', %2F or %3B (see dangerousSegment)
	for j := 1; ; j++ {
		// Fast path: runs of bytes copied as they are.
		for j < len(raw) && plainByte[raw[j]] {
			d[w] = raw[j]
			w++
			j++
		}
		if j < len(raw) && raw[j] != '/' {
			c := raw[j]
			switch pathClass[c] {
			case cKeep:
				d[w] = c
				w++
				sep = sep || c == ';'
			case cEncode:
				d[w], d[w+1], d[w+2] = '%', upperHex[c>>4], upperHex[c&15]
				w += 3
			case cPct:
				if j+2 >= len(raw) {
					return dst[:base], pathBadEscape
				}
				h, l := unhexTab[raw[j+1]], unhexTab[raw[j+2]]
				if h < 0 || l < 0 {
					return dst[:base], pathBadEscape
				}
				v := byte(h)<<4 | byte(l)
				j += 2
				switch {
				case v < 0x20 || v == 0x7f:
					return dst[:base], pathBadByte
				case v == '\\':
					return dst[:base], pathBackslash
				case unreservedTab[v]:
					d[w] = v
					w++
				default:
					d[w], d[w+1], d[w+2] = '%', upperHex[v>>4], upperHex[v&15]
					w += 3
					sep = sep || v == '/' || v == ';'
				}
			default:
				if c == '\\' {
					return dst[:base], pathBackslash
				}
				return dst[:base], pathBadByte
			}
			continue
		}
		// End of a segment: d[segStart] is its '/'.
		last := j >= len(raw)
		seg := d[segStart+1 : w]
		switch {
		case len(seg) == 0:
			w = segStart
			if strict && !last {
				return dst[:base], pathEmptySegment
			}
		case len(seg) == 1 && seg[0] == '.':
			if strict {
				return dst[:base], pathDotSegment
			}
			w = segStart
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			if strict {
				return dst[:base], pathDotSegment
			}
			if segStart == base {
				return dst[:base], pathAboveRoot
			}
			w = base + bytes.LastIndexByte(d[base:segStart], '/')
		default:
			if sep && dangerousSegment(seg) {
				return dst[:base], pathDotParam
			}
			if last {
				return d[:w], pathOK
			}
			segStart = w
			d[w] = '/'
			w++
			sep = false
			continue
		}
		if last {
			// "/a/", "/a/." and "/a/b/.." all end in a slash (§5.2.4).
			d[w] = '/'
			return d[:w+1], pathOK
		}
		segStart = w
		d[w] = '/'
		w++
		sep = false
	}
}

// dangerousSegment reports whether a canonical segment that is not itself
// "." or ".." still reads as one to some backend: a piece between %2F
// separators, cut at the first ';' or %3B, equal to "." or "..".
func dangerousSegment(seg []byte) bool {
	if bytes.IndexByte(seg, '.') < 0 {
		return false
	}
	for len(seg) > 0 {
		piece := seg
		if k := bytes.Index(seg, []byte("%2F")); k >= 0 {
			piece, seg = seg[:k], seg[k+3:]
		} else {
			seg = nil
		}
		if k := bytes.IndexByte(piece, ';'); k >= 0 {
			piece = piece[:k]
		}
		if k := bytes.Index(piece, []byte("%3B")); k >= 0 {
			piece = piece[:k]
		}
		if isDots(piece) {
			return true
		}
	}
	return false
}

func isDots(p []byte) bool {
	return len(p) == 1 && p[0] == '.' || len(p) == 2 && p[0] == '.' && p[1] == '.'
}

// cleanPath reports whether a composed backend path is still canonical in
// the ways that matter for safety: it starts with '/' and no segment is, or
// reads as, a dot segment. Build checks it because gluing the backend path
// and the remainder can form a new segment ("/endpoint/" + "../x").
func cleanPath(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for i := 1; i <= len(p); {
		end := bytes.IndexByte(p[i:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += i
		}
		seg := p[i:end]
		if isDots(seg) || dangerousSegment(seg) || len(seg) == 0 && end < len(p) {
			return false
		}
		i = end + 1
	}
	return true
}
