// Package testpki issues certificates for tests: a throwaway CA and leaves
// (ECDSA P-256 or RSA 2048) for given DNS names and validity, in PEM, as
// an operator would upload them. Test code only: the keys are generated
// fresh and never meant to protect anything.
//
// It imports the standard library only.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a self-signed certificate authority.
type CA struct {
	Cert *x509.Certificate
	key  crypto.Signer
	// PEM is the CA certificate, for clients' trust stores (curl --cacert).
	PEM []byte
	// Pool trusts the CA (tls.Config.RootCAs).
	Pool *x509.CertPool
}

var serial atomic.Int64

// NewCA makes a CA valid from 30 days ago for 60 days (long enough to
// sign leaves that expired or are not valid yet).
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: "edgegate test CA"},
		NotBefore:             time.Now().Add(-30 * 24 * time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{Cert: cert, key: key, PEM: pemOf("CERTIFICATE", der), Pool: x509.NewCertPool()}
	ca.Pool.AddCert(cert)
	return ca
}

// Leaf is an issued certificate: the chain (leaf, then the CA) and the key
// in PEM, and the leaf itself.
type Leaf struct {
	ChainPEM, KeyPEM []byte
	Cert             *x509.Certificate
}

// Options choose a leaf's key type and validity (default: ECDSA, from an
// hour ago for a day).
type Options struct {
	RSA                 bool
	NotBefore, NotAfter time.Time
}

// Issue makes a leaf for names.
func (ca *CA) Issue(t testing.TB, opt Options, names ...string) *Leaf {
	t.Helper()
	var key crypto.Signer
	var err error
	if opt.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	if opt.NotBefore.IsZero() {
		opt.NotBefore, opt.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    opt.NotBefore,
		NotAfter:     opt.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	k8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Leaf{ChainPEM: append(pemOf("CERTIFICATE", der), ca.PEM...), KeyPEM: pemOf("PRIVATE KEY", k8), Cert: cert}
}

// TLS is the leaf as a tls.Certificate.
func (l *Leaf) TLS(t testing.TB) tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(l.ChainPEM, l.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Files writes the chain and key into dir as name.crt and name.key and
// returns their paths.
func (l *Leaf) Files(t testing.TB, dir, name string) (chain, key string) {
	t.Helper()
	chain, key = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(chain, l.ChainPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, l.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return chain, key
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
