package hwapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/hwapi/hwclient"
)

// testServer serves three routes: echo (the call as the handler saw it),
// a list of 1000 names, and a body decoder.
func testServer(t *testing.T) (*hwclient.Client, *hwapi.Server) {
	t.Helper()
	s := &hwapi.Server{
		Creds: func(ak string) (string, bool) {
			return map[string]string{"AK1": "SK1", "EDGE": "SK2"}[ak], ak == "AK1" || ak == "EDGE"
		},
		Forbidden: func(ak string) bool { return ak == "EDGE" },
		Rate:      -1, // TestRate sets one
	}
	names := make([]string, 1000)
	for i := range names {
		names[i] = "name" + strings.Repeat("x", i%3)
	}
	s.Handle(
		hwapi.Route{Method: "GET", Pattern: hwapi.Instance + "/echo/{id}", Handle: func(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
			return hwapi.OK(map[string]string{"id": c.Path("id"), "q": c.Query("q"), "ak": c.AccessKey}), nil
		}},
		hwapi.Route{Method: "GET", Pattern: hwapi.Instance + "/names", Handle: func(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
			p, err := c.Page()
			if err != nil {
				return hwapi.Reply{}, err
			}
			search, err := c.Search("name")
			if err != nil {
				return hwapi.Reply{}, err
			}
			var out []string
			for _, n := range names {
				if search.Match("name", n) {
					out = append(out, n)
				}
			}
			return hwapi.OK(hwapi.List("names", out, p)), nil
		}},
		hwapi.Route{Method: "POST", Pattern: hwapi.Instance + "/things", Handle: func(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
			var in struct {
				Name  string   `json:"name"`
				Count *int     `json:"count"`
				Tags  []string `json:"tags"`
			}
			if err := c.Bind(&in); err != nil {
				return hwapi.Reply{}, err
			}
			return hwapi.Created(in), nil
		}},
		hwapi.Route{Method: "DELETE", Pattern: hwapi.Instance + "/things/{id}", Handle: func(context.Context, *hwapi.Call) (hwapi.Reply, error) {
			return hwapi.NoContent(), nil
		}},
		hwapi.Route{Method: "GET", Pattern: hwapi.Instance + "/boom", Handle: func(context.Context, *hwapi.Call) (hwapi.Reply, error) {
			panic("boom")
		}},
	)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &hwclient.Client{Endpoint: srv.URL, AK: "AK1", SK: "SK1", Project: "p1", Instance: "i1"}, s
}

