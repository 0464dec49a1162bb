package tlsterm

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// ClientConfig configures TLS to one backend (an https:// target). Target
// or ServerName is required; the zero value of every other field is a
// usable, verifying default.
type ClientConfig struct {
	// Target is the backend's host or host:port, as in its https:// URL.
	// ServerName defaults to its host.
	Target string
	// ServerName is sent as SNI (unless it is an IP address) and the
	// backend's certificate must be valid for it (a DNS name, or an IP SAN
	// for an IP address).
	ServerName string
	// CABundle is PEM: the CA certificates the backend's chain must lead
	// to, instead of the system roots. Nil: the system roots.
	CABundle []byte
	// InsecureSkipVerify accepts ANY certificate for ANY name: the
	// connection is encrypted but the backend is NOT authenticated, so
	// whoever is on the path can impersonate it and read the traffic. An
	// explicit opt-out for tests and closed networks; off by default.
	InsecureSkipVerify bool
	// Certificate is the client certificate chain and key (mTLS), sent
	// when the backend asks for one, whatever CA names it lists (as
	// nginx's proxy_ssl_certificate): the backend decides. Nil: none.
	Certificate *tls.Certificate
	// NextProtos is the ALPN list offered; default ["http/1.1"]. A backend
	// that chooses none is served; one that chooses another fails.
	NextProtos []string
	// MinVersion and MaxVersion bound the protocol; default TLS 1.2 to 1.3.
	MinVersion, MaxVersion uint16
	// HandshakeTimeout bounds a handshake from NewHandshake to its end,
	// queueing included; default DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// MaxHandshakes and MaxQueued bound the handshakes running at once and
	// waiting (as for Config); defaults DefaultMaxHandshakes, DefaultMaxQueued.
	MaxHandshakes, MaxQueued int
	// SessionTicketsDisabled turns resumption off.
	SessionTicketsDisabled bool
}

// Client runs TLS handshakes to one backend (it holds no socket: the
// caller dials and feeds). It is safe for concurrent use; resumption
// works across all its connections (one session cache per Client).
type Client struct {
	pool  // handshake slots and queue; Stats
	base  *tls.Config
	cache tls.ClientSessionCache // nil when resumption is off
}

// NewClient checks cfg and builds a Client. A bad CABundle is a
// *CertError (CodeCertificateMissing, CodeCertificateMalformed).
func NewClient(cfg ClientConfig) (*Client, error) {
	name := cfg.ServerName
	if name == "" {
		name = cfg.Target
		if host, _, err := net.SplitHostPort(cfg.Target); err == nil {
			name = host
		}
		name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	}
	if name == "" {
		return nil, errors.New("tlsterm: client config has no server name or target")
	}
	protos, minV, maxV, err := protocols(cfg.NextProtos, cfg.MinVersion, cfg.MaxVersion)
	if err != nil {
		return nil, err
	}
	c := &Client{pool: newPool(cfg.HandshakeTimeout, cfg.MaxHandshakes, cfg.MaxQueued)}
	c.base = &tls.Config{
		ServerName:             name,
		InsecureSkipVerify:     cfg.InsecureSkipVerify,
		NextProtos:             protos,
		MinVersion:             minV,
		MaxVersion:             maxV,
		CipherSuites:           tls12Suites, // AEAD only: the record layer runs no other
		SessionTicketsDisabled: cfg.SessionTicketsDisabled,
		Renegotiation:          tls.RenegotiateNever,
	}
	if cfg.CABundle != nil {
		if c.base.RootCAs, err = parseCABundle(cfg.CABundle); err != nil {
			return nil, err
		}
	}
	if cert := cfg.Certificate; cert != nil {
		if len(cert.Certificate) == 0 || cert.PrivateKey == nil {
			return nil, errors.New("tlsterm: client certificate has no chain or key")
		}
		c.base.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return cert, nil
		}
	}
	if !cfg.SessionTicketsDisabled {
		// One entry suffices: crypto/tls keys sessions by ServerName, and a
		// Client has one.
		c.cache = tls.NewLRUClientSessionCache(1)
	}
	return c, nil
}

// ServerName is the name the backend's certificate is verified against.
func (c *Client) ServerName() string { return c.base.ServerName }

// NewHandshake starts a client handshake on a connection the caller has
// just opened to the backend: a worker sends the ClientHello through
// ev.HandshakeWrite as soon as it has a slot; the caller then Feeds the
// backend's bytes. The timeout runs from now. HandshakeDone may run
// before NewHandshake returns (ErrBusy, or a tiny timeout).
func (c *Client) NewHandshake(ev Events) *Handshake {
	h := newHandshake(&c.pool, ev)
	h.cl = c
	h.mu.Lock()
	start := h.state == stIdle // the timer may have ended it already
	if start {
		h.state = stQueued
	}
	h.mu.Unlock()
	if start {
		c.pool.enqueue(h)
	}
	return h
}

// tlsConn is crypto/tls's client over tr, on a per-handshake clone of the
// base Config: its key log, and the session cache seen through
// sessionCache (TLS 1.2 sessions carry their master secret).
func (c *Client) tlsConn(h *Handshake, tr *transport) *tls.Conn {
	cfg := c.base.Clone()
	cfg.KeyLogWriter = &h.klog
	if c.cache != nil {
		cfg.ClientSessionCache = &sessionCache{base: c.cache, k: &h.klog}
	}
	return tls.Client(tr, cfg)
}

