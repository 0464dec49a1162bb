package router

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/model"
)

// buildCase routes one request to one API and builds its backend request.
type buildCase struct {
	name    string
	api     model.API
	method  string
	target  string // "/release/..." path and query
	headers []http1.Header
	body    string // a form body ("" = none)
	sys     *System

	wantErr    string // ParamError code; "" = success
	wantName   string // ParamError.Name
	wantMethod string
	wantURI    string
	wantSet    string // "Name: value; ..."
	wantDrop   string // "0 2"
	wantBody   string // "-" = BodySet false
}

var testSys = &System{ClientIP: []byte("203.0.113.9"), RequestID: []byte("req-1"), Host: []byte("svc.gw"), Now: 1700000000}

func runBuild(t *testing.T, c buildCase) (*Backend, *ParamError) {
	t.Helper()
	tb := mustCompile(t, published("gw", "svc", map[string][]model.API{"release": {c.api}}, "release"))
	method := c.method
	if method == "" {
		method = "GET"
	}
	path, query := splitTarget(c.target)
	req := &Request{Host: []byte("svc.gw"), Method: []byte(method), Path: path, Query: query, Headers: c.headers}
	if c.body != "" {
		req.Body, req.Form = []byte(c.body), true
	}
	var res Result
	tb.Lookup(req, &res)
	if res.Status != 0 {
		t.Fatalf("lookup %s: %d %s", c.target, res.Status, res.Code)
	}
	var b Backend
	// Build twice to prove buffers are reset between requests.
	res.Route.Build(&b, req, &res, c.sys)
	return &b, res.Route.Build(&b, req, &res, c.sys)
}

