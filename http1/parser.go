package http1

import "bytes"

// Parser holds scan state across calls for one message head, so that a head
// arriving one byte at a time costs O(n) overall, not O(n²) (slowloris).
//
// The first call parses buf in one pass. If the head is incomplete, the
// Parser remembers where the incomplete line starts, and later calls look
// only at the new bytes: they find line ends, check each line as it
// completes and check the limits as bytes arrive. The head is parsed in
// full once, when its empty line has arrived. A Parser resets itself after
// it returns a complete head or an error; Reset is needed only to abandon a
// head half way (or when the next buf does not extend the previous one,
// which the Parser also notices when buf is shorter than what it scanned).
//
// The zero Parser is ready to use. A Parser is used by one goroutine (one
// event loop) at a time.
type Parser struct {
	// scanning is set after a call that found the head incomplete.
	scanning bool
	sc       scanState
}

// scanState is where scanning resumes.
type scanState struct {
	// pos is the next byte to look at; lineStart the start of the line
	// that pos is in.
	pos, lineStart int
	// inStart is set until the start line has ended (empty lines before
	// it are skipped).
	inStart bool
	// fields counts complete field lines; st holds what the checks of
	// those lines need (counts and flags; its slices are not kept).
	fields int
	st     fieldState
}

// Reset forgets the head in progress.
func (p *Parser) Reset() { *p = Parser{} }

// ParseRequest parses the request head at the start of buf (which grows between calls
// with the same prefix until Reset).
// Returns (n, nil) with n = head length incl. the final CRLFCRLF when complete;
// (0, nil) when incomplete and no limit is crossed yet; (0, err) to reject.
//
// Every slice in r aliases buf and lives as long as those bytes do. r.Headers
// is reused: it is reset to length 0 and appended to, never beyond its
// capacity (a head with more fields than cap(r.Headers) is TooManyHeaders);
// when its capacity is 0, ParseRequest allocates one array of
// lim.MaxHeaders entries, once. lim may be nil (defaults).
//
// Empty lines (CRLF) before the request-line are skipped and counted in n
// and in MaxHeaderBytes (RFC 9112 §2.2). ParseRequest does not allocate.
func (p *Parser) ParseRequest(buf []byte, r *Request, lim *Limits) (int, *Error) {
	maxLine, maxBytes, maxH := DefaultMaxRequestLine, DefaultMaxHeaderBytes, DefaultMaxHeaders
	if lim != nil {
		if lim.MaxRequestLine > 0 {
			maxLine = lim.MaxRequestLine
		}
		if lim.MaxHeaderBytes > 0 {
			maxBytes = lim.MaxHeaderBytes
		}
		if lim.MaxHeaders > 0 {
			maxH = lim.MaxHeaders
		}
	}
	if cap(r.Headers) == 0 {
		r.Headers = make([]Header, 0, maxH)
	}
	maxH = min(maxH, cap(r.Headers))

	if p.scanning {
		done, err := p.scan(buf, maxLine, maxBytes, maxH, false)
		if err != nil || !done {
			return 0, err
		}
	}
	n, err := parseRequest(buf, r, maxLine, maxBytes, maxH, &p.sc)
	if n == 0 && err == nil {
		p.suspend(len(buf))
		return 0, nil
	}
	p.Reset()
	return n, err
}

// suspend switches to scanning after a one-pass parse that stopped at the
// end of buf. The incomplete line holds no LF (the one-pass parse stops
// only at the end of buf), so scanning resumes after it.
func (p *Parser) suspend(n int) {
	p.scanning = true
	p.sc.pos = n
	// Do not keep the caller's buffer alive through these.
	p.sc.st.host, p.sc.st.upgrade = nil, nil
}

// ParseResponse does the same for a response head from an upstream.
//
// Errors are the Status 502 twins (Error.Upstream). maxHeaderBytes and
// maxHeaders <= 0 take the defaults; r.Headers is used as in ParseRequest.
// ParseResponse does not allocate.
func (p *Parser) ParseResponse(buf []byte, r *Response, maxHeaderBytes, maxHeaders int) (int, *Error) {
	maxBytes, maxH := DefaultMaxHeaderBytes, DefaultMaxHeaders
	if maxHeaderBytes > 0 {
		maxBytes = maxHeaderBytes
	}
	if maxHeaders > 0 {
		maxH = maxHeaders
	}
	if cap(r.Headers) == 0 {
		r.Headers = make([]Header, 0, maxH)
	}
	maxH = min(maxH, cap(r.Headers))

	if p.scanning {
		done, err := p.scan(buf, maxBytes, maxBytes, maxH, true)
		if err != nil {
			return 0, err.Upstream()
		}
		if !done {
			return 0, nil
		}
	}
	n, err := parseResponse(buf, r, maxBytes, maxH, &p.sc)
	if n == 0 && err == nil {
		p.suspend(len(buf))
		return 0, nil
	}
	p.Reset()
	if err != nil {
		return 0, err.Upstream()
	}
	return n, nil
}

