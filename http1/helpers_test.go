package http1

import (
	"fmt"
	"strings"
	"testing"
)

// parseReq parses s whole with default limits.
func parseReq(s string) (*Request, int, *Error) {
	var p Parser
	r := &Request{Headers: make([]Header, 0, DefaultMaxHeaders)}
	n, err := p.ParseRequest([]byte(s), r, nil)
	return r, n, err
}

// parseResp parses s whole with default limits.
func parseResp(s string) (*Response, int, *Error) {
	var p Parser
	r := &Response{Headers: make([]Header, 0, DefaultMaxHeaders)}
	n, err := p.ParseResponse([]byte(s), r, 0, 0)
	return r, n, err
}

// codeCase is one input and the Code it must produce ("" accepts the
// whole input as one head).
type codeCase struct {
	name string
	in   string
	code string
}

// parsers parse a case's input whole, by the kind of its section, and
// return how much of it was accepted (0 while incomplete).
var parsers = map[string]func(string) (int, *Error){
	"request":  func(s string) (int, *Error) { _, n, err := parseReq(s); return n, err },
	"response": func(s string) (int, *Error) { _, n, err := parseResp(s); return n, err },
	"chunked": func(s string) (int, *Error) {
		got := decodeAll([]byte(s))
		if !got.done {
			got.n = 0
		}
		return got.n, got.err
	},
}

// runCases runs each case through the parser of kind; a response's
// refusal must be the 502 twin.
func runCases(t *testing.T, kind string, cases []codeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			n, err := parsers[kind](c.in)
			checkResult(t, c, n, err)
			if kind == "response" && err != nil && err.Status != 502 {
				t.Errorf("response error %s has Status %d, want 502", err.Code, err.Status)
			}
		})
	}
}

func checkResult(t *testing.T, c codeCase, n int, err *Error) {
	t.Helper()
	switch {
	case c.code == "" && err != nil:
		t.Fatalf("%q: unexpected error %v", c.in, err)
	case c.code == "" && n != len(c.in):
		t.Fatalf("%q: n = %d, want %d", c.in, n, len(c.in))
	case c.code != "" && err == nil:
		t.Fatalf("%q: accepted (n=%d), want %s", c.in, n, c.code)
	case c.code != "" && err.Code != c.code:
		t.Fatalf("%q: got %s, want %s", c.in, err.Code, c.code)
	}
}

// get builds "GET / HTTP/1.1" with Host: a and the given field lines.
func get(fields ...string) string {
	return "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Join(fields, "") + "\r\n"
}

// post builds a POST head with Host: a and the given field lines.
func post(fields ...string) string {
	return "POST / HTTP/1.1\r\nHost: a\r\n" + strings.Join(fields, "") + "\r\n"
}

// reqSummary renders what a Request holds, for comparisons.
func reqSummary(r *Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "m=%q t=%q p=%q q=%q qnil=%v a=%q minor=%d host=%q hostnil=%v cl=%d ch=%v ka=%v ec=%v up=%q upnil=%v\n",
		r.Method, r.Target, r.Path, r.Query, r.Query == nil, r.Authority, r.Minor, r.Host, r.Host == nil,
		r.ContentLength, r.Chunked, r.KeepAlive, r.ExpectContinue, r.Upgrade, r.Upgrade == nil)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%q=%q k=%d u=%v\n", h.Name, h.Value, h.Kind, h.Underscore)
	}
	return b.String()
}

func respSummary(r *Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "minor=%d status=%d reason=%q cl=%d ch=%v cd=%v ka=%v up=%q\n",
		r.Minor, r.Status, r.Reason, r.ContentLength, r.Chunked, r.CloseDelimited, r.KeepAlive, r.Upgrade)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%q=%q k=%d u=%v\n", h.Name, h.Value, h.Kind, h.Underscore)
	}
	return b.String()
}
