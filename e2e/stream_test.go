package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const mib = 1 << 20

// TestLargeResponseStreams pulls 100 MiB through the gateway (with a
// Content-Length and chunked) while sampling its RSS: the body must stream,
// not collect.
func TestLargeResponseStreams(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""), "--loops", "1")
	c := g.client()
	base := g.rss()
	for _, q := range []string{"", "&chunked=1"} {
		var peak atomic.Int64
		stop := make(chan struct{})
		go sampleRSS(g, &peak, stop)
		resp := g.do(c, "GET", "/up/bytes?n="+fmt.Sprint(100*mib)+q, nil)
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		close(stop)
		if err != nil || n != 100*mib {
			t.Fatalf("%s: got %d bytes, %v", q, n, err)
		}
		if grew := int(peak.Load()) - base; grew > 48*1024 {
			t.Errorf("%s: RSS grew by %d KiB while streaming 100 MiB (base %d KiB)", q, grew, base)
		}
		t.Logf("%s: base RSS %d KiB, peak %d KiB", q, base, peak.Load())
	}
}

func sampleRSS(g *gateway, peak *atomic.Int64, stop chan struct{}) {
	for {
		if r := int64(g.rss()); r > peak.Load() {
			peak.Store(r)
		}
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestSlowReaderBackpressure: a client that reads slowly must slow the
// upstream down instead of making the gateway buffer the body.
func TestSlowReaderBackpressure(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""), "--loops", "1")
	conn := g.raw()
	// A small receive buffer makes the kernel push back early.
	if tc, ok := conn.(interface{ SetReadBuffer(int) error }); ok {
		tc.SetReadBuffer(64 << 10)
	}
	base := g.rss()
	fmt.Fprintf(conn, "GET /release/up/bytes?n=%d HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", 200*mib, g.Host)
	var peak atomic.Int64
	stop := make(chan struct{})
	go sampleRSS(g, &peak, stop)
	// Read 2 MiB slowly over ~2 s, then stop reading for a second.
	buf := make([]byte, 32<<10)
	read := 0
	for read < 2*mib {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		read += n
		time.Sleep(30 * time.Millisecond) // pacing: the client reads slowly
	}
	time.Sleep(time.Second) // proves a non-event: the gateway does not buffer while the client reads nothing
	close(stop)
	// Without back-pressure the gateway would have buffered most of 200 MiB by now.
	if grew := int(peak.Load()) - base; grew > 16*1024 {
		t.Errorf("RSS grew by %d KiB for a slow reader (base %d KiB, peak %d KiB)", grew, base, peak.Load())
	}
	// And the rest still arrives intact when the client speeds up.
	br := bufio.NewReaderSize(conn, 1<<20)
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	rest, err := io.Copy(io.Discard, br)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(read) + rest
	// The first read included the response head.
	if total < 200*mib || total > 200*mib+1024 {
		t.Errorf("received %d bytes, want 200 MiB plus the head", total)
	}
}

func TestWebSocket(t *testing.T) {
	up := startUpstream(t)
	extra := fmt.Sprintf(`
      - {ApiId: api-ws, Protocol: WEBSOCKET, RequestConfig: {Path: /ws, Method: GET}, ServiceType: WEBSOCKET, ServiceTimeout: 60, ServiceConfig: {Url: "ws://%s", Path: /ws}}
      - {ApiId: api-ws-refuse, Protocol: WEBSOCKET, RequestConfig: {Path: /wsno, Method: GET}, ServiceType: WEBSOCKET, ServiceConfig: {Url: "ws://%s", Path: /ws-refuse}}
`, up.HTTP, up.Raw)
	g := startGateway(t, config(up, extra))
	ws, resp := g.dialWS(t, "/ws")
	if resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("101 without X-Request-Id")
	}
	for i, msg := range []string{"hello", strings.Repeat("x", 200000), "last"} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, got, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != msg {
			t.Fatalf("echo %d: got %d bytes, want %d", i, len(got), len(msg))
		}
	}
	ws.WriteMessage(websocket.BinaryMessage, bytes.Repeat([]byte{0, 1, 2}, 1000))
	if _, got, err := ws.ReadMessage(); err != nil || len(got) != 3000 {
		t.Fatalf("binary echo: %d %v", len(got), err)
	}

	// The backend answers 200 to the upgrade: no tunnel, the client gets the 200.
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	_, resp, err := d.Dial("ws://"+g.Addr+"/release/wsno", http.Header{"Host": {g.Host}})
	if err == nil || resp == nil || resp.StatusCode != 200 {
		t.Errorf("refused upgrade: err %v, resp %v", err, resp)
	}

	// A bad handshake never reaches the backend.
	r, body := g.rawRequest(t, fmt.Sprintf("GET /release/ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: short\r\n\r\n", g.Host))
	if r.StatusCode != 400 || !strings.Contains(string(body), "BadWebSocketHandshake") {
		t.Errorf("bad handshake: %d %s", r.StatusCode, body)
	}
	// A plain GET on a websocket API is refused too.
	if a := g.get("/ws"); a.status != 400 {
		t.Errorf("plain GET on a websocket API: %v", a)
	}
}

