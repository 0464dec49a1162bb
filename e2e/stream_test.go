package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
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
		time.Sleep(30 * time.Millisecond)
	}
	time.Sleep(time.Second)
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
      - ApiId: api-ws
        Protocol: WEBSOCKET
        RequestConfig: {Path: /ws, Method: GET}
        ServiceType: WEBSOCKET
        ServiceTimeout: 60
        ServiceConfig: {Url: "ws://%s", Path: /ws}
      - ApiId: api-ws-refuse
        Protocol: WEBSOCKET
        RequestConfig: {Path: /wsno, Method: GET}
        ServiceType: WEBSOCKET
        ServiceConfig: {Url: "ws://%s", Path: /ws-refuse}
`, up.HTTP, up.Raw)
	g := startGateway(t, config(up, extra))
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	hdr := http.Header{"Host": {g.Host}}
	ws, resp, err := d.Dial("ws://"+g.Addr+"/release/ws", hdr)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer ws.Close()
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
	_, resp, err = d.Dial("ws://"+g.Addr+"/release/wsno", hdr)
	if err == nil || resp == nil || resp.StatusCode != 200 {
		t.Errorf("refused upgrade: err %v, resp %v", err, resp)
	}

	// A bad handshake never reaches the backend.
	conn := g.raw()
	fmt.Fprintf(conn, "GET /release/ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: short\r\n\r\n", g.Host)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	r, body := readResponse(t, bufio.NewReader(conn), "GET")
	if r.StatusCode != 400 || !strings.Contains(string(body), "BadWebSocketHandshake") {
		t.Errorf("bad handshake: %d %s", r.StatusCode, body)
	}
	// A plain GET on a websocket API is refused too.
	rs := g.do(g.client(), "GET", "/ws", nil)
	rs.Body.Close()
	if rs.StatusCode != 400 {
		t.Errorf("plain GET on a websocket API: %d", rs.StatusCode)
	}
}

// TestReloadUnderLoad: SIGHUP swaps the configuration while clients hammer
// the gateway; not one request may fail, and the new configuration serves.
func TestReloadUnderLoad(t *testing.T) {
	up := startUpstream(t)
	mockAPI := func(msg string) string {
		return fmt.Sprintf(`
      - ApiId: api-version
        RequestConfig: {Path: /version, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: %s
`, msg)
	}
	g := startGateway(t, config(up, mockAPI("v0")))
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
				req, _ := http.NewRequest("GET", g.url(path), nil)
				req.Host = g.Host
				resp, err := c.Do(req)
				if err != nil {
					bad.Add(1)
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					bad.Add(1)
					mu.Lock()
					failures = append(failures, resp.Status)
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}
	for i := 1; i <= 10; i++ {
		time.Sleep(150 * time.Millisecond)
		if err := os.WriteFile(g.Config, []byte(config(up, mockAPI(fmt.Sprintf("v%d", i)))), 0o600); err != nil {
			t.Fatal(err)
		}
		g.cmd.Process.Signal(syscall.SIGHUP)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d requests failed during reloads: %v", bad.Load(), ok.Load()+bad.Load(), failures[:min(5, len(failures))])
	}
	if ok.Load() < 100 {
		t.Errorf("only %d requests ran", ok.Load())
	}
	resp := g.do(g.client(), "GET", "/version", nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "v10" {
		t.Errorf("after reloads the API answers %q, want v10", body)
	}
	t.Logf("%d requests, 0 failed, across 10 reloads", ok.Load())

	// A broken file keeps the old configuration.
	os.WriteFile(g.Config, []byte("Services: [{ServiceId: 'bad id'}]"), 0o600)
	g.cmd.Process.Signal(syscall.SIGHUP)
	time.Sleep(200 * time.Millisecond)
	resp = g.do(g.client(), "GET", "/version", nil)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "v10" || !strings.Contains(g.logs.String(), "reload failed") {
		t.Errorf("after a bad reload: %q; log:\n%s", body, g.logs.String())
	}
}

// TestDrainOnSIGTERM: in-flight requests finish, new connections are
// refused, the process exits 0.
func TestDrainOnSIGTERM(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, config(up, ""))
	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, 3)
	for range 3 {
		go func() {
			c := g.client()
			req, _ := http.NewRequest("GET", g.url("/up/sleep?ms=1500"), nil)
			req.Host = g.Host
			resp, err := c.Do(req)
			if err != nil {
				results <- result{err: err}
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{status: resp.StatusCode, body: string(b), err: err}
		}()
	}
	time.Sleep(300 * time.Millisecond) // the requests are in flight
	g.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	if c, err := (&http.Client{Timeout: time.Second}).Get("http://" + g.Addr + "/"); err == nil {
		c.Body.Close()
		t.Errorf("a new connection was served during the drain")
	}
	for range 3 {
		r := <-results
		if r.err != nil || r.status != 200 || r.body != "slept" {
			t.Errorf("in-flight request: %d %q %v", r.status, r.body, r.err)
		}
	}
	select {
	case err := <-g.exited:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
		g.exited <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not exit after the drain")
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
	fmt.Fprintf(conn, "POST /release/up/slowread?ms=2000 HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", g.Host, size)
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
	time.Sleep(1500 * time.Millisecond) // the backend isn't reading yet
	grew := int(peak.Load()) - base
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
	conn := g.raw()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET http://%s/release/mock HTTP/1.1\r\nHost: other.example\r\n\r\n", g.Host)
	resp, body := readResponse(t, bufio.NewReader(conn), "GET")
	if resp.StatusCode != 200 || string(body) != "mocked" {
		t.Errorf("absolute-form: %d %q", resp.StatusCode, body)
	}
}
