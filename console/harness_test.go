package console

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin"
)

// The tests run the console in front of a real control plane (admin.New
// in a temporary directory) on a loopback HTTP server, as the admin
// listener mounts it, with a settable clock for sessions.

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t       *testing.T
	a       *admin.Admin
	c       *Console
	srv     *httptest.Server
	clock   *clock
	id, key string
}

func newHarness(t *testing.T, mod func(*Options)) *harness {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := admin.New(admin.Options{DataDir: dir, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	id, key, err := admin.ReadCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, a: a, clock: &clock{now: time.Unix(1_800_000_000, 0)}, id: id, key: key}
	opts := Options{API: a.Handler(), Now: h.clock.Now, Log: log}
	if mod != nil {
		mod(&opts)
	}
	h.c = New(opts)
	mux := http.NewServeMux()
	mux.Handle("/", a.Handler())
	mux.Handle("/console/", h.c)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// browser is an HTTP client with its own cookies, and the CSRF token of
// its session once signed in.
type browser struct {
	h    *harness
	c    *http.Client
	csrf string
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar}}
}

// answer is a console answer: its status, the console's Error or the
// Action API's Response.
type answer struct {
	status   int
	header   http.Header
	raw      []byte
	Error    struct{ Code, Message string }
	Response json.RawMessage
}

func (r answer) code() string {
	if r.Error.Code != "" {
		return r.Error.Code
	}
	var e struct{ Error struct{ Code string } }
	json.Unmarshal(r.Response, &e)
	return e.Error.Code
}

// send makes a request; hdr adds or (with "") removes headers. POSTs get
// the JSON Content-Type and the session's CSRF token unless hdr says
// otherwise.
func (b *browser) send(method, path string, body any, hdr map[string]string) answer {
	b.h.t.Helper()
	var rd io.Reader
	if body != nil {
		switch v := body.(type) {
		case string:
			rd = bytes.NewReader([]byte(v))
		default:
			j, _ := json.Marshal(v)
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, b.h.srv.URL+path, rd)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		if b.csrf != "" {
			req.Header.Set("X-CSRF-Token", b.csrf)
		}
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.raw, _ = io.ReadAll(resp.Body)
	json.Unmarshal(a.raw, &a)
	return a
}

func (b *browser) post(path string, body any) answer {
	b.h.t.Helper()
	return b.send(http.MethodPost, path, body, nil)
}

// login signs in with the key and keeps the CSRF token.
func (b *browser) login(key string) answer {
	b.h.t.Helper()
	r := b.post("/console/api/login", map[string]string{"SecretId": b.h.id, "SecretKey": key})
	var s sessionInfo
	json.Unmarshal(r.raw, &s)
	if r.status == http.StatusOK {
		b.csrf = s.CsrfToken
	}
	return r
}

func (b *browser) mustLogin() {
	b.h.t.Helper()
	if r := b.login(b.h.key); r.status != http.StatusOK {
		b.h.t.Fatalf("sign-in: %d %s", r.status, r.raw)
	}
}

// action runs an Action through the console.
func (b *browser) action(name string, params any) answer {
	b.h.t.Helper()
	return b.post("/console/api/action", map[string]any{"Action": name, "Params": params})
}

// mustAction runs an Action that must succeed and decodes its Response.
func (b *browser) mustAction(name string, params, out any) {
	b.h.t.Helper()
	r := b.action(name, params)
	if r.status != http.StatusOK || r.code() != "" {
		b.h.t.Fatalf("%s: %d %s", name, r.status, r.raw)
	}
	if out != nil {
		if err := json.Unmarshal(r.Response, out); err != nil {
			b.h.t.Fatal(err)
		}
	}
}
