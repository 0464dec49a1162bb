package model

import (
	"bytes"
	"strings"
	"testing"
)

// The configuration file's certificates for backends: CA (a bundle, no
// key), CLIENT (chain and key), and an SVR certificate's OcspStaple
// (base64 in the file).
func TestParseFileCertificateTypes(t *testing.T) {
	p, err := ParseFile([]byte(`Services: [{ServiceId: s, Apis: []}]
Certificates:
  - {CertificateId: ca, CertificateType: CA, CertificatePEM: bundle}
  - {CertificateId: cl, CertificateType: CLIENT, CertificatePEM: chain, PrivateKeyPEM: key}
  - {CertificateId: sv, CertificatePEM: chain, PrivateKeyPEM: key, OcspStaple: "AQIDBA=="}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Certificate("ca"); c == nil || c.Type() != CertCA || c.PrivateKeyPEM != "" {
		t.Errorf("CA: %+v", c)
	}
	if c := p.Certificate("cl"); c == nil || c.Type() != CertClient {
		t.Errorf("CLIENT: %+v", c)
	}
	if c := p.Certificate("sv"); c == nil || c.Type() != CertServer || !bytes.Equal(c.OcspStaple, []byte{1, 2, 3, 4}) {
		t.Errorf("SVR with a staple: %+v", c)
	}
	bad := map[string]string{
		"ca with key":    "Certificates: [{CertificateId: c, CertificateType: CA, CertificatePEM: x, PrivateKeyPEM: y}]",
		"client no key":  "Certificates: [{CertificateId: c, CertificateType: CLIENT, CertificatePEM: x}]",
		"unknown type":   "Certificates: [{CertificateId: c, CertificateType: ROOT, CertificatePEM: x}]",
		"default ca":     "Certificates: [{CertificateId: c, CertificateType: CA, CertificatePEM: x, Default: true}]",
		"staple on ca":   "Certificates: [{CertificateId: c, CertificateType: CA, CertificatePEM: x, OcspStaple: AQID}]",
		"domain with ca": "Certificates: [{CertificateId: c, CertificateType: CA, CertificatePEM: x}]",
		"staple not b64": "Certificates: [{CertificateId: c, CertificatePEM: x, PrivateKeyPEM: y, OcspStaple: \"not base64!\"}]",
	}
	for name, doc := range bad {
		svc := "Services: [{ServiceId: s, Apis: []}]\n"
		if name == "domain with ca" {
			svc = "Services: [{ServiceId: s, Apis: [], Domains: [{SubDomain: a.org, IsDefaultMapping: true, CertificateId: c}]}]\n"
		}
		if _, err := ParseFile([]byte(svc + doc)); err == nil || strings.Contains(err.Error(), "already set") {
			t.Errorf("%s: %v, want a refusal of the certificate", name, err)
		}
	}
}
