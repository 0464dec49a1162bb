package edge

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// streamUpstream serves /big?n= (n bytes, chunked; a counter pattern) and
// answers POSTs with the length and SHA-256 of their body.
func streamUpstream(t *testing.T) string { return startHTTPUpstream(t, streamHandler) }

// streamHandler is streamUpstream's handler; &len=1 sends a Content-Length.
func streamHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method == "POST" {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if r.URL.Query().Get("len") != "" {
		w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	chunk := pattern(64 << 10)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

// readPattern reads body to its end, checking that it is the counter
// pattern of streamUpstream, and returns its length.
func readPattern(t testing.TB, body io.Reader) int {
	t.Helper()
	chunk := pattern(64 << 10)
	got, buf := 0, make([]byte, 64<<10)
	for {
		n, err := body.Read(buf)
		for i := range n {
			if buf[i] != chunk[(got+i)%len(chunk)] {
				t.Fatalf("byte %d differs", got+i)
			}
		}
		got += n
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
	}
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// A large streamed response and a large upload over TLS arrive whole, in
// both directions of the record layer (many full 16 KiB records, records
// split across reads), and the connection stays usable.
func TestTLSLargeBodies(t *testing.T) {
	s := startTLSServer(t, Config{}, anyAPI("api-b", "/b", streamUpstream(t)))
	c := mustDialTLS(t, s, tlsConfig(t, "service-t.localhost"))
	c.SetDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	const size = 24<<20 + 12345
	io.WriteString(c, getReq("service-t.localhost", "/release/b?n="+strconv.Itoa(size)))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := readPattern(t, resp.Body)
	if got != size || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("got %d bytes (%v), want %d", got, resp.TransferEncoding, size)
	}

	body := pattern(15<<20 + 777)
	sum := sha256.Sum256(body)
	head := fmt.Sprintf("POST /release/b HTTP/1.1\r\nHost: service-t.localhost\r\nContent-Length: %d\r\n\r\n", len(body))
	go func() {
		io.WriteString(c, head)
		c.Write(body)
	}()
	if resp, got := readResp(t, br); resp.StatusCode != 200 || got != fmt.Sprintf("%d %s", len(body), hex.EncodeToString(sum[:])) {
		t.Fatalf("upload: %d %q", resp.StatusCode, got)
	}
	// Chunked upload with 100-continue: the interim answer is sealed too.
	io.WriteString(c, "POST /release/b HTTP/1.1\r\nHost: service-t.localhost\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("100-continue: %q %v", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "5\r\nhello\r\n0\r\n\r\n")
	hello := sha256.Sum256([]byte("hello"))
	if resp, got := readResp(t, br); resp.StatusCode != 200 || got != "5 "+hex.EncodeToString(hello[:]) {
		t.Fatalf("chunked upload: %d %q", resp.StatusCode, got)
	}
}

// rawWSUpstream answers any request with 101 and then echoes raw bytes
// (the gateway's tunnel is a byte pipe; frames are the ends' business).
func rawWSUpstream(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, wsEcho)
	return fmt.Sprintf(`
      - ApiId: api-ws
        Protocol: WEBSOCKET
        RequestConfig: {Path: /ws, Method: GET}
        ServiceType: WEBSOCKET
        ServiceConfig: {Url: "ws://%s", Path: /}
`, ln.Addr())
}

// wsEcho answers one request with 101 and echoes what follows.
func wsEcho(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	if _, err := http.ReadRequest(br); err != nil {
		return
	}
	io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	io.Copy(c, br)
}

// upgradeWithPayload sends an upgrade request with payload right behind
// it, in one write, and checks the 101 and the payload echoed whole.
func upgradeWithPayload(t *testing.T, c net.Conn, host string, payload []byte) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		c.Write(append([]byte("GET /release/ws HTTP/1.1\r\nHost: "+host+"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"), payload...))
	}()
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	got := make([]byte, len(payload))
	if n, err := io.ReadFull(br, got); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("echo through the tunnel: %d of %d bytes, %v", n, len(payload), err)
	}
}

// wss: the upgrade over TLS, with tunnel bytes sent right behind the
// upgrade request (in the same records, so they wait in the plaintext
// buffer while the backend answers 101), many records each way.
func TestTLSWebSocket(t *testing.T) {
	s := startTLSServer(t, Config{}, rawWSUpstream(t))
	upgradeWithPayload(t, mustDialTLS(t, s, tlsConfig(t, "api.example.com")), "api.example.com", pattern(300<<10))
}

// More than the pipelining limit sent behind an upgrade: reading pauses
// while the request waits for the backend (limitBuffered), and must
// resume once the request is a tunnel. The pause outlived the upgrade and
// the rest of the bytes never left the kernel.
func TestUpgradeResumesPipelinePause(t *testing.T) {
	s := startTestServer(t, rawWSUpstream(t))
	upgradeWithPayload(t, dialRaw(t, s.Addr()), "service-t.localhost", pattern(1<<20))
}
