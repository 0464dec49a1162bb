package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The handshake load generator is this same binary run as
// `bench hsload …`, pinned to the load CPU with GOMAXPROCS=1 (so it gets
// exactly one core, as wrk does): -conns goroutines each open a new TLS
// connection, do one request with Connection: close, read the answer to
// the server's close, and start over. It prints one JSON object (hsStats).

// hsloadCommand is the first argument that selects the load generator.
const hsloadCommand = "hsload"

// hsStats is what one generator run reports.
type hsStats struct {
	Mode     string  `json:"mode"` // full or resumed
	Conns    int     `json:"conns"`
	Seconds  float64 `json:"seconds"`
	OK       int64   `json:"ok"`      // connections with a verified 200
	Resumed  int64   `json:"resumed"` // of OK: the server accepted our PSK
	Errors   int64   `json:"errors"`
	FirstErr string  `json:"first_error,omitempty"`
	PerSec   float64 `json:"per_sec"` // OK / Seconds
	P50Ms    float64 `json:"p50_ms"`  // connect to the server's close
	P99Ms    float64 `json:"p99_ms"`
	Tickets  int64   `json:"tickets"` // NewSessionTickets received
	Cipher   string  `json:"cipher"`
	Group    string  `json:"group"`
	ALPN     string  `json:"alpn"`
	// KeyShareReused: the generator's one X25519 key share (see tls13.go).
	KeyShareReused bool `json:"client_key_share_reused"`
	// LoadCPUPct is the generator's own CPU use (set by the harness).
	LoadCPUPct float64 `json:"load_cpu_pct,omitempty"`
}

// parseHsStats reads the generator's output: one JSON object, possibly
// after other lines (Go runtime warnings).
func parseHsStats(out []byte) (hsStats, error) {
	var s hsStats
	lines := strings.Split(string(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if len(lines[i]) > 0 && lines[i][0] == '{' {
			if err := json.Unmarshal([]byte(lines[i]), &s); err != nil {
				return s, fmt.Errorf("handshake generator output: %w", err)
			}
			if s.Mode == "" || s.Seconds <= 0 {
				return s, errors.New("handshake generator output lacks mode or duration")
			}
			return s, nil
		}
	}
	return s, fmt.Errorf("no result in the handshake generator's output %.200q", out)
}

// hsloadMain is `bench hsload`: flags, the run, the JSON line.
func hsloadMain(args []string) error {
	fs := flag.NewFlagSet(hsloadCommand, flag.ContinueOnError)
	addr := fs.String("addr", "", "host:port of the HTTPS listener")
	path := fs.String("path", mockPath, "request path")
	leaf := fs.String("cert", "", "PEM leaf the server must present")
	mode := fs.String("mode", "full", "full (no resumption) or resumed (TLS 1.3 tickets)")
	conns := fs.Int("conns", 32, "connections in flight")
	d := fs.Duration("duration", 10*time.Second, "run length")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" || (*mode != "full" && *mode != "resumed") || *conns < 1 || *d <= 0 {
		return errors.New("hsload: need -addr, -mode full|resumed, -conns ≥ 1, -duration > 0")
	}
	var leafDER []byte
	if *leaf != "" {
		b, err := os.ReadFile(*leaf)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return fmt.Errorf("%s: no PEM certificate", *leaf)
		}
		leafDER = blk.Bytes
	}
	c, err := newTLS13Client(benchHost, leafDER, handshakeRequest(*path), []byte(body))
	if err != nil {
		return err
	}
	s := runHsLoad(c, *addr, *mode, *conns, *d)
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// handshakeRequest is the one request of each connection.
func handshakeRequest(path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + benchHost + "\r\nConnection: close\r\n\r\n")
}

func runHsLoad(c *tls13Client, addr, mode string, conns int, d time.Duration) hsStats {
	s := hsStats{Mode: mode, Conns: conns, KeyShareReused: true}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	note := func(out tls13Outcome) {
		s.Cipher, s.Group, s.ALPN = fmt.Sprintf("%#04x", out.Cipher), fmt.Sprintf("%#04x", out.Group), out.ALPN
		if out.Cipher == suiteAES128GCM {
			s.Cipher = "TLS_AES_128_GCM_SHA256"
		}
		if out.Group == groupX25519 {
			s.Group = "X25519"
		}
	}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(nil, 32<<10)
			var tk *tls13Ticket
			var mine []time.Duration
			var ok, resumed, errs, tickets int64
			var firstErr error
			var last tls13Outcome
			for time.Now().Before(deadline) {
				var offer *tls13Ticket
				if mode == "resumed" {
					offer = tk
				}
				t0 := time.Now()
				out, err := dialDo(c, addr, br, offer, deadline)
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					if errors.Is(err, errPastDeadline) {
						break
					}
					time.Sleep(10 * time.Millisecond) // a refused dial must not spin
					continue
				}
				tickets += int64(out.Tickets)
				if out.Ticket != nil {
					tk = out.Ticket
				}
				last = out
				// In resumed mode the first connection of each goroutine
				// is the full handshake that fetches a ticket: not counted.
				if mode == "resumed" && offer == nil {
					continue
				}
				ok++
				if out.Resumed {
					resumed++
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			s.OK += ok
			s.Resumed += resumed
			s.Errors += errs
			s.Tickets += tickets
			if firstErr != nil && s.FirstErr == "" {
				s.FirstErr = firstErr.Error()
			}
			if last.Cipher != 0 {
				note(last)
			}
			lat = append(lat, mine...)
		}()
	}
	wg.Wait()
	s.Seconds = time.Since(start).Seconds()
	s.PerSec = float64(s.OK) / s.Seconds
	slices.Sort(lat)
	s.P50Ms, s.P99Ms = pctMs(lat, 0.50), pctMs(lat, 0.99)
	return s
}

var errPastDeadline = errors.New("run over")

func dialDo(c *tls13Client, addr string, br *bufio.Reader, t *tls13Ticket, deadline time.Time) (tls13Outcome, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		if time.Now().After(deadline) {
			return tls13Outcome{}, errPastDeadline
		}
		return tls13Outcome{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return c.do(conn, br, t)
}

func pctMs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}

// runHsLoadProc runs the generator pinned to the load CPU against p for d.
func runHsLoadProc(ctx context.Context, e *env, p *peer, mode string, conns int, d time.Duration) (hsStats, error) {
	self, err := os.Executable()
	if err != nil {
		return hsStats{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	out, cpu, err := runPinnedLoad(ctx, "handshake generator against "+p.label, []string{"GOMAXPROCS=1"},
		self, hsloadCommand, "-addr", "127.0.0.1:"+strconv.Itoa(p.port), "-path", p.path, "-cert", e.certs.CertFile,
		"-mode", mode, "-conns", strconv.Itoa(conns), "-duration", d.String())
	if err != nil {
		return hsStats{}, err
	}
	s, err := parseHsStats(out)
	s.LoadCPUPct = cpu
	return s, err
}
