package http1

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand"
	"net/http"
	"net/netip"
	"net/textproto"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzParseRequestDifferential feeds the same bytes to ParseRequest and to
// Go's server (net/http's readRequest, the body of http.ReadRequest, plus
// goServerChecks) and fails where they
// disagree on accept/reject or, when both accept, on the head length,
// method, target, Host, header fields (after Go's canonicalisation), body
// framing and persistence.
//
// We are stricter than Go on purpose in the classes listed in
// requestExceptions (each is documented in CODES.md, "Deviations from
// net/http"): "we reject, Go accepts" passes only when one of them applies
// and our error code is one that class produces. "We accept, Go rejects"
// always fails; the one documented leniency (empty lines before the
// request-line, RFC 9112 §2.2) is applied to the reference instead.
//
// Each input is also parsed again in random pieces and must give the same
// answer as whole.
func FuzzParseRequestDifferential(f *testing.F) {
	for _, s := range validRequests {
		f.Add([]byte(s))
	}
	for _, s := range invalidRequests {
		f.Add([]byte(s))
	}
	for _, s := range caseInputs(f, "request") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Parser
		r := &Request{Headers: make([]Header, 0, DefaultMaxHeaders)}
		n, err := p.ParseRequest(b, r, nil)

		checkIncremental(t, b, n, err, r)

		// RFC 9112 §2.2: we skip empty lines before the request-line;
		// Go's server does so only after a POST. Skip them for Go too.
		skip := 0
		for bytes.HasPrefix(b[skip:], []byte("\r\n")) {
			skip += 2
		}
		g := goParseRequest(b[skip:])
		g.headLen += skip

		switch {
		case n > 0 && g.req != nil:
			compareAccepted(t, b, r, n, g)
		case n > 0:
			t.Fatalf("we accept, Go rejects (%v):\n%.400q", g.err, b)
		case g.req != nil:
			code := "Incomplete"
			if err != nil {
				code = err.Code
			}
			applied, ok := excused(requestExceptions, newDiffCase(b, g), code, "")
			if ok {
				return
			}
			t.Fatalf("we reject (%s), Go accepts; exceptions that apply: %v\n%.400q", code, applied, b)
		}
	})
}

// checkIncremental parses b in pieces and compares with the whole parse.
func checkIncremental(t *testing.T, b []byte, n int, err *Error, whole *Request) {
	t.Helper()
	h := fnv.New64a()
	h.Write(b)
	rng := rand.New(rand.NewSource(int64(h.Sum64())))
	var p Parser
	r := &Request{Headers: make([]Header, 0, DefaultMaxHeaders)}
	var in []byte
	var n2 int
	var err2 *Error
	for len(in) < len(b) {
		step := 1 + rng.Intn(1+rng.Intn(64))
		in = append(in, b[len(in):min(len(b), len(in)+step)]...)
		n2, err2 = p.ParseRequest(in, r, nil)
		if n2 > 0 || err2 != nil {
			break
		}
	}
	switch {
	case (n > 0) != (n2 > 0) || n != n2:
		t.Fatalf("whole n=%d err=%v, pieces n=%d err=%v:\n%.400q", n, err, n2, err2, b)
	case n > 0 && reqSummary(r) != reqSummary(whole):
		t.Fatalf("whole and pieces differ:\n%s\n%s", reqSummary(whole), reqSummary(r))
	case (err == nil) != (err2 == nil):
		t.Fatalf("whole err=%v, pieces err=%v:\n%.400q", err, err2, b)
	case err != nil && err.Code != err2.Code && !isLimit(err) && !isLimit(err2):
		// With several faults, a limit may be seen first when scanning.
		t.Fatalf("whole %s, pieces %s:\n%.400q", err.Code, err2.Code, b)
	}
}

func isLimit(e *Error) bool { return e.Status == 414 || e.Status == 431 }

