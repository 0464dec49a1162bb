package e2e

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/edgegate/edgegate/internal/testpki"
)

// wss through a WebSocket backend: the upgrade and the echo over TLS.
func TestHTTPSWebSocket(t *testing.T) {
	up := startUpstream(t)
	g := startHTTPS(t, newHTTPSFix(t), up, true)
	d := websocket.Dialer{TLSClientConfig: g.tlsConfig("api.e2e.test"), HandshakeTimeout: 5 * time.Second,
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, g.TLSAddr)
		}}
	ws, resp, err := d.Dial("wss://api.e2e.test/release/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer ws.Close()
	echoRounds(t, ws, 200000)
}

// echoRounds sends a short, a big (size bytes) and a last message over
// ws and checks each echo.
func echoRounds(t *testing.T, ws *websocket.Conn, size int) {
	t.Helper()
	for i, msg := range []string{"hello", strings.Repeat("x", size), "last"} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, got, err := ws.ReadMessage(); err != nil || string(got) != msg {
			t.Fatalf("echo %d: %d bytes, %v", i, len(got), err)
		}
	}
}

// A 100 MiB response and a 15 MiB upload over TLS stream through the
// record layer: the gateway's RSS stays bounded (no collecting), and the
// bytes arrive whole.
func TestHTTPSLargeBodiesBoundedRSS(t *testing.T) {
	up := startUpstream(t)
	g := startHTTPS(t, newHTTPSFix(t), up, true, "--loops", "1")
	c := g.httpsClient(g.tlsConfig("api.e2e.test"))
	base := g.rss()
	var peak atomic.Int64
	stop := make(chan struct{})
	go sampleRSS(g.gateway, &peak, stop)
	defer close(stop)
	for _, q := range []string{"", "&chunked=1"} {
		resp, err := c.Get(g.httpsURL("api.e2e.test", "/up/bytes?n="+fmt.Sprint(100*mib)+q))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != 100*mib {
			t.Fatalf("%s: got %d bytes, %v", q, n, err)
		}
	}
	body := strings.Repeat("0123456789abcdef", 15*mib/16)
	resp, err := c.Post(g.httpsURL("api.e2e.test", "/echo"), "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var e echoed
	err = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	sum := sha256.Sum256([]byte(body))
	if err != nil || e.BodyLen != len(body) || e.BodySHA != hex.EncodeToString(sum[:]) {
		t.Fatalf("upload: %v %d %s", err, e.BodyLen, e.BodySHA)
	}
	if grew := int(peak.Load()) - base; grew > 48*1024 {
		t.Errorf("RSS grew by %d KiB while streaming over TLS (base %d KiB)", grew, base)
	}
	t.Logf("base RSS %d KiB, peak %d KiB", base, peak.Load())
}

// Certificate hot swap under load: SIGHUP reloads alternate c-api between
// two certificates while clients open TLS connections and send requests;
// no request fails, and new handshakes see the certificate installed.
func TestHTTPSCertificateReloadUnderLoad(t *testing.T) {
	up := startUpstream(t)
	f := newHTTPSFix(t)
	g := startHTTPS(t, f, up, true)
	renewed := f.ca.Valid(2, "api.e2e.test", "forced.e2e.test", "secure.e2e.test", "plain.e2e.test")
	var ok, bad atomic.Int64
	var mu sync.Mutex
	var failures []string
	fail := func(s string) {
		bad.Add(1)
		mu.Lock()
		failures = append(failures, s)
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", g.TLSAddr, g.tlsConfig("api.e2e.test"))
				if err != nil {
					fail(err.Error())
					continue
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				for range 3 {
					io.WriteString(c, "GET /release/mock HTTP/1.1\r\nHost: api.e2e.test\r\n\r\n")
					a := readAnswer(http.ReadResponse(br, nil))
					if !says("mocked")(a) {
						fail(a.String())
						break
					}
					ok.Add(1)
				}
				c.Close()
			}
		}()
	}
	busy := func() {
		n := ok.Load() + bad.Load()
		waitFor(t, 20*time.Second, "30 requests", func() bool { return ok.Load()+bad.Load() >= n+30 })
	}
	leaves := []*testpki.Leaf{renewed, f.api}
	for i := range 6 {
		busy()
		g.reload(httpsConfig(up, leaves[i%2]))
	}
	busy()
	close(stop)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d requests failed during certificate reloads: %v", bad.Load(), ok.Load()+bad.Load(), failures[:min(5, len(failures))])
	}
	c, err := g.dial(g.tlsConfig("api.e2e.test"))
	if err != nil || !c.ConnectionState().PeerCertificates[0].Equal(f.api.Cert) {
		t.Fatalf("after the reloads: %v", err)
	}
	t.Logf("%d requests over new TLS connections, 0 failed, across 6 certificate reloads", ok.Load())
}

