package http1

import (
	"bytes"

	"github.com/edgegate/edgegate/ascii"
)

// slashPath is Request.Path for an absolute-form target without a path.
// Its capacity is 1 so that an append by the caller copies it.
var slashPath = []byte("/")[:1:1]

// parseRequest parses the request head at the start of buf in one pass.
// When buf ends before the head does, it returns n == 0 and sets *sc to
// the state from which scanning continues (see Parser).
func parseRequest(buf []byte, r *Request, maxLine, maxBytes, maxH int, sc *scanState) (n int, err *Error) {
	hdrs := r.Headers[:0]
	*r = Request{Headers: hdrs, ContentLength: -1}

	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before
	// the request-line. We skip any number; they count toward MaxHeaderBytes.
	i := 0
	for i+1 < len(buf) && buf[i] == '\r' && buf[i+1] == '\n' {
		i += 2
	}
	if i+2 > maxBytes {
		return 0, ErrHeaderTooLarge
	}
	if i < len(buf) && buf[i] == '\n' {
		return 0, ErrBareLF
	}

	// request-line = method SP request-target SP HTTP-version CRLF. Find
	// the LF within MaxRequestLine+2 bytes first, so that a long line is
	// 414 whatever it holds, as it is when the head arrives piecemeal.
	line, i, err := startLine(buf, i, maxLine+2, maxLine, maxBytes, sc)
	if i == 0 {
		return 0, err
	}
	if err := parseRequestLine(line, r); err != nil {
		return 0, err
	}

	var st fieldState
	end, err := headFields(buf, i, &r.Headers, maxBytes, maxH, &st, sc)
	if end == 0 {
		return 0, err
	}
	if err := finishRequest(r, &st); err != nil {
		return 0, err
	}
	return end, nil
}

