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
func appendError(dst []byte, clk *clock, f *failure, id, allow []byte, closeConn bool) []byte {
	return appendErrorParts(dst, clk, f.status, f.code, f.msg, id, allow, nil, closeConn)
}

// appendErrorParts is appendError from parts; extra holds complete header
// lines ("Name: value\r\n") a check added for this request.
func appendErrorParts(dst []byte, clk *clock, status int, code, msg string, id, allow, extra []byte, closeConn bool) []byte {
	bodyLen := len(`{"code":"","message":"","request_id":""}`) + 1 +
		jsonLen(code) + jsonLen(msg) + len(id)
	dst = appendStatusLine(dst, status, nil)
	dst = append(dst, "Content-Type: application/json\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(bodyLen), 10)
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, clk.httpDate()...)
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