func TestBuild(t *testing.T) {
	intQ := func(def string, req bool) func(*model.API) { return withParam("n", "query", "int", def, req) }
	cases := []buildCase{
		// Seed FAQ (常见问题 "后端 URL 组织问题").
		{name: "seed FAQ empty backend path", api: api("a", "GET", "/apia/"), target: "/release/apia/20171012/index.html",
			wantURI: "/apia/20171012/index.html"},
		{name: "seed FAQ backend path", api: api("a", "GET", "/apia/", backendPath("/endpoint/")), target: "/release/apia/20171012/index.html",
			wantURI: "/endpoint/20171012/index.html"},
		{name: "prefix glue", api: api("a", "GET", "/user", backendPath("/u")), target: "/release/usertest", wantURI: "/utest"},
		{name: "prefix one slash at the junction", api: api("a", "GET", "/apia", backendPath("/endpoint/")), target: "/release/apia/x/y", wantURI: "/endpoint/x/y"},
		{name: "prefix exact length", api: api("a", "GET", "/apia/", backendPath("/endpoint")), target: "/release/apia/", wantURI: "/endpoint"},
		{name: "priority prefix", api: api("a", "GET", "^~/static/", backendPath("/assets/")), target: "/release/static/css/a.css", wantURI: "/assets/css/a.css"},
		{name: "forwards the normalised path", api: api("a", "GET", "/"), target: "/release/a/./b//c/../d%7e%2f?x=1", wantURI: "/a/b/d~%2F?x=1"},
		{name: "root prefix to backend root", api: api("a", "GET", "/", backendPath("/")), target: "/release/a/b", wantURI: "/a/b"},
		{name: "junction dot-dot refused", api: api("a", "GET", "/user", backendPath("/endpoint/")), target: "/release/user../admin", wantErr: CodeBadPath},
		{name: "junction dot refused", api: api("a", "GET", "/user", backendPath("/endpoint/")), target: "/release/user./x", wantErr: CodeBadPath},
		{name: "exact", api: api("a", "GET", "=/a", backendPath("/b")), target: "/release/a?q=1", wantURI: "/b?q=1"},
		{name: "exact empty backend", api: api("a", "GET", "=/a"), target: "/release/a", wantURI: "/a"},
		{name: "regex empty backend", api: api("a", "GET", "~/r/[0-9]+"), target: "/release/r/12/x", wantURI: "/r/12/x"},
		{name: "regex backend path replaces", api: api("a", "GET", "~/r/[0-9]+", backendPath("/fixed")), target: "/release/r/12/x", wantURI: "/fixed"},
		{name: "param", api: api("a", "GET", "/user/{id}", pathParam("id"), backendPath("/users/{id}/profile")), target: "/release/user/42", wantURI: "/users/42/profile"},
		{name: "param partial backend segment", api: api("a", "GET", "/f/{name}", pathParam("name"), backendPath("/files/{name}.json")), target: "/release/f/x", wantURI: "/files/x.json"},
		{name: "param re-encoded", api: api("a", "GET", "/user/{id}", pathParam("id"), backendPath("/u/{id}")), target: "/release/user/caf%c3%a9%2F%3B", wantURI: "/u/caf%C3%A9%2F%3B"},
		{name: "param empty backend", api: api("a", "GET", "/user/{id}", pathParam("id")), target: "/release/user/42", wantURI: "/user/42"},
		{name: "param int", api: api("a", "GET", "/user/{id}", withParam("id", "path", "int", "", true)), target: "/release/user/x", wantErr: CodeInvalidParameterType, wantName: "id"},
		{name: "param mapped to query", api: api("a", "GET", "/user/{id}", pathParam("id"), backendPath("/users"), mapParam("path", "id", "query", "uid", "")),
			target: "/release/user/a%20b?x=1", wantURI: "/users?x=1&uid=a%20b"},
		{name: "param renamed in backend path", api: api("a", "GET", "/user/{id}", pathParam("id"), backendPath("/u/{uid}"), mapParam("path", "id", "path", "uid", "")),
			target: "/release/user/7", wantURI: "/u/7"},

		// Query.
		{name: "query kept raw with duplicates", api: api("a", "GET", "/", intQ("", false)), target: "/release/?n=1&n=x&b=%41+c&&c", wantURI: "/?n=1&n=x&b=%41+c&c"},
		{name: "query default filled", api: api("a", "GET", "/", intQ("5", false)), target: "/release/?b=1", wantURI: "/?b=1&n=5"},
		{name: "query default not when present", api: api("a", "GET", "/", intQ("5", false)), target: "/release/?n=7", wantURI: "/?n=7"},
		{name: "query required missing", api: api("a", "GET", "/", intQ("5", true)), target: "/release/?b=1", wantErr: CodeMissingParameter, wantName: "n"},
		{name: "query empty value is present", api: api("a", "GET", "/", withParam("s", "query", "", "", true)), target: "/release/?s", wantURI: "/?s"},
		{name: "query int bad", api: api("a", "GET", "/", intQ("", false)), target: "/release/?n=1.5", wantErr: CodeInvalidParameterType, wantName: "n"},
		{name: "query int overflow", api: api("a", "GET", "/", intQ("", false)), target: "/release/?n=9223372036854775808", wantErr: CodeInvalidParameterType},
		{name: "query int min", api: api("a", "GET", "/", intQ("", false)), target: "/release/?n=-9223372036854775808", wantURI: "/?n=-9223372036854775808"},
		{name: "query int plus sign", api: api("a", "GET", "/", intQ("", false)), target: "/release/?n=%2B3", wantURI: "/?n=%2B3"},
		{name: "query int first occurrence", api: api("a", "GET", "/", intQ("", false)), target: "/release/?n=x&n=1", wantErr: CodeInvalidParameterType},
		{name: "query encoded name", api: api("a", "GET", "/", intQ("", true)), target: "/release/?%6e=x", wantErr: CodeInvalidParameterType},
		{name: "query double", api: api("a", "GET", "/", withParam("d", "query", "Double", "", true)), target: "/release/?d=-1.5e%2B3", wantURI: "/?d=-1.5e%2B3"},
		{name: "query double NaN", api: api("a", "GET", "/", withParam("d", "query", "double", "", true)), target: "/release/?d=NaN", wantErr: CodeInvalidParameterType, wantName: "d"},
		{name: "query double dot", api: api("a", "GET", "/", withParam("d", "query", "double", "", true)), target: "/release/?d=.", wantErr: CodeInvalidParameterType},
		{name: "query bool", api: api("a", "GET", "/", withParam("b", "query", "boolean", "", true)), target: "/release/?b=TRUE", wantURI: "/?b=TRUE"},
		{name: "query bool bad", api: api("a", "GET", "/", withParam("b", "query", "bool", "", true)), target: "/release/?b=1", wantErr: CodeInvalidParameterType},
		{name: "query renamed", api: api("a", "GET", "/", withParam("q", "query", "", "", false), mapParam("query", "q", "query", "search", "")),
			target: "/release/?q=a+b&q=c&x=1", wantURI: "/?x=1&search=a%20b"},
		{name: "query renamed absent", api: api("a", "GET", "/", withParam("q", "query", "", "", false), mapParam("query", "q", "query", "search", "")),
			target: "/release/?x=1", wantURI: "/?x=1"},
		{name: "mapping default", api: api("a", "GET", "/", withParam("q", "query", "", "", false), mapParam("query", "q", "query", "search", "all")),
			target: "/release/", wantURI: "/?search=all"},
		{name: "request default beats mapping default", api: api("a", "GET", "/", withParam("q", "query", "", "d1", false), mapParam("query", "q", "query", "search", "d2")),
			target: "/release/", wantURI: "/?search=d1"},
		{name: "query to path", api: api("a", "GET", "/", withParam("id", "query", "", "", false), backendPath("/items/{id}"), mapParam("query", "id", "path", "id", "")),
			target: "/release/?id=a%2Fb&z=1", wantURI: "/items/a%2Fb?z=1"},
		{name: "query to path missing", api: api("a", "GET", "/", withParam("id", "query", "", "", false), backendPath("/items/{id}"), mapParam("query", "id", "path", "id", "")),
			target: "/release/?z=1", wantErr: CodeMissingParameter, wantName: "id"},
		{name: "query to path dot-dot", api: api("a", "GET", "/", withParam("id", "query", "", "", false), backendPath("/items/{id}"), mapParam("query", "id", "path", "id", "")),
			target: "/release/?id=..", wantErr: CodeInvalidParameterValue, wantName: "id"},
		{name: "query to path default", api: api("a", "GET", "/", withParam("id", "query", "", "", false), backendPath("/items/{id}"), mapParam("query", "id", "path", "id", "none")),
			target: "/release/", wantURI: "/items/none"},

		// Headers.
		{name: "header renamed", api: api("a", "GET", "/", withParam("X-A", "header", "", "", false), mapParam("header", "x-a", "header", "X-B", "")),
			headers: hdrs("Host", "h", "x-a", "v1", "X-B", "spoof"), target: "/release/", wantURI: "/", wantSet: "X-B: v1", wantDrop: "1 2"},
		{name: "header to query", api: api("a", "GET", "/", withParam("X-A", "header", "int", "", true), mapParam("head", "X-A", "query", "a", "")),
			headers: hdrs("X-A", "12"), target: "/release/?a=evil&b=1", wantURI: "/?b=1&a=12", wantDrop: "0"},
		{name: "header required", api: api("a", "GET", "/", withParam("X-A", "header", "", "", true)),
			headers: hdrs("X-Other", "1"), target: "/release/", wantErr: CodeMissingParameter, wantName: "X-A"},
		{name: "header default", api: api("a", "GET", "/", withParam("X-A", "header", "", "dv", false)),
			target: "/release/", wantURI: "/", wantSet: "X-A: dv"},
		{name: "header kept", api: api("a", "GET", "/", withParam("X-A", "header", "", "dv", false)),
			headers: hdrs("x-a", "mine"), target: "/release/", wantURI: "/", wantSet: "", wantDrop: ""},
		{name: "query to header injection", api: api("a", "GET", "/", withParam("q", "query", "", "", false), mapParam("query", "q", "header", "X-Q", "")),
			target: "/release/?q=a%0d%0aX-Evil:%201", wantErr: CodeInvalidParameterValue, wantName: "q"},
		{name: "query to header", api: api("a", "GET", "/", withParam("q", "query", "", "", false), mapParam("query", "q", "header", "X-Q", "")),
			target: "/release/?q=a+b%C3%A9", wantURI: "/", wantSet: "X-Q: a bé"},
		{name: "path to header", api: api("a", "GET", "/u/{id}", pathParam("id"), mapParam("path", "id", "header", "X-Id", "")),
			target: "/release/u/a%20b", wantURI: "/u/a%20b", wantSet: "X-Id: a b"},

		// Constants and system parameters.
		{name: "constants", api: api("a", "GET", "/", constant("header", "X-Tenant", "acme"), constant("query", "tenant", "ac me")),
			headers: hdrs("X-Tenant", "evil", "Accept", "*/*"), target: "/release/?tenant=evil&x=1&%74enant=evil2",
			wantURI: "/?x=1&tenant=ac%20me", wantSet: "X-Tenant: acme", wantDrop: "0"},
		{name: "literal dollar", api: api("a", "GET", "/", constant("header", "X-Price", "$$5"), constant("query", "p", "$$")),
			target: "/release/", wantURI: "/?p=%24", wantSet: "X-Price: $5"},
		{name: "system parameters", api: api("a", "GET", "/", constant("header", "X-Client-IP", "$client_ip"), constant("header", "X-Req", "$request_id"),
			constant("query", "api", "$api_id"), constant("query", "svc", "$service_id"), constant("header", "X-Env", "$environment"),
			constant("header", "X-Name", "$api_name"), constant("header", "X-Host", "$host"), constant("query", "t", "$time_unix")),
			headers: hdrs("X-Client-IP", "1.2.3.4"), sys: testSys, target: "/release/",
			wantURI: "/?api=a&svc=svc&t=1700000000", wantDrop: "0",
			wantSet: "X-Client-IP: 203.0.113.9; X-Req: req-1; X-Env: release; X-Name: name-a; X-Host: svc.gw"},
		{name: "system parameters without System", api: api("a", "GET", "/", constant("header", "X-Client-IP", "$client_ip"), constant("query", "api", "$api_id")),
			target: "/release/", wantURI: "/?api=a"},

		// Methods.
		{name: "backend method", api: api("a", "GET", "/", backendMethod("post")), target: "/release/", wantMethod: "POST", wantURI: "/"},
		{name: "backend ANY keeps client's", api: api("a", "ANY", "/", backendMethod("ANY")), method: "PATCH", target: "/release/", wantMethod: "PATCH", wantURI: "/"},
		{name: "HEAD stays HEAD on GET backend", api: api("a", "GET", "/", backendMethod("GET")), method: "HEAD", target: "/release/", wantMethod: "HEAD", wantURI: "/"},
		{name: "HEAD on POST backend", api: api("a", "GET", "/", backendMethod("POST")), method: "HEAD", target: "/release/", wantMethod: "POST", wantURI: "/"},

		// Form body.
		{name: "body required", api: api("a", "POST", "/", withParam("f", "body", "", "", true)), method: "POST", target: "/release/", body: "g=1",
			wantErr: CodeMissingParameter, wantName: "f"},
		{name: "body typed", api: api("a", "POST", "/", withParam("f", "body", "int", "", true)), method: "POST", target: "/release/", body: "f=x",
			wantErr: CodeInvalidParameterType, wantName: "f"},
		{name: "body kept", api: api("a", "POST", "/", withParam("f", "body", "int", "", true)), method: "POST", target: "/release/", body: "f=1&g=2",
			wantURI: "/", wantBody: "-"},
		{name: "body default appended", api: api("a", "POST", "/", withParam("f", "body", "", "d", false)), method: "POST", target: "/release/", body: "g=2",
			wantURI: "/", wantBody: "g=2&f=d"},
		{name: "body to query", api: api("a", "POST", "/", withParam("f", "body", "", "", false), mapParam("body", "f", "query", "f", "")), method: "POST",
			target: "/release/?a=1", body: "f=x+y&g=2&f=z", wantURI: "/?a=1&f=x%20y", wantBody: "g=2"},
		{name: "header to body", api: api("a", "POST", "/", withParam("X-A", "header", "", "", false), mapParam("header", "X-A", "body", "a", "")), method: "POST",
			headers: hdrs("X-A", "v v"), target: "/release/", body: "a=evil&g=2", wantURI: "/", wantDrop: "0", wantBody: "g=2&a=v%20v"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, perr := runBuild(t, c)
			if c.wantErr != "" {
				if perr == nil {
					t.Fatalf("no error; URI %q", b.URI)
				}
				if perr.Status != 400 || perr.Code != c.wantErr || c.wantName != "" && perr.Name != c.wantName {
					t.Fatalf("error %+v, want %s naming %q", *perr, c.wantErr, c.wantName)
				}
				var pe *ParamError
				if !errors.As(error(perr), &pe) || perr.Error() == "" {
					t.Error("not an error")
				}
				return
			}
			if perr != nil {
				t.Fatalf("error %+v", *perr)
			}
			if string(b.URI) != c.wantURI {
				t.Errorf("URI %q, want %q", b.URI, c.wantURI)
			}
			wm := c.wantMethod
			if wm == "" {
				wm = c.method
				if wm == "" {
					wm = "GET"
				}
			}
			if string(b.Method) != wm {
				t.Errorf("method %q, want %q", b.Method, wm)
			}
			var set []string
			for _, h := range b.SetHeaders {
				set = append(set, string(h.Name)+": "+string(h.Value))
			}
			if g := strings.Join(set, "; "); g != c.wantSet {
				t.Errorf("SetHeaders %q, want %q", g, c.wantSet)
			}
			if g := strings.Trim(fmt.Sprint(b.DropHeaders), "[]"); g != c.wantDrop {
				t.Errorf("DropHeaders %q, want %q", g, c.wantDrop)
			}
			if c.wantBody != "" {
				if c.wantBody == "-" {
					if b.BodySet {
						t.Errorf("BodySet with %q", b.Body)
					}
				} else if !b.BodySet || string(b.Body) != c.wantBody {
					t.Errorf("Body %q (set %v), want %q", b.Body, b.BodySet, c.wantBody)
				}
			}
		})
	}
}

func TestNeedBody(t *testing.T) {
	tb := mustCompile(t, published("gw", "svc", map[string][]model.API{"release": {
		api("a", "POST", "/a", withParam("f", "body", "", "", false)),
		api("b", "POST", "/b", withParam("X", "header", "", "", false), mapParam("header", "X", "body", "x", "")),
		api("c", "POST", "/c", withParam("q", "query", "", "", false)),
	}}, "release"))
	for i, want := range []bool{true, true, false} {
		if r := tb.Routes()[i]; r.NeedBody != want {
			t.Errorf("%s NeedBody = %v", r.ApiId, r.NeedBody)
		}
	}
}
