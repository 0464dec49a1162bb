package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// routerConfig exercises the router's backend building through the edge.
func routerConfig(up *upstreamProc) string {
	u := "http://" + up.HTTP
	return fmt.Sprintf(`
Services:
  - ServiceId: %[1]s
    Environments: [release, test]
    Apis:
      # The seed's FAQ: the matched prefix is cut, the rest appended.
      - {ApiId: api-faq-empty, RequestConfig: {Path: /apia/, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "%[2]s", Path: ""}}
      - {ApiId: api-faq-endpoint, RequestConfig: {Path: /apib/, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "%[2]s", Path: /endpoint/}}
      # A path parameter with a type, moved to the backend path and to a query.
      - ApiId: api-user
        RequestConfig: {Path: "/users/{id}", Method: GET}
        RequestParameters:
          - {Name: id, Position: path, Type: int, Required: true}
          - {Name: verbose, Position: query, Type: boolean, DefaultValue: "false"}
          - {Name: limit, Position: query, Type: int, Required: true}
          - {Name: X-Tenant, Position: header, Type: string, Required: false, DefaultValue: acme}
        ServiceType: HTTP
        ServiceConfig: {Url: "%[2]s", Path: "/echo/accounts/{id}"}
        ServiceParameters:
          - {Name: uid, Position: query, RelevantRequestParameterName: id, RelevantRequestParameterPosition: path}
          - {Name: X-Org, Position: header, RelevantRequestParameterName: X-Tenant, RelevantRequestParameterPosition: header}
        ConstantParameters:
          - {Name: X-Const, Position: header, DefaultValue: fixed}
          - {Name: source, Position: query, DefaultValue: gateway}
          - {Name: X-Client-IP, Position: header, DefaultValue: "$client_ip"}
          - {Name: X-Req, Position: header, DefaultValue: "$request_id"}
          - {Name: X-Api, Position: header, DefaultValue: "$api_id"}
          - {Name: X-Env, Position: header, DefaultValue: "$environment"}
          - {Name: X-Price, Position: header, DefaultValue: "$$5"}
      # A form body parameter moved to the query string.
      - ApiId: api-form
        RequestConfig: {Path: /form, Method: POST}
        RequestParameters:
          - {Name: qty, Position: body, Type: int, Required: true}
        ServiceType: HTTP
        ServiceConfig: {Url: "%[2]s", Path: /echo/form}
        ServiceParameters:
          - {Name: qty, Position: query, RelevantRequestParameterName: qty, RelevantRequestParameterPosition: body}
      # Priority: exact beats priority prefix beats regex/param beats plain prefix.
      - {ApiId: api-p-prefix, RequestConfig: {Path: /p, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: plain-prefix}
      - {ApiId: api-p-regex, RequestConfig: {Path: "~/p/[0-9]+$", Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: regex}
      - {ApiId: api-p-priority, RequestConfig: {Path: "^~/p/admin", Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: priority-prefix}
      - {ApiId: api-p-exact, RequestConfig: {Path: "=/p/admin/42", Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: exact}
      - {ApiId: api-p-post, RequestConfig: {Path: /p, Method: POST}, ServiceType: MOCK, ServiceMockReturnMessage: post-prefix}
`, testService, u)
}

// gets GETs each path of cases and checks its answer with match(want).
func gets(t *testing.T, g *gateway, match func(want string) func(answer) bool, cases map[string]string) {
	t.Helper()
	for path, want := range cases {
		if a := g.get(path); !match(want)(a) {
			t.Errorf("GET %s: %v, want %q", path, a, want)
		}
	}
}

// echoedURI matches an answer of the upstream's /echo that saw uri.
func echoedURI(uri string) func(answer) bool {
	return func(a answer) bool {
		var e echoed
		return a.status == 200 && json.Unmarshal([]byte(a.body), &e) == nil && e.URI == uri
	}
}

