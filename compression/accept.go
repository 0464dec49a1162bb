package compression

import (
	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/http1"
)

// qUnset marks a coding the client did not list.
const qUnset = -1

// Accept is a client's Accept-Encoding, summarised: the weight (qvalue
// times 1000) it gives each coding we know, and "*". It is a small value
// that aliases nothing, so the edge keeps it with the request and uses it
// when the response head arrives, after the request bytes are gone.
//
// The zero Accept means "no Accept-Encoding field".
type Accept struct {
	q       [numCodings]int16 // by Coding; qUnset when not listed
	star    int16
	present bool // at least one Accept-Encoding field
	bad     bool // a field did not parse: only identity is sent
}

// Add folds one Accept-Encoding field value into a (RFC 9110 §12.5.3; a
// request may carry the list over several fields, §5.3). It does not
// allocate.
//
// Grammar, strictly: 1#( codings [ OWS ";" OWS "q=" qvalue ] ), empty
// elements allowed (§5.6.1), names and "q" case-insensitive, qvalue as in
// §12.4.2 (at most three decimals, not above 1). Anything else, such as
// other parameters or space around "=", makes the whole header bad, and a
// bad header gets identity: sending the body as it is is always safe.
//
// A coding listed twice takes its highest weight, except that a q=0 for
// it anywhere excludes it: a client's refusal wins (RFC 9110 does not
// rule on duplicates).
func (a *Accept) Add(v []byte) {
	if !a.present {
		*a = Accept{present: true, star: qUnset}
		for i := range a.q {
			a.q[i] = qUnset
		}
	}
	for len(v) > 0 {
		var elem []byte
		elem, v = nextElem(v)
		if len(elem) == 0 {
			continue
		}
		tok, q, ok := parseCoding(elem)
		if !ok {
			a.bad = true
			return
		}
		if len(tok) == 1 && tok[0] == '*' {
			a.star = mergeQ(a.star, q)
		} else if c, known := codingByName(tok); known {
			a.q[c] = mergeQ(a.q[c], q)
		}
	}
}

// Choose returns the coding to send: among the offered codings the client
// accepts (q > 0, listed or through "*"), the one it weighs highest, ties
// going to the offer's order. Identity wins instead when the client weighs
// it strictly higher (listed, or through "*").
//
// With no Accept-Encoding field RFC 9110 §12.5.3 lets us pick any coding;
// we send identity, as nginx and Caddy do, because clients that never ask
// are often ones that cannot decode. When nothing offered is acceptable we
// send identity even if the client said identity;q=0: §12.1 lets a server
// disregard the preference rather than answer 406, and a gateway has no
// other representation to give.
func (a *Accept) Choose(o Offer) Coding {
	if !a.present || a.bad {
		return Identity
	}
	best, bestQ := Identity, int16(0)
	for _, c := range o.list[:o.n] {
		q := a.q[c]
		if q == qUnset {
			q = a.star
		}
		if q > bestQ {
			best, bestQ = c, q
		}
	}
	if best == Identity {
		return Identity
	}
	qi := a.q[Identity]
	if qi == qUnset {
		qi = a.star
	}
	if qi > bestQ {
		return Identity
	}
	return best
}

// Present reports whether the request carried Accept-Encoding.
func (a *Accept) Present() bool { return a.present }

// Negotiate chooses the coding for one Accept-Encoding field value (see
// Accept.Add and Accept.Choose). It does not allocate.
func Negotiate(acceptEncoding []byte, o Offer) Coding {
	var a Accept
	a.Add(acceptEncoding)
	return a.Choose(o)
}

// mergeQ combines two weights for one coding: a refusal (0) wins, else
// the higher.
func mergeQ(old, q int16) int16 {
	switch {
	case old == qUnset:
		return q
	case old == 0 || q == 0:
		return 0
	}
	return max(old, q)
}

// nextElem splits the first element off a comma-separated list, OWS
// trimmed (RFC 9110 §5.6.1).
func nextElem(s []byte) (elem, rest []byte) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return ascii.TrimOWS(s[:i]), s[i+1:]
		}
	}
	return ascii.TrimOWS(s), nil
}

// parseCoding parses codings [ OWS ";" OWS "q=" qvalue ] with the
// surrounding OWS already trimmed. q is the weight times 1000.
func parseCoding(e []byte) (tok []byte, q int16, ok bool) {
	i := 0
	for i < len(e) && isTchar(e[i]) {
		i++
	}
	if i == 0 {
		return nil, 0, false
	}
	tok, e = e[:i], e[i:]
	if len(e) == 0 {
		return tok, 1000, true
	}
	e = ascii.TrimOWS(e)
	if len(e) < 3 || e[0] != ';' {
		return nil, 0, false
	}
	e = ascii.TrimOWS(e[1:])
	if len(e) < 3 || e[0]|0x20 != 'q' || e[1] != '=' {
		return nil, 0, false
	}
	q, ok = parseQ(e[2:])
	return tok, q, ok
}

// parseQ parses qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
// (RFC 9110 §12.4.2) as thousandths.
func parseQ(b []byte) (int16, bool) {
	if len(b) == 0 || len(b) > 5 || b[0] != '0' && b[0] != '1' {
		return 0, false
	}
	q := int16(b[0]-'0') * 1000
	if len(b) == 1 {
		return q, true
	}
	if b[1] != '.' {
		return 0, false
	}
	scale := int16(100)
	for _, c := range b[2:] {
		if c < '0' || c > '9' || q == 1000 && c != '0' {
			return 0, false
		}
		q += int16(c-'0') * scale
		scale /= 10
	}
	return q, true
}

// isTchar reports whether c may appear in a token (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// ReqInfo is what the compression decision needs from a request, copied
// out of the request head so that it outlives the request bytes: the edge
// keeps it with the request until the response head arrives.
type ReqInfo struct {
	Accept Accept
	// Head: the method is HEAD (no body in the response, RFC 9110 §9.3.2).
	Head bool
	// HTTP10: the client speaks HTTP/1.0, so a compressed body of
	// unknown length could only be delimited by closing the connection.
	HTTP10 bool
	// NoTransform: the request said Cache-Control: no-transform
	// (RFC 9111 §5.2.1.6).
	NoTransform bool
}

// RequestInfo extracts ReqInfo from a parsed request head. It does not
// allocate and keeps no reference to r.
func RequestInfo(r *http1.Request) ReqInfo {
	ri := ReqInfo{
		Head:   string(r.Method) == "HEAD", // methods are case-sensitive (RFC 9110 §9.1)
		HTTP10: r.Minor == 0,
	}
	for i := range r.Headers {
		h := &r.Headers[i]
		if h.Kind != http1.KindOther && h.Kind != http1.KindHopByHop { // a field named by Connection is for this hop: us
			continue
		}
		switch {
		case ascii.EqualFoldToken(h.Name, "accept-encoding"):
			ri.Accept.Add(h.Value)
		case ascii.EqualFoldToken(h.Name, "cache-control"):
			ri.NoTransform = ri.NoTransform || hasDirective(h.Value, "no-transform")
		}
	}
	return ri
}

// hasDirective reports whether the Cache-Control list v holds the
// directive name (case-insensitive, RFC 9111 §5.2), with or without an
// argument.
func hasDirective(v []byte, name string) bool {
	for len(v) > 0 {
		var elem []byte
		elem, v = nextElem(v)
		n := len(elem)
		for i, c := range elem {
			if c == '=' {
				n = i
				break
			}
		}
		if ascii.EqualFold(ascii.TrimOWS(elem[:n]), name) {
			return true
		}
	}
	return false
}
