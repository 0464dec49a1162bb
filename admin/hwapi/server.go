package hwapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/edgegate/edgegate/admin/ratelimit"
)

// Prefix is where the REST interface lives on the admin listener; route
// patterns are relative to it.
const Prefix = "/v2/{project_id}/apigw"

// Instance is the prefix of the instance's resources (seed 001: every
// URI is /v2/{project_id}/apigw/instances/{instance_id}/...).
const Instance = "/instances/{instance_id}"

// MaxBody bounds a request body; the seed's bodies are small JSON objects.
const MaxBody = 1 << 20

// Handler answers one operation.
type Handler func(ctx context.Context, c *Call) (Reply, error)

// Route is one operation: an HTTP method and a path pattern relative to
// Prefix in net/http ServeMux syntax ("/instances/{instance_id}/acls/{acl_id}").
type Route struct {
	Method, Pattern string
	Handle          Handler
}

// Reply is a success: its status (200, 201 or 204) and body.
type Reply struct {
	Status int
	Body   any // nil with 204
}

// OK, Created and NoContent are the seed's success statuses.
func OK(body any) Reply      { return Reply{http.StatusOK, body} }
func Created(body any) Reply { return Reply{http.StatusCreated, body} }
func NoContent() Reply       { return Reply{Status: http.StatusNoContent} }

// Server serves the REST interface. Set its fields, then add routes with
// Handle, before the first request; it is then safe for concurrent use.
type Server struct {
	// Creds maps an access key (AK) to its secret key (SK): the admin
	// credentials, SecretId = AK and SecretKey = SK.
	Creds func(ak string) (sk string, ok bool)
	// Forbidden, when set, refuses an authenticated AK every operation
	// (403 APIG.1005): Edgegate's edge credentials may call EdgeSync only.
	Forbidden func(ak string) bool
	MaxSkew   time.Duration    // |X-Sdk-Date - now|; default DefaultMaxSkew
	Now       func() time.Time // default time.Now
	Log       *slog.Logger     // default slog.Default()
	// Timeout bounds a handler and reading the body; default 30 s.
	Timeout time.Duration
	// Rate is each operation's requests per second per AK (a token
	// bucket of one second), as the Action API limits each Action per
	// SecretId: 0 means ratelimit.DefaultRate, negative lifts it.
	// Refused calls are 429 APIG.0308 with Retry-After: 1.
	Rate int

	mux     *http.ServeMux
	limiter ratelimit.Limiter
}

// Handle adds routes. A pattern that clashes with another panics (as
// ServeMux does), at start.
func (s *Server) Handle(routes ...Route) {
	if s.mux == nil {
		s.mux = http.NewServeMux()
		s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s.serve(w, r, "", func(context.Context, *Call) (Reply, error) {
				return Reply{}, Errorf(http.StatusNotFound, CodeNoRoute, "No operation %s %s: see the Huawei APIG section of the README for the operations Edgegate serves", r.Method, short(r.URL.Path))
			})
		})
	}
	for _, rt := range routes {
		pattern := Prefix + rt.Pattern
		h := rt.Handle
		s.mux.HandleFunc(rt.Method+" "+pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, pattern, h) })
	}
}

// ServeHTTP answers a request under /v2/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.mux == nil {
		s.Handle()
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}

