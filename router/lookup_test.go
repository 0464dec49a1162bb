package router

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// lookupFixture is the table the Lookup cases run against. svc-a's release
// environment exercises every tier; its "/" GET API stands for a public
// backend next to the protected "=/admin" and "^~/secret".
func lookupFixture(t testing.TB) *Table {
	release := []model.API{
		api("admin", "GET", "=/admin"),
		api("static", "GET", "^~/static/"),
		api("static-img", "ANY", "^~ /static/img/"),
		api("re-num", "GET", "~/re/[0-9]+"),
		api("user-id", "GET", "/user/{id}", pathParam("id")),
		api("user-posts", "GET", "/user/{id}/posts/{pid}", pathParam("id"), pathParam("pid")),
		api("ci", "ANY", "~*/CI/x"),
		api("user", "ANY", "/user"),
		api("apia", "GET", "/apia/"),
		api("public", "GET", "/"),
		api("submit-post", "POST", "=/submit"),
		api("submit-any", "ANY", "=/submit"),
		api("both-get", "get", "=/both"),
		api("both-head", "HEAD", "=/both"),
		api("order-re", "ANY", "~/order/"),
		api("order-id", "GET", "/order/{id}", pathParam("id")),
		api("item-id", "GET", "/item/{id}", pathParam("id")),
		api("item-re", "GET", "~/item/[0-9]+"),
		api("static-x", "GET", "=/static/x"),
		api("usertest", "ANY", "/usertest"),
		api("re-prio", "GET", "^~/re/1"),
		api("put-only", "PUT", "/put-only"),
		api("ga-get", "GET", "=/ga"),
		api("ga-any", "ANY", "=/ga"),
		api("cafe", "GET", "=/café"),
		api("secret", "GET", "^~/secret"),
		api("public-dir", "GET", "/public"),
		api("v-id", "DELETE", "/v/{x}", pathParam("x")),
		api("v-id-post", "POST", "/v/{y}", pathParam("y")),
	}
	test := []model.API{
		api("only", "GET", "/only"),
		api("x-any", "ANY", "=/x"),
	}
	canary := []model.API{api("canary-all", "ANY", "/")}
	p := withServiceB(published("GW.example.com.", "svc-a", map[string][]model.API{"release": release, "test": test, "canary": canary}, "release", "test", "canary"), "b-all")
	p.Revision = 7
	p.Services[0].Domains = []model.CustomDomain{
		{SubDomain: "api.example.org", IsDefaultMapping: true},
		{SubDomain: "Shop.Example.org", PathMappingSet: []model.PathMapping{
			{Path: "/", Environment: "release"}, {Path: "/t", Environment: "test"}, {Path: "/p/", Environment: "prepub"}}},
	}
	return mustCompile(t, p)
}

type lookupCase struct {
	name   string
	method string
	host   string // "" = svc-a's default domain
	path   string
	status int
	code   string
	api    string // ApiId on a match
	env    string
	allow  string
	params string // "id=42 pid=7"
	rem    string // APIPath[Rem:]; "-" = empty, "" = not checked
	head   bool   // HeadFallback
	fwd    string // APIPath (what an empty backend path forwards); "" = not checked
}

const hostA = "svc-a.gw.example.com"