// TestReloadUnderLoad: SIGHUP swaps the configuration while clients hammer
// the gateway; not one request may fail, and the new configuration serves.
func TestReloadUnderLoad(t *testing.T) {
	up := startUpstream(t)
	version := func(msg string) string {
		return config(up, "      - {ApiId: api-version, RequestConfig: {Path: /version, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: "+msg+"}\n")
	}
	g := startGateway(t, version("v0"))
	var ok, bad atomic.Int64
	var mu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := g.client()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := "/echo/" + fmt.Sprint(w)
				if i%2 == 1 {
					path = "/version"
				}
				if a := g.send(c, "GET", path, nil, nil); a.status != 200 {
					bad.Add(1)
					mu.Lock()
					failures = append(failures, a.String())
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}
	// Each reload while the clients run: every one has made 10 requests
	// (through the last configuration) before the next SIGHUP.
	busy := func() {
		n := ok.Load() + bad.Load()
		waitFor(t, 10*time.Second, "80 requests", func() bool { return ok.Load()+bad.Load() >= n+80 })
	}
	for i := 1; i <= 10; i++ {
		busy()
		g.reload(version(fmt.Sprintf("v%d", i)))
	}
	busy()
	close(stop)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d requests failed during reloads: %v", bad.Load(), ok.Load()+bad.Load(), failures[:min(5, len(failures))])
	}
	if a := g.get("/version"); !says("v10")(a) {
		t.Errorf("after reloads the API answers %v, want v10", a)
	}
	t.Logf("%d requests, 0 failed, across 10 reloads", ok.Load())

	// A broken file keeps the old configuration.
	g.reload("Services: [{ServiceId: 'bad id'}]")
	if a := g.get("/version"); !says("v10")(a) || !strings.Contains(g.logs.String(), "reload failed") {
		t.Errorf("after a bad reload: %v; log:\n%s", a, g.logs)
	}
}

// TestDrainOnSIGTERM: in-flight requests finish, new connections are
// refused, the process exits 0.
func TestDrainOnSIGTERM(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))
	results := make(chan answer, 3)
	for range 3 {
		go func() { results <- g.send(g.client(), "GET", "/up/held?gate=drain", nil, nil) }()
	}
	waitFor(t, 10*time.Second, "3 requests held at the upstream", func() bool { return up.call(t, "/held/count") == "3" })
	g.cmd.Process.Signal(syscall.SIGTERM)
	g.waitLog("msg=draining", 0)
	waitFor(t, 5*time.Second, "the listener closed", func() bool {
		c, err := net.DialTimeout("tcp", g.Addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if g.exitedWithin(0) {
		t.Fatal("the gateway exited with requests in flight")
	}
	up.call(t, "/open?gate=drain")
	for range 3 {
		if r := <-results; !says("0")(r) {
			t.Errorf("in-flight request: %v", r)
		}
	}
	if !g.exitedWithin(10 * time.Second) {
		t.Fatal("gateway did not exit after the drain")
	}
	if g.err != nil {
		t.Errorf("exit: %v", g.err)
	}
}

// TestPipelineFloodBounded: a client that pipelines requests without
// reading answers is held back by TCP, not buffered by the gateway.
func TestPipelineFloodBounded(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""), "--loops", "1")
	conn := g.raw()
	base := g.rss()
	req := []byte(fmt.Sprintf("GET /release/up/sleep?ms=5 HTTP/1.1\r\nHost: %s\r\nX-Pad: %s\r\n\r\n", g.Host, strings.Repeat("p", 900)))
	var written atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		batch := bytes.Repeat(req, 64)
		conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
		for written.Load() < 200*mib {
			n, err := conn.Write(batch)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	<-done
	grew := g.rss() - base
	if written.Load() >= 200*mib {
		t.Fatalf("the gateway accepted %d MiB of pipelined requests without pushing back", written.Load()/mib)
	}
	if grew > 16*1024 {
		t.Errorf("RSS grew by %d KiB while a client pipelined %d MiB", grew, written.Load()/mib)
	}
	t.Logf("client got %d KiB in before TCP pushed back; gateway RSS +%d KiB", written.Load()>>10, grew)
}

// TestUploadBackpressure: a backend that doesn't read a large upload
// slows the client down instead of making the gateway buffer the body.
func TestUploadBackpressure(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""), "--loops", "1", "--max-body-bytes", fmt.Sprint(128*mib))
	conn := g.raw()
	base := g.rss()
	const size = 96 * mib
	fmt.Fprintf(conn, "POST /release/up/held?gate=upload HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", g.Host, size)
	var peak atomic.Int64
	stop := make(chan struct{})
	go sampleRSS(g, &peak, stop)
	sent := make(chan error, 1)
	go func() {
		chunk := bytes.Repeat([]byte("u"), 1<<20)
		conn.SetWriteDeadline(time.Now().Add(60 * time.Second))
		for i := 0; i < size/len(chunk); i++ {
			if _, err := conn.Write(chunk); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	time.Sleep(1500 * time.Millisecond) // proves a non-event: the gateway does not buffer while the backend reads nothing
	grew := int(peak.Load()) - base
	up.call(t, "/open?gate=upload")
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	close(stop)
	if grew > 16*1024 {
		t.Errorf("RSS grew by %d KiB while the backend read nothing", grew)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, body := readResponse(t, bufio.NewReader(conn), "POST")
	if resp.StatusCode != 200 || string(body) != fmt.Sprint(size) {
		t.Fatalf("upload: %d %q", resp.StatusCode, body)
	}
}

// TestAbsoluteFormTarget: an absolute-form request target routes by its
// authority (RFC 9112 §3.2.2), whatever Host says.
func TestAbsoluteFormTarget(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))
	resp, body := g.rawRequest(t, fmt.Sprintf("GET http://%s/release/mock HTTP/1.1\r\nHost: other.example\r\n\r\n", g.Host))
	if resp.StatusCode != 200 || string(body) != "mocked" {
		t.Errorf("absolute-form: %d %q", resp.StatusCode, body)
	}
}
