package edge

import (
	"strconv"
)

// appendStatusLine appends "HTTP/1.1 <code> <reason>\r\n".
func appendStatusLine(dst []byte, code int, reason []byte) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	if len(reason) > 0 {
		dst = append(dst, reason...)
	} else {
		dst = append(dst, statusText(code)...)
	}
	return append(dst, "\r\n"...)
}

// appendError renders a gateway-made error: the JSON body
// {"code":"...","message":"...","request_id":"..."} with X-Request-Id,
// and Allow when given (405).
func appendError(dst []byte, date []byte, f *failure, id, allow []byte, closeConn bool) []byte {
	return appendErrorParts(dst, date, f.status, f.code, f.msg, id, allow, nil, closeConn)
}

// appendErrorParts is appendError from parts; extra holds complete header
// lines ("Name: value\r\n") a check added for this request.
func appendErrorParts(dst []byte, date []byte, status int, code, msg string, id, allow, extra []byte, closeConn bool) []byte {
	bodyLen := len(`{"code":"","message":"","request_id":""}`) + 1 +
		jsonLen(code) + jsonLen(msg) + len(id)
	dst = appendStatusLine(dst, status, nil)
	dst = append(dst, "Content-Type: application/json\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(bodyLen), 10)
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, date...)
	dst = append(dst, "\r\nX-Request-Id: "...)
	dst = append(dst, id...)
	dst = append(dst, "\r\n"...)
	if len(allow) > 0 {
		dst = append(dst, "Allow: "...)
		dst = append(dst, allow...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, extra...)
	if closeConn {
		dst = append(dst, "Connection: close\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	dst = append(dst, `{"code":"`...)
	dst = appendJSON(dst, code)
	dst = append(dst, `","message":"`...)
	dst = appendJSON(dst, msg)
	dst = append(dst, `","request_id":"`...)
	dst = append(dst, id...)
	dst = append(dst, "\"}\n"...)
	return dst
}

// jsonLen is the length of s once escaped by appendJSON.
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20:
			n += 6
		default:
			n++
		}
	}
	return n
}

// appendJSON appends s escaped for a JSON string (bytes ≥ 0x80 pass as is).
func appendJSON(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// routerMessage is the message for each router failure code.
func routerMessage(code string) string {
	switch code {
	case "HostNotFound":
		return "no service is bound to this host"
	case "EnvironmentNotFound":
		return "this environment is not published"
	case "ApiNotFound":
		return "no API matches this path"
	case "MethodNotAllowed":
		return "the API does not accept this method"
	case "BadPath":
		return "the request path is not acceptable"
	}
	return "the request cannot be routed"
}

// fail answers the request with a gateway-made error.
func (cl *client) fail(f *failure) { cl.failParts(f.status, f.code, f.msg, nil) }

func (cl *client) failParts(status int, code, msg string, allow []byte) {
	l := cl.l
	l.ctr.add(cGatewayErrors, 1)
	cl.obsError(status, code, msg)
	if cl.state == stBody {
		cl.closeAfter = true // the body is not read
	}
	b := appendErrorParts(l.tmp[:0], l.httpDate(), status, code, msg, cl.id[:], allow, cl.respExtra, cl.closeAfter)
	if cl.isHead {
		b = b[:headLen(b)]
	}
	l.tmp = b[:0]
	if cl.dead {
		return
	}
	cl.write(b)
	cl.ans = ansDone
	cl.finishRequest()
}

// headLen is the length of the head in a rendered response.
func headLen(b []byte) int {
	for i := 3; i < len(b); i++ {
		if b[i] == '\n' && b[i-1] == '\r' && b[i-2] == '\n' && b[i-3] == '\r' {
			return i + 1
		}
	}
	return len(b)
}

// respondMock answers from the API's mock configuration.
func (cl *client) respondMock(a *apiRT) {
	b := append(cl.l.tmp[:0], a.mockHead...)
	b = cl.appendStamp(b)
	b = append(b, cl.respExtra...)
	b = cl.appendHeadEnd(b)
	if !cl.isHead {
		b = append(b, a.mockBody...)
	}
	cl.sendAnswer(b)
}

// appendStamp appends the Date and X-Request-Id lines of a gateway-made
// answer.
func (cl *client) appendStamp(b []byte) []byte {
	b = append(b, "Date: "...)
	b = append(b, cl.l.httpDate()...)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, cl.id[:]...)
	return append(b, "\r\n"...)
}

// appendHeadEnd appends the Connection line the answer needs and the end
// of the head.
func (cl *client) appendHeadEnd(b []byte) []byte {
	if cl.closeAfter {
		b = append(b, "Connection: close\r\n"...)
	} else if cl.minor == 0 {
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	return append(b, "\r\n"...)
}

// sendAnswer sends a whole gateway-made answer (rendered in l.tmp) and
// ends the request; with a body still arriving, pumpBody drains it and
// then ends it.
func (cl *client) sendAnswer(b []byte) {
	cl.l.tmp = b[:0]
	cl.obsAnswer(b)
	cl.write(b)
	cl.ans = ansDone
	if cl.state != stBody {
		cl.finishRequest()
	}
}