var lookupCases = []lookupCase{
	// Hosts.
	{name: "default domain", path: "/release/admin", api: "admin", env: "release"},
	{name: "host case", host: "SVC-A.GW.Example.COM", path: "/release/admin", api: "admin"},
	{name: "host trailing dot", host: hostA + ".", path: "/release/admin", api: "admin"},
	{name: "host port", host: hostA + ":8080", path: "/release/admin", api: "admin"},
	{name: "host dot and port", host: hostA + ".:443", path: "/release/admin", api: "admin"},
	{name: "host two dots", host: hostA + "..", path: "/release/admin", status: 404, code: CodeHostNotFound},
	{name: "unknown host", host: "svc-z.gw.example.com", path: "/release/admin", status: 404, code: CodeHostNotFound},
	{name: "base domain alone", host: "gw.example.com", path: "/release/admin", status: 404, code: CodeHostNotFound},
	{name: "empty host", host: "-", path: "/release/admin", status: 404, code: CodeHostNotFound},
	{name: "ipv6 host", host: "[::1]:80", path: "/release/admin", status: 404, code: CodeHostNotFound},
	{name: "other service", host: "svc-b.gw.example.com", path: "/release/admin", api: "b-all"},
	{name: "custom domain default mapping", host: "API.example.org:80", path: "/release/admin", api: "admin"},
	{name: "path mapping root", host: "shop.example.org", path: "/admin", api: "admin", env: "release"},
	{name: "path mapping prefix", host: "shop.example.org", path: "/t/only/x", api: "only", env: "test", fwd: "/only/x"},
	{name: "path mapping exact prefix", host: "shop.example.org", path: "/t", status: 404, code: CodeAPINotFound, env: "test"},
	{name: "path mapping segment boundary", host: "shop.example.org", path: "/tx", api: "public", env: "release", fwd: "/tx"},
	{name: "path mapping unpublished env", host: "shop.example.org", path: "/p/x", status: 404, code: CodeEnvironmentNotFound},

	// Environments.
	{name: "env test", path: "/test/only", api: "only", env: "test"},
	{name: "env custom name", path: "/canary/anything/at/all", api: "canary-all", env: "canary"},
	{name: "env unpublished", path: "/prepub/admin", status: 404, code: CodeEnvironmentNotFound},
	{name: "env missing", path: "/", status: 404, code: CodeEnvironmentNotFound},
	{name: "env case-sensitive", path: "/Release/admin", status: 404, code: CodeEnvironmentNotFound},
	{name: "env encoded unreserved", path: "/rel%65ase/admin", api: "admin"},
	{name: "env only", path: "/release", api: "public", fwd: "/"},
	{name: "env slash", path: "/release/", api: "public", fwd: "/"},
	{name: "api not found", path: "/test/nothing", status: 404, code: CodeAPINotFound, env: "test"},

	// Tier 1: exact.
	{name: "exact", path: "/release/admin", api: "admin", rem: "", fwd: "/admin"},
	{name: "exact beats priority", path: "/release/static/x", api: "static-x"},
	{name: "exact trailing slash is another path", path: "/release/admin/", api: "public"},
	{name: "exact specific beats any", method: "POST", path: "/release/submit", api: "submit-post"},
	{name: "exact any", method: "GET", path: "/release/submit", api: "submit-any"},
	{name: "exact non-ascii", path: "/release/caf%c3%a9", api: "cafe"},
	{name: "exact non-ascii raw", path: "/release/café", api: "cafe", fwd: "/caf%C3%A9"},

	// Tier 2: priority prefix.
	{name: "priority", path: "/release/static/y", api: "static", rem: "y"},
	{name: "priority longest", path: "/release/static/img/a.png", api: "static-img", rem: "a.png"},
	{name: "priority beats regex", path: "/release/re/123", api: "re-prio", rem: "23"},
	{name: "priority method filter", method: "POST", path: "/release/static/img/a", api: "static-img"},
	{name: "priority wrong method", method: "POST", path: "/release/static/y", status: 405, code: CodeMethodNotAllowed, allow: "GET, HEAD"},

	// Tier 3: regex and params.
	{name: "regex", path: "/release/re/234", api: "re-num", rem: ""},
	{name: "regex anchored at start only", path: "/release/re/234/more", api: "re-num"},
	{name: "regex no match", path: "/release/re/abc", api: "public"},
	{name: "regex case-insensitive", path: "/release/ci/X", api: "ci"},
	{name: "regex not anchored inside", path: "/release/x/CI/x", api: "public"},
	{name: "regex defined first beats param", path: "/release/order/5", api: "order-re"},
	{name: "param defined first beats regex", path: "/release/item/5", api: "item-id", params: "id=5"},
	{name: "param", path: "/release/user/42", api: "user-id", params: "id=42", rem: ""},
	{name: "param two", path: "/release/user/42/posts/7", api: "user-posts", params: "id=42 pid=7"},
	{name: "param whole path only", path: "/release/user/42/x", api: "user", rem: "/42/x"},
	{name: "param empty segment", path: "/release/user/", api: "user"},
	{name: "param encoded slash is one segment", path: "/release/user/a%2fb", api: "user-id", params: "id=a%2Fb"},
	{name: "param method filter falls to prefix", method: "POST", path: "/release/user/42", api: "user"},
	{name: "param same shape different names", method: "POST", path: "/release/v/9", api: "v-id-post", params: "y=9"},
	{name: "param same shape other method", method: "DELETE", path: "/release/v/9", api: "v-id", params: "x=9"},

	// Tier 4: plain prefixes (seed: /user serves /user, /usertest, /user/test/a).
	{name: "prefix exact length", path: "/release/user", api: "user", rem: "-"},
	{name: "prefix glued", path: "/release/userx", api: "user", rem: "x"},
	{name: "prefix longest", path: "/release/usertest/a", api: "usertest", rem: "/a"},
	{name: "prefix seed example", path: "/release/user/test/a", api: "user", rem: "/test/a"},
	{name: "prefix seed FAQ", path: "/release/apia/20171012/index.html", api: "apia", rem: "20171012/index.html", fwd: "/apia/20171012/index.html"},
	{name: "prefix needs its slash", path: "/release/apia", api: "public"},
	{name: "prefix encoded slash", path: "/release/user%2Fx", api: "user", rem: "%2Fx"},

	// Methods.
	{name: "405 union", method: "DELETE", path: "/release/put-only", status: 405, code: CodeMethodNotAllowed, allow: "GET, HEAD, PUT"},
	{name: "put", method: "PUT", path: "/release/put-only", api: "put-only"},
	{name: "405 exact", method: "POST", path: "/release/admin", status: 405, code: CodeMethodNotAllowed, allow: "GET, HEAD", env: "release"},
	{name: "405 test env", method: "POST", path: "/test/only", status: 405, code: CodeMethodNotAllowed, allow: "GET, HEAD"},
	{name: "unknown method reaches ANY", method: "PROPFIND", path: "/release/submit", api: "submit-any"},
	{name: "methods are case-sensitive", method: "get", path: "/release/submit", api: "submit-any"},
	{name: "lower-case method no ANY", method: "get", path: "/release/admin", status: 405, code: CodeMethodNotAllowed, allow: "GET, HEAD"},
	{name: "HEAD api", method: "HEAD", path: "/release/both", api: "both-head"},
	{name: "GET beside HEAD", method: "GET", path: "/release/both", api: "both-get"},
	{name: "HEAD falls back to GET", method: "HEAD", path: "/release/admin", api: "admin", head: true},
	{name: "HEAD prefers GET over ANY", method: "HEAD", path: "/release/ga", api: "ga-get", head: true},
	{name: "POST on GET+ANY", method: "POST", path: "/release/ga", api: "ga-any"},
	{name: "HEAD on ANY", method: "HEAD", path: "/release/submit", api: "submit-any"},

	// Path normalisation against "=/admin", "^~/secret" and public "/" and "/public".
	{name: "dot segment", path: "/release/./admin", api: "admin", fwd: "/admin"},
	{name: "double slash", path: "/release//admin", api: "admin", fwd: "/admin"},
	{name: "many slashes", path: "//release///admin", api: "admin"},
	{name: "dot-dot", path: "/release/x/../admin", api: "admin"},
	{name: "encoded dot-dot leaves env", path: "/release/%2e%2e/admin", status: 404, code: CodeEnvironmentNotFound},
	{name: "encoded dot-dot upper", path: "/release/public/%2E%2E/admin", api: "admin", fwd: "/admin"},
	{name: "dot-dot from public", path: "/release/public/../admin", api: "admin"},
	{name: "dot-dot into secret", path: "/release/public/../secret/k", api: "secret", rem: "/k"},
	{name: "encoded slash before", path: "/release/%2fadmin", api: "public", fwd: "/%2Fadmin"},
	{name: "encoded slash after", path: "/release/admin%2f", api: "public", fwd: "/admin%2F"},
	{name: "encoded slash secret", path: "/release/secret%2fk", api: "secret", rem: "%2Fk"},
	{name: "case", path: "/release/ADMIN", api: "public", fwd: "/ADMIN"},
	{name: "matrix param", path: "/release/admin;x", api: "public", fwd: "/admin;x"},
	{name: "matrix secret", path: "/release/secret;x/k", api: "secret"},
	{name: "tomcat dot-dot", path: "/release/public/..;/admin", status: 400, code: CodeBadPath},
	{name: "tomcat dot", path: "/release/.;/admin", status: 400, code: CodeBadPath},
	{name: "tomcat encoded", path: "/release/public/%2e%2e;x/admin", status: 400, code: CodeBadPath},
	{name: "dot-dot encoded slash", path: "/release/public/..%2fadmin", status: 400, code: CodeBadPath},
	{name: "dot-dot encoded semicolon", path: "/release/public/..%3Bx/admin", status: 400, code: CodeBadPath},
	{name: "encoded backslash", path: "/release/public%5c..%5cadmin", status: 400, code: CodeBadPath},
	{name: "raw backslash", path: "/release/public\\admin", status: 400, code: CodeBadPath},
	{name: "fragment", path: "/release/public#/../admin", status: 400, code: CodeBadPath},
	{name: "encoded hash", path: "/release/admin%23", api: "public", fwd: "/admin%23"},
	{name: "nul", path: "/release/admin%00", status: 400, code: CodeBadPath},
	{name: "encoded newline", path: "/release/admin%0a", status: 400, code: CodeBadPath},
	{name: "bad escape", path: "/release/%zzadmin", status: 400, code: CodeBadPath},
	{name: "short escape", path: "/release/admin%2", status: 400, code: CodeBadPath},
	{name: "above root", path: "/..", status: 400, code: CodeBadPath},
	{name: "above root later", path: "/release/../../admin", status: 400, code: CodeBadPath},
	{name: "asterisk", path: "*", status: 400, code: CodeBadPath},
	{name: "relative", path: "release/admin", status: 400, code: CodeBadPath},
	{name: "decoded unreserved", path: "/release/%61dmin", api: "admin"},
	{name: "encoded percent stays", path: "/release/%2561dmin", api: "public", fwd: "/%2561dmin"},
	{name: "trailing dot segment", path: "/release/user/.", api: "user", rem: "/"},
	{name: "dot-dot to env root", path: "/release/user/..", api: "public", fwd: "/"},
	{name: "host checked before path", host: "nowhere", path: "/..", status: 404, code: CodeHostNotFound},
}

