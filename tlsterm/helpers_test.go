package tlsterm

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
	"sync"
	"testing"
	"time"
)

// testPKI is a CA with ECDSA and RSA leaves, generated once per test run.
type testPKI struct {
	caCert   *x509.Certificate
	caKey    crypto.Signer
	caPEM    []byte
	pool     *x509.CertPool
	ecdsa    *tls.Certificate // example.com, *.example.com, api.test
	rsa      *tls.Certificate // same names
	def      *tls.Certificate // ECDSA default.test
	ecdsaPEM [2][]byte        // chain, key
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	rsaKey  *rsa.PrivateKey
)

var serial int64 = 100

func newSerial() *big.Int { serial++; return big.NewInt(serial) }

func pemBlock(typ string, b []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

// issue makes a certificate for key, signed by parent (self-signed when nil).
func issue(t testing.TB, tmpl *x509.Certificate, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = newSerial()
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func leafTmpl(cn string, names ...string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		DNSNames:    names,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func getPKI(t testing.TB) *testPKI {
	pkiOnce.Do(func() {
		p := &testPKI{}
		p.caKey = ecKey(t)
		p.caCert = issue(t, &x509.Certificate{
			Subject: pkix.Name{CommonName: "tlsterm test CA"}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign,
		}, p.caKey, nil, nil)
		p.caPEM = pemBlock("CERTIFICATE", p.caCert.Raw)
		p.pool = x509.NewCertPool()
		p.pool.AddCert(p.caCert)
		names := []string{"example.com", "*.example.com", "api.test"}
		ek := ecKey(t)
		el := issue(t, leafTmpl("ecdsa", names...), ek, p.caCert, p.caKey)
		p.ecdsa = &tls.Certificate{Certificate: [][]byte{el.Raw}, PrivateKey: ek, Leaf: el}
		p.ecdsaPEM = [2][]byte{pemBlock("CERTIFICATE", el.Raw), keyPEM(t, ek)}
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
		rl := issue(t, leafTmpl("rsa", names...), rsaKey, p.caCert, p.caKey)
		p.rsa = &tls.Certificate{Certificate: [][]byte{rl.Raw}, PrivateKey: rsaKey, Leaf: rl}
		dk := ecKey(t)
		dl := issue(t, leafTmpl("default", "default.test"), dk, p.caCert, p.caKey)
		p.def = &tls.Certificate{Certificate: [][]byte{dl.Raw}, PrivateKey: dk, Leaf: dl}
		pki = p
	})
	if pki == nil {
		t.Fatal("test PKI failed")
	}
	return pki
}

// testTable: ECDSA + RSA for the example names, default.test as default.
func testTable(t testing.TB, withDefault bool) *CertTable {
	p := getPKI(t)
	tab, err := NewCertTable([]CertEntry{
		{Cert: p.rsa},
		{Cert: p.ecdsa},
		{Cert: p.def, Default: withDefault},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// writeCA writes the CA certificate to a file for openssl and curl.
func writeCA(t testing.TB) string {
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, getPKI(t).caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func writeFile(t testing.TB, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
