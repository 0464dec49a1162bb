package cond

import (
	"errors"
	"strings"
	"testing"
)

// fakeReq is a Request over maps (keys: header names lower case).
type fakeReq struct {
	h, q, p  map[string]string
	method   string
	ip       string
	hb, qb   map[string][]byte
	pb       map[string][]byte
	mb, ipb  []byte
	prepared bool
}

func (r *fakeReq) prep() *fakeReq {
	conv := func(m map[string]string) map[string][]byte {
		out := map[string][]byte{}
		for k, v := range m {
			out[k] = []byte(v)
		}
		return out
	}
	r.hb, r.qb, r.pb, r.mb, r.ipb, r.prepared = conv(r.h), conv(r.q), conv(r.p), []byte(r.method), []byte(r.ip), true
	return r
}

func (r *fakeReq) Header(n string) ([]byte, bool)    { v, ok := r.hb[n]; return v, ok }
func (r *fakeReq) Query(n string) ([]byte, bool)     { v, ok := r.qb[n]; return v, ok }
func (r *fakeReq) PathParam(n string) ([]byte, bool) { v, ok := r.pb[n]; return v, ok }
func (r *fakeReq) Method() []byte                    { return r.mb }
func (r *fakeReq) ClientIP() []byte                  { return r.ipb }

func TestEval(t *testing.T) {
	req := (&fakeReq{
		h:      map[string]string{"x-user": "alice", "x-tier": "gold", "x-n": "42"},
		q:      map[string]string{"page": "3", "q": "shoes", "neg": "-7", "big": "99999999999999999999"},
		p:      map[string]string{"id": "1001"},
		method: "GET", ip: "10.1.2.3",
	}).prep()
	cases := []struct {
		src  string
		want bool
	}{
		{"", true},
		{"  ", true},
		{`header.X-User == "alice"`, true},
		{`header.x-user == "bob"`, false},
		{`header.x-user != "bob"`, true},
		{`header.missing != "bob"`, false},
		{`!(header.missing == "bob")`, true},
		{`exists(header.x-user)`, true},
		{`exists(query.nope)`, false},
		{`query.page > 2 && query.page <= 3`, true},
		{`query.page < 3`, false},
		{`query.page >= 3`, true},
		{`query.page == 3`, true},
		{`query.page == "3"`, true},
		{`query.page == "03"`, false},
		{`query.q > 1`, false},
		{`query.neg < 0`, true},
		{`query.big > 0`, false},
		{`path.id in [1000, 1001]`, true},
		{`path.id in ["1001", "x"]`, true},
		{`path.id in [1, 2]`, false},
		{`method == "GET" || method == "HEAD"`, true},
		{`method in ["POST"]`, false},
		{`ip prefix "10."`, true},
		{`ip suffix ".3"`, true},
		{`query.q contains "hoe"`, true},
		{`query.q contains "x"`, false},
		{`header.x-tier == "gold" && (query.page == 1 || path.id == 1001)`, true},
		{`header.x-tier == "gold" && query.page == 1 || path.id == 1001`, true},
		{`header.x-tier == "silver" && (query.page == 1 || path.id == 1001)`, false},
		{`!!exists(header.x-n)`, true},
		{`!exists(header.x-n) || header.x-n > 40`, true},
		{`header.x-n == 42 && !(method == "POST")`, true},
		{`query.q == "sh\"oes"`, false},
	}
	for _, c := range cases {
		p, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		if got := p.Eval(req); got != c.want {
			t.Errorf("%q = %v, want %v (compiled %q)", c.src, got, c.want, p.String())
		}
	}
}

func TestShortCircuitPrecedence(t *testing.T) {
	// && binds tighter than ||: a || b && c is a || (b && c).
	n, err := ParseTree(`method == "A" || method == "B" && method == "C"`)
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != KOr || n.R.Kind != KAnd {
		t.Fatalf("tree %s", n)
	}
	if got := n.String(); got != `(method == "A") || ((method == "B") && (method == "C"))` {
		t.Fatalf("printed %s", got)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		src  string
		pos  int
		frag string
	}{
		{`header.a = "x"`, 10, `did you mean "=="`},
		{`header.a == `, 13, "expected a string"},
		{`header.a == "x`, 13, "unterminated string"},
		{`header == "x"`, 7, "needs a parameter name"},
		{`header. == "x"`, 8, "missing parameter name"},
		{`cookie.a == "x"`, 1, "unknown field"},
		{`query.a < "x"`, 11, "compares numbers"},
		{`query.a prefix 3`, 16, "takes a string"},
		{`query.a == "x" &&`, 18, "expected a field"},
		{`(query.a == "x"`, 16, "expected )"},
		{`query.a == "x")`, 15, "expected && or ||"},
		{`query.a in [1, 2`, 17, "expected , or ]"},
		{`query.a in 1`, 12, "expected [ after in"},
		{`query.a ~ "x"`, 9, "unexpected character"},
		{`query.a like "x"`, 9, "expected an operator"},
		{`exists query.a`, 8, "expected ( after exists"},
		{`query.a == 99999999999999999999`, 12, "out of range"},
		{`query.a == "\q"`, 13, "unknown escape"},
		{"query.a == \"a\x01\"", 14, "control character"},
		{strings.Repeat("(", 40) + `method == "x"` + strings.Repeat(")", 40), 33, "nested deeper"},
		{strings.Repeat(`method == "x" && `, 64) + `method == "x"`, 64*17 + 1, "more than 64 tests"},
		{strings.Repeat(" ", MaxLen+1), MaxLen + 1, "longer than"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want a *Error", c.src, err)
			continue
		}
		if e.Pos != c.pos || !strings.Contains(e.Msg, c.frag) {
			t.Errorf("Parse(%q): %v; want column %d and %q", c.src, err, c.pos, c.frag)
		}
	}
}

// FuzzParse: the parser never panics, and what it prints parses back to
// the same tree (checked on the printed form).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`header.x == "a" && (query.y > 3 || !exists(path.z))`,
		`method in ["GET", "HEAD"] || ip prefix "10."`,
		`query.q contains "a\"b\\c\t" && query.n != -4`,
		`!!!(header.a suffix "x")`,
		`((((ip == "1"))))`,
		`header.a ==`, `"`, `-`, `in [`, `exists(`,
	} {
		f.Add(s)
	}
	req := (&fakeReq{h: map[string]string{"x": "a"}, q: map[string]string{"y": "4"}, method: "GET", ip: "10.0.0.1"}).prep()
	f.Fuzz(func(t *testing.T, src string) {
		n, err := ParseTree(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Pos < 1 || e.Pos > len(src)+1 {
				t.Fatalf("Parse(%q): bad error %v", src, err)
			}
			return
		}
		if n == nil {
			return
		}
		printed := n.String()
		n2, err := ParseTree(printed)
		if err != nil {
			// Printing adds parentheses; a source near the limits may not
			// fit them. Anything else is a printer bug.
			var e *Error
			if errors.As(err, &e) && (strings.Contains(e.Msg, "nested deeper") || strings.Contains(e.Msg, "longer than")) {
				return
			}
			t.Fatalf("reparse of %q (from %q): %v", printed, src, err)
		}
		if again := n2.String(); again != printed {
			t.Fatalf("round trip: %q -> %q -> %q", src, printed, again)
		}
		p, _ := Parse(src)
		p2, _ := Parse(printed)
		if p.Eval(req) != p2.Eval(req) {
			t.Fatalf("%q and %q disagree", src, printed)
		}
	})
}