// parseRequestLine parses a complete request-line (CRLF excluded). The
// checks run in the order Go's ReadRequest runs them: method, version,
// target.
func parseRequestLine(line []byte, r *Request) *Error {
	if bytes.IndexByte(line, '\r') >= 0 {
		return ErrBareCR
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return ErrBadRequestLine
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp1 == 0 || sp2 <= 0 {
		// No method, no target, a missing separator or two SPs in a row.
		return ErrBadRequestLine
	}
	method := line[:sp1:sp1]
	if !isToken(method) {
		return ErrBadMethod
	}
	target := rest[:sp2:sp2]
	version := rest[sp2+1:]
	switch {
	case len(version) == 8 && string(version[:7]) == "HTTP/1." && (version[7] == '1' || version[7] == '0'):
		r.Minor = int(version[7] - '0')
	case len(version) == 8 && string(version[:5]) == "HTTP/" && isDigit(version[5]) && version[6] == '.' && isDigit(version[7]):
		// HTTP/2.0, HTTP/1.2, HTTP/0.9 ...: a version, not one we speak.
		return ErrBadVersion
	default:
		return ErrBadRequestLine
	}
	r.Method = method
	r.Target = target
	// A gateway does not tunnel (RFC 9110 §9.3.6).
	if string(method) == "CONNECT" {
		return ErrUnsupportedMethod
	}
	return parseTarget(target, r)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseTarget splits a request-target (RFC 9112 §3.2) into Path, Query and
// Authority. Accepted forms: origin-form, absolute-form with an http or
// https scheme, and asterisk-form with OPTIONS.
func parseTarget(t []byte, r *Request) *Error {
	for _, c := range t {
		if !targetTable[c] {
			return ErrBadTarget
		}
	}
	if t[0] == '/' {
		return splitPathQuery(t, r)
	}
	if len(t) == 1 && t[0] == '*' {
		if string(r.Method) != "OPTIONS" {
			return ErrBadTarget
		}
		r.Path = t
		return nil
	}
	// absolute-form = absolute-URI; only http and https (RFC 9110 §4.2).
	var rest []byte
	switch {
	case len(t) >= 7 && ascii.EqualFold(t[:7], "http://"):
		rest = t[7:]
	case len(t) >= 8 && ascii.EqualFold(t[:8], "https://"):
		rest = t[8:]
	default:
		return ErrBadTarget
	}
	a := 0
	for a < len(rest) && rest[a] != '/' && rest[a] != '?' {
		a++
	}
	authority := rest[:a:a]
	// RFC 9110 §4.2.1: an empty host is invalid; §4.2.4: userinfo is an
	// error. validHost rejects both ('@' is no reg-name byte).
	if !validHost(authority) {
		return ErrBadHost
	}
	r.Authority = authority
	rest = rest[a:]
	if len(rest) == 0 || rest[0] == '?' {
		r.Path = slashPath
		if len(rest) > 0 {
			r.Query = rest[1:]
		}
		return nil
	}
	return splitPathQuery(rest, r)
}

// splitPathQuery sets Path and Query from an absolute-path [ "?" query ].
// The path's percent-encodings must be well formed, as url.ParseRequestURI
// requires; the query is not checked.
func splitPathQuery(t []byte, r *Request) *Error {
	path := t
	if q := bytes.IndexByte(t, '?'); q >= 0 {
		path = t[:q:q]
		r.Query = t[q+1:]
	}
	for p := bytes.IndexByte(path, '%'); p >= 0; {
		if p+2 >= len(path) || hexTable[path[p+1]] == 0 || hexTable[path[p+2]] == 0 {
			return ErrBadTarget
		}
		next := bytes.IndexByte(path[p+3:], '%')
		if next < 0 {
			break
		}
		p += 3 + next
	}
	r.Path = path
	return nil
}

// finishRequest applies the rules that need the whole head: Host (RFC 9112
// §3.2), framing (§6), persistence (§9.3) and hop-by-hop fields (RFC 9110
// §7.6.1).
func finishRequest(r *Request, st *fieldState) *Error {
	switch {
	case st.hostFields > 1:
		return ErrDuplicateHost
	case st.hostFields == 0 && r.Minor == 1:
		return ErrMissingHost
	case st.hostFields == 1 && len(st.host) > 0 && !validHost(st.host):
		// An empty Host is valid (RFC 9110 §7.2).
		return ErrBadHost
	}
	if r.Authority != nil {
		// RFC 9112 §3.2.2: the target's authority wins over Host.
		r.Host = r.Authority
	} else if st.hostFields == 1 {
		r.Host = st.host
	}

	if st.teFields > 0 {
		switch {
		case r.Minor == 0:
			// RFC 9112 §6.1: treat as faulty framing.
			return ErrTransferEncodingInHTTP10
		case st.clFields > 0:
			return ErrContentLengthWithTransferEncoding
		case st.teBad || st.teUnknown || st.teChunked != 1 || !st.teLastChunked:
			return ErrBadTransferEncoding
		case st.teKnown:
			return ErrUnsupportedTransferEncoding
		}
		r.Chunked = true
		if st.trailer {
			if err := checkTrailerDecl(r.Headers); err != nil {
				return err
			}
		}
	}
	r.ContentLength = st.contentLength

	if r.Minor == 1 {
		r.KeepAlive = !st.connClose
		// RFC 9110 §10.1.1 and §7.8: HTTP/1.0 senders get neither.
		r.ExpectContinue = st.expect100
		if st.connUpgrade && st.upgradeSeen {
			r.Upgrade = st.upgrade
		}
	} else {
		r.KeepAlive = st.connKeepAlive && !st.connClose
	}
	if st.connOther {
		markHopByHop(r.Headers)
	}
	return nil
}

// checkTrailerDecl rejects a chunked request whose Trailer field announces
// a field that Next would reject as a trailer (as net/http rejects
// Content-Length, Transfer-Encoding and Trailer).
func checkTrailerDecl(h []Header) *Error {
	for elem := range listElems(h, KindTrailer) {
		if isToken(elem) && forbiddenTrailer(elem) {
			return ErrForbiddenTrailer
		}
	}
	return nil
}