func do(t *testing.T, c *hwclient.Client, method, rel string, q url.Values, body any) *hwclient.Response {
	t.Helper()
	r, err := c.Do(method, c.InstancePath(rel), q, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func want(t *testing.T, r *hwclient.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.ErrorCode != code {
		t.Fatalf("got %s, want %d %s", r, status, code)
	}
	if status >= 400 && (r.ErrorMsg == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")) {
		t.Fatalf("error without error_msg or JSON type: %s %v", r, r.Header)
	}
	if len(r.Header.Get("X-Request-Id")) != 32 {
		t.Fatalf("X-Request-Id %q", r.Header.Get("X-Request-Id"))
	}
}

func TestSignedCalls(t *testing.T) {
	c, _ := testServer(t)
	// Query values that need the SDK's escaping (space, '~', '*', '/', UTF-8).
	r := do(t, c, "GET", "/echo/abc", url.Values{"q": {"a b~*/é"}, "z": {"2", "1"}}, nil)
	want(t, r, 200, "")
	var echo map[string]string
	if err := r.Decode(&echo); err != nil || echo["id"] != "abc" || echo["q"] != "a b~*/é" || echo["ak"] != "AK1" {
		t.Fatalf("echo %v %v", echo, err)
	}
	want(t, do(t, c, "DELETE", "/things/x", nil, nil), 204, "")
	r = do(t, c, "POST", "/things", nil, map[string]any{"name": "n", "count": 3, "tags": []string{"a"}})
	want(t, r, 201, "")
	if !strings.Contains(string(r.Body), `"count":3`) {
		t.Fatalf("created %s", r.Body)
	}
}

func TestAuthRefusals(t *testing.T) {
	c, _ := testServer(t)
	f := func(name string, mod func(*hwclient.Client), status int, code, msg string) {
		t.Helper()
		cc := *c
		mod(&cc)
		r := do(t, &cc, "GET", "/echo/1", url.Values{"q": {"v"}}, nil)
		want(t, r, status, code)
		if !strings.Contains(r.ErrorMsg, msg) {
			t.Fatalf("%s: error_msg %q lacks %q", name, r.ErrorMsg, msg)
		}
	}
	f("wrong SK", func(c *hwclient.Client) { c.SK = "nope" }, 401, hwapi.CodeAKSK, "verify aksk signature fail")
	f("unknown AK", func(c *hwclient.Client) { c.AK = "AK9" }, 401, hwapi.CodeAKSK, "unknown")
	f("stale date", func(c *hwclient.Client) { c.Now = func() time.Time { return time.Now().Add(-16 * time.Minute) } }, 401, hwapi.CodeAKSK, "X-Sdk-Date expired")
	f("future date", func(c *hwclient.Client) { c.Now = func() time.Time { return time.Now().Add(16 * time.Minute) } }, 401, hwapi.CodeAKSK, "X-Sdk-Date expired")
	f("query changed", func(c *hwclient.Client) { c.Tamper = func(r *http.Request) { r.URL.RawQuery = "q=w" } }, 401, hwapi.CodeAKSK, "verify aksk signature fail")
	f("path changed", func(c *hwclient.Client) {
		c.Tamper = func(r *http.Request) { r.URL.Path = strings.Replace(r.URL.Path, "/1", "/2", 1) }
	}, 401, hwapi.CodeAKSK, "verify aksk signature fail")
	f("signed header changed", func(c *hwclient.Client) {
		c.Header = http.Header{"X-Extra": {"a"}}
		c.Tamper = func(r *http.Request) { r.Header.Set("X-Extra", "b") }
	}, 401, hwapi.CodeAKSK, "verify aksk signature fail")
	f("unsigned", func(c *hwclient.Client) { c.Tamper = func(r *http.Request) { r.Header.Del("Authorization") } }, 401, hwapi.CodeAKSK, "not signed")
	f("other algorithm", func(c *hwclient.Client) {
		c.Tamper = func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SDK-HMAC-SHA256", "AWS4-HMAC-SHA256", 1))
		}
	}, 401, hwapi.CodeAKSK, "must use SDK-HMAC-SHA256")
	f("date not signed", func(c *hwclient.Client) {
		c.Tamper = func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-sdk-date", "", 1))
		}
	}, 401, hwapi.CodeAKSK, "x-sdk-date")
	f("bad date", func(c *hwclient.Client) { c.Header = http.Header{"X-Sdk-Date": {"2020-01-01"}} }, 401, hwapi.CodeAKSK, "20060102T150405Z")
	f("IAM token", func(c *hwclient.Client) { c.Header = http.Header{"X-Auth-Token": {"MIIxyz"}} }, 401, hwapi.CodeToken, "does not accept IAM tokens")
	f("edge credential", func(c *hwclient.Client) { c.AK, c.SK = "EDGE", "SK2" }, 403, hwapi.CodeForbidden, "No permissions")
	f("bad instance", func(c *hwclient.Client) { c.Instance = "a.b" }, 400, hwapi.CodeBadParameter, "parameterName:instance_id")

	// The body is signed: changed after signing, it is refused.
	cc := *c
	cc.Tamper = func(r *http.Request) {
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	want(t, do(t, &cc, "POST", "/things", nil, map[string]any{"name": "n"}), 401, hwapi.CodeAKSK)
	cc.Tamper = func(r *http.Request) { r.Header.Set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD") }
	want(t, do(t, &cc, "POST", "/things", nil, map[string]any{"name": "n"}), 401, hwapi.CodeAKSK)
}

func TestRoutingAndErrors(t *testing.T) {
	c, _ := testServer(t)
	want(t, do(t, c, "GET", "/nothing", nil, nil), 404, hwapi.CodeNoRoute)
	// A known path with another method is also "no such operation".
	want(t, do(t, c, "PATCH", "/things", nil, nil), 404, hwapi.CodeNoRoute)
	want(t, do(t, c, "GET", "/boom", nil, nil), 500, hwapi.CodeSystem)
	// Unsigned requests to an unknown path are refused before routing.
	r, err := http.Get(c.Endpoint + "/v2/p/apigw/instances/i/nothing")
	if err != nil || r.StatusCode != 401 {
		t.Fatalf("unsigned unknown path: %v %v", r, err)
	}
	r.Body.Close()

	f := func(body any, status int, code, msg string) {
		t.Helper()
		r := do(t, c, "POST", "/things", nil, body)
		want(t, r, status, code)
		if !strings.Contains(r.ErrorMsg, msg) {
			t.Fatalf("%v: error_msg %q lacks %q", body, r.ErrorMsg, msg)
		}
	}
	f([]byte(`{"name":`), 400, hwapi.CodeBadBody, "not valid JSON")
	f([]byte(``), 400, hwapi.CodeBadBody, "empty")
	f([]byte(`{"name":"a"} {}`), 400, hwapi.CodeBadBody, "after")
	f([]byte(`{"nme":"a"}`), 400, hwapi.CodeBadParameter, "parameterName:nme")
	f([]byte(`{"count":"3"}`), 400, hwapi.CodeBadParameter, "parameterName:count")
	f([]byte(`{"tags":"a"}`), 400, hwapi.CodeBadParameter, "parameterName:tags")
	f([]byte(strings.Repeat(" ", hwapi.MaxBody+1)), 413, hwapi.CodeBadBody, "larger")
}

func TestPagingAndSearch(t *testing.T) {
	c, _ := testServer(t)
	type list struct {
		Total int      `json:"total"`
		Size  int      `json:"size"`
		Names []string `json:"names"`
	}
	f := func(q url.Values, total, size int) list {
		t.Helper()
		r := do(t, c, "GET", "/names", q, nil)
		want(t, r, 200, "")
		var l list
		if err := r.Decode(&l); err != nil || l.Total != total || l.Size != size || len(l.Names) != size {
			t.Fatalf("%v: %+v %v", q, l, err)
		}
		return l
	}
	f(nil, 1000, 20)                                          // default limit 20
	f(url.Values{"limit": {"0"}}, 1000, 20)                   // <= 0 → 20
	f(url.Values{"limit": {"-5"}}, 1000, 20)                  //
	f(url.Values{"limit": {"501"}}, 1000, 500)                // > 500 → 500
	f(url.Values{"limit": {"500"}}, 1000, 500)                //
	f(url.Values{"limit": {"7"}, "offset": {"995"}}, 1000, 5) // the tail
	f(url.Values{"offset": {"1000"}}, 1000, 0)                // past the end: empty
	f(url.Values{"offset": {"99999999999999"}}, 1000, 0)      //
	if l := f(url.Values{"offset": {"-3"}, "limit": {"1"}}, 1000, 1); l.Names[0] != "name" {
		t.Fatalf("offset < 0 is 0: %v", l.Names)
	}
	want(t, do(t, c, "GET", "/names", url.Values{"limit": {"x"}}, nil), 400, hwapi.CodeBadParameter)
	want(t, do(t, c, "GET", "/names", url.Values{"offset": {"1.5"}}, nil), 400, hwapi.CodeBadParameter)
	// Fuzzy by default (case-insensitive substring), exact with precise_search.
	f(url.Values{"name": {"NAMEX"}}, 666, 20)
	f(url.Values{"name": {"namex"}, "precise_search": {"name"}}, 333, 20)
	want(t, do(t, c, "GET", "/names", url.Values{"precise_search": {"id"}}, nil), 400, hwapi.CodeBadParameter)
}

// Each operation is limited per AK (the Action API's rule, per Action
// and SecretId): past the rate a call is 429 APIG.0308 with Retry-After,
// another operation is not affected, and the bucket refills with time.
func TestRate(t *testing.T) {
	c, s := testServer(t)
	var now atomic.Int64 // the server's clock, moved by the test
	now.Store(time.Now().UnixNano())
	advance := func() { now.Add(int64(time.Second)) }
	s.Rate, s.Now = 3, func() time.Time { return time.Unix(0, now.Load()) }
	for range 3 {
		want(t, do(t, c, "GET", "/echo/a", nil, nil), 200, "")
	}
	r := do(t, c, "GET", "/echo/b", nil, nil) // the same operation, another path value
	want(t, r, 429, hwapi.CodeThrottled)
	if r.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	want(t, do(t, c, "GET", "/names", nil, nil), 200, "")
	advance()
	for range 3 {
		want(t, do(t, c, "GET", "/echo/a", nil, nil), 200, "")
	}
	// A client that retries waits Retry-After and gets through.
	c.Retries = 1
	go func() { time.Sleep(300 * time.Millisecond); advance() }()
	want(t, do(t, c, "GET", "/echo/a", nil, nil), 200, "")
}
