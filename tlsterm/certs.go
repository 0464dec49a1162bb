package tlsterm

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
)

// CertEntry is one certificate for a CertTable.
type CertEntry struct {
	// Cert is the chain and key. Leaf is parsed when nil. OCSPStaple, when
	// set, is stapled for clients that ask (RFC 6066 §8).
	Cert *tls.Certificate
	// Names are the host names it serves: exact ("api.example.com") or one
	// leading wildcard label ("*.example.com", RFC 6125 §6.4.3). Empty: the
	// leaf's DNS names.
	Names []string
	// Default makes it serve clients that send no SNI or an unknown name.
	Default bool
}

// CertTable selects the certificate for a handshake by SNI. It is
// immutable once built; the Server swaps whole tables (SetCertificates).
//
// Lookup, case-insensitive: the exact name, then the wildcard for its
// parent ("a.example.com" -> "*.example.com", one label only), then the
// default set. A name with no match and no default set fails the handshake
// with an unrecognized_name alert (RFC 6066 §3); a table with a default set
// serves unknown names (and clients without SNI) with it. Each name may hold
// several certificates (ECDSA and RSA): the first one the client supports
// wins, ECDSA before RSA (tls.ClientHelloInfo.SupportsCertificate).
type CertTable struct {
	exact map[string][]*tls.Certificate
	wild  map[string][]*tls.Certificate // keyed by the parent: "example.com"
	def   []*tls.Certificate
}

// NewCertTable builds a table from entries.
func NewCertTable(entries []CertEntry) (*CertTable, error) {
	t := &CertTable{exact: map[string][]*tls.Certificate{}, wild: map[string][]*tls.Certificate{}}
	for i, e := range entries {
		if e.Cert == nil || len(e.Cert.Certificate) == 0 || e.Cert.PrivateKey == nil {
			return nil, fmt.Errorf("tlsterm: certificate entry %d: no chain or key", i)
		}
		if e.Cert.Leaf == nil {
			leaf, err := x509.ParseCertificate(e.Cert.Certificate[0])
			if err != nil {
				return nil, fmt.Errorf("tlsterm: certificate entry %d: %w", i, err)
			}
			c := *e.Cert
			c.Leaf = leaf
			e.Cert = &c
		}
		names := e.Names
		if len(names) == 0 {
			names = e.Cert.Leaf.DNSNames
		}
		if len(names) == 0 && !e.Default {
			return nil, fmt.Errorf("tlsterm: certificate entry %d: no names and not default", i)
		}
		for _, n := range names {
			n = normName(n)
			if parent, ok := strings.CutPrefix(n, "*."); ok {
				if parent == "" || strings.Contains(parent, "*") {
					return nil, fmt.Errorf("tlsterm: certificate entry %d: bad wildcard %q", i, n)
				}
				t.wild[parent] = addCert(t.wild[parent], e.Cert)
				continue
			}
			if n == "" || strings.Contains(n, "*") {
				return nil, fmt.Errorf("tlsterm: certificate entry %d: bad name %q", i, n)
			}
			t.exact[n] = addCert(t.exact[n], e.Cert)
		}
		if e.Default {
			t.def = addCert(t.def, e.Cert)
		}
	}
	return t, nil
}

// addCert keeps ECDSA (and Ed25519) certificates ahead of RSA ones: they
// are cheaper to sign with and most clients take them.
func addCert(set []*tls.Certificate, c *tls.Certificate) []*tls.Certificate {
	set = append(set, c)
	if isRSA(c) {
		return set
	}
	for i := len(set) - 1; i > 0 && isRSA(set[i-1]); i-- {
		set[i], set[i-1] = set[i-1], set[i]
	}
	return set
}

func isRSA(c *tls.Certificate) bool {
	switch c.Leaf.PublicKey.(type) {
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return false
	}
	return true
}

func normName(n string) string {
	return strings.TrimSuffix(strings.ToLower(n), ".")
}

// Lookup returns the certificates for a server name (see CertTable).
func (t *CertTable) Lookup(serverName string) []*tls.Certificate {
	if serverName != "" {
		n := normName(serverName)
		if set, ok := t.exact[n]; ok {
			return set
		}
		if i := strings.IndexByte(n, '.'); i > 0 {
			if set, ok := t.wild[n[i+1:]]; ok {
				return set
			}
		}
	}
	return t.def
}

// Select picks the certificate for a ClientHello: the first of the name's
// set the client supports, else the first of the set (crypto/tls then fails
// the handshake with the right alert); nil when the name has no set.
func (t *CertTable) Select(hello *tls.ClientHelloInfo) *tls.Certificate {
	set := t.Lookup(hello.ServerName)
	for _, c := range set {
		if hello.SupportsCertificate(c) == nil {
			return c
		}
	}
	if len(set) > 0 {
		return set[0]
	}
	return nil
}
