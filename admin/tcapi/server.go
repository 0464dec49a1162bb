package tcapi

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/edgegate/edgegate/admin/ratelimit"
)

// Credentials resolves a SecretId to its SecretKey.
type Credentials interface {
	SecretKey(secretId string) (key string, ok bool)
}

// StaticCredentials is a fixed SecretId → SecretKey map.
type StaticCredentials map[string]string

// SecretKey implements Credentials.
func (c StaticCredentials) SecretKey(id string) (string, bool) {
	k, ok := c[id]
	return k, ok
}

// Handler runs one Action. It returns the response payload (a struct or map
// whose JSON fields are merged into "Response" next to "RequestId"; nil for
// RequestId only) or an error: an *Error (also wrapped) becomes the error
// envelope, any other error becomes InternalError with a generic message and
// is logged. ctx carries the Server's Timeout deadline and is cancelled when
// the client goes away.
type Handler func(ctx context.Context, req *Request) (any, error)

// Request size limits (seed 请求结构, lines 2738-2740).
const (
	MaxGETSize      = 32 << 10 // GET: the query string
	MaxFormPOSTSize = 1 << 20  // POST application/x-www-form-urlencoded (v1)
	MaxJSONPOSTSize = 10 << 20 // POST application/json (TC3)
)

// Defaults for the Server's zero fields.
const (
	DefaultService        = "apigateway"
	DefaultVersion        = "2018-08-08"
	DefaultMaxSkew        = 5 * time.Minute
	DefaultTimeout        = 30 * time.Second
	DefaultNonceCacheSize = 1 << 18
)

// Server serves the Action API on "/". Configure it before the first
// request and do not change its fields afterwards; it is then safe for
// concurrent use.
type Server struct {
	Service string // TC3 credential scope service; default "apigateway"
	Version string // the one API version served; default "2018-08-08"
	Creds   Credentials
	Actions map[string]Handler
	MaxSkew time.Duration    // allowed |Timestamp - now|; default 5 min
	Now     func() time.Time // default time.Now
	Log     *slog.Logger     // default slog.Default()

	// Limits are the per-Action request rates per SecretId; nil means
	// DefaultLimits() (20/s, DescribeApi 100/s); &Limits{} disables them.
	Limits *Limits
	// Timeout is the deadline of each Handler call; default 30 s (the SDK
	// gives up after 60 s).
	Timeout time.Duration
	// Regions, when not empty, lists the accepted regions: a request must
	// name one (X-TC-Region / Region), else MissingParameter or
	// UnsupportedRegion. Empty: any region or none.
	Regions []string
	// RejectUnsignedPayload refuses X-TC-Content-SHA256: UNSIGNED-PAYLOAD,
	// with which the body is not covered by the signature. The SDK sends it
	// only when ClientProfile.UnsignedPayload is set.
	RejectUnsignedPayload bool
	// RequireSignedHeaders are lower-case headers every TC3 request must
	// sign besides content-type and host, e.g. "x-tc-action" so that a
	// captured request cannot be replayed as another Action. Empty by
	// default: SDK v1.0.162 signs only content-type;host.
	RequireSignedHeaders []string
	// NonceCacheSize bounds the v1 replay cache (entries of ~64 bytes);
	// default 1<<18. When full of live entries, v1 requests get
	// RequestLimitExceeded until some expire.
	NonceCacheSize int
	// Bounds limit slow and large requests before any signature work
	// (transport.go). ServeHTTP enforces BodyTimeout; serve the Server with
	// Bounds.HTTPServer for the others.
	Bounds Bounds

	once    sync.Once
	nonces  nonceCache
	limiter ratelimit.Limiter
}