func compareAccepted(t *testing.T, b []byte, r *Request, n int, g goRequest) {
	t.Helper()
	req := g.req
	fail := func(what string, ours, gos any) {
		t.Helper()
		t.Fatalf("%s: ours %v, Go %v\n%.400q", what, ours, gos, b)
	}
	if n != g.headLen {
		fail("head length", n, g.headLen)
	}
	if string(r.Method) != req.Method {
		fail("method", string(r.Method), req.Method)
	}
	if string(r.Target) != req.RequestURI {
		fail("target", string(r.Target), req.RequestURI)
	}
	if string(r.Host) != req.Host {
		fail("host", string(r.Host), req.Host)
	}
	goChunked := len(req.TransferEncoding) == 1 && req.TransferEncoding[0] == "chunked"
	if r.Chunked != goChunked {
		fail("chunked", r.Chunked, req.TransferEncoding)
	}
	if !r.Chunked {
		want := max(r.ContentLength, 0) // Go: a request without a length has none
		if req.ContentLength != want {
			fail("content length", r.ContentLength, req.ContentLength)
		}
	}
	if r.KeepAlive == req.Close {
		fail("keep-alive", r.KeepAlive, !req.Close)
	}
	// Header fields, as Go's map holds them: Go drops Transfer-Encoding,
	// drops Trailer when chunked, and adds Cache-Control for a bare
	// Pragma: no-cache (fixPragmaCacheControl).
	ours := http.Header{}
	gos := req.Header.Clone()
	delete(gos, "Host") // compared as Request.Host above
	for _, h := range r.Headers {
		k := textproto.CanonicalMIMEHeaderKey(string(h.Name))
		if k == "Host" || k == "Transfer-Encoding" || k == "Trailer" && goChunked {
			continue
		}
		ours[k] = append(ours[k], string(h.Value))
	}
	if hp, ok := ours["Pragma"]; ok && len(hp) > 0 && hp[0] == "no-cache" {
		if _, ok := ours["Cache-Control"]; !ok {
			ours["Cache-Control"] = []string{"no-cache"}
		}
	}
	if !reflect.DeepEqual(ours, gos) && !(len(ours) == 0 && len(gos) == 0) {
		fail("headers", ours, gos)
	}
}

// diffCase is an input that Go accepted, seen without our parser: the head
// Go consumed, split naively into lines.
type diffCase struct {
	b     []byte
	head  []byte
	lines []string // request-line, then field lines; CR before LF removed
	req   *http.Request
}

func newDiffCase(b []byte, g goRequest) *diffCase {
	head := b[:g.headLen]
	x := &diffCase{b: b, head: head, req: g.req}
	for _, l := range strings.SplitAfter(string(head), "\n") {
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if l == "" {
			continue // leading empty lines and the final one
		}
		x.lines = append(x.lines, l)
	}
	return x
}

// fields returns the raw field lines named name (case-insensitively).
func (x *diffCase) fields(name string) []string {
	var out []string
	for _, l := range x.lines[1:] {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			out = append(out, strings.Trim(v, " \t"))
		}
	}
	return out
}

// exception is a documented class where we reject what Go accepts: the
// codes we may answer with, and when it applies to an input (a *diffCase
// or a *chunkCase).
type exception[X any] struct {
	name    string
	codes   []string
	applies func(X) bool
}

// excused reports whether an exception that applies to x (only the one
// named only, when not "") allows code, and names those that apply.
func excused[X any](exs []exception[X], x X, code, only string) (applied []string, ok bool) {
	for _, e := range exs {
		if (only == "" || e.name == only) && e.applies(x) {
			applied = append(applied, e.name)
			ok = ok || slices.Contains(e.codes, code)
		}
	}
	return applied, ok
}

