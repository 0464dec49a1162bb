package edge

import (
	"errors"
	"net/netip"
	goruntime "runtime"
	"time"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/http1"
)

// UnderscorePolicy says what happens to request header names holding '_'.
type UnderscorePolicy uint8

// Underscore policies. Drop is nginx's default (underscores_in_headers off):
// the field is not forwarded, so a backend that maps '_' to '-' can't be fed
// a spoofed X-Auth-User (Traefik CVE-2026-33433).
const (
	UnderscoreDrop UnderscorePolicy = iota
	UnderscoreReject
	UnderscoreAllow
)

// Config holds the engine's settings. Zero fields take the defaults below.
type Config struct {
	// Listen is host:port (":8080").
	Listen string
	// ReusePort lets Start share Listen with a socket that already listens
	// there (SO_REUSEPORT: the kernel splits new connections between them),
	// for a planned handover. Without it Start fails with ErrAddrInUse.
	ReusePort bool
	// Loops is the number of event loops; 0 means one per CPU.
	Loops int
	// Cluster makes limits and quotas cluster-wide (cluster.go); nil:
	// each edge counts alone.
	Cluster ClusterLimits
	// AdmitConn, when set, judges each accepted connection by its peer
	// address before any byte is read (the XDP prefilter's userspace twin,
	// bpf/). It is called on the event loop and must not block.
	AdmitConn func(peer netip.Addr, localPort uint16) bool

	Limits       http1.Limits
	MaxBodyBytes int64 // 413 past it; the seed's upload limit is 16 MB

	HeaderTimeout time.Duration // whole request head (408, slowloris)
	IdleTimeout   time.Duration // keep-alive idle between requests
	BodyTimeout   time.Duration // between two reads of a request body (408)
	SendTimeout   time.Duration // a client that reads nothing for this long is cut
	DrainTimeout  time.Duration // graceful shutdown bound

	ConnectTimeout      time.Duration
	UpstreamMaxIdle     int // idle keep-alive connections per target per loop
	UpstreamIdleTimeout time.Duration
	WebSocketIdle       time.Duration

	// HighWater bytes queued towards a peer pause reading from the other
	// side; reading resumes below LowWater.
	HighWater, LowWater int
	// MaxConns caps client connections per process (503 past it).
	MaxConns int

	// XFFReplace makes X-Forwarded-For the client address alone instead of
	// appending it to what the client sent.
	XFFReplace  bool
	Underscores UnderscorePolicy
	// TrustedProxies are the proxies whose X-Forwarded-For the IP checks
	// believe (ipcheck.go). Empty: the client is always the socket peer.
	TrustedProxies []netip.Prefix

	// AuthCheckDate makes key-pair auth check a Date header within 15
	// minutes too (the seed checks X-Date only; issue 5).
	AuthCheckDate bool

	// LimiterKeys is the capacity of the rate limiter's key table (client
	// IPs, apps, parameter values), 84 bytes per key; default
	// DefaultLimiterKeys. README "Rate limiting".
	LimiterKeys int

	// HTTPS (tlsserver.go, README "HTTPS"). TLSListen is the HTTPS
	// listener's host:port (empty: none); it shares the event loops with
	// Listen and must use another port.
	TLSListen string
	// TLSCertFile and TLSKeyFile are a PEM certificate chain and key served
	// as the default certificate when the snapshot has no Default one (an
	// edge without the control plane's certificates).
	TLSCertFile, TLSKeyFile string
	// PublicHTTPSPort is the port forced-HTTPS redirects name (default:
	// TLSListen's port; 443 is left out of the URL).
	PublicHTTPSPort int
	// TLSHandshakeTimeout, TLSMaxHandshakes and TLSTicketKeyPeriod default
	// to tlsterm's DefaultHandshakeTimeout, DefaultMaxHandshakes and
	// DefaultTicketKeyPeriod.
	TLSHandshakeTimeout time.Duration
	TLSMaxHandshakes    int
	TLSTicketKeyPeriod  time.Duration

	// IOBatching is how the loops batch their socket calls (iobatch.go);
	// the zero value is IOBatchAuto.
	IOBatching IOBatching

	// AccessLog, when set, gets one line per request (obslog.go): each
	// loop fills its own ring, the Log's writer drains them. nil: off.
	// The caller closes it after the server has stopped.
	AccessLog *accesslog.Log
}

// ErrAddrInUse is returned (wrapped) by Start when another socket listens
// on Config.Listen and Config.ReusePort is off. gnet binds with SO_REUSEPORT,
// which would otherwise share the port silently with that owner.
var ErrAddrInUse = errors.New("address in use")

// Defaults.
const (
	DefaultListen              = ":8080"
	DefaultMaxBodyBytes        = 16 << 20
	DefaultHeaderTimeout       = 10 * time.Second
	DefaultIdleTimeout         = 60 * time.Second
	DefaultBodyTimeout         = 60 * time.Second
	DefaultSendTimeout         = 60 * time.Second
	DefaultDrainTimeout        = 30 * time.Second
	DefaultConnectTimeout      = 5 * time.Second
	DefaultUpstreamMaxIdle     = 128
	DefaultUpstreamIdleTimeout = 30 * time.Second
	DefaultWebSocketIdle       = 300 * time.Second
	DefaultHighWater           = 1 << 20
	DefaultLowWater            = 256 << 10
	DefaultMaxConns            = 1 << 20
)

func (c *Config) setDefaults() error {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Loops <= 0 {
		c.Loops = goruntime.NumCPU()
	}
	if c.Limits.MaxRequestLine <= 0 {
		c.Limits.MaxRequestLine = http1.DefaultMaxRequestLine
	}
	if c.Limits.MaxHeaderBytes <= 0 {
		c.Limits.MaxHeaderBytes = http1.DefaultMaxHeaderBytes
	}
	if c.Limits.MaxHeaders <= 0 {
		c.Limits.MaxHeaders = http1.DefaultMaxHeaders
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	def(&c.HeaderTimeout, DefaultHeaderTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.BodyTimeout, DefaultBodyTimeout)
	def(&c.SendTimeout, DefaultSendTimeout)
	def(&c.DrainTimeout, DefaultDrainTimeout)
	def(&c.ConnectTimeout, DefaultConnectTimeout)
	def(&c.UpstreamIdleTimeout, DefaultUpstreamIdleTimeout)
	def(&c.WebSocketIdle, DefaultWebSocketIdle)
	if c.UpstreamMaxIdle <= 0 {
		c.UpstreamMaxIdle = DefaultUpstreamMaxIdle
	}
	if c.HighWater <= 0 {
		c.HighWater = DefaultHighWater
	}
	if c.LowWater <= 0 {
		c.LowWater = DefaultLowWater
	}
	if c.LowWater >= c.HighWater {
		return errors.New("edge: LowWater must be below HighWater")
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.LimiterKeys <= 0 {
		c.LimiterKeys = DefaultLimiterKeys
	}
	return c.tlsDefaults()
}
