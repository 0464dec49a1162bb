package edge

import (
	"testing"

	"github.com/edgegate/edgegate/cond"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
	"github.com/edgegate/edgegate/snapshot"
)

// condFixture routes one parsed request and points a condReq at it.
func condFixture(t testing.TB) *condReq {
	t.Helper()
	p, err := model.ParseFile([]byte("Services:\n  - ServiceId: service-t\n    Apis:\n      - {ApiId: a, RequestConfig: {Path: \"/users/{id}\", Method: GET}, RequestParameters: [{Name: id, Position: path, Type: string}], ServiceType: MOCK, ServiceMockReturnMessage: x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := router.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	var ps http1.Parser
	raw := []byte("GET /release/users/42?page=3&flag&q=sh%20oes HTTP/1.1\r\nHost: service-t.localhost\r\nX-Tier: gold\r\nX-User: alice\r\n\r\n")
	req := &http1.Request{}
	if n, perr := ps.ParseRequest(raw, req, nil); perr != nil || n == 0 {
		t.Fatalf("parse: %d %v", n, perr)
	}
	res := &router.Result{}
	tbl.Lookup(&router.Request{Host: req.Host, Method: req.Method, Path: req.Path, Query: req.Query, Headers: req.Headers}, res)
	if res.Status != 0 {
		t.Fatalf("lookup: %d %s", res.Status, res.Code)
	}
	r := &condReq{}
	r.reset(req, res, []byte("10.1.2.3"))
	return r
}

func TestCondReqReadsTheRequest(t *testing.T) {
	r := condFixture(t)
	for src, want := range map[string]bool{
		`header.x-tier == "gold" && header.X-User == "alice"`:       true,
		`query.page == 3 && exists(query.flag) && query.flag == ""`: true,
		`query.q == "sh%20oes"`:                                     true,
		`exists(query.pag)`:                                         false,
		`path.id == 42 && method == "GET"`:                          true,
		`ip prefix "10.1."`:                                         true,
		`header.x-tier == "silver" || path.id > 50`:                 false,
	} {
		p, err := cond.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Eval(r); got != want {
			t.Errorf("%s = %v, want %v", src, got, want)
		}
	}
	for ref, want := range map[snapshot.ParamRef]string{
		{Src: cond.Header, Name: "x-user"}: "alice",
		{Src: cond.Query, Name: "q"}:       "sh%20oes",
		{Src: cond.Path, Name: "id"}:       "42",
		{Src: cond.Path}:                   "/users/42",
		{Src: cond.Query, Name: "nope"}:    "<absent>",
	} {
		v, ok := r.param(ref)
		if !ok {
			v = []byte("<absent>")
		}
		if string(v) != want {
			t.Errorf("param %+v = %q, want %q", ref, v, want)
		}
	}
}

// BenchmarkCondEval: a four-test condition against a routed request.
func BenchmarkCondEval(b *testing.B) {
	r := condFixture(b)
	p, _ := cond.Parse(`header.x-tier == "gold" && (query.page > 2 || path.id in [1, 42]) && !(ip prefix "192.168.")`)
	b.ReportAllocs()
	for b.Loop() {
		p.Eval(r)
	}
}
