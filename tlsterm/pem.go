package tlsterm

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Certificate upload error codes (stable: the certificate Actions map them
// to the seed's FailedOperation.CertificateId* errors).
const (
	CodeCertificateMissing   = "CertificateMissing"   // no CERTIFICATE block
	CodeCertificateMalformed = "CertificateMalformed" // a block that does not parse
	CodeKeyMissing           = "KeyMissing"           // no PRIVATE KEY block
	CodeKeyMalformed         = "KeyMalformed"         // key does not parse
	CodeKeyUnsupported       = "KeyUnsupported"       // not ECDSA, RSA (>= 2048 bits) or Ed25519
	CodeKeyMismatch          = "KeyMismatch"          // key is not the leaf's
	CodeChainInvalid         = "ChainInvalid"         // chain out of order or does not verify
	CodeCertificateExpired   = "CertificateExpired"   // a certificate of the chain has expired
	CodeCertificateNotYet    = "CertificateNotYetValid"
	CodeNoNames              = "CertificateNoNames" // leaf has no DNS name
)

// CertError is a rejected certificate upload: a stable Code and the cause.
type CertError struct {
	Code string
	Err  error
}

func (e *CertError) Error() string { return "tlsterm: " + e.Code + ": " + e.Err.Error() }
func (e *CertError) Unwrap() error { return e.Err }

func certErr(code string, format string, a ...any) error {
	return &CertError{Code: code, Err: fmt.Errorf(format, a...)}
}

// VerifyOptions tune ParseKeyPair.
type VerifyOptions struct {
	// Roots, when set, must anchor the chain (the last certificate is signed
	// by one of them, or is one). Nil: the chain is checked for order only.
	Roots *x509.CertPool
	// Now is the time validity is checked at; zero means time.Now().
	Now time.Time
	// ClientCertificate: the pair is a client certificate (mTLS to a
	// backend, ClientConfig.Certificate): it needs no DNS name, and Roots
	// verify it for client authentication.
	ClientCertificate bool
}

// KeyPair is a validated certificate chain and key.
type KeyPair struct {
	Cert     *tls.Certificate // ready for a CertEntry (Leaf set)
	Names    []string         // the leaf's DNS names
	NotAfter time.Time        // the earliest expiry in the chain
	KeyType  string           // "ECDSA", "RSA" or "Ed25519"
}

// ParseKeyPair parses a PEM chain (leaf first, then intermediates in order)
// and a PEM private key, and validates them: the key matches the leaf, each
// certificate is signed by the next, the chain verifies against
// opts.Roots when given, every certificate is valid now, and the leaf names
// at least one host (unless opts.ClientCertificate). Errors are *CertError.
func ParseKeyPair(chainPEM, keyPEM []byte, opts VerifyOptions) (*KeyPair, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	certs, err := parseCerts(chainPEM)
	if err != nil {
		return nil, err
	}
	var ders [][]byte
	for _, c := range certs {
		ders = append(ders, c.Raw)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	leaf := certs[0]
	kp := &KeyPair{Names: leaf.DNSNames, NotAfter: leaf.NotAfter}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, certErr(CodeKeyMismatch, "private key does not match the leaf certificate")
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		kp.KeyType = "ECDSA"
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, certErr(CodeKeyUnsupported, "rsa key of %d bits (2048 at least)", k.N.BitLen())
		}
		kp.KeyType = "RSA"
	case ed25519.PrivateKey:
		kp.KeyType = "Ed25519"
	}
	for i, c := range certs {
		if now.Before(c.NotBefore) {
			return nil, certErr(CodeCertificateNotYet, "certificate %d (%s) valid from %s", i, c.Subject, c.NotBefore.UTC().Format(time.RFC3339))
		}
		if now.After(c.NotAfter) {
			return nil, certErr(CodeCertificateExpired, "certificate %d (%s) expired %s", i, c.Subject, c.NotAfter.UTC().Format(time.RFC3339))
		}
		if c.NotAfter.Before(kp.NotAfter) {
			kp.NotAfter = c.NotAfter
		}
		if i+1 < len(certs) {
			if err := c.CheckSignatureFrom(certs[i+1]); err != nil {
				return nil, certErr(CodeChainInvalid, "certificate %d is not signed by certificate %d: %w", i, i+1, err)
			}
		}
	}
	if opts.Roots != nil {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		usage := x509.ExtKeyUsageServerAuth
		if opts.ClientCertificate {
			usage = x509.ExtKeyUsageClientAuth
		}
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots: opts.Roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{usage},
		})
		if err != nil {
			return nil, certErr(CodeChainInvalid, "chain does not verify: %w", err)
		}
	}
	if len(leaf.DNSNames) == 0 && !opts.ClientCertificate {
		return nil, certErr(CodeNoNames, "leaf certificate has no DNS names")
	}
	kp.Cert = &tls.Certificate{Certificate: ders, PrivateKey: key, Leaf: leaf}
	return kp, nil
}

// parseCerts reads every CERTIFICATE block of a PEM text, in order; none
// is an error.
func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, certErr(CodeCertificateMalformed, "certificate %d: %w", len(certs), err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, certErr(CodeCertificateMissing, "no CERTIFICATE block")
	}
	return certs, nil
}

// parseKey reads the first private key block: PKCS #8, PKCS #1 or SEC 1.
func parseKey(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, certErr(CodeKeyMissing, "no PRIVATE KEY block")
		}
		var (
			k   any
			err error
		)
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, certErr(CodeKeyMalformed, "%s: %w", b.Type, err)
		}
		switch k := k.(type) {
		case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		}
		return nil, certErr(CodeKeyUnsupported, "key type %T", k)
	}
}

// CertCode returns err's certificate error code, or "" when it has none.
func CertCode(err error) string {
	var ce *CertError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}
