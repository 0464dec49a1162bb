package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/internal/atomicfile"
)

// demoCAFile is where `run --demo` keeps the demo certificate's CA, for
// `curl --cacert` (DATA/demo-ca.pem).
const demoCAFile = "demo-ca.pem"

// demoTLSListen is --tls-listen's default with --demo.
const demoTLSListen = ":8443"

// demoCertificate makes sure the demo service's host is served over HTTPS:
// a self-signed CA (its certificate written to DATA/demo-ca.pem) signs a
// certificate for host, uploaded as the default certificate (alias
// "demo"). An exact name, not a wildcard: curl and OpenSSL refuse a
// wildcard right under one label such as *.localhost. It returns the CA
// file's path.
func demoCertificate(ctx context.Context, c *tcapi.Client, data, host string) (string, error) {
	caPath := filepath.Join(data, demoCAFile)
	var list struct {
		CertificateSet []struct {
			CertificateId string
			Sans          []string
		}
	}
	if err := callInto(ctx, c, "DescribeCertificates", map[string]any{
		"Filters": []map[string]any{{"Name": "Alias", "Values": []string{"demo"}}}}, &struct {
		Result any `json:"Result"`
	}{&list}); err != nil {
		return "", err
	}
	existing := ""
	if len(list.CertificateSet) > 0 {
		existing = list.CertificateSet[0].CertificateId
		if _, err := os.Stat(caPath); err == nil {
			return caPath, nil // made by an earlier start
		}
	}
	caPEM, chainPEM, keyPEM, err := demoPKI(host, time.Now())
	if err != nil {
		return "", err
	}
	params := map[string]any{"Alias": "demo", "IsDefault": true,
		"CertificatePublicKey": string(chainPEM), "CertificatePrivateKey": string(keyPEM)}
	action := "UploadCertificate"
	if existing != "" {
		// The CA file is gone: a new pair, under the same id.
		action, params["CertificateId"] = "ReplaceCertificate", existing
	}
	if err := callInto(ctx, c, action, params, nil); err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(caPath, caPEM, 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", caPath, err)
	}
	return caPath, nil
}

// demoPKI makes a CA (10 years) and a certificate for host (1 year), ECDSA
// P-256, and returns the CA certificate, the host's chain and its key in
// PEM.
func demoPKI(host string, now time.Time) (caPEM, chainPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	ca := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "Edgegate demo CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	chainPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), caPEM...)
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return caPEM, chainPEM, keyPEM, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail (Go 1.24+)
	}
	return n
}
