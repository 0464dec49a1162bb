package edge

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// startDocServer runs an in-process edge with one loop serving a whole
// config document.
func startDocServer(t testing.TB, doc string) *Server {
	t.Helper()
	return startServer(t, doc, Config{Loops: 1}, nil, nil)
}

// authDoc has the same upstream route with and without key-pair auth.
func authDoc(upstream string) string {
	return serviceDoc(proxyAPI("api-open", "/p", upstream, ""), proxyAPI("api-key", "/k", upstream, "SECRET")) +
		keyAccess(keyPlan("usagePlan-b", -1, -1, ""))
}

// signedGet is a key-pair signed keep-alive GET of path, dated now.
func signedGet(path string) string {
	xd := time.Now().UTC().Format(http.TimeFormat)
	m := hmac.New(sha1.New, []byte(testKeySecret))
	m.Write([]byte("x-date: " + xd + "\nsource: bench"))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	return "GET " + path + " HTTP/1.1\r\nHost: service-t.localhost\r\nX-Date: " + xd + "\r\nSource: bench\r\n" +
		`Authorization: hmac id="` + testKeyID + `", algorithm="hmac-sha1", headers="x-date source", signature="` + sig + "\"\r\n\r\n"
}

func TestKeyPairThroughEdge(t *testing.T) {
	up := startRawUpstream(t, "hello")
	s := startDocServer(t, authDoc(up.ln.Addr().String()))
	for _, tc := range []struct {
		req  string
		want int
	}{
		{signedGet("/release/k"), 200},
		{"GET /release/k HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", 401},
		{signedGet("/release/p"), 200},
	} {
		rt := newRoundTripper(t, s.Addr(), tc.req)
		if code, err := rt.do(); err != nil || code != tc.want {
			t.Errorf("%q: %d %v, want %d", tc.req[:20], code, err, tc.want)
		}
	}
	if n := s.Stats().FrontendErrors; n != 1 {
		t.Errorf("FrontendErrors = %d, want 1", n)
	}
}

// BenchmarkProxyRoundTripAuth compares the same upstream route without
// auth and with key-pair auth, one keep-alive connection.
func BenchmarkProxyRoundTripAuth(b *testing.B) {
	up := startRawUpstream(b, "hello, world")
	s := startDocServer(b, authDoc(up.ln.Addr().String()))
	for _, c := range []struct{ name, req string }{
		{"none", "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\nX-Date: x\r\nSource: bench\r\nAuthorization: hmac id=\"AKIDbench\", algorithm=\"hmac-sha1\", headers=\"x-date source\", signature=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\r\n\r\n"},
		{"keypair", signedGet("/release/k")},
	} {
		b.Run(c.name, func(b *testing.B) { benchRoundTrips(b, newRoundTripper(b, s.Addr(), c.req)) })
	}
}

// BenchmarkProxyAuthRatio measures the throughput ratio keypair/none in
// alternating rounds of 200 ms each (16 keep-alive connections, one event
// loop), so drifting load on a shared machine hits both variants alike. It
// reports the median per-round ratio and each variant's median req/s.
func BenchmarkProxyAuthRatio(b *testing.B) {
	up := startRawUpstream(b, "hello, world")
	s := startDocServer(b, authDoc(up.ln.Addr().String()))
	reqs := [2]string{
		"GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\nX-Date: x\r\nSource: bench\r\nAuthorization: hmac id=\"AKIDbench\", algorithm=\"hmac-sha1\", headers=\"x-date source\", signature=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\r\n\r\n",
		signedGet("/release/k"),
	}
	ratioBench(b, s.Addr(), reqs, "none-req/s", "keypair-req/s")
}

// ratioBench measures the throughput of reqs[1] against reqs[0] in
// alternating 200 ms rounds over 16 keep-alive connections each, and
// reports the median per-round ratio and each variant's median req/s
// (alternating keeps a noisy shared machine's drift out of the ratio).
func ratioBench(b *testing.B, addr string, reqs [2]string, name0, name1 string) {
	ratioBenchAt(b, [2]string{addr, addr}, reqs, name0, name1)
}

// ratioBenchAt is ratioBench with reqs[v] sent to addrs[v] (two servers).
func ratioBenchAt(b *testing.B, addrs [2]string, reqs [2]string, name0, name1 string) {
	const conns, rounds = 16, 12
	var rts [2][]*roundTripper
	for v := range 2 {
		for range conns {
			rts[v] = append(rts[v], newRoundTripper(b, addrs[v], reqs[v]))
		}
	}
	round := func(v int) float64 {
		var n atomic.Int64
		stop := time.Now().Add(200 * time.Millisecond)
		var wg sync.WaitGroup
		for _, rt := range rts[v] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					if code, err := rt.do(); err != nil || code != 200 {
						b.Error(code, err)
						return
					}
					n.Add(1)
				}
			}()
		}
		start := time.Now()
		wg.Wait()
		return float64(n.Load()) / time.Since(start).Seconds()
	}
	for b.Loop() {
		var ratios, rps0, rps1 []float64
		round(0)
		round(1) // warm
		for range rounds {
			a, k := round(0), round(1)
			rps0, rps1, ratios = append(rps0, a), append(rps1, k), append(ratios, k/a)
		}
		b.ReportMetric(median(ratios), "ratio")
		b.ReportMetric(median(rps0), name0)
		b.ReportMetric(median(rps1), name1)
	}
}

func median(x []float64) float64 {
	sort.Float64s(x)
	return x[len(x)/2]
}
