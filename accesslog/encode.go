package accesslog

import (
	"encoding/binary"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON line. One object per line, keys in this order, a member left
// out when it is empty or not measured (an absent member means "not
// known"). The names, for a README:
//
//	time             request head complete, RFC 3339 UTC with microseconds
//	req_id           request id (the X-Request-Id the gateway sent)
//	service, env     service id, environment (test, prepub, release)
//	api_id           API id
//	method, path     request method and path (no query string)
//	host             Host header
//	scheme           "http" or "https"
//	status           status sent to the client
//	ups_status       the backend's status (absent: the gateway answered)
//	bytes_in         request bytes (head and body)
//	bytes_out        response bytes
//	latency          total time in the gateway, seconds (6 decimals)
//	backend_latency  upstream attempt to end of its response, seconds
//	backend_connect  upstream connect time, seconds
//	backend_header   until the upstream response head, seconds
//	client_ip        client address
//	upstream         upstream address, ip:port
//	vip              gateway address the client reached, ip:port
//	subject          auth subject: SecretId or app id (never a secret)
//	limit            limiter decision: "pass", or the refusing rule
//	err_code         gateway error code
//	err_msg          gateway error message
//	tcp_rtt          client TCP round trip, seconds
//	pid              writing process
var jsonNames = [NumFields]string{
	ReqID: "req_id", Service: "service", Env: "env", API: "api_id", Method: "method", Path: "path",
	Host: "host", ClientIP: "client_ip", Upstream: "upstream", VIP: "vip", Subject: "subject",
	Limit: "limit", ErrCode: "err_code", ErrMsg: "err_msg",
}

const timeLayout = "2006-01-02T15:04:05.000000Z"

// AppendJSON appends r as one JSON line (with its newline) to dst.
func (r *Record) AppendJSON(dst []byte) []byte {
	var tc timeCache
	return r.appendJSON(dst, &tc)
}

// timeCache keeps the formatted second of the last line: the writer's
// lines mostly share it, and formatting a time is a fifth of a line's
// encoding otherwise.
type timeCache struct {
	sec    int64
	prefix []byte // "2006-01-02T15:04:05." for sec; empty before the first
}

// appendTime writes ns (Unix nanoseconds) in timeLayout: the cached
// second, then the microseconds, truncated as AppendFormat truncates.
func (c *timeCache) appendTime(dst []byte, ns int64) []byte {
	sec, frac := ns/1e9, ns%1e9
	if frac < 0 { // floor division for times before 1970
		sec, frac = sec-1, frac+1e9
	}
	if len(c.prefix) == 0 || sec != c.sec {
		c.sec = sec
		c.prefix = time.Unix(sec, 0).UTC().AppendFormat(c.prefix[:0], "2006-01-02T15:04:05.")
	}
	dst = append(dst, c.prefix...)
	dst = appendSix(dst, uint64(frac/1e3))
	return append(dst, 'Z')
}

func (r *Record) appendJSON(dst []byte, tc *timeCache) []byte {
	dst = append(dst, `{"time":"`...)
	dst = tc.appendTime(dst, r.Time)
	dst = append(dst, '"')
	// One escape check over all the text (ids, addresses and a path are
	// nearly always plain) instead of one per member: a stale copy of a
	// member set twice only sends the line to the per-member path.
	plain := plainJSON(r.text[:r.used])
	for _, f := range [...]Field{ReqID, Service, Env, API, Method, Path, Host} {
		dst = r.appendText(dst, f, plain)
	}
	if r.Scheme == HTTPS {
		dst = append(dst, `,"scheme":"https"`...)
	} else {
		dst = append(dst, `,"scheme":"http"`...)
	}
	dst = appendInt(dst, `,"status":`, int64(r.Status), true)
	dst = appendInt(dst, `,"ups_status":`, int64(r.UpstreamStatus), false)
	dst = appendInt(dst, `,"bytes_in":`, r.BytesIn, true)
	dst = appendInt(dst, `,"bytes_out":`, r.BytesOut, true)
	dst = appendSeconds(dst, `,"latency":`, r.Latency, true)
	dst = appendSeconds(dst, `,"backend_latency":`, r.Backend, false)
	dst = appendSeconds(dst, `,"backend_connect":`, r.Connect, false)
	dst = appendSeconds(dst, `,"backend_header":`, r.Header, false)
	for _, f := range [...]Field{ClientIP, Upstream, VIP, Subject, Limit, ErrCode, ErrMsg} {
		dst = r.appendText(dst, f, plain)
	}
	dst = appendSeconds(dst, `,"tcp_rtt":`, r.RTT, false)
	dst = appendInt(dst, `,"pid":`, int64(r.PID), false)
	return append(dst, '}', '\n')
}

// appendText writes member f, if set; plain says that no member needs an
// escape.
func (r *Record) appendText(dst []byte, f Field, plain bool) []byte {
	v := r.Get(f)
	if len(v) == 0 {
		return dst
	}
	dst = append(dst, jsonKeys[f]...)
	if plain {
		dst = append(dst, v...)
	} else {
		dst = appendJSONText(dst, v)
	}
	return append(dst, '"')
}

// jsonKeys are the members' `,"name":"` prefixes (the value's opening
// quote included), one append each.
var jsonKeys = func() (k [NumFields]string) {
	for f, n := range jsonNames {
		k[f] = `,"` + n + `":"`
	}
	return k
}()

// appendInt writes a number member; key is its `,"name":` prefix, as in
// jsonKeys (without the quote).
func appendInt(dst []byte, key string, v int64, always bool) []byte {
	if v == 0 && !always {
		return dst
	}
	dst = append(dst, key...)
	if v < 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	return appendUint(dst, uint64(v))
}

// appendSeconds writes d as seconds with exactly six decimals (exact
// microseconds, no float rounding: parseDecimal reads it back).
func appendSeconds(dst []byte, key string, d time.Duration, always bool) []byte {
	if d <= 0 && !always {
		return dst
	}
	dst = append(dst, key...)
	return appendFixed(dst, d.Microseconds(), 6)
}

// appendFixed writes us microseconds as seconds with prec (1..6) decimals,
// truncated.
func appendFixed(dst []byte, us int64, prec int) []byte {
	if us < 0 {
		us = 0
	}
	if us < 1e6 { // most durations: no integer part to format
		dst = append(dst, '0', '.')
	} else {
		dst = appendUint(dst, uint64(us/1e6))
		dst = append(dst, '.')
	}
	if prec == 6 {
		return appendSix(dst, uint64(us%1e6))
	}
	n := len(dst)
	dst = appendSix(dst, uint64(us%1e6))
	return dst[:n+prec]
}

// digitPairs is "00" to "99": two decimal digits per table read, as
// strconv does.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendSix writes v (< 1e6) as exactly six digits.
func appendSix(dst []byte, v uint64) []byte {
	a, b, c := v/10000, v/100%100, v%100
	return append(dst, digitPairs[2*a], digitPairs[2*a+1], digitPairs[2*b], digitPairs[2*b+1], digitPairs[2*c], digitPairs[2*c+1])
}

// appendUint writes v in decimal: strconv.AppendUint's method without
// its generality (a status, a byte count: a few pairs).
func appendUint(dst []byte, v uint64) []byte {
	var b [20]byte
	i := len(b)
	for v >= 100 {
		r := v % 100
		v /= 100
		i -= 2
		b[i], b[i+1] = digitPairs[2*r], digitPairs[2*r+1]
	}
	if v >= 10 {
		i -= 2
		b[i], b[i+1] = digitPairs[2*v], digitPairs[2*v+1]
	} else {
		i--
		b[i] = byte('0' + v)
	}
	return append(dst, b[i:]...)
}

const hexDigits = "0123456789abcdef"

// escapeIn8 reports whether any of the 8 bytes packed in x is one a JSON
// string cannot hold as it is: a control byte (< 0x20), '"', '\\', or a
// non-ASCII byte (checked as UTF-8 byte by byte). Each test is the exact
// "has a zero/less-than byte" bit trick, so whole words of plain text
// (ids, addresses, most paths) are passed 8 bytes a step.
func escapeIn8(x uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(ones*'"'), x^(ones*'\\')
	less := (x - ones*0x20) &^ x
	quote := (q - ones) &^ q
	slash := (bs - ones) &^ bs
	return (less|quote|slash|x)&high != 0
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainJSON reports whether s needs no escape: whole words, the last one
// overlapping the one before (ids and addresses are all plain; most
// members are 8 to 40 bytes).
func plainJSON(s []byte) bool {
	if len(s) < 8 {
		for _, c := range s {
			if !jsonSafe[c] {
				return false
			}
		}
		return true
	}
	for i := 0; i+8 < len(s); i += 8 {
		if escapeIn8(binary.LittleEndian.Uint64(s[i:])) {
			return false
		}
	}
	return !escapeIn8(binary.LittleEndian.Uint64(s[len(s)-8:]))
}

// appendJSONText writes s as the inside of a JSON string (RFC 8259
// section 7, the quotes left to the caller); invalid UTF-8 becomes U+FFFD
// so the line stays valid JSON.
func appendJSONText(dst, s []byte) []byte {
	// Only the members of a line with something to escape come here (rare:
	// a path or message): runs of plain bytes, each copied in one append,
	// between escaped ones.
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && jsonSafe[s[j]] {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		if c == '"' || c == '\\' {
			dst = append(dst, '\\', c)
		} else if c < 0x20 {
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		} else {
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

// parseJSON reads a line written by AppendJSON (without its newline) into
// r. Unknown members are skipped, so newer writers stay readable.
func parseJSON(line []byte, r *Record) error {
	r.reset()
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return errSyntax
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return nil
	}
	for {
		key, _, next, ok := scanString(line, i)
		if !ok {
			return errSyntax
		}
		i = skipSpace(line, next)
		if i >= len(line) || line[i] != ':' {
			return errSyntax
		}
		i = skipSpace(line, i+1)
		if i >= len(line) {
			return errSyntax
		}
		if line[i] == '"' {
			val, esc, next, ok := scanString(line, i)
			if !ok {
				return errSyntax
			}
			i = next
			if err := r.setMember(key, val, esc); err != nil {
				return err
			}
		} else {
			j := i
			for j < len(line) && line[j] != ',' && line[j] != '}' && line[j] != ' ' {
				j++
			}
			if err := r.setNumber(key, line[i:j]); err != nil {
				return err
			}
			i = j
		}
		i = skipSpace(line, i)
		if i >= len(line) {
			return errSyntax
		}
		if line[i] == '}' {
			return nil
		}
		if line[i] != ',' {
			return errSyntax
		}
		i = skipSpace(line, i+1)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] ('"'): its raw bytes
// between the quotes, whether they hold escapes, and the index after it.
func scanString(b []byte, i int) (raw []byte, esc bool, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return b[i+1 : j], esc, j + 1, true
		}
	}
	return nil, false, 0, false
}

func (r *Record) setMember(key, val []byte, esc bool) error {
	switch string(key) {
	case "time":
		t, err := time.Parse(timeLayout, string(val))
		if err != nil {
			return errSyntax
		}
		r.Time = t.UnixNano()
		return nil
	case "scheme":
		if string(val) == "https" {
			r.Scheme = HTTPS
		}
		return nil
	}
	for f, n := range jsonNames {
		if n == string(key) {
			if esc {
				r.setUnescaped(Field(f), val)
			} else {
				r.Set(Field(f), val)
			}
			return nil
		}
	}
	return nil
}

func (r *Record) setNumber(key, val []byte) error {
	n, us, ok := parseDecimal(val)
	if !ok {
		return errSyntax
	}
	for i, name := range durationNames {
		if name == string(key) {
			*r.durations()[i] = time.Duration(us) * time.Microsecond
			return nil
		}
	}
	switch string(key) {
	case "status":
		r.Status = uint16(n)
	case "ups_status":
		r.UpstreamStatus = uint16(n)
	case "bytes_in":
		r.BytesIn = n
	case "bytes_out":
		r.BytesOut = n
	case "pid":
		r.PID = int32(n)
	}
	return nil
}

// durationNames are the JSON names of the members durations returns.
var durationNames = [...]string{"latency", "backend_latency", "backend_connect", "backend_header", "tcp_rtt"}

func (r *Record) durations() [len(durationNames)]*time.Duration {
	return [...]*time.Duration{&r.Latency, &r.Backend, &r.Connect, &r.Header, &r.RTT}
}

// parseDecimal reads a non-negative decimal number (the only kind the
// writer writes): its whole part, and its value in millionths (decimals
// past six are cut).
func parseDecimal(b []byte) (whole, micros int64, ok bool) {
	digits, scale := 0, int64(0)
	for _, c := range b {
		switch {
		case c == '.' && scale == 0:
			scale = 1e5
		case c < '0' || c > '9' || digits == 18:
			return 0, 0, false
		case scale == 0:
			whole = whole*10 + int64(c-'0')
			digits++
		default:
			micros += int64(c-'0') * scale
			scale /= 10
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	return whole, whole*1e6 + micros, true
}

// setUnescaped decodes the JSON escapes of raw into member f.
func (r *Record) setUnescaped(f Field, raw []byte) {
	start := int(r.used)
	out := r.text[start:start]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = appendCapped(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'n':
			out = appendCapped(out, '\n')
		case 't':
			out = appendCapped(out, '\t')
		case 'r':
			out = appendCapped(out, '\r')
		case 'b':
			out = appendCapped(out, '\b')
		case 'f':
			out = appendCapped(out, '\f')
		case 'u':
			if i+4 >= len(raw) {
				return
			}
			v, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
			if err != nil {
				return
			}
			i += 4
			ru := rune(v)
			if ru >= 0xd800 && ru < 0xdc00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo, err := strconv.ParseUint(string(raw[i+3:i+7]), 16, 32); err == nil && lo >= 0xdc00 && lo < 0xe000 {
					ru = (ru-0xd800)<<10 + (rune(lo) - 0xdc00) + 0x10000
					i += 6
				}
			}
			var tmp [4]byte
			for _, b := range tmp[:utf8.EncodeRune(tmp[:], ru)] {
				out = appendCapped(out, b)
			}
		default: // \" \\ \/
			out = appendCapped(out, raw[i])
		}
	}
	r.span[f].off, r.span[f].n = uint16(start), uint16(len(out))
	r.used += uint16(len(out))
}

// appendCapped appends c when out (a window of Record.text) has room.
func appendCapped(out []byte, c byte) []byte {
	if len(out) < cap(out) {
		return append(out, c)
	}
	return out
}