func (s *Server) init() {
	s.once.Do(func() {
		s.nonces.max = s.NonceCacheSize
		if s.nonces.max <= 0 {
			s.nonces.max = DefaultNonceCacheSize
		}
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) service() string {
	if s.Service == "" {
		return DefaultService
	}
	return s.Service
}

func (s *Server) version() string {
	if s.Version == "" {
		return DefaultVersion
	}
	return s.Version
}

func (s *Server) skewSeconds() int64 {
	if s.MaxSkew <= 0 {
		return int64(DefaultMaxSkew / time.Second)
	}
	return int64(s.MaxSkew / time.Second)
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// ServeHTTP answers one Action call. Every answer, error or not, is HTTP 200
// with Content-Type application/json and the 返回结果 envelope.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	start := time.Now()
	req := &Request{RequestId: newRequestID(), ClientIP: clientIP(r)}
	body := s.body(w, r, start)
	payload, err := s.serve(r, req, body)
	body.finish()
	code, err := writeResponse(w, req.RequestId, payload, err)
	s.logRequest(r.Context(), req, code, err, time.Since(start))
}

func (s *Server) serve(r *http.Request, req *Request, rb *reqBody) (any, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, unsupportedProtocol("method " + short(r.Method) + " is not allowed")
	}
	if r.URL.Path != "/" {
		return nil, unsupportedProtocol("the request path must be /")
	}
	auth := r.Header.Get("Authorization")
	var vr verified
	var e *Error
	if r.Method == http.MethodGet {
		// Seed 请求结构: a GET request is at most 32 KB. Its body, which
		// no signature covers, is never read.
		if len(r.URL.RawQuery) > MaxGETSize {
			return nil, sizeError(MaxGETSize)
		}
		if auth != "" {
			vr, e = s.verifyTC3(r, auth, nil)
		} else {
			vr, e = s.verifyV1(r, r.URL.RawQuery)
		}
	} else {
		if r.URL.RawQuery != "" {
			return nil, unsupportedProtocol("a POST request carries its parameters in the body, not in the query string")
		}
		ct := r.Header.Get("Content-Type")
		mt, _, perr := mime.ParseMediaType(ct)
		switch {
		case ct == "":
			return nil, unsupportedProtocol("a POST request needs a Content-Type")
		case perr != nil:
			return nil, unsupportedProtocol("malformed Content-Type")
		case mt == "application/json":
			if auth == "" {
				return nil, MissingParameterError("Authorization")
			}
			body, be := rb.read(MaxJSONPOSTSize)
			if be != nil {
				return nil, be
			}
			vr, e = s.verifyTC3(r, auth, body)
		case mt == "application/x-www-form-urlencoded":
			if auth != "" {
				return nil, unsupportedProtocol("an application/x-www-form-urlencoded POST must be signed with HmacSHA1 or HmacSHA256, not an Authorization header")
			}
			body, be := rb.read(MaxFormPOSTSize)
			if be != nil {
				return nil, be
			}
			vr, e = s.verifyV1(r, string(body))
		case mt == "multipart/form-data":
			return nil, unsupportedProtocol("no apigateway Action accepts multipart/form-data")
		default:
			return nil, unsupportedProtocol("Content-Type " + short(mt) + " is not supported")
		}
	}
	if e != nil {
		return nil, e
	}
	req.Action, req.Version, req.Region, req.SecretId = vr.action, vr.version, vr.region, vr.secretId
	req.Signed, req.Language, req.RequestClient = vr.signed, vr.language, vr.requestClient
	// The body is parsed only once the signature holds.
	if vr.form != nil {
		req.body, e = formTree(vr.form)
	} else {
		req.body, e = parseJSONBody(vr.body)
	}
	if e != nil {
		return nil, e
	}
	limits := s.Limits
	if limits == nil {
		limits = defaultLimits
	}
	if rate := limits.rate(req.Action); !s.limiter.Allow(req.SecretId, req.Action, rate, s.now()) {
		return nil, Errorf(CodeRequestLimitExceeded, "Action %s is limited to %d requests per second.", req.Action, rate)
	}
	return s.call(r.Context(), s.Actions[req.Action], req)
}

var defaultLimits = DefaultLimits()

// call runs h with the Server's deadline; a panic becomes an error.
func (s *Server) call(ctx context.Context, h Handler, req *Request) (payload any, err error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			payload, err = nil, fmt.Errorf("tcapi: Action %s panicked: %v\n%s", req.Action, p, debug.Stack())
		}
	}()
	return h(ctx, req)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logRequest records one call. It never logs keys, signatures,
// Authorization headers or parameters.
func (s *Server) logRequest(ctx context.Context, req *Request, code string, err error, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("request_id", req.RequestId),
		slog.String("action", req.Action),
		slog.String("secret_id", req.SecretId),
		slog.String("client_ip", req.ClientIP),
		slog.String("signed", req.Signed),
		slog.Duration("duration", d),
	}
	l := s.log()
	switch {
	case code == "":
		l.LogAttrs(ctx, slog.LevelDebug, "tcapi call", attrs...)
	case code == CodeInternalError:
		attrs = append(attrs, slog.String("code", code), slog.String("error", err.Error()))
		l.LogAttrs(ctx, slog.LevelError, "tcapi call failed", attrs...)
	default:
		attrs = append(attrs, slog.String("code", code))
		l.LogAttrs(ctx, slog.LevelInfo, "tcapi call refused", attrs...)
	}
}