// hasBareLF reports an LF without a CR before it.
func hasBareLF(b []byte) bool {
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

// requestExceptions are the documented classes where we reject what Go's
// server accepts (CODES.md, "Deviations from net/http").
var requestExceptions = []exception[*diffCase]{
	{"bareLF", []string{"BareLF"}, func(x *diffCase) bool { return hasBareLF(x.head) }},
	{"obsFold", []string{"ObsFold"}, func(x *diffCase) bool {
		for _, l := range x.lines[1:] {
			if l[0] == ' ' || l[0] == '\t' {
				return true
			}
		}
		return false
	}},
	{"duplicateContentLength", []string{"DuplicateContentLength"}, func(x *diffCase) bool {
		return len(x.fields("Content-Length")) > 1
	}},
	{"contentLengthDigits", []string{"BadContentLength"}, func(x *diffCase) bool {
		for _, v := range x.fields("Content-Length") {
			if len(v) > 19 && strings.Trim(v, "0123456789") == "" {
				return true
			}
		}
		return false
	}},
	{"transferEncodingInHTTP10", []string{"TransferEncodingInHTTP10"}, func(x *diffCase) bool {
		return x.req.ProtoMinor == 0 && len(x.fields("Transfer-Encoding")) > 0
	}},
	{"contentLengthWithTransferEncoding", []string{"ContentLengthWithTransferEncoding"}, func(x *diffCase) bool {
		return len(x.fields("Content-Length")) > 0 && len(x.fields("Transfer-Encoding")) > 0
	}},
	{"strictHost", []string{"BadHost"}, func(x *diffCase) bool {
		if hs := x.req.Header["Host"]; len(hs) == 1 && hs[0] != "" && !rfcHost(hs[0]) {
			return true
		}
		if a, ok := absoluteAuthority(x.req.RequestURI); ok && !rfcHost(a) {
			return true
		}
		return false
	}},
	{"targetBytes", []string{"BadTarget"}, func(x *diffCase) bool {
		return strings.ContainsFunc(x.req.RequestURI, func(r rune) bool { return r == '#' || r >= 0x80 })
	}},
	{"targetForm", []string{"BadTarget", "UnsupportedMethod"}, func(x *diffCase) bool {
		u := x.req.RequestURI
		_, abs := absoluteAuthority(u)
		return x.req.Method == "CONNECT" || !strings.HasPrefix(u, "/") && !abs && !(u == "*" && x.req.Method == "OPTIONS")
	}},
	{"emptyTarget", []string{"BadRequestLine"}, func(x *diffCase) bool {
		return x.req.RequestURI == "" // Go: CONNECT's authority form takes ""
	}},
	{"version", []string{"BadVersion"}, func(x *diffCase) bool {
		return x.req.Proto != "HTTP/1.1" && x.req.Proto != "HTTP/1.0"
	}},
	{"connectionOptions", []string{"BadConnection"}, func(x *diffCase) bool {
		n := 0
		for _, v := range x.req.Header["Connection"] {
			for _, o := range strings.Split(v, ",") {
				o = strings.Trim(o, " \t")
				if o == "" {
					continue
				}
				n++
				if !goValidHeaderFieldName(o) {
					return true
				}
			}
		}
		return n > 32
	}},
	{"trailerDeclaration", []string{"ForbiddenTrailer"}, func(x *diffCase) bool {
		if len(x.req.TransferEncoding) == 0 {
			return false
		}
		for _, v := range x.fields("Trailer") {
			for _, name := range strings.Split(v, ",") {
				if documentedForbiddenTrailer(strings.Trim(name, " \t")) {
					return true
				}
			}
		}
		return false
	}},
	{"limits", []string{"URITooLong", "HeaderTooLarge", "TooManyHeaders"}, func(x *diffCase) bool {
		return len(x.lines[0]) > DefaultMaxRequestLine || len(x.head) > DefaultMaxHeaderBytes || len(x.lines)-1 > DefaultMaxHeaders
	}},
}

// absoluteAuthority returns the authority of an http or https
// absolute-form target.
func absoluteAuthority(u string) (string, bool) {
	l := strings.ToLower(u)
	var rest string
	switch {
	case strings.HasPrefix(l, "http://"):
		rest = u[7:]
	case strings.HasPrefix(l, "https://"):
		rest = u[8:]
	default:
		return "", false
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}

// rfcHost is the test's own reading of the Host grammar documented in
// CODES.md: RFC 3986 host [":" port] with a non-empty host, no
// pct-encoding, no zone identifier.
var (
	hostRE      = regexp.MustCompile(`^(?:\[([^\]]*)\]|([A-Za-z0-9\-._~!$&'()*+,;=]+))(?::[0-9]*)?$`)
	ipvFutureRE = regexp.MustCompile(`^[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$`)
)

func rfcHost(h string) bool {
	m := hostRE.FindStringSubmatch(h)
	if m == nil {
		return false
	}
	if m[2] != "" {
		return true
	}
	if ipvFutureRE.MatchString(m[1]) {
		return true
	}
	a, err := netip.ParseAddr(m[1])
	return err == nil && a.Is6() && a.Zone() == ""
}

// documentedForbiddenTrailer is the list in CODES.md, written out again.
func documentedForbiddenTrailer(name string) bool {
	switch strings.ToLower(name) {
	case "host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection",
		"te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate", "expect",
		"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix",
		"forwarded", "x-real-ip", "x-request-id",
		"authorization", "cookie", "set-cookie", "www-authenticate", "content-type", "content-encoding",
		"content-range", "content-location", "cache-control", "max-forwards", "range", "if-match",
		"if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "age", "expires", "date",
		"location", "retry-after", "vary", "warning", "pragma":
		return true
	}
	return false
}

// TestRFCHostOracle keeps the test's host grammar honest against validHost.
func TestRFCHostOracle(t *testing.T) {
	for _, h := range []string{"a", "a:1", "[::1]:80", "[v1.x]", "::1", "[::1%25x]", "a b", "ex%41", ":80", "[1.2.3.4]", "[::01.2.3.4]"} {
		if rfcHost(h) != validHost([]byte(h)) {
			t.Errorf("%q: oracle %v, validHost %v", h, rfcHost(h), validHost([]byte(h)))
		}
	}
}

// FuzzChunkedDifferential decodes the same bytes with ChunkedDecoder and
// with net/http (internal/chunked.go via httputil.NewChunkedReader, then
// the trailer as transfer.go reads it), and fails where they disagree,
// outside the documented classes in chunkedExceptions.
func FuzzChunkedDifferential(f *testing.F) {
	for _, s := range validChunked {
		f.Add([]byte(s))
	}
	for _, s := range caseInputs(f, "chunked") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ours := decodeAll(b)
		if got := feedChunked(string(b), splitter(b)); got.err == nil != (ours.err == nil) || got.done != ours.done || got.data != ours.data && ours.done {
			t.Fatalf("whole %+v, pieces %+v:\n%.400q", ours, got, b)
		}
		g := goDecodeChunked(b)
		switch {
		case ours.done && g.err == nil:
			if ours.data != string(g.data) {
				t.Fatalf("data: ours %q, Go %q\n%.400q", ours.data, g.data, b)
			}
			if ours.n != g.consumed {
				t.Fatalf("consumed: ours %d, Go %d\n%.400q", ours.n, g.consumed, b)
			}
			th := http.Header{}
			for _, tr := range ours.trailers {
				k, v, _ := strings.Cut(tr, ": ")
				k = textproto.CanonicalMIMEHeaderKey(k)
				th[k] = append(th[k], v)
			}
			if len(th) > 0 || len(g.trailer) > 0 {
				if !reflect.DeepEqual(th, g.trailer) {
					t.Fatalf("trailer: ours %v, Go %v\n%.400q", th, g.trailer, b)
				}
			}
		case ours.done:
			// The one documented leniency: our trailer section may be
			// 8 KiB, Go's must end within its 4 KiB bufio buffer.
			if trailerLen(b[:ours.n]) > 4096 {
				return
			}
			t.Fatalf("we accept, Go rejects (%v):\n%.400q", g.err, b)
		case g.err == nil:
			code := "Incomplete"
			if ours.err != nil {
				code = ours.err.Code
			}
			applied, ok := excused(chunkedExceptions, newChunkCase(b[:g.consumed]), code, "")
			if ok {
				return
			}
			t.Fatalf("we reject (%s), Go accepts; exceptions that apply: %v\n%.400q", code, applied, b)
		}
	})
}