func TestLookup(t *testing.T) {
	tb := lookupFixture(t)
	if tb.Revision() != 7 {
		t.Errorf("Revision = %d", tb.Revision())
	}
	var res Result
	for _, c := range lookupCases {
		t.Run(c.name, func(t *testing.T) {
			checkLookup(t, tb, &res, c)
		})
	}
	if len(lookupCases) < 60 {
		t.Errorf("only %d cases", len(lookupCases))
	}
}

// request is the case's request: GET and svc-a's default domain unless
// it says otherwise ("-": no host).
func (c lookupCase) request() Request {
	method, host := c.method, c.host
	if method == "" {
		method = "GET"
	}
	switch host {
	case "":
		host = hostA
	case "-":
		host = ""
	}
	return Request{Method: []byte(method), Host: []byte(host), Path: []byte(c.path)}
}

func checkLookup(t *testing.T, tb *Table, res *Result, c lookupCase) {
	t.Helper()
	req := c.request()
	method, host := string(req.Method), string(req.Host)
	tb.Lookup(&req, res)
	got := fmt.Sprintf("status=%d code=%s", res.Status, res.Code)
	want := fmt.Sprintf("status=%d code=%s", c.status, c.code)
	if got != want {
		t.Fatalf("%s %s%s: %s, want %s (path %q)", method, host, c.path, got, want, res.Path)
	}
	if c.env != "" && string(res.Env) != c.env {
		t.Errorf("env = %q, want %q", res.Env, c.env)
	}
	if c.status == 405 && string(res.Allow) != c.allow {
		t.Errorf("Allow = %q, want %q", res.Allow, c.allow)
	}
	if c.status != 0 {
		if res.Route != nil {
			t.Errorf("Route = %s on failure", res.Route.ApiId)
		}
		return
	}
	if res.Route == nil || res.Route.ApiId != c.api {
		id := "<nil>"
		if res.Route != nil {
			id = res.Route.ApiId
		}
		t.Fatalf("%s %s: api %s, want %s (APIPath %q)", method, c.path, id, c.api, res.APIPath)
	}
	var ps []string
	for i := 0; i < res.NumParams(); i++ {
		n, v := res.ParamAt(i)
		ps = append(ps, n+"="+string(v))
	}
	if g := strings.Join(ps, " "); g != c.params {
		t.Errorf("params %q, want %q", g, c.params)
	}
	if k := res.Route.Kind; (k == KindExact || k == KindParam || k == KindRegex) && res.Rem != len(res.APIPath) {
		t.Errorf("%v route with remainder %q", k, res.APIPath[res.Rem:])
	}
	if c.rem != "" {
		if c.rem == "-" {
			c.rem = ""
		}
		if g := string(res.APIPath[res.Rem:]); g != c.rem {
			t.Errorf("remainder %q, want %q", g, c.rem)
		}
	}
	if c.fwd != "" && string(res.APIPath) != c.fwd {
		t.Errorf("APIPath %q, want %q", res.APIPath, c.fwd)
	}
	if res.HeadFallback != c.head {
		t.Errorf("HeadFallback = %v", res.HeadFallback)
	}
}

func TestRoutes(t *testing.T) {
	tb := lookupFixture(t)
	rs := tb.Routes()
	for i, r := range rs {
		if r.Index != i {
			t.Fatalf("route %s Index %d at %d", r.ApiId, r.Index, i)
		}
	}
	if rs[0].ApiId != "admin" || rs[0].Environment != "release" || rs[0].ServiceId != "svc-a" || rs[0].Kind != KindExact || rs[0].Pattern != "/admin" {
		t.Errorf("route 0 = %+v", rs[0])
	}
	if r := rs[4]; r.Kind != KindParam || r.Pattern != "/user/{}" {
		t.Errorf("route 4 = %v %q", r.Kind, r.Pattern)
	}
}
