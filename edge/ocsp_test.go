package edge

import (
	"bytes"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/edgegate/edgegate/internal/testpki"
)

// ocspFor is a good OCSP response for leaf, signed by its CA.
func ocspFor(t testing.TB, ca *testpki.CA, serial *big.Int) []byte {
	t.Helper()
	der, err := ocsp.CreateResponse(ca.Cert, ca.Cert, ocsp.Response{Status: ocsp.Good, SerialNumber: serial,
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour)}, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// A certificate's OcspStaple is stapled for a client that asks (Go's
// client always does), and only for that certificate.
func TestTLSOCSPStaple(t *testing.T) {
	f := getTLSFix(t)
	staple := ocspFor(t, f.ca, f.api.Cert.SerialNumber)
	p := tlsPublished(t, mockAPI("api-m", "/m", "hi"))
	for i := range p.Certificates {
		if p.Certificates[i].CertificateId == "c-api" {
			p.Certificates[i].OcspStaple = staple
		}
	}
	s := startPublished(t, p, Config{Loops: 1, TLSListen: "on"})
	c := mustDialTLS(t, s, tlsConfig(t, "api.example.com"))
	if got := c.ConnectionState().OCSPResponse; !bytes.Equal(got, staple) {
		t.Errorf("stapled %d bytes, want the %d of the certificate's OcspStaple", len(got), len(staple))
	}
	if r, err := ocsp.ParseResponseForCert(c.ConnectionState().OCSPResponse, f.api.Cert, f.ca.Cert); err != nil || r.Status != ocsp.Good {
		t.Errorf("the staple does not parse for the leaf: %v", err)
	}
	c = mustDialTLS(t, s, tlsConfig(t, "rsa.example.com"))
	if got := c.ConnectionState().OCSPResponse; len(got) != 0 {
		t.Errorf("a certificate without a staple stapled %d bytes", len(got))
	}
}
