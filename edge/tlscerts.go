package edge

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/tlsterm"
)

// Certificates from the snapshot (README "HTTPS"): each custom domain's
// CertificateId serves its SubDomain; Default certificates serve the
// default domains <ServiceId>.<BaseDomain> (their own DNS names) and every
// unknown or missing SNI; without one, the Config's certificate files do.
// With no certificate for a name at all, the handshake fails with an
// unrecognized_name alert.

// certPair is a parsed certificate, kept for the next build while its PEM
// is unchanged (a swap does not parse every certificate again).
type certPair struct {
	sum [32]byte
	kp  *tlsterm.KeyPair
}

// buildCerts compiles the snapshot's certificates into the runtime's
// table. Without a TLS listener nothing is parsed.
func (s *Server) buildCerts(rt *runtime) error {
	if s.cfg.TLSListen == "" {
		return nil
	}
	p := rt.snap.Published
	var prev map[string]*certPair
	if old := s.rt.Load(); old != nil {
		prev = old.pairs
	}
	rt.pairs = make(map[string]*certPair, len(p.Certificates))
	for _, c := range p.Certificates {
		if _, dup := rt.pairs[c.CertificateId]; dup || c.CertificateId == "" {
			return fmt.Errorf("edge: certificate id %q empty or repeated", c.CertificateId)
		}
		if c.Type() != model.CertServer {
			continue // CA and CLIENT certificates are the backends' (uptls.go)
		}
		h := sha256.New()
		h.Write([]byte(c.CertificatePEM))
		h.Write([]byte{0})
		h.Write([]byte(c.PrivateKeyPEM))
		h.Write([]byte{0})
		h.Write(c.OcspStaple)
		cp := &certPair{}
		h.Sum(cp.sum[:0])
		if old := prev[c.CertificateId]; old != nil && old.sum == cp.sum {
			rt.pairs[c.CertificateId] = old
			continue
		}
		kp, warn, err := parseCertificate([]byte(c.CertificatePEM), []byte(c.PrivateKeyPEM), false)
		if err != nil {
			return fmt.Errorf("edge: certificate %s: %w", c.CertificateId, err)
		}
		if warn != "" {
			rt.certWarn = append(rt.certWarn, "certificate "+c.CertificateId+": "+warn)
		}
		// Stapled when the client asks (RFC 6066 §8); the control plane
		// checked that it answers for this leaf.
		kp.Cert.OCSPStaple = c.OcspStaple
		cp.kp = kp
		rt.pairs[c.CertificateId] = cp
	}
	var entries []tlsterm.CertEntry
	bound := map[string]bool{}
	for _, ps := range p.Services {
		for _, d := range ps.Domains {
			if d.CertificateId == "" {
				continue
			}
			cp := rt.pairs[d.CertificateId]
			if cp == nil {
				return fmt.Errorf("edge: service %s domain %s: unknown certificate %q", ps.Service.ServiceId, d.SubDomain, d.CertificateId)
			}
			entries = append(entries, tlsterm.CertEntry{Cert: cp.kp.Cert, Names: []string{d.SubDomain}})
			bound[normName(d.SubDomain)] = true
		}
	}
	// Defaults, in the snapshot's order (ECDSA goes first in the table).
	// A name a domain binds to another certificate is left to that one.
	haveDefault := false
	for _, c := range p.Certificates {
		if !c.Default || c.Type() != model.CertServer {
			continue
		}
		haveDefault = true
		entries = append(entries, defaultEntry(rt.pairs[c.CertificateId].kp, bound))
	}
	if !haveDefault && s.fileCert != nil {
		entries = append(entries, defaultEntry(s.fileCert, bound))
	}
	t, err := tlsterm.NewCertTable(entries)
	if err != nil {
		return fmt.Errorf("edge: certificates: %w", err)
	}
	rt.certs = t
	return nil
}

func defaultEntry(kp *tlsterm.KeyPair, bound map[string]bool) tlsterm.CertEntry {
	names := slices.DeleteFunc(slices.Clone(kp.Names), func(n string) bool { return bound[normName(n)] })
	if len(names) == 0 {
		names = kp.Names // all bound elsewhere: the bound entries come first
	}
	return tlsterm.CertEntry{Cert: kp.Cert, Names: names, Default: true}
}

func normName(n string) string { return strings.TrimSuffix(strings.ToLower(n), ".") }

// parseCertificate validates a chain and key (tlsterm.ParseKeyPair: key
// match, chain order, names). A certificate outside its validity is still
// served, with a warning: the control plane refuses such uploads and warns
// before expiry, and refusing it here would refuse every later snapshot
// until it is replaced, while clients reject it anyway.
// A client certificate (mTLS to a backend) is checked as one.
func parseCertificate(chain, key []byte, client bool) (*tlsterm.KeyPair, string, error) {
	kp, err := tlsterm.ParseKeyPair(chain, key, tlsterm.VerifyOptions{ClientCertificate: client})
	switch tlsterm.CertCode(err) {
	case tlsterm.CodeCertificateExpired, tlsterm.CodeCertificateNotYet:
		at, ok := validMoment(chain)
		if !ok {
			return nil, "", err
		}
		kp, err2 := tlsterm.ParseKeyPair(chain, key, tlsterm.VerifyOptions{Now: at, ClientCertificate: client})
		if err2 != nil {
			return nil, "", err2
		}
		return kp, err.Error(), nil
	}
	return kp, "", err
}

// validMoment is a time at which every certificate of the chain is valid
// (the latest NotBefore), if there is one.
func validMoment(chain []byte) (time.Time, bool) {
	var from, until time.Time
	for rest := chain; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if b.Type != "CERTIFICATE" || err != nil {
			continue
		}
		if c.NotBefore.After(from) {
			from = c.NotBefore
		}
		if until.IsZero() || c.NotAfter.Before(until) {
			until = c.NotAfter
		}
	}
	return from, !from.IsZero() && !from.After(until)
}