// parseCABundle reads every CERTIFICATE block of a PEM bundle.
func parseCABundle(b []byte) (*x509.CertPool, error) {
	certs, err := parseCerts(b)
	if ce := (*CertError)(nil); errors.As(err, &ce) {
		return nil, certErr(ce.Code, "ca bundle: %w", ce.Err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// clientError gives a failed client handshake a stable error: the kind of
// certificate failure, or the alert the server sent in clear (the last
// record crypto/tls read); the original error stays wrapped.
func clientError(err error, read []byte) error {
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		var (
			ua x509.UnknownAuthorityError
			he x509.HostnameError
			ci x509.CertificateInvalidError
		)
		kind := ErrCertificateInvalid
		switch {
		case errors.As(err, &ua):
			kind = ErrUnknownAuthority
		case errors.As(err, &he):
			kind = ErrNameMismatch
		case errors.As(err, &ci) && ci.Reason == x509.Expired:
			kind = ErrCertificateExpired
		}
		return fmt.Errorf("%w: %w", kind, err)
	}
	var last []byte
	for rec, rest := nextRecord(read); rec != nil; rec, rest = nextRecord(rest) {
		last = rec
	}
	if len(last) == recordHeaderLen+2 && last[0] == recordAlert {
		return fmt.Errorf("%w: %w", AlertError(last[recordHeaderLen+1]), err)
	}
	return err
}

// sessionCache is the Client's session cache as one handshake sees it.
// crypto/tls logs no key for a resumed TLS 1.2 session, on the client as
// on the server, and a ClientSessionState's secret is not readable through
// the public API. So a TLS 1.2 session is stored with the master secret
// the full handshake logged (or the resumed one it came from) in
// SessionState.Extra (kept in memory only: a client never sends it), and
// a session offered for resumption hands that secret to the key log.
type sessionCache struct {
	base tls.ClientSessionCache
	k    *keyLog
}

func (s *sessionCache) Get(key string) (*tls.ClientSessionState, bool) {
	cs, ok := s.base.Get(key)
	if ok {
		if _, ss, err := cs.ResumptionState(); err == nil {
			s.k.unwrap(ss)
		}
	}
	return cs, ok
}

func (s *sessionCache) Put(key string, cs *tls.ClientSessionState) {
	if cs != nil && s.k.clientApp.n == 0 { // no TLS 1.3 secrets: a TLS 1.2 session
		m := s.k.master
		if m.n == 0 {
			m = s.k.resumed
		}
		_, ss, err := cs.ResumptionState()
		if err != nil || ss == nil || m.n != 48 {
			return // not resumable by the record layer: not stored
		}
		ss.Extra = append(ss.Extra, append([]byte(ticketExtraTag), m.bytes()...))
	}
	s.base.Put(key, cs)
}

// ticketFeed hands the TLS 1.3 NewSessionTickets that reach a client Conn
// to the crypto/tls client that ran the handshake: it alone holds the
// resumption secret (not in the key log, not in the public API), and on a
// ticket it derives the session's PSK and stores the session in the
// Client's cache. It reads them through its transport, re-sealed under the
// key and sequence number it expects (SERVER_TRAFFIC_SECRET_0; the Conn
// may have moved on by a KeyUpdate); a temporary read error then stops its
// Read without spoiling the tls.Conn. Tickets come before the server's
// first application data (crypto/tls sends them with its Finished, OpenSSL
// right after reading ours), so the Conn drops the feed on that data: an
// idle connection holds no tls.Conn. Later tickets are ignored, as are all
// when resumption is off.
type ticketFeed struct {
	tc  *tls.Conn
	tr  *transport
	enc Conn   // seals under crypto/tls's read key (enc.out)
	msg []byte // the message being gathered
	one [1]byte
}

// keepForTickets attaches a ticketFeed to a new TLS 1.3 client Conn.
func (c *Client) keepForTickets(tc *tls.Conn, tr *transport, conn *Conn) {
	if c.cache == nil || !conn.vers13 {
		return
	}
	tr.h = nil // the transport now serves ticketFeed alone
	conn.tickets = &ticketFeed{tc: tc, tr: tr, enc: Conn{suite: conn.suite, vers13: true, out: conn.in}}
}

// add gathers a NewSessionTicket (hdr, then its body in pieces) and feeds
// it to crypto/tls when last. False: crypto/tls refused it; stop feeding.
func (f *ticketFeed) add(hdr, body []byte, last bool) bool {
	if len(f.msg) == 0 {
		f.msg = append(f.msg, hdr...)
	}
	f.msg = append(f.msg, body...)
	if !last {
		return true
	}
	var recs []byte
	for msg := f.msg; len(msg) > 0; {
		m := min(len(msg), maxFragment)
		var err error
		if recs, err = f.enc.seal(recs, recordHandshake, msg[:m]); err != nil {
			return false
		}
		msg = msg[m:]
	}
	f.msg = f.msg[:0]
	f.tr.after = recs
	_, err := f.tc.Read(f.one[:])
	return errors.Is(err, errNoInput) && len(f.tr.after) == 0
}

// readAfter serves the ticketFeed's records, then errNoInput.
func (t *transport) readAfter(p []byte) (int, error) {
	if len(t.after) == 0 {
		return 0, errNoInput
	}
	n := copy(p, t.after)
	t.after = t.after[n:]
	return n, nil
}

// errNoInput ends a ticketFeed's Read. crypto/tls keeps a Conn usable
// after a read error that says it is temporary (it records others).
var errNoInput error = noInput{}

type noInput struct{}

func (noInput) Error() string   { return "tlsterm: no more post-handshake input" }
func (noInput) Timeout() bool   { return false }
func (noInput) Temporary() bool { return true }