// scan looks for the end of the head in buf[p.sc.pos:]. It reports done
// when the empty line that ends the head is in buf. Each line is checked as
// soon as it is complete, with the same checks in the same order as the
// one-pass parse, so that a head is rejected with the same error however
// its bytes arrive; only what needs the whole head (Host, framing) waits
// for the full parse. response selects the status-line rules (no empty
// lines before it, no 414).
func (p *Parser) scan(buf []byte, maxLine, maxBytes, maxH int, response bool) (done bool, err *Error) {
	sc := &p.sc
	if sc.pos > len(buf) || sc.lineStart > sc.pos {
		// Not the same growing buffer: start over.
		p.Reset()
		return true, nil
	}
	done, err = p.scanLines(buf, maxLine, maxBytes, maxH, response)
	if err != nil {
		p.Reset()
		return false, err
	}
	sc.st.host, sc.st.upgrade = nil, nil // as in suspend
	return done, nil
}

// scanLines does the work of scan; on error the caller resets p.
func (p *Parser) scanLines(buf []byte, maxLine, maxBytes, maxH int, response bool) (done bool, err *Error) {
	sc := &p.sc
	for {
		i := bytes.IndexByte(buf[sc.pos:], '\n')
		if i < 0 {
			sc.pos = len(buf)
			return false, partialLine(buf, sc.lineStart, maxLine, maxBytes, sc.inStart && !response)
		}
		lf := sc.pos + i
		bare := lf == sc.lineStart || buf[lf-1] != '\r'
		line := buf[sc.lineStart:lf]
		if !bare {
			line = line[:len(line)-1]
		}
		switch {
		case sc.inStart:
			switch {
			case !response && lf-sc.lineStart > maxLine+1:
				return false, ErrURITooLong
			case response && lf >= maxBytes:
				return false, ErrHeaderTooLarge
			case bare:
				return false, ErrBareLF
			case len(line) == 0 && !response:
				// An empty line before the request-line.
				if lf+1+2 > maxBytes {
					return false, ErrHeaderTooLarge
				}
			default:
				if lf+1+2 > maxBytes {
					return false, ErrHeaderTooLarge
				}
				if response {
					var r Response
					err = parseStatusLine(line, &r)
				} else {
					var r Request
					err = parseRequestLine(line, &r)
				}
				if err != nil {
					return false, err
				}
				sc.inStart = false
			}
		case len(line) == 0 && !bare:
			// The empty line: the head is complete; the full parse
			// checks the rest.
			return true, nil
		default:
			h, err := fieldLine(line, bare)
			if err != nil {
				return false, err
			}
			if lf+1+2 > maxBytes {
				return false, ErrHeaderTooLarge
			}
			sc.fields++
			if sc.fields > maxH {
				return false, ErrTooManyHeaders
			}
			if h.Kind != KindOther {
				if err := sc.st.field(h.Kind, h.Value); err != nil {
					return false, err
				}
			}
		}
		sc.pos = lf + 1
		sc.lineStart = sc.pos
	}
}

// startLine finds the start line that begins at ls, its LF within window
// bytes, and returns it (CRLF excluded) and the offset after it. When buf
// ends first it saves in *sc where scanning resumes and returns 0 and what
// partialLine says; maxLine > 0 marks a request-line (414 past maxLine).
func startLine(buf []byte, ls, window, maxLine, maxBytes int, sc *scanState) ([]byte, int, *Error) {
	win := buf[ls:]
	if len(win) > window {
		win = win[:window]
	}
	lf := bytes.IndexByte(win, '\n')
	if lf < 0 {
		*sc = scanState{lineStart: ls, inStart: true}
		return nil, 0, partialLine(buf, ls, maxLine, maxBytes, maxLine > 0)
	}
	lf += ls
	if lf == ls || buf[lf-1] != '\r' {
		return nil, 0, ErrBareLF
	}
	if lf+3 > maxBytes {
		return nil, 0, ErrHeaderTooLarge
	}
	return buf[ls : lf-1], lf + 1, nil
}

// headFields parses the field section of a head from buf[i:] into *h
// (see parseFields), with st the state of its checks. At the end of the
// head it returns the head's length; when buf ends first, it saves in *sc
// where scanning resumes and returns 0 and what partialLine says.
func headFields(buf []byte, i int, h *[]Header, maxBytes, maxH int, st *fieldState, sc *scanState) (int, *Error) {
	st.contentLength = -1
	hs, end, lineStart, err := parseFields(buf, i, *h, maxH, maxBytes, st)
	*h = hs
	if err != nil || end > 0 {
		return end, err
	}
	*sc = scanState{lineStart: lineStart, fields: len(hs), st: *st}
	return 0, partialLine(buf, lineStart, 0, maxBytes, false)
}

// partialLine checks the limits for a head that ends inside the line that
// starts at ls: a request-line is 414 as soon as it is longer than maxLine
// (a trailing CR may still be the start of its CRLF), and a head longer than
// maxBytes is 431.
func partialLine(buf []byte, ls, maxLine, maxBytes int, requestLine bool) *Error {
	if requestLine {
		n := len(buf) - ls
		if n > 0 && buf[len(buf)-1] == '\r' {
			n--
		}
		if n > maxLine {
			return ErrURITooLong
		}
	}
	if len(buf) > maxBytes {
		return ErrHeaderTooLarge
	}
	return nil
}
