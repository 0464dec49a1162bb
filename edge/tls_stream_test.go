package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// streamUpstream serves /big?n= (n bytes, chunked; a counter pattern) and
// answers POSTs with the length and SHA-256 of their body.
func streamUpstream(t *testing.T) string {
	return startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			h := sha256.New()
			n, _ := io.Copy(h, r.Body)
			fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
			return
		}
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		chunk := pattern(64 << 10)
		for n > 0 {
			k := min(n, len(chunk))
			if _, err := w.Write(chunk[:k]); err != nil {
				return
			}
			n -= k
		}
	})
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
	chunk := pattern(64 << 10)
	got, buf := 0, make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		for i := range n {
			if buf[i] != chunk[(got+i)%len(chunk)] {
				t.Fatalf("byte %d differs", got+i)
			}
		}
		got += n
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
	}
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

// wss: a WebSocket upgrade over TLS, echoed by the backend through the
// tunnel, with messages larger than a record.
func TestTLSWebSocket(t *testing.T) {
	up := startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			typ, msg, err := ws.ReadMessage()
			if err != nil || ws.WriteMessage(typ, msg) != nil {
				return
			}
		}
	})
	s := startTLSServer(t, Config{}, fmt.Sprintf(`
      - ApiId: api-ws
        Protocol: WEBSOCKET
        RequestConfig: {Path: /ws, Method: GET}
        ServiceType: WEBSOCKET
        ServiceConfig: {Url: "ws://%s", Path: /}
`, up))
	d := websocket.Dialer{TLSClientConfig: tlsConfig(t, "api.example.com"), HandshakeTimeout: 5 * time.Second,
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.TLSAddr())
		}}
	ws, resp, err := d.Dial("wss://api.example.com/release/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer ws.Close()
	for i, msg := range []string{"hello", strings.Repeat("x", 100000), "last"} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, got, err := ws.ReadMessage()
		if err != nil || string(got) != msg {
			t.Fatalf("echo %d: %d bytes, %v", i, len(got), err)
		}
	}
	bin := bytes.Repeat([]byte{0, 1, 2}, 30000)
	ws.WriteMessage(websocket.BinaryMessage, bin)
	if _, got, err := ws.ReadMessage(); err != nil || !bytes.Equal(got, bin) {
		t.Fatalf("binary echo: %d %v", len(got), err)
	}
}