// Memory per idle TLS connection: 10,000 established, idle TLS 1.3
// connections (AES-128-GCM), the gateway's RSS before and after, divided
// by the count. Goal (issue 12): at most 16 KiB, the edge's own state,
// gnet's and the record layer's included (kernel socket buffers are not
// in RSS).
func TestHTTPSIdleConnectionMemory(t *testing.T) {
	const n = 10000
	up := startUpstream(t)
	admin := freeAddr(t)
	g := startHTTPS(t, newHTTPSFix(t), up, true, "--loops", "1", "--admin-listen", admin, "--pprof")
	cfg := g.tlsConfig(g.Host)
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(1) // resumed: cheaper handshakes, same state after
	cfg.CipherSuites = []uint16{tls.TLS_AES_128_GCM_SHA256}
	open := func(k int) []*tls.Conn {
		conns := make([]*tls.Conn, 0, k)
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := atomic.Int64{}
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < k; i += 8 {
					c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", g.TLSAddr, cfg)
					if err != nil {
						errs.Add(1)
						continue
					}
					// One request: the ticket is read and the connection is
					// in the state every served keep-alive connection is in.
					c.SetDeadline(time.Now().Add(30 * time.Second))
					io.WriteString(c, "GET /release/mock HTTP/1.1\r\nHost: "+g.Host+"\r\n\r\n")
					if a := readAnswer(http.ReadResponse(bufio.NewReader(c), nil)); !says("mocked")(a) {
						errs.Add(1)
					}
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if errs.Load() > 0 {
			t.Fatalf("%d of %d connections failed", errs.Load(), k)
		}
		return conns
	}
	warm := open(200) // loops, pools, the session ticket
	for _, c := range warm {
		c.Close()
	}
	heapBefore := heapInuse(t, admin)
	before := settledRSS(g.gateway)
	conns := open(n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	after := settledRSS(g.gateway)
	heapAfter := heapInuse(t, admin)
	per := float64(after-before) * 1024 / n
	t.Logf("%d idle TLS connections: RSS %d KiB -> %d KiB, %.0f bytes per connection; Go heap in use after a GC %.0f bytes per connection",
		n, before, after, per, float64(heapAfter-heapBefore)/n)
	if per > 16*1024 {
		t.Errorf("%.0f bytes per idle TLS connection, goal 16 KiB", per)
	}
}

// settledRSS is the gateway's RSS once it stops changing: two readings
// at least 200 ms apart within 1%.
func settledRSS(g *gateway) int {
	last, at := g.rss(), time.Now()
	waitFor(g.t, 30*time.Second, "RSS to settle", func() bool {
		if time.Since(at) < 200*time.Millisecond {
			return false
		}
		r := g.rss()
		d := r - last
		last, at = r, time.Now()
		return d*100 <= r && -d*100 <= r
	})
	return last
}

// heapInuse is the gateway's Go heap in use after a GC (pprof's heap
// profile with gc=1 prints runtime.MemStats), in bytes.
func heapInuse(t *testing.T, adminAddr string) int {
	t.Helper()
	a := readAnswer(httpc.Get("http://" + adminAddr + "/debug/pprof/heap?gc=1&debug=1"))
	_, rest, ok := strings.Cut(a.body, "# HeapInuse = ")
	if a.status != 200 || !ok {
		t.Fatalf("heap profile: %d %.200q", a.status, a.body)
	}
	n, err := strconv.Atoi(strings.Fields(rest)[0])
	if err != nil {
		t.Fatal(err)
	}
	return n
}
