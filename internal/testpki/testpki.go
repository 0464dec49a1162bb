package testpki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"sync/atomic"
	"time"
)

var serial atomic.Int64

// CA is a certificate authority: its certificate and key, and the chain
// from it up to (not including) the root when it is an intermediate.
type CA struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	above []*x509.Certificate
}

// NewCA makes a self-signed root CA valid from an hour ago for ten years.
func NewCA(name string) *CA {
	k := ECKey()
	c := create(&x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0)}, k, nil, nil)
	return &CA{Cert: c, Key: k}
}

// Intermediate makes an intermediate CA signed by ca.
func (ca *CA) Intermediate(name string) *CA {
	k := ECKey()
	c := create(&x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: ca.Cert.NotBefore, NotAfter: ca.Cert.NotAfter}, k, ca.Cert, ca.Key)
	return &CA{Cert: c, Key: k, above: append([]*x509.Certificate{ca.Cert}, ca.above...)}
}

// Leaf is an issued certificate with its key.
type Leaf struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain is the leaf then the issuing intermediates, up to the root
	// (excluded).
	Chain []*x509.Certificate
}

// Issue signs a server certificate for names with key (a new ECDSA P-256
// key when nil), valid from notBefore to notAfter.
func (ca *CA) Issue(key crypto.Signer, notBefore, notAfter time.Time, names ...string) *Leaf {
	if key == nil {
		key = ECKey()
	}
	cn := ""
	if len(names) > 0 {
		cn = names[0]
	}
	c := create(&x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore: notBefore, NotAfter: notAfter}, key, ca.Cert, ca.Key)
	chain := []*x509.Certificate{c}
	if len(ca.above) > 0 {
		chain = append(chain, ca.Cert)
		chain = append(chain, ca.above[:len(ca.above)-1]...)
	}
	return &Leaf{Cert: c, Key: key, Chain: chain}
}

// Valid issues a certificate for names valid from an hour ago for days.
func (ca *CA) Valid(days int, names ...string) *Leaf {
	return ca.Issue(nil, time.Now().Add(-time.Hour), time.Now().AddDate(0, 0, days), names...)
}

// Client signs a client certificate (mTLS) for cn: no DNS name, extended
// key usage clientAuth, valid from an hour ago for days.
func (ca *CA) Client(cn string, days int) *Leaf {
	key := ECKey()
	c := create(&x509.Certificate{Subject: pkix.Name{CommonName: cn},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(0, 0, days)}, key, ca.Cert, ca.Key)
	return &Leaf{Cert: c, Key: key, Chain: []*x509.Certificate{c}}
}

// ChainPEM is the chain in PEM, leaf first.
func (l *Leaf) ChainPEM() string { return CertsPEM(l.Chain...) }

// KeyPEM is the key in PKCS #8 PEM.
func (l *Leaf) KeyPEM() string { return KeyPEM(l.Key) }

// CertsPEM encodes certificates as PEM, in the order given.
func CertsPEM(certs ...*x509.Certificate) string {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(out)
}

// KeyPEM encodes a private key in PKCS #8 PEM.
func KeyPEM(k crypto.Signer) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// ECKey is a new ECDSA P-256 key.
func ECKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// RSAKey is a new RSA key of bits.
func RSAKey(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func create(tmpl *x509.Certificate, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// HoldsKey reports whether b holds one of the base64 lines of one of the
// PEM keys (BEGIN and END lines and short tails left out): finding one is
// finding the key, whether in a JSON answer or in a store file, where the
// key's newlines are escaped.
func HoldsKey(b []byte, keyPEMs ...string) bool {
	for _, k := range keyPEMs {
		for _, l := range strings.Split(k, "\n") {
			if len(l) >= 40 && !strings.HasPrefix(l, "-----") && bytes.Contains(b, []byte(l)) {
				return true
			}
		}
	}
	return false
}
