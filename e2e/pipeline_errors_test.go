package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// trapUpstream is a backend that misbehaves on purpose, chosen by the
// request path, so the gateway has to answer the client itself.
type trapUpstream struct {
	ln   net.Listener
	mu   sync.Mutex
	held []net.Conn // /hang connections, closed at cleanup
}

func startTrapUpstream(t *testing.T) *trapUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &trapUpstream{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go u.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		u.mu.Lock()
		defer u.mu.Unlock()
		for _, c := range u.held {
			c.Close()
		}
	})
	return u
}

// trapAnswers are the misbehaviours by path (a /hang request is never
// answered; /reset is cut with a RST).
var trapAnswers = map[string]string{
	"/status-line": "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
	"/dup-cl":      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
	"/big-head":    "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", 64<<10) + "\r\nContent-Length: 0\r\n\r\n",
}

func (u *trapUpstream) serve(c net.Conn) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		c.Close()
		return
	}
	io.Copy(io.Discard, req.Body)
	switch p := req.URL.Path; p {
	case "/hang":
		u.mu.Lock()
		u.held = append(u.held, c)
		u.mu.Unlock()
		return
	case "/reset":
		c.(*net.TCPConn).SetLinger(0)
	default:
		io.WriteString(c, trapAnswers[p])
	}
	c.Close()
}

// pipelineConfig: /trap/* goes to the trap upstream, /refused to a port
// nobody listens on, /sec needs a key pair; /echo is the good API.
func pipelineConfig(up *upstreamProc, trap *trapUpstream, refused int) string {
	return config(up, fmt.Sprintf(`
      - {ApiId: api-trap, RequestConfig: {Path: /trap, Method: ANY}, ServiceType: HTTP, ServiceTimeout: 1, ServiceConfig: {Url: "http://%s", Path: /}}
      - {ApiId: api-refused, RequestConfig: {Path: /refused, Method: ANY}, ServiceType: HTTP, ServiceConfig: {Url: "http://127.0.0.1:%d", Path: /}}
      - {ApiId: api-sec, RequestConfig: {Path: /sec, Method: ANY}, AuthType: SECRET, ServiceType: HTTP, ServiceConfig: {Url: "http://%s", Path: /echo}}
`, trap.ln.Addr(), refused, up.HTTP))
}

// promptly bounds each exchange: the slowest trigger is the 1 s
// ServiceTimeout; the gateway's idle timeout (set to 60 s below) is what a
// forgotten request would wait for.
const promptly = 6 * time.Second

// TestPipelineAfterGatewayError: a request pipelined behind one the gateway
// answers itself (an upstream failure, a refusal) is served in order
// (nginx answers 504, 200), or, where the first request's body was not
// read, the error says Connection: close and the connection ends at once.
func TestPipelineAfterGatewayError(t *testing.T) {
	up := startUpstream(t)
	trap := startTrapUpstream(t)
	g := startGateway(t, pipelineConfig(up, trap, freePort(t)), "--idle-timeout", "60s")
	echo := fmt.Sprintf("GET /release/echo/next HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	get := func(path string) string {
		return fmt.Sprintf("GET /release%s HTTP/1.1\r\nHost: %s\r\n\r\n", path, g.Host)
	}
	post := func(path string, cl int, body string) string {
		return fmt.Sprintf("POST /release%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s", path, g.Host, cl, body)
	}
	for _, tc := range []struct {
		name  string
		first string
		want  []int // statuses in order; a trailing 0 means the connection then ends
		codes string
	}{
		{"upstream timeout", get("/trap/hang"), []int{504, 200}, "UpstreamTimeout"},
		{"connect refused", get("/refused"), []int{502, 200}, "UpstreamConnectFailed"},
		{"invalid status line", get("/trap/status-line"), []int{502, 200}, "BadUpstreamResponse"},
		{"reset", get("/trap/reset"), []int{502, 200}, "UpstreamReset"},
		{"duplicate content-length", get("/trap/dup-cl"), []int{502, 200}, "BadUpstreamResponse"},
		{"oversized response head", get("/trap/big-head"), []int{502, 200}, "BadUpstreamResponse"},
		{"reset after a whole body", post("/trap/reset", 5, "hello"), []int{502, 200}, "UpstreamReset"},
		{"route not found", get("/nowhere"), []int{404, 200}, "ApiNotFound"},
		{"auth missing", get("/sec"), []int{401, 200}, "MissingAuthorization"},
		// The body is not (all) read: the framing is lost, so the gateway
		// says Connection: close and closes rather than guess.
		{"route not found, body unread", post("/nowhere", 5, "hel"), []int{404, 0}, "ApiNotFound"},
		{"connect refused, body unread", post("/refused", 10, "hello"), []int{502, 0}, "UpstreamConnectFailed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := g.raw()
			start := time.Now()
			conn.SetDeadline(start.Add(promptly))
			if _, err := io.WriteString(conn, tc.first+echo); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			for i, want := range tc.want {
				if want == 0 {
					if _, err := br.ReadByte(); err != io.EOF {
						t.Fatalf("after the error: %v, want the connection closed", err)
					}
					break
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("response %d after %v: %v (want %v)", i+1, time.Since(start).Round(time.Millisecond), err, tc.want)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Fatalf("response %d: %d %s, want %d", i+1, resp.StatusCode, body, want)
				}
				if i == 0 {
					if !strings.Contains(string(body), `"code":"`+tc.codes+`"`) {
						t.Errorf("error body %s, want code %s", body, tc.codes)
					}
					closing := tc.want[len(tc.want)-1] == 0
					if resp.Close != closing { // net/http moves Connection: close into Close
						t.Errorf("Connection: close on the error is %v, want %v", resp.Close, closing)
					}
				} else if !strings.Contains(string(body), `"uri":"/echo/next"`) {
					t.Errorf("pipelined answer %s, want the echo of /echo/next", body)
				}
			}
		})
	}
}

// TestPipelineResumesAfterPause: requests piled up behind a stalled one
// until reading paused (more than twice the head limit buffered); the
// gateway's 504 ends that pause and every queued request is answered.
func TestPipelineResumesAfterPause(t *testing.T) {
	up := startUpstream(t)
	trap := startTrapUpstream(t)
	g := startGateway(t, pipelineConfig(up, trap, freePort(t)), "--loops", "1", "--idle-timeout", "60s")
	conn := g.raw()
	const queued = 120 // x ~1 KiB: past 2 x 32 KiB
	next := fmt.Sprintf("GET /release/echo/next HTTP/1.1\r\nHost: %s\r\nX-Pad: %s\r\n\r\n", g.Host, strings.Repeat("p", 1000))
	all := fmt.Sprintf("GET /release/trap/hang HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host) + strings.Repeat(next, queued)
	start := time.Now()
	conn.SetDeadline(start.Add(promptly + 10*time.Second))
	wrote := make(chan error, 1)
	go func() {
		_, err := io.WriteString(conn, all)
		wrote <- err
	}()
	br := bufio.NewReader(conn)
	for i := 0; i <= queued; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d of %d after %v: %v", i+1, queued+1, time.Since(start).Round(time.Millisecond), err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := 200
		if i == 0 {
			want = 504
		}
		if resp.StatusCode != want {
			t.Fatalf("response %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}