func splitter(b []byte) func() int {
	h := fnv.New64a()
	h.Write(b)
	rng := rand.New(rand.NewSource(int64(h.Sum64())))
	return func() int { return 1 + rng.Intn(1+rng.Intn(32)) }
}

// chunkCase is a body Go accepted, walked naively: its chunk-size lines and
// its trailer lines.
type chunkCase struct {
	sizeLines []string // without CRLF
	trailer   []byte   // the trailer section, final CRLF included
}

func newChunkCase(b []byte) *chunkCase {
	x := &chunkCase{}
	for {
		i := bytes.IndexByte(b, '\n')
		line := strings.TrimSuffix(string(b[:i]), "\r")
		x.sizeLines = append(x.sizeLines, line)
		b = b[i+1:]
		var size int
		fmt.Sscanf(line, "%x", &size)
		if size == 0 {
			x.trailer = b
			return x
		}
		b = b[size+2:]
	}
}

// trailerLen is the length of the trailer section of an accepted body.
func trailerLen(b []byte) int { return len(newChunkCase(b).trailer) }

// chunkExtRE is the test's reading of our chunk-ext grammar (no BWS).
var chunkExtRE = regexp.MustCompile(`^(?:;[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"))?)*$`)

var chunkedExceptions = []exception[*chunkCase]{
	{"chunkLineSyntax", []string{"BadChunk"}, func(x *chunkCase) bool {
		for _, l := range x.sizeLines {
			i := 0
			for i < len(l) && strings.IndexByte("0123456789abcdefABCDEF", l[i]) >= 0 {
				i++
			}
			if !chunkExtRE.MatchString(l[i:]) {
				return true
			}
		}
		return false
	}},
	{"trailerBareLF", []string{"BareLF"}, func(x *chunkCase) bool { return hasBareLF(x.trailer) }},
	{"trailerObsFold", []string{"ObsFold"}, func(x *chunkCase) bool {
		for _, l := range strings.Split(string(x.trailer), "\n") {
			if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
				return true
			}
		}
		return false
	}},
	{"trailerNameSpace", []string{"BadHeaderName"}, func(x *chunkCase) bool {
		for _, l := range strings.Split(string(x.trailer), "\n") {
			if k, _, ok := strings.Cut(l, ":"); ok && strings.ContainsAny(k, " \t") {
				return true
			}
		}
		return false
	}},
	{"forbiddenTrailer", []string{"ForbiddenTrailer"}, func(x *chunkCase) bool {
		for _, l := range strings.Split(string(x.trailer), "\n") {
			if k, _, ok := strings.Cut(l, ":"); ok && documentedForbiddenTrailer(k) {
				return true
			}
		}
		return false
	}},
	{"tooManyTrailers", []string{"TrailerTooLarge"}, func(x *chunkCase) bool {
		return bytes.Count(x.trailer, []byte("\n")) > MaxTrailers+1
	}},
}

