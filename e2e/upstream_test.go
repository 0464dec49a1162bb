package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The upstream role: a net/http server with the endpoints the tests need,
// and a raw TCP server for answers net/http would never send.

const roleEnv = "EDGEGATE_E2E_ROLE"

// echoed is what /echo answers: the request as the upstream saw it.
type echoed struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Host    string              `json:"host"`
	Proto   string              `json:"proto"`
	Headers map[string][]string `json:"headers"`
	TE      []string            `json:"te"`
	CL      int64               `json:"cl"`
	BodyLen int                 `json:"body_len"`
	BodySHA string              `json:"body_sha"`
	Trailer map[string][]string `json:"trailer"`
	Remote  string              `json:"remote"`
}

var upstreamConns atomic.Int64

// gates hold /held requests: name → *gateState.
var gates sync.Map

type gateState struct {
	once sync.Once
	open chan struct{}
}

func gate(name string) *gateState {
	g, _ := gates.LoadOrStore(name, &gateState{open: make(chan struct{})})
	return g.(*gateState)
}

func runUpstream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go serveRaw(raw)
	mux := http.NewServeMux()
	mux.HandleFunc("/", handleEcho) // everything not matched below echoes
	mux.HandleFunc("/bytes", handleBytes)
	mux.HandleFunc("/trailers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		for i := range 5 {
			fmt.Fprintf(w, "part-%d;", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Sum", "done")
	})
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond) // a slow backend is what the caller tests
		io.WriteString(w, "slept")
	})
	// /held?gate=N reads nothing until the test opens gate N (/open?gate=N),
	// then counts the body; /held/count says how many wait.
	var held atomic.Int64
	mux.HandleFunc("/held", func(w http.ResponseWriter, r *http.Request) {
		held.Add(1)
		<-gate(r.URL.Query().Get("gate")).open
		held.Add(-1)
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("/held/count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, held.Load())
	})
	mux.HandleFunc("/open", func(w http.ResponseWriter, r *http.Request) {
		g := gate(r.URL.Query().Get("gate"))
		g.once.Do(func() { close(g.open) })
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
	})
	var healthCode atomic.Int64
	healthCode.Store(200)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(healthCode.Load()))
	})
	mux.HandleFunc("/health/set", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		healthCode.Store(int64(code))
	})
	mux.HandleFunc("/conns", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, upstreamConns.Load())
	})
	mux.HandleFunc("/ws", handleWS)
	srv := &http.Server{Handler: mux, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			upstreamConns.Add(1)
		}
	}}
	fmt.Printf("HTTP %s\nRAW %s\n", ln.Addr(), raw.Addr())
	os.Stdout.Sync()
	go func() {
		// Exit with the parent test binary.
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	srv.Serve(ln)
}

func handleEcho(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, _ := io.Copy(h, r.Body)
	e := echoed{
		Method: r.Method, URI: r.RequestURI, Host: r.Host, Proto: r.Proto,
		Headers: r.Header, TE: r.TransferEncoding, CL: r.ContentLength,
		BodyLen: int(n), BodySHA: hex.EncodeToString(h.Sum(nil)), Trailer: r.Trailer,
		Remote: r.RemoteAddr,
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Upstream", "echo")
	json.NewEncoder(w).Encode(e)
}

// /bytes?n=N[&chunked=1] sends N bytes of a repeating pattern.
// handleWS echoes WebSocket messages.
func handleWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		mt, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(mt, msg); err != nil {
			return
		}
	}
}

func handleBytes(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
	if r.URL.Query().Get("chunked") == "" {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	}
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return
		}
		n -= k
	}
}

// serveRaw answers by request path with responses net/http can't produce.
func serveRaw(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			br := bufio.NewReader(c)
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			for {
				l, err := br.ReadString('\n')
				if err != nil || l == "\r\n" {
					break
				}
			}
			f := strings.Fields(line)
			if len(f) < 2 {
				return
			}
			switch {
			case strings.HasPrefix(f[1], "/once"):
				// Looks keep-alive, but closes right after the answer: the
				// gateway's pooled connection is stale for the next request.
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nonce")
			case strings.HasPrefix(f[1], "/close-delimited"):
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close-")
				time.Sleep(50 * time.Millisecond) // pacing: the body comes in two parts
				io.WriteString(c, "body")
			case strings.HasPrefix(f[1], "/garbage"):
				io.WriteString(c, "NOT HTTP AT ALL\r\n\r\n")
			case strings.HasPrefix(f[1], "/reset"):
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
			case strings.HasPrefix(f[1], "/ws-refuse"):
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno")
			case strings.HasPrefix(f[1], "/truncated"):
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part")
			case strings.HasPrefix(f[1], "/bad-chunk"):
				io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
			case strings.HasPrefix(f[1], "/smuggle"):
				// A second response glued to the first: must never reach another client.
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nevil!!")
				// Stay open until the gateway lets go of the connection.
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				io.Copy(io.Discard, br)
			}
		}(c)
	}
}

// upstreamProc is the upstream role running in its own process.
type upstreamProc struct {
	HTTP, Raw string // host:port
}

func startUpstream(t *testing.T) *upstreamProc {
	t.Helper()
	return startUpstreamCmd(t, exec.Command(os.Args[0]))
}

// startUpstreamCmd runs cmd (this test binary, possibly wrapped, e.g. in
// "ip netns exec") in the upstream role and waits for its addresses.
func startUpstreamCmd(t *testing.T, cmd *exec.Cmd) *upstreamProc {
	t.Helper()
	cmd.Env = append(os.Environ(), roleEnv+"=upstream")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	br := bufio.NewReader(out)
	u := &upstreamProc{}
	for u.HTTP == "" || u.Raw == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("upstream did not start: %v", err)
		}
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "HTTP" {
			u.HTTP = f[1]
		} else if len(f) == 2 && f[0] == "RAW" {
			u.Raw = f[1]
		}
	}
	return u
}

// call sends GET path to the upstream itself and returns the body.
func (u *upstreamProc) call(t *testing.T, path string) string {
	t.Helper()
	resp, err := httpc.Get("http://" + u.HTTP + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// setHealth makes /health answer code.
func (u *upstreamProc) setHealth(t *testing.T, code int) {
	u.call(t, fmt.Sprintf("/health/set?code=%d", code))
}

// conns is how many connections the upstream has accepted, this call's
// own not counted.
func (u *upstreamProc) conns(t *testing.T) int {
	n, _ := strconv.Atoi(u.call(t, "/conns"))
	return n - 1
}
