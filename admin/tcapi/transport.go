package tcapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// Defaults of Bounds' zero fields.
const (
	DefaultHeaderTimeout  = 5 * time.Second
	DefaultBodyTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 90 * time.Second
	DefaultMaxHeaderBytes = 64 << 10 // a 32 KB GET query and its headers
)

// Bounds limit what an unauthenticated client can hold: every one of them
// applies before any signature work. Zero fields mean the defaults.
type Bounds struct {
	// HeaderTimeout bounds reading a request's head (request line and
	// headers); past it the connection is closed without an answer.
	HeaderTimeout time.Duration
	// BodyTimeout bounds reading a POST body, from the end of its head. A
	// body that is not in by then is answered UnsupportedProtocol and the
	// connection closed. Server.ServeHTTP enforces it, on any http.Server.
	BodyTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive
	// connection.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's head; net/http answers a larger one
	// with a plain 431 and closes the connection (no envelope: no handler
	// runs).
	MaxHeaderBytes int
}

func (b Bounds) headerTimeout() time.Duration {
	return orDefault(b.HeaderTimeout, DefaultHeaderTimeout)
}
func (b Bounds) bodyTimeout() time.Duration { return orDefault(b.BodyTimeout, DefaultBodyTimeout) }
func (b Bounds) idleTimeout() time.Duration { return orDefault(b.IdleTimeout, DefaultIdleTimeout) }

func (b Bounds) maxHeaderBytes() int {
	if b.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	return b.MaxHeaderBytes
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// HTTPServer returns an http.Server that serves h with b's head, idle and
// head-size bounds (the body bound is Server's own). It sets no ReadTimeout
// or WriteTimeout: both would cut EdgeSync long-polls, and a ReadTimeout
// would also cancel a running Handler's context once it passed.
func (b Bounds) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: b.headerTimeout(),
		IdleTimeout:       b.idleTimeout(),
		MaxHeaderBytes:    b.maxHeaderBytes(),
	}
}

// reqBody reads one request's body within the Server's bounds.
type reqBody struct {
	w        http.ResponseWriter
	r        *http.Request
	timeout  time.Duration
	deadline time.Time
	// unread: a body follows that has not been read to its end (refused
	// before reading, a GET's, too large, too slow).
	unread bool
}

func (s *Server) body(w http.ResponseWriter, r *http.Request, start time.Time) *reqBody {
	t := s.Bounds.bodyTimeout()
	return &reqBody{w: w, r: r, timeout: t, deadline: start.Add(t),
		unread: r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0}
}

// read reads the body, at most limit bytes, by the deadline. Outside
// net/http's server (httptest.ResponseRecorder) a deadline cannot be set and
// the body is read without one.
func (b *reqBody) read(limit int64) ([]byte, *Error) {
	if b.r.ContentLength > limit {
		return nil, sizeError(limit)
	}
	rc := http.NewResponseController(b.w)
	_ = rc.SetReadDeadline(b.deadline)
	// Read at most limit+1 bytes: enough to tell an oversized body, never more.
	body, err := io.ReadAll(io.LimitReader(b.r.Body, limit+1))
	if int64(len(body)) > limit {
		return nil, sizeError(limit)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, sizeError(mbe.Limit)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, Errorf(CodeUnsupportedProtocol, "The request body did not arrive within %s of its headers.", b.timeout)
		}
		return nil, Errorf(CodeInvalidParameter, "The request body could not be read.")
	}
	// At the body's EOF net/http clears the deadline itself (its read that
	// watches for the client going away starts), so a Handler may run long
	// (EdgeSync long-polls) with its context intact.
	b.unread = false
	return body, nil
}

// finish runs before the answer is written. net/http would drain up to
// 256 KB of a body left unread after the answer, at the client's pace and
// without a deadline: instead close the connection after the answer, and
// stop reading now.
func (b *reqBody) finish() {
	if !b.unread {
		return
	}
	b.w.Header().Set("Connection", "close")
	_ = http.NewResponseController(b.w).SetReadDeadline(time.Now())
}

func sizeError(limit int64) *Error {
	return Errorf(CodeRequestSizeLimitExceeded, "The request exceeds the size limit of %d bytes for its method and content type.", limit)
}
