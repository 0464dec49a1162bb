package edge

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// fixedUpstream answers every request with resp (a whole response).
func fixedUpstream(t testing.TB, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &rawUpstream{ln: ln, resp: []byte(resp)}
	go acceptLoop(ln, u.serve)
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// oneShot sends req on a new connection with Connection: close and reads
// to EOF: it returns the status and the bytes each way, exactly what the
// gateway should count for the request.
func oneShot(t *testing.T, addr, method, path, extra string) (status int, sent, got int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := method + " " + path + " HTTP/1.1\r\nHost: service-t.localhost\r\nConnection: close\r\n" + extra + "\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil || len(b) < 12 {
		t.Fatalf("%s %s: %q %v", method, path, b, err)
	}
	return int(b[9]-'0')*100 + int(b[10]-'0')*10 + int(b[11]-'0'), len(req), len(b)
}

// obsDoc is the test service: a 200 backend, a 404 backend, an
// unreachable one, a key-pair API and an API under a per-IP limit of 2 a
// minute.
func obsDoc(ok, nf, dead string) (string, *model.Traffic) {
	doc := serviceDoc(proxyAPI("api-ok", "/p", ok, ""), proxyAPI("api-nf", "/n", nf, ""),
		proxyAPI("api-dead", "/d", dead, ""), proxyAPI("api-key", "/k", ok, "SECRET"),
		proxyAPI("api-lim", "/l", ok, "")) + keyAccess(keyPlan("usagePlan-b", -1, -1, ""))
	tr := &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-ip", PluginType: "TrafficControl",
		Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-lim"}},
		PluginData:  `{"expire_type":"minute","api_rate_limit":1000,"ip_rate_limit":2}`}}}
	return doc, tr
}

// apiStats collects EachAPI by ApiId.
func apiStats(s *Server) map[string]APIStats {
	m := map[string]APIStats{}
	s.EachAPI(func(a *APIStats) { m[a.ApiId] = *a })
	return m
}

// want is what a test sent to one API and saw come back.
type want struct {
	reqs, valid, frontend, b404, b502, backendResps uint64
	in, out                                         uint64
	classes                                         [6]uint64
}

func (w *want) add(status, sent, got int) {
	w.reqs++
	w.in += uint64(sent)
	w.out += uint64(got)
	w.classes[status/100]++
}

func checkAPI(t *testing.T, got APIStats, w *want) {
	t.Helper()
	if got.Requests != w.reqs || got.Valid != w.valid || got.FrontendErrors != w.frontend ||
		got.Backend404 != w.b404 || got.Backend502 != w.b502 || got.Responses != w.classes ||
		got.BackendErrors != w.classes[5] || got.RequestBytes != w.in || got.ResponseBytes != w.out || got.Active != 0 {
		t.Errorf("%s: got %+v, want %+v", got.ApiId, got, *w)
	}
	if got.Latency.Count != w.reqs || got.Backend.Count != w.backendResps {
		t.Errorf("%s: latency count %d (want %d), backend count %d (want %d)", got.ApiId, got.Latency.Count, w.reqs, got.Backend.Count, w.backendResps)
	}
	var n uint64
	for _, b := range got.Latency.Buckets {
		n += b
	}
	if n != got.Latency.Count || (n > 0 && got.Latency.Sum <= 0) {
		t.Errorf("%s: buckets sum to %d, count %d, sum %v", got.ApiId, n, got.Latency.Count, got.Latency.Sum)
	}
}

