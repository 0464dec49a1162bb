package edge

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestUploadWhileDialing: a request whose body arrives faster than the
// upstream connection is dialed fills the client's buffer and pauses its
// reads before the connection exists; once it does, the body must flow
// (a pause for "waiting for the connection" must not outlive the wait).
// The upstream closes every connection, so each request dials afresh.
func TestUploadWhileDialing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "close")
		fmt.Fprint(w, n)
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	s := startTestServer(t, fmt.Sprintf(`
      - ApiId: api-up
        RequestConfig: {Path: /up, Method: POST}
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%s", Path: /}
`, ln.Addr()))
	const size = 4 << 20
	body := bytes.Repeat([]byte("u"), size)
	for i := range 20 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req := fmt.Sprintf("POST /release/up HTTP/1.1\r\nHost: service-t.localhost\r\nContent-Length: %d\r\n\r\n", size)
		go c.Write(append([]byte(req), body...)) // head and body in one write
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			c.Close()
			t.Fatalf("upload %d: %v (the body stalled)", i, err)
		}
		got, _ := io.ReadAll(resp.Body)
		c.Close()
		if resp.StatusCode != 200 || string(got) != strconv.Itoa(size) {
			t.Fatalf("upload %d: %d %q", i, resp.StatusCode, got)
		}
	}
}
