package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// benchCerts is the one certificate every HTTPS peer serves in a run: an
// ECDSA P-256 leaf for benchHost signed by a self-signed ECDSA P-256 CA,
// both made fresh per run.
type benchCerts struct {
	CAFile    string `json:"-"` // the CA, for verifying clients
	CertFile  string `json:"-"` // the leaf alone (the chain every peer serves)
	KeyFile   string `json:"-"` // the leaf's key, PKCS #8
	ComboFile string `json:"-"` // leaf then key, for HAProxy's `crt`
	LeafDER   []byte `json:"-"`
	Subject   string `json:"subject"`
	KeyType   string `json:"key_type"`
	Issuer    string `json:"issuer"`
}

func writeBenchCerts(dir string) (*benchCerts, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "edgegate bench CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: benchHost},
		DNSNames:     []string{benchHost},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	cs := &benchCerts{
		CAFile:    filepath.Join(dir, "bench-ca.pem"),
		CertFile:  filepath.Join(dir, "bench-cert.pem"),
		KeyFile:   filepath.Join(dir, "bench-key.pem"),
		ComboFile: filepath.Join(dir, "bench-combo.pem"),
		LeafDER:   leafDER,
		Subject:   benchHost,
		KeyType:   "ECDSA P-256",
		Issuer:    "self-signed ECDSA P-256 CA (made for this run)",
	}
	// The key files are read by nginx's master (root) before it drops
	// privileges, and by the others as the harness's user.
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{cs.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644},
		{cs.CertFile, certPEM, 0o644},
		{cs.KeyFile, keyPEM, 0o600},
		{cs.ComboFile, append(append([]byte(nil), certPEM...), keyPEM...), 0o600},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return nil, err
		}
	}
	return cs, nil
}
