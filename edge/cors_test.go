package edge

import (
	"io"
	"net/http"
	"testing"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// startTrafficServer is startTestServer with traffic rules published.
func startTrafficServer(t testing.TB, apis string, tr *model.Traffic) *Server {
	t.Helper()
	return startServer(t, serviceDoc(apis), Config{Loops: 1}, nil, tr)
}

const corsAPIs = `
      - ApiId: api-c
        RequestConfig: {Path: /c, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: plugin
      - ApiId: api-e
        EnableCORS: true
        RequestConfig: {Path: /e, Method: PUT}
        ServiceType: MOCK
        ServiceMockReturnMessage: enable
      - ApiId: api-n
        RequestConfig: {Path: /n, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: none
`

func corsTraffic() *model.Traffic {
	return &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-c", PluginType: snapshot.PluginCors,
		PluginData:  `{"allow_origin":["https://app.example.com"],"allow_methods":["GET","POST"],"allow_headers":["X-Api-ID"],"expose_headers":["X-Request-Id"],"allow_credentials":true,"max_age":600}`,
		Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-c"}}}}}
}

func TestCORSInEdge(t *testing.T) {
	s := startTrafficServer(t, corsAPIs, corsTraffic())
	do := func(method, path string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+s.Addr()+path, nil)
		req.Host = "service-t.localhost"
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	want := func(name string, resp *http.Response, status int, headers ...string) {
		t.Helper()
		if resp.StatusCode != status {
			t.Errorf("%s: status %d, want %d", name, resp.StatusCode, status)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			if got := resp.Header.Get(headers[i]); got != headers[i+1] {
				t.Errorf("%s: %s = %q, want %q", name, headers[i], got, headers[i+1])
			}
		}
	}
	// Preflight of a GET API: answered by the gateway, not 405.
	r := do("OPTIONS", "/release/c", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-api-id")
	want("plugin preflight", r, 204, "Access-Control-Allow-Origin", "https://app.example.com", "Access-Control-Allow-Methods", "GET, POST",
		"Access-Control-Allow-Headers", "X-Api-ID", "Access-Control-Max-Age", "600", "Access-Control-Allow-Credentials", "true")
	// An origin or a method the policy does not list gets no allow headers.
	r = do("OPTIONS", "/release/c", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	want("bad origin preflight", r, 204, "Access-Control-Allow-Origin", "", "Access-Control-Allow-Methods", "", "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	r = do("OPTIONS", "/release/c", "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST")
	want("method no API serves", r, 405, "Access-Control-Allow-Origin", "")
	r = do("OPTIONS", "/release/e", "Origin", "https://x.test", "Access-Control-Request-Method", "GET")
	want("method no API serves (EnableCORS)", r, 405, "Access-Control-Allow-Origin", "")
	// Actual requests.
	r = do("GET", "/release/c", "Origin", "https://app.example.com")
	want("plugin actual", r, 200, "Access-Control-Allow-Origin", "https://app.example.com", "Vary", "Origin",
		"Access-Control-Expose-Headers", "X-Request-Id", "Access-Control-Allow-Credentials", "true")
	r = do("GET", "/release/c", "Origin", "https://evil.example")
	want("plugin actual, bad origin", r, 200, "Access-Control-Allow-Origin", "", "Vary", "Origin")
	r = do("GET", "/release/c")
	want("no Origin", r, 200, "Access-Control-Allow-Origin", "")
	// EnableCORS alone: any origin, the API's method, requested headers echoed.
	r = do("OPTIONS", "/release/e", "Origin", "https://x.test", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type, x-a")
	want("EnableCORS preflight", r, 204, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Methods", "PUT",
		"Access-Control-Allow-Headers", "content-type, x-a", "Access-Control-Max-Age", "600", "Access-Control-Allow-Credentials", "")
	r = do("PUT", "/release/e", "Origin", "https://x.test")
	want("EnableCORS actual", r, 200, "Access-Control-Allow-Origin", "*")
	// No policy: a preflight is an ordinary OPTIONS (405 on a GET API).
	r = do("OPTIONS", "/release/n", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET")
	want("no policy", r, 405, "Access-Control-Allow-Origin", "")
	// Gateway errors carry the lines too (respExtra).
	r = do("GET", "/release/n", "Origin", "https://app.example.com")
	want("no policy actual", r, 200, "Access-Control-Allow-Origin", "")
}
