package admin

import (
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
)

// uploadTyped stores a certificate of a CertificateType and returns its id.
func (ta *testAdmin) uploadTyped(typ, chain, key string) string {
	ta.t.Helper()
	p := map[string]any{"Alias": strings.ToLower(typ), "CertificateType": typ, "CertificatePublicKey": chain}
	if key != "" {
		p["CertificatePrivateKey"] = key
	}
	return resultMap(ta.must("UploadCertificate", p))["CertificateId"].(string)
}

// CertificateType CA takes a PEM bundle of CA certificates and no key;
// CLIENT a client certificate (no DNS name needed) and its key; each bad
// upload answers its code.
func TestUploadCertificateTypes(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ca, ca2 := testpki.NewCA("backend CA"), testpki.NewCA("other CA")
	client := ca.Client("edge-client", 30)
	leaf := ca.Valid(30, "backend.test")
	bundle := testpki.CertsPEM(ca.Cert, ca2.Cert)

	id := ta.uploadTyped("CA", bundle, "")
	info := resultMap(ta.must("DescribeCertificate", map[string]any{"CertificateId": id}))
	if info["CertificateType"] != "CA" || info["CommonName"] != "backend CA" || !strings.Contains(info["CertificatePublicKey"].(string), "BEGIN CERTIFICATE") {
		t.Errorf("CA certificate: %v", info)
	}
	if n := strings.Count(info["CertificatePublicKey"].(string), "BEGIN CERTIFICATE"); n != 2 {
		t.Errorf("the bundle kept %d certificates, want 2", n)
	}
	cid := ta.uploadTyped("client", client.ChainPEM(), client.KeyPEM())
	if info := resultMap(ta.must("DescribeCertificate", map[string]any{"CertificateId": cid})); info["CertificateType"] != "CLIENT" || info["CommonName"] != "edge-client" {
		t.Errorf("client certificate: %v", info)
	}
	if info := resultMap(ta.must("DescribeCertificate", map[string]any{"CertificateId": ta.upload(leaf, "svr", false)})); info["CertificateType"] != "SVR" {
		t.Errorf("default type: %v", info)
	}
	up := func(typ, chain, key string) map[string]any {
		return map[string]any{"Alias": "x", "CertificateType": typ, "CertificatePublicKey": chain, "CertificatePrivateKey": key}
	}
	ta.want(errNotInOptions, "UploadCertificate", up("ROOT", bundle, ""))
	ta.want(errCertInfo, "UploadCertificate", up("CA", leaf.ChainPEM(), ""))                    // a leaf is not a CA
	ta.want(errCertInfo, "UploadCertificate", up("CA", "hello", ""))                            // no PEM
	ta.want(errBadKey, "UploadCertificate", up("CA", bundle, leaf.KeyPEM()))                    // a CA takes no key
	ta.want(errMissing, "UploadCertificate", up("CLIENT", client.ChainPEM(), ""))               // a client certificate needs its key
	ta.want(errCertVerify, "UploadCertificate", up("CLIENT", client.ChainPEM(), leaf.KeyPEM())) // not its key
	ta.want(errCertBind, "UploadCertificate", map[string]any{"Alias": "x", "CertificateType": "CA", "CertificatePublicKey": bundle, "IsDefault": true})
	ta.want(errCertBind, "ModifyCertificate", map[string]any{"CertificateId": id, "IsDefault": true})
	// ReplaceCertificate keeps the type.
	ta.want(errUnsupported, "ReplaceCertificate", map[string]any{"CertificateId": id, "CertificateType": "SVR", "CertificatePublicKey": leaf.ChainPEM(), "CertificatePrivateKey": leaf.KeyPEM()})
	ta.must("ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": testpki.CertsPEM(ca2.Cert)})
	// A domain is served with SVR certificates only.
	svc, _ := ta.service()
	ta.want(errCertBind, "BindSubDomain", ta.bindParams(svc, "api.example.com", map[string]any{"Protocol": "https", "CertificateId": id}))
}