func TestRouterThroughEdge(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, routerConfig(up))
	c := g.client()

	t.Run("seed FAQ composition", func(t *testing.T) {
		gets(t, g, echoedURI, map[string]string{
			"/apia/20171012/index.html": "/apia/20171012/index.html",
			"/apib/20171012/index.html": "/endpoint/20171012/index.html",
		})
	})

	t.Run("parameters and mapping", func(t *testing.T) {
		resp := g.do(c, "GET", "/users/42?limit=10&keep=1", nil, "X-Tenant", "initech", "X-Const", "spoofed")
		rid := resp.Header.Get("X-Request-Id")
		e := decodeEcho(t, resp)
		u, err := url.ParseRequestURI(e.URI)
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != "/echo/accounts/42" {
			t.Errorf("backend path %q", u.Path)
		}
		q := u.Query()
		for k, want := range map[string]string{"uid": "42", "limit": "10", "keep": "1", "verbose": "false", "source": "gateway"} {
			if q.Get(k) != want {
				t.Errorf("query %s = %q, want %q (uri %s)", k, q.Get(k), want, e.URI)
			}
		}
		h := http.Header(e.Headers)
		for k, want := range map[string]string{
			"X-Org": "initech", "X-Const": "fixed", "X-Client-Ip": "127.0.0.1", "X-Req": rid,
			"X-Api": "api-user", "X-Env": "release", "X-Price": "$5",
		} {
			if got := h.Values(k); len(got) != 1 || got[0] != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		if h.Get("X-Tenant") != "" {
			t.Errorf("X-Tenant was moved to X-Org but still reached the backend")
		}

		// The header default fills in when absent.
		e = decodeEcho(t, g.do(c, "GET", "/users/7?limit=1", nil))
		if got := http.Header(e.Headers).Get("X-Org"); got != "acme" {
			t.Errorf("default X-Tenant → X-Org = %q", got)
		}
	})

	t.Run("parameter errors", func(t *testing.T) {
		gets(t, g, func(code string) func(answer) bool { return is(400, code) }, map[string]string{
			"/users/abc?limit=1":            "InvalidParameterType",
			"/users/42":                     "MissingParameter",
			"/users/42?limit=ten":           "InvalidParameterType",
			"/users/42?limit=1&verbose=yes": "InvalidParameterType",
		})
		if a := g.get("/users/42"); !strings.Contains(a.msg, "limit") {
			t.Errorf("the missing parameter is not named: %v", a)
		}
	})

	t.Run("form body", func(t *testing.T) {
		// Send the head first and the body a moment later: the gateway must
		// wait for the whole form before routing.
		conn := g.raw()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "POST /release/form HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nqty=3", g.Host)
		time.Sleep(100 * time.Millisecond) // pacing: the body comes apart from the head
		io.WriteString(conn, "&note=x")
		resp, body := readResponse(t, bufio.NewReader(conn), "POST")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"uri":"/echo/form?qty=3"`) {
			t.Errorf("form: %d %s", resp.StatusCode, body)
		}
		a := g.send(c, "POST", "/form", strings.NewReader("qty=many"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if !is(400, "InvalidParameterType")(a) {
			t.Errorf("bad form value: %v", a)
		}
	})

	t.Run("priority", func(t *testing.T) {
		gets(t, g, says, map[string]string{
			"/p/admin/42": "exact",
			"/p/admin/43": "priority-prefix",
			"/p/7":        "regex",
			"/p/x":        "plain-prefix",
			"/pqr":        "plain-prefix",
		})
		if a := g.send(c, "POST", "/p/admin/42", strings.NewReader("x"), nil); a.body != "post-prefix" {
			t.Errorf("POST /p/admin/42 → %v, want the POST prefix API", a)
		}
		if a := g.fetch("DELETE", "/p/admin/42"); a.status != 405 || !strings.Contains(a.h.Get("Allow"), "GET") {
			t.Errorf("DELETE: %v Allow %q", a, a.h.Get("Allow"))
		}
	})

	t.Run("path normalisation", func(t *testing.T) {
		for path, want := range map[string]string{
			"/./p/admin/../admin/42": "exact",
			"//p//admin/42":          "exact",
			"/p/%61dmin/42":          "exact",
		} {
			if _, body := g.rawRequest(t, g.rawGet("/release"+path)); string(body) != want {
				t.Errorf("%s → %q, want %q", path, body, want)
			}
		}
		for _, path := range []string{"/p/..;/admin/42", "/p/%2e%2e%5cadmin", "/p/%00", "/../../etc/passwd"} {
			if resp, body := g.rawRequest(t, g.rawGet("/release"+path)); resp.StatusCode != 400 || !strings.Contains(string(body), "BadPath") {
				t.Errorf("%s → %d %s, want 400 BadPath", path, resp.StatusCode, body)
			}
		}
	})
}
