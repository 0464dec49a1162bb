package tlsterm

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config's zero values.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxHandshakes    = 1024
	DefaultMaxQueued        = 4096
	// DefaultTicketKeyPeriod is how often the caller should call
	// RotateTicketKeys. With TicketKeysKept keys a ticket is accepted for
	// between 3 and 4 periods after it was issued.
	DefaultTicketKeyPeriod = time.Hour
	// TicketKeysKept is how many ticket keys are held: the current one
	// (which encrypts new tickets) and the previous ones (which still decrypt).
	TicketKeysKept = 4
)

// Config builds a Server. The zero value of each field is a usable default.
type Config struct {
	// Certificates is the initial certificate table (see CertTable; swap it
	// later with Server.SetCertificates). Required.
	Certificates *CertTable
	// NextProtos is the ALPN list (RFC 7301); default ["http/1.1"]. A client
	// that offers ALPN without any of these fails with no_application_protocol;
	// a client that offers no ALPN is served.
	NextProtos []string
	// MinVersion and MaxVersion bound the protocol; default TLS 1.2 to 1.3.
	MinVersion, MaxVersion uint16
	// HandshakeTimeout bounds a handshake from NewHandshake to its end,
	// queueing included; default DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// MaxHandshakes bounds the handshakes running at once (each on its own
	// goroutine); default DefaultMaxHandshakes.
	MaxHandshakes int
	// MaxQueued bounds the handshakes waiting for a free slot (no goroutine
	// while they wait); beyond it a new handshake ends with ErrBusy. Default
	// DefaultMaxQueued.
	MaxQueued int
	// TicketKeys are the initial session ticket keys, newest first (share
	// them across edges so tickets resume anywhere); default one random key.
	TicketKeys [][32]byte
	// SessionTicketsDisabled turns resumption off.
	SessionTicketsDisabled bool
}

// Server runs TLS handshakes for one listener (or many: it holds no socket).
// It is safe for concurrent use.
type Server struct {
	pool  // handshake slots and queue; Stats
	base  *tls.Config
	certs atomic.Pointer[CertTable]

	tkMu sync.Mutex
	tk   [][32]byte
}

// NewServer checks cfg and builds a Server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Certificates == nil {
		return nil, errors.New("tlsterm: config has no certificate table")
	}
	s := &Server{pool: newPool(cfg.HandshakeTimeout, cfg.MaxHandshakes, cfg.MaxQueued)}
	s.certs.Store(cfg.Certificates)
	protos, minV, maxV, err := protocols(cfg.NextProtos, cfg.MinVersion, cfg.MaxVersion)
	if err != nil {
		return nil, err
	}
	s.base = &tls.Config{
		GetCertificate:         s.getCertificate,
		NextProtos:             protos,
		MinVersion:             minV,
		MaxVersion:             maxV,
		CipherSuites:           tls12Suites,
		SessionTicketsDisabled: cfg.SessionTicketsDisabled,
	}
	if len(cfg.TicketKeys) > 0 {
		s.SetTicketKeys(cfg.TicketKeys)
	} else if err := s.RotateTicketKeys(); err != nil {
		return nil, err
	}
	return s, nil
}

// protocols applies the defaults shared by Server and Client: ALPN
// http/1.1, TLS 1.2 to 1.3 (the versions the record layer runs).
func protocols(protos []string, minV, maxV uint16) ([]string, uint16, uint16, error) {
	if protos == nil {
		protos = []string{"http/1.1"}
	}
	if minV == 0 {
		minV = tls.VersionTLS12
	}
	if maxV == 0 {
		maxV = tls.VersionTLS13
	}
	if minV < tls.VersionTLS12 || maxV > tls.VersionTLS13 || minV > maxV {
		return nil, 0, 0, fmt.Errorf("tlsterm: version range %#x-%#x outside TLS 1.2-1.3", minV, maxV)
	}
	return protos, minV, maxV, nil
}

// SetCertificates swaps the certificate table: handshakes that ask for a
// certificate from now on see t; established connections are untouched.
func (s *Server) SetCertificates(t *CertTable) {
	if t != nil {
		s.certs.Store(t)
	}
}

// Certificates is the table in use.
func (s *Server) Certificates() *CertTable { return s.certs.Load() }

// RotateTicketKeys makes a new random ticket key current and keeps the
// previous ones (up to TicketKeysKept in all) for decrypting older tickets.
// Call it every DefaultTicketKeyPeriod (the caller owns the timer).
func (s *Server) RotateTicketKeys() error {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return fmt.Errorf("tlsterm: ticket key: %w", err)
	}
	s.tkMu.Lock()
	keys := append([][32]byte{k}, s.tk...)
	s.tkMu.Unlock()
	s.SetTicketKeys(keys)
	return nil
}

// SetTicketKeys replaces the ticket keys, newest first; only the first
// TicketKeysKept are kept. New handshakes use them at once.
func (s *Server) SetTicketKeys(keys [][32]byte) {
	if len(keys) > TicketKeysKept {
		keys = keys[:TicketKeysKept]
	}
	keys = append([][32]byte(nil), keys...)
	s.tkMu.Lock()
	defer s.tkMu.Unlock()
	s.tk = keys
	s.base.SetSessionTicketKeys(keys)
}

// TicketKeys returns a copy of the current ticket keys, newest first.
func (s *Server) TicketKeys() [][32]byte {
	s.tkMu.Lock()
	defer s.tkMu.Unlock()
	return append([][32]byte(nil), s.tk...)
}

// getCertificate picks from the current table (see CertTable.Select). A nil
// certificate with a nil error makes crypto/tls answer unrecognized_name.
func (s *Server) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.certs.Load().Select(hello), nil
}

// NewHandshake starts a handshake for a new connection. It takes no
// goroutine until the client's first record is complete (Feed), so idle or
// slow connections cost only this object; the timeout runs from now.
func (s *Server) NewHandshake(ev Events) *Handshake {
	h := newHandshake(&s.pool, ev)
	h.s = s
	return h
}

// tlsConn is crypto/tls's server over tr, on a per-handshake clone of the
// base Config: its key log, and tickets that carry the TLS 1.2 master
// secret (keyLog.wrap).
func (s *Server) tlsConn(h *Handshake, tr *transport) *tls.Conn {
	cfg := s.base.Clone()
	cfg.KeyLogWriter = &h.klog
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		return cfg.EncryptTicket(cs, h.klog.wrap(cs, ss))
	}
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := cfg.DecryptTicket(identity, cs)
		h.klog.unwrap(ss)
		return ss, err
	}
	return tls.Server(tr, cfg)
}