// https:// backends: CreateApi and ModifyApi check the certificates they
// name (seed codes), published values carry them (a CA without a key),
// and a named certificate cannot be deleted while an API or a released
// version names it.
func TestBackendCertificateReferences(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ca := testpki.NewCA("backend CA")
	client := ca.Client("edge-client", 30)
	caID := ta.uploadTyped("CA", testpki.CertsPEM(ca.Cert), "")
	clID := ta.uploadTyped("CLIENT", client.ChainPEM(), client.KeyPEM())
	svrID := ta.upload(ca.Valid(30, "backend.test"), "svr", false)
	svc := ta.must("CreateService", map[string]any{"ServiceName": "s", "Protocol": "http"})["ServiceId"].(string)
	api := func(sc map[string]any) map[string]any {
		return map[string]any{"ServiceId": svc, "ServiceType": "HTTP", "ServiceTimeout": 5,
			"RequestConfig": map[string]any{"Path": "/h", "Method": "GET"}, "ServiceConfig": sc}
	}
	sc := func(extra map[string]any) map[string]any {
		m := map[string]any{"Url": "https://127.0.0.1:8443", "Path": "/", "Method": "GET", "TlsServerName": "backend.test"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	ta.want(errCertID, "CreateApi", api(sc(map[string]any{"CaCertificateId": "cert-nothere1"})))
	ta.want(errCertBind, "CreateApi", api(sc(map[string]any{"CaCertificateId": clID})))
	ta.want(errCertBind, "CreateApi", api(sc(map[string]any{"ClientCertificateId": caID})))
	ta.want(errCertBind, "CreateApi", api(sc(map[string]any{"ClientCertificateId": svrID})))
	ta.want("InvalidParameterValue.InvalidServiceConfig", "CreateApi", api(map[string]any{"Url": "http://127.0.0.1:8080", "TlsServerName": "x"}))
	ta.want("InvalidParameterValue.InvalidServiceConfig", "CreateApi", api(sc(map[string]any{"TlsServerName": "bad name"})))
	apiID := resultMap(ta.must("CreateApi", api(sc(map[string]any{"CaCertificateId": caID, "ClientCertificateId": clID}))))["ApiId"].(string)
	ta.want("ResourceInUse", "DeleteCertificate", map[string]any{"CertificateId": caID})
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "ReleaseDesc": "r"})
	p := ta.published()
	ca1, cl1 := publishedCert(p, caID), publishedCert(p, clID)
	if ca1 == nil || ca1.CertificateType != model.CertCA || ca1.PrivateKeyPEM != "" || !strings.Contains(ca1.CertificatePEM, "BEGIN CERTIFICATE") {
		t.Errorf("published CA: %+v", ca1)
	}
	if cl1 == nil || cl1.CertificateType != model.CertClient || !strings.Contains(cl1.PrivateKeyPEM, "PRIVATE KEY") {
		t.Errorf("published client certificate: %+v", cl1)
	}
	if publishedCert(p, svrID) != nil {
		t.Errorf("an SVR certificate no domain uses was published")
	}
	if b := ta.Snapshot().Backends; len(b) != 1 || b[0].TLS == nil || b[0].TLS.ServerName != "backend.test" || b[0].TLS.ClientKeyPEM == "" {
		t.Errorf("snapshot backend: %+v", b)
	}
	// Modified to plain http: the released version still names them.
	ta.must("ModifyApi", map[string]any{"ServiceId": svc, "ApiId": apiID, "ServiceType": "HTTP", "ServiceTimeout": 5,
		"RequestConfig": map[string]any{"Path": "/h", "Method": "GET"}, "ServiceConfig": map[string]any{"Url": "http://127.0.0.1:8080", "Path": "/"}})
	ta.want("ResourceInUse", "DeleteCertificate", map[string]any{"CertificateId": clID})
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "ReleaseDesc": "r2"})
	// Every version that names them is still stored: ResourceInUse names it.
	ta.want("ResourceInUse", "DeleteCertificate", map[string]any{"CertificateId": clID})
	ta.must("DeleteCertificate", map[string]any{"CertificateId": svrID})
}

// An OcspStaple must be a good OCSP response for the leaf, signed by its
// issuer, not expired; it is published with the certificate.
func TestCertificateOCSPStaple(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ca := testpki.NewCA("ca")
	inter := ca.Intermediate("inter")
	leaf := inter.Valid(30, "api.example.com")
	resp := func(signer *testpki.CA, serial *big.Int, status int, next time.Time) string {
		der, err := ocsp.CreateResponse(signer.Cert, signer.Cert, ocsp.Response{Status: status, SerialNumber: serial,
			ThisUpdate: time.Now().Add(-2 * time.Hour), NextUpdate: next}, signer.Key)
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(der)
	}
	day := time.Now().Add(24 * time.Hour)
	up := func(staple string) map[string]any {
		return map[string]any{"Alias": "o", "CertificatePublicKey": leaf.ChainPEM(), "CertificatePrivateKey": leaf.KeyPEM(), "OcspStaple": staple, "IsDefault": true}
	}
	ta.want(errBadStaple, "UploadCertificate", up("not base64!"))
	ta.want(errBadStaple, "UploadCertificate", up(base64.StdEncoding.EncodeToString([]byte("garbage"))))
	ta.want(errBadStaple, "UploadCertificate", up(resp(inter, big.NewInt(424242), ocsp.Good, day)))                            // another serial
	ta.want(errBadStaple, "UploadCertificate", up(resp(testpki.NewCA("x"), leaf.Cert.SerialNumber, ocsp.Good, day)))           // another signer
	ta.want(errBadStaple, "UploadCertificate", up(resp(inter, leaf.Cert.SerialNumber, ocsp.Revoked, day)))                     // revoked
	ta.want(errBadStaple, "UploadCertificate", up(resp(inter, leaf.Cert.SerialNumber, ocsp.Good, time.Now().Add(-time.Hour)))) // expired
	ta.want(errBadStaple, "UploadCertificate", map[string]any{"Alias": "c", "CertificateType": "CA", "CertificatePublicKey": testpki.CertsPEM(ca.Cert),
		"OcspStaple": resp(inter, leaf.Cert.SerialNumber, ocsp.Good, day)})
	good := resp(inter, leaf.Cert.SerialNumber, ocsp.Good, day)
	id := resultMap(ta.must("UploadCertificate", up(good)))["CertificateId"].(string)
	c := publishedCert(ta.published(), id)
	if c == nil || base64.StdEncoding.EncodeToString(c.OcspStaple) != good {
		t.Fatalf("published staple: %+v", c)
	}
	// A replacement without a staple drops it.
	ta.must("ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": leaf.ChainPEM(), "CertificatePrivateKey": leaf.KeyPEM()})
	if c := publishedCert(ta.published(), id); c == nil || len(c.OcspStaple) != 0 {
		t.Fatalf("staple after a replacement without one: %+v", c)
	}
}
