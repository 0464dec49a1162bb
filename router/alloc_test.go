//go:build !race

package router

import (
	"testing"

	"github.com/edgegate/edgegate/model"
)

// Lookup and Build must not allocate once the Result's and the Backend's
// buffers have grown (DESIGN.md: no per-request heap allocation).
func TestLookupAllocs(t *testing.T) {
	tb := lookupFixture(t)
	var res Result
	for _, c := range lookupCases {
		req := c.request()
		tb.Lookup(&req, &res)
		if n := testing.AllocsPerRun(200, func() { tb.Lookup(&req, &res) }); n != 0 {
			t.Errorf("%s: %v allocs per Lookup", c.name, n)
		}
	}
}

func TestBuildAllocs(t *testing.T) {
	a := api("a", "GET", "/user/{id}", withParam("id", "path", "int", "", true),
		withParam("q", "query", "", "", false), withParam("page", "query", "int", "1", false),
		withParam("X-A", "header", "", "", false), withParam("f", "body", "", "", false),
		backendPath("/users/{id}/"),
		mapParam("query", "q", "header", "X-Q", ""), mapParam("header", "X-A", "query", "a", ""),
		mapParam("body", "f", "query", "f", ""),
		constant("header", "X-Tenant", "acme"), constant("header", "X-Client-IP", "$client_ip"),
		constant("query", "t", "$time_unix"), constant("query", "api", "$api_id"))
	tb := mustCompile(t, published("gw", "svc", map[string][]model.API{"release": {a}}, "release"))
	req := &Request{Host: []byte("svc.gw"), Method: []byte("GET"), Path: []byte("/release/user/42"),
		Query: []byte("q=a+b&x=1&q=2"), Headers: hdrs("Host", "svc.gw", "X-A", "v", "X-Tenant", "evil"),
		Body: []byte("f=1&g=2"), Form: true}
	var res Result
	tb.Lookup(req, &res)
	if res.Route == nil {
		t.Fatal(res.Code)
	}
	var b Backend
	if err := res.Route.Build(&b, req, &res, testSys); err != nil {
		t.Fatal(err)
	}
	if got, want := string(b.URI), "/users/42/?x=1&page=1&a=v&f=1&t=1700000000&api=a"; got != want {
		t.Fatalf("URI %q, want %q", got, want)
	}
	if n := testing.AllocsPerRun(200, func() { _ = res.Route.Build(&b, req, &res, testSys) }); n != 0 {
		t.Errorf("%v allocs per Build", n)
	}
	// Errors are preallocated too.
	bad := *req
	bad.Path = []byte("/release/user/x")
	tb.Lookup(&bad, &res)
	if n := testing.AllocsPerRun(200, func() { _ = res.Route.Build(&b, &bad, &res, testSys) }); n != 0 {
		t.Errorf("%v allocs per failing Build", n)
	}
}
