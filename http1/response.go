package http1

import "bytes"

// parseResponse parses the response head at the start of buf in one pass
// (see parseRequest). Errors are request-side values; ParseResponse turns
// them into their 502 twins.
func parseResponse(buf []byte, r *Response, maxBytes, maxH int, sc *scanState) (n int, err *Error) {
	hdrs := r.Headers[:0]
	*r = Response{Headers: hdrs, ContentLength: -1}

	line, i, err := startLine(buf, 0, maxBytes, 0, maxBytes, sc)
	if i == 0 {
		return 0, err
	}
	if err := parseStatusLine(line, r); err != nil {
		return 0, err
	}

	var st fieldState
	end, err := headFields(buf, i, &r.Headers, maxBytes, maxH, &st, sc)
	if end == 0 {
		return 0, err
	}
	if err := finishResponse(r, &st); err != nil {
		return 0, err
	}
	return end, nil
}

// parseStatusLine parses status-line = HTTP-version SP status-code SP
// [ reason-phrase ] (RFC 9112 §4), CRLF excluded. A missing SP before an
// empty reason ("HTTP/1.1 204") is accepted, as most clients do.
func parseStatusLine(line []byte, r *Response) *Error {
	if bytes.IndexByte(line, '\r') >= 0 {
		return ErrBareCR
	}
	if len(line) < 12 {
		return ErrBadStatusLine
	}
	v := line[:8]
	switch {
	case string(v[:7]) == "HTTP/1." && (v[7] == '1' || v[7] == '0'):
		r.Minor = int(v[7] - '0')
	case string(v[:5]) == "HTTP/" && isDigit(v[5]) && v[6] == '.' && isDigit(v[7]):
		return ErrBadVersion
	default:
		return ErrBadStatusLine
	}
	if line[8] != ' ' || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) {
		return ErrBadStatusLine
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	// RFC 9110 §15: valid status codes are 100-599.
	if status < 100 || status > 599 {
		return ErrBadStatusLine
	}
	r.Status = status
	if len(line) == 12 {
		r.Reason = line[12:12:12]
		return nil
	}
	if line[12] != ' ' {
		return ErrBadStatusLine
	}
	reason := line[13:]
	for _, c := range reason {
		if !valueTable[c] {
			return ErrBadStatusLine
		}
	}
	r.Reason = reason
	return nil
}

// finishResponse applies the framing rules of RFC 9112 §6.3 and the
// persistence rules of §9.3.
func finishResponse(r *Response, st *fieldState) *Error {
	switch {
	case st.teFields > 0:
		switch {
		case r.Minor == 0:
			// RFC 9112 §6.1: faulty framing in an HTTP/1.0 message.
			return ErrTransferEncodingInHTTP10
		case st.clFields > 0:
			return ErrContentLengthWithTransferEncoding
		case st.teBad || st.teChunked > 1:
			return ErrBadTransferEncoding
		}
		if st.teLastChunked {
			r.Chunked = true
		} else {
			// §6.3 item 4: chunked is not final, so the body runs to
			// the close, and the connection cannot be reused.
			r.CloseDelimited = true
		}
	case st.clFields > 0:
		r.ContentLength = st.contentLength
	default:
		r.CloseDelimited = true
	}

	if r.Minor == 1 {
		r.KeepAlive = !st.connClose
		if st.connUpgrade && st.upgradeSeen {
			r.Upgrade = st.upgrade
		}
	} else {
		r.KeepAlive = st.connKeepAlive && !st.connClose
	}
	if st.teFields > 0 && !r.Chunked {
		r.KeepAlive = false
	}
	if st.connOther {
		markHopByHop(r.Headers)
	}
	return nil
}