// FuzzChunkedNoPanic checks, for any input in any pieces, that Next never
// panics, consumes within bounds, returns data that is exactly the end of
// what it consumed, trailers inside in, and makes progress.
func FuzzChunkedNoPanic(f *testing.F) {
	for _, s := range validChunked {
		f.Add([]byte(s), uint64(1))
	}
	f.Add([]byte("5;a=\"\\\"\"\r\nhello\r\n0\r\nA: b\r\n\r\n"), uint64(7))
	for i, s := range caseInputs(f, "chunked") {
		f.Add([]byte(s), uint64(i))
	}
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		rng := rand.New(rand.NewSource(int64(seed)))
		var d ChunkedDecoder
		var pending []byte
		k := 0
		for steps := 0; steps < 4*len(b)+16; steps++ {
			if k < len(b) {
				step := 1 + rng.Intn(len(b)-k)
				pending = append(pending, b[k:k+step]...)
				k += step
			}
			in := bytes.Clone(pending) // exact capacity: out-of-range slices would show
			n, ev, data, tr, err := d.Next(in)
			if n < 0 || n > len(in) {
				t.Fatalf("n=%d len=%d", n, len(in))
			}
			if err != nil {
				if n != 0 || data != nil {
					t.Fatalf("error with n=%d data=%q", n, data)
				}
				return
			}
			switch ev {
			case ChunkData:
				if len(data) == 0 || !within(in, data) || &data[len(data)-1] != &in[n-1] || cap(data) != len(data) {
					t.Fatalf("data %q not at the end of in[:%d]", data, n)
				}
			case ChunkTrailer:
				if !within(in[:n], tr.Name) || !within(in[:n], tr.Value) {
					t.Fatal("trailer outside in")
				}
			case ChunkDone:
				return
			case ChunkMore:
				if k == len(b) && n == 0 {
					return // out of input
				}
			}
			pending = pending[n:]
		}
		t.Fatalf("no progress on %q", b)
	})
}

// within reports whether s is a subslice of in (or empty).
func within(in, s []byte) bool {
	if len(s) == 0 {
		return true
	}
	if len(in) == 0 {
		return false
	}
	start := &in[0]
	for i := range in {
		if &in[i] == &s[0] {
			return i+len(s) <= len(in)
		}
	}
	_ = start
	return false
}