// The per-API counts, auth and limit refusals and backend figures equal
// what went through a real server to real backends, on two loops.
func TestObsCountsThroughEdge(t *testing.T) {
	ok := fixedUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
	nf := fixedUpstream(t, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	dead := deadAddr(t)
	doc, tr := obsDoc(ok, nf, dead)
	s := startServer(t, doc, Config{Loops: 2, LimiterKeys: 1 << 10}, nil, tr)
	wants := map[string]*want{}
	for _, id := range []string{"api-ok", "api-nf", "api-dead", "api-key", "api-lim"} {
		wants[id] = &want{}
	}
	send := func(id, path, extra string, wantStatus int) {
		st, in, out := oneShot(t, s.Addr(), "GET", path, extra)
		if st != wantStatus {
			t.Fatalf("%s: status %d, want %d", path, st, wantStatus)
		}
		wants[id].add(st, in, out)
	}
	for range 7 {
		send("api-ok", "/release/p", "", 200)
		wants["api-ok"].valid++
		wants["api-ok"].backendResps++
	}
	for range 3 {
		send("api-nf", "/release/n", "", 404)
		w := wants["api-nf"]
		w.valid++
		w.b404++
		w.backendResps++
	}
	send("api-dead", "/release/d", "", 502)
	wants["api-dead"].valid++
	wants["api-dead"].b502++
	send("api-key", "/release/k", "", 401)
	wants["api-key"].frontend++
	for i := range 3 {
		if i < 2 {
			send("api-lim", "/release/l", "", 200)
			wants["api-lim"].valid++
			wants["api-lim"].backendResps++
		} else {
			send("api-lim", "/release/l", "", 429)
			wants["api-lim"].frontend++
		}
	}
	// Not routed: counted in Stats, in no API series.
	if st, _, _ := oneShot(t, s.Addr(), "GET", "/release/zzz", ""); st != 404 {
		t.Fatal(st)
	}
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	got := apiStats(s)
	if len(got) != len(wants) {
		t.Errorf("EachAPI reported %d series, want %d: %v", len(got), len(wants), got)
	}
	for id, w := range wants {
		checkAPI(t, got[id], w)
		if g := got[id]; g.ServiceId != "service-t" || g.Environment != "release" {
			t.Errorf("%s: key %+v", id, g.APIKey)
		}
	}
	auths := map[string]uint64{}
	s.EachAuthFailure(func(code string, n uint64) { auths[code] = n })
	if len(auths) != 1 || auths["MissingAuthorization"] != 1 {
		t.Errorf("auth failures %v, want MissingAuthorization: 1", auths)
	}
	var lims []string
	s.EachLimitRefusal(func(code, rule string, n uint64) {
		lims = append(lims, code+" "+rule+" "+string(rune('0'+n)))
	})
	if strings.Join(lims, ",") != "RateLimitExceeded plugin:plugin-ip 1" {
		t.Errorf("limit refusals %q", lims)
	}
	targets := map[string]TargetStats{}
	s.EachTarget(func(ts *TargetStats) { targets[ts.Address] = *ts })
	if len(targets) != 3 {
		t.Errorf("targets %v, want 3 addresses", targets)
	}
	// Each oneShot closes its client, not the pooled upstream: the 200
	// backend served 9 requests over dials and reuses.
	if g := targets[ok]; g.Dials+g.Reused != 9 || g.Dials == 0 || g.Idle < 1 || !g.Healthy || g.Checked {
		t.Errorf("ok backend %+v, want dials+reused = 9 and an idle connection", g)
	}
	if g := targets[nf]; g.Dials+g.Reused != 3 {
		t.Errorf("404 backend %+v, want dials+reused = 3", g)
	}
	if g := targets[dead]; g.Dials < 1 || g.Reused != 0 || g.Idle != 0 {
		t.Errorf("dead backend %+v", g)
	}
}

// A swap keeps every series and its counts, even when the routes are
// numbered differently or the API leaves the configuration, and the
// counts go on from there.
func TestObsSeriesSurviveSwap(t *testing.T) {
	ok := fixedUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
	s := startServer(t, serviceDoc(proxyAPI("api-a", "/a", ok, ""), mockAPI("api-b", "/b", "b")), Config{Loops: 2}, nil, nil)
	var wa, wb want
	get := func(path string, w *want, status int) {
		st, in, out := oneShot(t, s.Addr(), "GET", path, "")
		if st != status {
			t.Fatalf("%s: %d, want %d", path, st, status)
		}
		w.add(st, in, out)
		w.valid++
	}
	for range 4 {
		get("/release/a", &wa, 200)
		wa.backendResps++
		get("/release/b", &wb, 200)
	}
	// New APIs in front (route indices shift) and api-b gone.
	if err := s.Swap(compileAPIs(t, mockAPI("api-c", "/c", "c")+mockAPI("api-d", "/d", "d")+proxyAPI("api-a", "/a", ok, ""))); err != nil {
		t.Fatal(err)
	}
	get("/release/a", &wa, 200)
	wa.backendResps++
	var wc want
	get("/release/c", &wc, 200)
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	got := apiStats(s)
	checkAPI(t, got["api-a"], &wa)
	checkAPI(t, got["api-b"], &wb) // removed, still reported
	checkAPI(t, got["api-c"], &wc)
	if _, ok := got["api-d"]; ok {
		t.Error("api-d reported without a request")
	}
	// Back again: the same series goes on.
	if err := s.Swap(compileAPIs(t, mockAPI("api-b", "/b", "b"))); err != nil {
		t.Fatal(err)
	}
	get("/release/b", &wb, 200)
	waitFor(t, "requests finished", func() bool { return s.Inflight() == 0 })
	checkAPI(t, apiStats(s)["api-b"], &wb)
}

// A request cut mid-way (the client leaves before the answer) is counted
// once, with no status class.
func TestObsAbortCountedOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hold := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			hold <- c // never answers
		}
	}()
	s := startTestServer(t, proxyAPI("api-slow", "/s", ln.Addr().String(), ""))
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /release/s HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
	up := <-hold
	defer up.Close()
	waitFor(t, "in flight", func() bool { return apiStats(s)["api-slow"].Active == 1 })
	c.Close()
	waitFor(t, "finished", func() bool { return s.Inflight() == 0 })
	g := apiStats(s)["api-slow"]
	if g.Requests != 1 || g.Active != 0 || g.Latency.Count != 1 || g.Responses != [6]uint64{} || g.Valid != 1 {
		t.Errorf("aborted request: %+v", g)
	}
}
