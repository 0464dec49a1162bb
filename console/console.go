package console

import (
	"embed"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"
)

// prefix is where the console is mounted on the admin listener.
const prefix = "/console/"

//go:embed web
var web embed.FS

// Options configure a Console.
type Options struct {
	// API is the admin listener's Action API handler (admin.Admin.Handler):
	// every console action is a signed call into it. Required.
	API http.Handler
	// Metrics serves the Prometheus text of GET /metrics; nil: the
	// monitoring page says that this process has no metrics.
	Metrics http.Handler
	// Edge returns the address of the in-process edge's plain HTTP
	// listener; the debug page sends its test requests there with the
	// environment's host. Nil (edgegate admin, split mode): they go to the
	// environment's URL as the name resolves.
	Edge func() string

	// IdleTimeout ends a session without a user request for this long;
	// default 15 minutes.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after sign-in; default 12 hours.
	MaxLifetime time.Duration
	// MaxSessions bounds the live sessions; default 64.
	MaxSessions int
	// LoginFailures failed sign-ins from one address within LoginWindow
	// make it wait for the window's end; defaults 5 and 1 minute.
	LoginFailures int
	LoginWindow   time.Duration
	// DebugTimeout bounds a debug request; default 35 s (the seed's
	// backend timeout is at most 30 s).
	DebugTimeout time.Duration

	// Now is the clock of sessions and of the sign-in limiter; signatures
	// use the real time (the Action API and the edge check it).
	Now func() time.Time
	Log *slog.Logger
}

// Console serves /console/.
type Console struct {
	opts     Options
	log      *slog.Logger
	sessions sessions
	limiter  loginLimiter
	mux      *http.ServeMux
}

// New returns the console handler, to mount at /console/ on the admin
// listener: mux.Handle("/console/", console.New(...)).
func New(opts Options) *Console {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 15 * time.Minute
	}
	if opts.MaxLifetime <= 0 {
		opts.MaxLifetime = 12 * time.Hour
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 64
	}
	if opts.LoginFailures <= 0 {
		opts.LoginFailures = 5
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = time.Minute
	}
	if opts.DebugTimeout <= 0 {
		opts.DebugTimeout = 35 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Console{opts: opts, log: opts.Log,
		sessions: sessions{byID: map[string]*session{}, max: opts.MaxSessions, idle: opts.IdleTimeout, life: opts.MaxLifetime},
		limiter:  loginLimiter{max: opts.LoginFailures, window: opts.LoginWindow, byAddr: map[netip.Prefix]*failures{}},
		mux:      http.NewServeMux(),
	}
	m := c.mux
	m.HandleFunc("GET /console/{$}", c.serveIndex)
	m.HandleFunc("GET /console/static/{file}", serveStatic)
	m.HandleFunc("GET /console/api/session", c.serveSession)
	m.HandleFunc("POST /console/api/login", c.post(c.serveLogin))
	m.HandleFunc("POST /console/api/logout", c.post(c.signedIn(true, c.serveLogout)))
	m.HandleFunc("POST /console/api/action", c.post(c.signedIn(true, c.serveAction)))
	m.HandleFunc("POST /console/api/debug", c.post(c.signedIn(true, c.serveDebug)))
	m.HandleFunc("GET /console/api/metrics", c.signedIn(false, c.serveMetrics))
	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such console resource")
	})
	return c
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// post guards a state-changing request: JSON only, and not from another
// site. Browsers send a cross-site JSON POST only after a CORS preflight
// this handler never answers, and SameSite=Strict keeps the cookie off
// cross-site requests; the checks here make the refusal explicit and cover
// the sign-in, which has no session (login CSRF).
func (c *Console) post(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, CodeContentType, "a console request is application/json")
			return
		}
		if !sameOrigin(r) {
			writeError(w, http.StatusForbidden, CodeCrossOrigin, "the request comes from another site")
			return
		}
		next(w, r)
	}
}

// sameOrigin is false when the browser says the request comes from
// another origin (Sec-Fetch-Site, Origin); requests without either (not
// from a browser) pass: they carry no ambient cookie to abuse.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// signedIn runs next with the request's session. Every POST must carry the
// session's CSRF token. user says whether the request is the user's doing
// (it extends the idle timeout) or the page's own polling.
func (c *Console) signedIn(user bool, next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss, code := c.sessions.lookup(r, c.opts.Now(), user)
		if code != "" {
			msg := "sign in first"
			if code == CodeSessionExpired {
				msg = "the session has ended; sign in again"
			}
			writeError(w, http.StatusUnauthorized, code, msg)
			return
		}
		if r.Method == http.MethodPost && !csrfOK(r, &ss) {
			writeError(w, http.StatusForbidden, CodeCSRF, "the X-CSRF-Token header is missing or wrong")
			return
		}
		next(w, r, &ss)
	}
}

// securityHeaders are set on every page and asset: only this origin's
// scripts, styles and connections; no framing.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

func (c *Console) serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := web.ReadFile("web/index.html")
	if err != nil {
		http.Error(w, "console page missing", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(b)
}

var staticTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ctype := staticTypes[path.Ext(name)]
	b, err := web.ReadFile("web/" + name)
	if ctype == "" || err != nil || strings.Contains(name, "/") {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such console asset")
		return
	}
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", ctype)
	// The assets change with the binary: revalidate rather than cache.
	h.Set("Cache-Control", "no-cache")
	w.Write(b)
}
