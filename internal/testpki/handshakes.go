package testpki

import (
	"crypto/tls"
	"sync"
	"sync/atomic"
)

// TLSCertificate is the leaf's chain and key for a crypto/tls server.
func (l *Leaf) TLSCertificate() tls.Certificate {
	c := tls.Certificate{PrivateKey: l.Key, Leaf: l.Cert}
	for _, x := range l.Chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// Handshakes records what the TLS handshakes a test server completes show
// it: how many, how many resumed, each one's SNI and client certificate
// subject ("" without one).
type Handshakes struct {
	N, Resumed atomic.Int64
	mu         sync.Mutex
	snis, cns  []string
}

// ServerConfig serves leaf (http/1.1) and records every handshake into h.
func (h *Handshakes) ServerConfig(leaf *Leaf) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}, NextProtos: []string{"http/1.1"},
		VerifyConnection: func(cs tls.ConnectionState) error {
			h.N.Add(1)
			if cs.DidResume {
				h.Resumed.Add(1)
			}
			cn := ""
			if len(cs.PeerCertificates) > 0 {
				cn = cs.PeerCertificates[0].Subject.CommonName
			}
			h.mu.Lock()
			h.snis, h.cns = append(h.snis, cs.ServerName), append(h.cns, cn)
			h.mu.Unlock()
			return nil
		}}
}

// Seen returns each recorded handshake's SNI and client certificate subject.
func (h *Handshakes) Seen() (snis, cns []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.snis...), append([]string(nil), h.cns...)
}
