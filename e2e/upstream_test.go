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
	"strconv"
	"strings"
	"sync/atomic"
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
		time.Sleep(time.Duration(ms) * time.Millisecond)
		io.WriteString(w, "slept")
	})
	// /slowread?ms=N waits N ms before reading the body, then counts it.
	mux.HandleFunc("/slowread", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
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
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
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
	})
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
				time.Sleep(50 * time.Millisecond)
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
				time.Sleep(200 * time.Millisecond)
			}
		}(c)
	}
}