// serve runs the checks every operation shares, in this order: IAM token
// (401 APIG.1002), body size and arrival, AK/SK signature (401
// APIGW.0301), the AK's permission (403 APIG.1005), project and instance
// IDs (400 APIG.2012), then the handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, pattern string, h Handler) {
	start := time.Now()
	id := newRequestID()
	c := &Call{Request: r, RequestID: id}
	reply, err := s.run(w, r, c, r.Method+" "+pattern, h)
	status, code := writeReply(w, id, reply, err)
	attrs := []slog.Attr{slog.String("request_id", id), slog.String("method", r.Method), slog.String("route", pattern),
		slog.String("access_key", c.AccessKey), slog.Int("status", status), slog.Duration("duration", time.Since(start))}
	l := s.Log
	if l == nil {
		l = slog.Default()
	}
	switch {
	case code == "":
		l.LogAttrs(r.Context(), slog.LevelDebug, "hwapi call", attrs...)
	case status >= 500:
		l.LogAttrs(r.Context(), slog.LevelError, "hwapi call failed", append(attrs, slog.String("code", code), slog.Any("error", err))...)
	default:
		l.LogAttrs(r.Context(), slog.LevelInfo, "hwapi call refused", append(attrs, slog.String("code", code))...)
	}
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, c *Call, op string, h Handler) (reply Reply, err error) {
	if r.Header.Get(HeaderToken) != "" {
		return reply, Errorf(http.StatusUnauthorized, CodeToken,
			"Incorrect token or token resolution failed: Edgegate does not accept IAM tokens (X-Auth-Token); sign the request with the admin AK/SK (%s, %s)", Algorithm, HeaderDate)
	}
	if c.body, err = s.readBody(w, r); err != nil {
		return reply, err
	}
	skew := s.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	creds := s.Creds
	if creds == nil {
		creds = func(string) (string, bool) { return "", false }
	}
	ak, e := verify(r, c.body, s.now(), skew, creds)
	if e != nil {
		return reply, e
	}
	c.AccessKey = ak
	if s.Forbidden != nil && s.Forbidden(ak) {
		return reply, Errorf(http.StatusForbidden, CodeForbidden, "No permissions to request this method: the credential %s may not manage the gateway", ak)
	}
	rate := s.Rate
	if rate == 0 {
		rate = ratelimit.DefaultRate
	}
	if !s.limiter.Allow(ak, op, rate, s.now()) {
		w.Header().Set("Retry-After", "1")
		return reply, Errorf(http.StatusTooManyRequests, CodeThrottled, "The throttling threshold has been reached: %s is limited to %d requests per second per access key", op, rate)
	}
	for _, p := range []string{"project_id", "instance_id"} {
		if v := r.PathValue(p); v != "" && !validID(v) {
			return reply, BadParameter(p, "want 1-64 characters of A-Z a-z 0-9 - _")
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			reply, err = Reply{}, fmt.Errorf("hwapi: %s %s panicked: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
		}
	}()
	return h(ctx, c)
}

// readBody reads at most MaxBody bytes within the timeout (a slow body
// must not hold a connection: the admin's http.Server has no ReadTimeout,
// for EdgeSync's long-polls).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		w.Header().Set("Connection", "close")
		return nil, Errorf(http.StatusRequestEntityTooLarge, CodeBadBody, "The request body is larger than %d bytes", MaxBody)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.timeout())) // unsupported by a test recorder: no bound there
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		w.Header().Set("Connection", "close")
		return nil, Errorf(http.StatusBadRequest, CodeBadBody, "The request body could not be read: %v", err)
	}
	if len(b) > MaxBody {
		w.Header().Set("Connection", "close")
		return nil, Errorf(http.StatusRequestEntityTooLarge, CodeBadBody, "The request body is larger than %d bytes", MaxBody)
	}
	return b, nil
}

// writeReply writes a success or an error body and returns the status
// and the error code ("" on success).
func writeReply(w http.ResponseWriter, id string, reply Reply, err error) (int, string) {
	h := w.Header()
	h.Set("X-Request-Id", id)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	var out []byte
	if err == nil && reply.Body != nil {
		if out, err = json.Marshal(reply.Body); err != nil {
			err = fmt.Errorf("hwapi: encoding the reply: %w", err)
		}
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Status: http.StatusInternalServerError, Code: CodeSystem, Msg: systemError}
		}
		out, _ = json.Marshal(map[string]string{"error_code": e.Code, "error_msg": e.Msg})
		h.Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(e.Status)
		w.Write(out)
		return e.Status, e.Code
	}
	if reply.Status == 0 {
		reply.Status = http.StatusOK
	}
	if reply.Status == http.StatusNoContent {
		w.WriteHeader(reply.Status)
		return reply.Status, ""
	}
	h.Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(reply.Status)
	w.Write(out)
	return reply.Status, ""
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID: 1-64 characters of [A-Za-z0-9_-].
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// short bounds client text echoed in messages.
func short(s string) string {
	if len(s) > 96 {
		return s[:96] + "…"
	}
	return s
}
