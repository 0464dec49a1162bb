package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
)

// upload stores a certificate and returns its id.
func (ta *testAdmin) upload(l *testpki.Leaf, alias string, isDefault bool) string {
	ta.t.Helper()
	r := ta.must("UploadCertificate", map[string]any{"Alias": alias, "CertificatePublicKey": l.ChainPEM(),
		"CertificatePrivateKey": l.KeyPEM(), "IsDefault": isDefault})
	return resultMap(r)["CertificateId"].(string)
}

// published is the current published value, as edges receive it.
func (ta *testAdmin) published() model.Published {
	ta.t.Helper()
	var p model.Published
	if err := json.Unmarshal(ta.current.doc, &p); err != nil {
		ta.t.Fatal(err)
	}
	return p
}

func publishedCert(p model.Published, id string) *model.Certificate {
	for i := range p.Certificates {
		if p.Certificates[i].CertificateId == id {
			return &p.Certificates[i]
		}
	}
	return nil
}

// TestUploadCertificateRefusals: each bad upload answers the code of the
// table in certificates.go and stores nothing.
func TestUploadCertificateRefusals(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ca := testpki.NewCA("ca")
	inter := ca.Intermediate("intermediate")
	now := time.Now()
	good := inter.Valid(90, "api.example.com")
	other := ca.Valid(90, "api.example.com")
	expired := ca.Issue(nil, now.AddDate(0, -2, 0), now.AddDate(0, 0, -1), "api.example.com")
	future := ca.Issue(nil, now.AddDate(0, 0, 1), now.AddDate(0, 3, 0), "api.example.com")
	noNames := ca.Issue(nil, now.Add(-time.Hour), now.AddDate(0, 1, 0))
	weakRSA := ca.Issue(testpki.RSAKey(1024), now.Add(-time.Hour), now.AddDate(0, 1, 0), "api.example.com")
	cases := []struct {
		name, chain, key, want string
	}{
		{"expired", expired.ChainPEM(), expired.KeyPEM(), "FailedOperation.CertificateIdExpired"},
		{"not yet valid", future.ChainPEM(), future.KeyPEM(), "FailedOperation.CertificateIdVerifyFail"},
		{"key of another certificate", good.ChainPEM(), other.KeyPEM(), "FailedOperation.CertificateIdVerifyFail"},
		{"chain out of order", testpki.CertsPEM(good.Chain[1], good.Chain[0]), good.KeyPEM(), "FailedOperation.CertificateIdVerifyFail"},
		{"intermediate of another CA", testpki.CertsPEM(good.Cert, testpki.NewCA("x").Intermediate("y").Cert), good.KeyPEM(), "FailedOperation.CertificateIdVerifyFail"},
		{"no certificate block", "hello", good.KeyPEM(), "FailedOperation.CertificateIdInfoError"},
		{"garbage certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", good.KeyPEM(), "FailedOperation.CertificateIdInfoError"},
		{"no DNS name", noNames.ChainPEM(), noNames.KeyPEM(), "FailedOperation.CertificateIdInfoError"},
		{"no key block", good.ChainPEM(), "key", "InvalidParameterValue.InvalidPrivateKey"},
		{"garbage key", good.ChainPEM(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "InvalidParameterValue.InvalidPrivateKey"},
		{"rsa 1024", weakRSA.ChainPEM(), weakRSA.KeyPEM(), "InvalidParameterValue.InvalidPrivateKey"},
		{"key missing", good.ChainPEM(), "", "MissingParameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ta.want(c.want, "UploadCertificate", map[string]any{"Alias": "x", "CertificatePublicKey": c.chain, "CertificatePrivateKey": c.key})
		})
	}
	ta.want("MissingParameter", "UploadCertificate", map[string]any{"CertificatePublicKey": good.ChainPEM(), "CertificatePrivateKey": good.KeyPEM()})
	ta.want("InvalidParameter.FormatError", "UploadCertificate", map[string]any{"Alias": strings.Repeat("a", 51), "CertificatePublicKey": good.ChainPEM(), "CertificatePrivateKey": good.KeyPEM()})
	if n := resultMap(ta.must("DescribeCertificates", map[string]any{}))["TotalCount"].(float64); n != 0 {
		t.Fatalf("%v certificates stored by refused uploads", n)
	}

	// The good one, chain with its intermediate, RSA 2048 too.
	id := ta.upload(good, "good", false)
	rsa := ca.Issue(testpki.RSAKey(2048), now.Add(-time.Hour), now.AddDate(0, 1, 0), "rsa.example.com")
	ta.upload(rsa, "rsa", false)
	d := resultMap(ta.must("DescribeCertificate", map[string]any{"CertificateId": id}))
	if d["CommonName"] != "api.example.com" || d["KeyType"] != "ECDSA" || d["Issuer"] != "CN=intermediate" ||
		d["SignatureAlgorithm"] != "ECDSA-SHA256" || d["NotAfter"] != isoTime(good.Cert.NotAfter) ||
		d["CertificatePublicKey"] != good.ChainPEM() {
		t.Fatalf("DescribeCertificate: %v", d)
	}
}

// TestCertificateKeyNeverAnswered: no Action answers the private key, and
// with a key file the store holds it sealed only; the published value
// holds it in clear for the edge, and a restart opens it again.
func TestCertificateKeyNeverAnswered(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SecretKeyFile: filepath.Join(t.TempDir(), "master.key")}
	ta := newTestAdmin(t, dir, opts)
	ca := testpki.NewCA("ca")
	l := ca.Valid(30, "www.example.com")
	var answers []any
	collect := func(m map[string]any) map[string]any { answers = append(answers, m); return m }
	id := resultMap(collect(ta.must("UploadCertificate", map[string]any{"Alias": "w", "CertificatePublicKey": l.ChainPEM(),
		"CertificatePrivateKey": l.KeyPEM(), "IsDefault": true})))["CertificateId"].(string)
	collect(ta.must("DescribeCertificate", map[string]any{"CertificateId": id}))
	collect(ta.must("DescribeCertificates", map[string]any{}))
	collect(ta.must("ModifyCertificate", map[string]any{"CertificateId": id, "Alias": "renamed"}))
	renewed := ca.Valid(60, "www.example.com")
	collect(ta.must("ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": renewed.ChainPEM(), "CertificatePrivateKey": renewed.KeyPEM()}))
	b, _ := json.Marshal(answers)
	if testpki.HoldsKey(b, l.KeyPEM(), renewed.KeyPEM()) || bytes.Contains(b, []byte("PRIVATE KEY")) {
		t.Fatalf("an answer holds the private key: %s", b)
	}
	db, err := os.ReadFile(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if testpki.HoldsKey(db, l.KeyPEM(), renewed.KeyPEM()) || bytes.Contains(db, []byte("PRIVATE KEY")) {
		t.Fatal("the store file holds a private key in clear")
	}
	if !bytes.Contains(db, []byte(id)) {
		t.Fatal("sanity: the certificate id should be in the store file")
	}
	if c := publishedCert(ta.published(), id); c == nil || c.PrivateKeyPEM != renewed.KeyPEM() || !c.Default {
		t.Fatalf("published certificate: %+v", c)
	}
	// Restart: the sealed key opens with the key file, not without it.
	ta.Close()
	if _, err := openTestAdmin(dir, Options{}); !errors.Is(err, ErrSecretKeyRequired) {
		t.Fatalf("start without the key file: %v", err)
	}
	ta2 := newTestAdmin(t, dir, opts)
	if c := publishedCert(ta2.published(), id); c == nil || c.PrivateKeyPEM != renewed.KeyPEM() {
		t.Fatalf("published certificate after restart: %+v", c)
	}
}

// TestClearCertificateKeySealedLater: a key stored without a key file is
// sealed at the first start with one (openSecrets covers certificates).
func TestClearCertificateKeySealedLater(t *testing.T) {
	dir := t.TempDir()
	ta := newTestAdmin(t, dir, Options{})
	l := testpki.NewCA("ca").Valid(30, "www.example.com")
	ta.upload(l, "w", true)
	ta.Close()
	if db, _ := os.ReadFile(DBPath(dir)); !testpki.HoldsKey(db, l.KeyPEM()) {
		t.Fatal("sanity: without a key file the key is stored in clear")
	}
	ta2 := newTestAdmin(t, dir, Options{SecretKeyFile: filepath.Join(t.TempDir(), "k")})
	if db, _ := os.ReadFile(DBPath(dir)); testpki.HoldsKey(db, l.KeyPEM()) {
		t.Fatal("the clear key is still in the store after a start with a key file")
	}
	if p := ta2.published(); len(p.Certificates) != 1 || p.Certificates[0].PrivateKeyPEM != l.KeyPEM() {
		t.Fatalf("published: %+v", p.Certificates)
	}
}

// TestReplaceCertificate: a renewal under the same id reaches the edge in a
// new revision with no rebind; one that no longer covers a bound domain is
// refused and changes nothing.
func TestReplaceCertificate(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	ca := testpki.NewCA("ca")
	old := ca.Valid(10, "api.example.com", "www.example.com")
	id := ta.upload(old, "a", false)
	ta.bind(svc, "api.example.com", map[string]any{"Protocol": "https", "CertificateId": id})
	rev := ta.Revision()
	if c := publishedCert(ta.published(), id); c == nil || c.CertificatePEM != old.ChainPEM() {
		t.Fatalf("published before: %+v", c)
	}
	narrow := ca.Valid(90, "www.example.com")
	ta.want(errCertBind, "ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": narrow.ChainPEM(), "CertificatePrivateKey": narrow.KeyPEM()})
	expired := ca.Issue(nil, time.Now().AddDate(0, -1, 0), time.Now().Add(-time.Minute), "api.example.com")
	ta.want(errCertExpired, "ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": expired.ChainPEM(), "CertificatePrivateKey": expired.KeyPEM()})
	ta.want(errCertID, "ReplaceCertificate", map[string]any{"CertificateId": "cert-nothere1", "CertificatePublicKey": narrow.ChainPEM(), "CertificatePrivateKey": narrow.KeyPEM()})
	if ta.Revision() != rev {
		t.Fatal("a refused replacement published")
	}
	renewed := ca.Valid(90, "*.example.com")
	r := resultMap(ta.must("ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": renewed.ChainPEM(), "CertificatePrivateKey": renewed.KeyPEM()}))
	if r["CertificateId"] != id || r["NotAfter"] != isoTime(renewed.Cert.NotAfter) || r["Alias"] != "a" {
		t.Fatalf("ReplaceCertificate: %v", r)
	}
	if ta.Revision() != rev+1 {
		t.Fatalf("revision %d after the replacement, want %d", ta.Revision(), rev+1)
	}
	p := ta.published()
	if c := publishedCert(p, id); c == nil || c.CertificatePEM != renewed.ChainPEM() || c.PrivateKeyPEM != renewed.KeyPEM() {
		t.Fatalf("published after: %+v", c)
	}
	if d := p.Services[0].Domains; len(d) != 1 || d[0].CertificateId != id {
		t.Fatalf("domains after: %+v", d)
	}
}

// TestDeleteCertificateInUse: refused while a domain is bound with it.
func TestDeleteCertificateInUse(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	id := ta.upload(testpki.NewCA("ca").Valid(30, "api.example.com"), "a", false)
	ta.bind(svc, "api.example.com", map[string]any{"Protocol": "http&https", "CertificateId": id})
	ta.want("ResourceInUse", "DeleteCertificate", map[string]any{"CertificateId": id})
	if got := resultMap(ta.must("DescribeCertificate", map[string]any{"CertificateId": id}))["BindDomains"]; len(got.([]any)) != 1 {
		t.Fatalf("BindDomains: %v", got)
	}
	ta.must("UnBindSubDomain", map[string]any{"ServiceId": svc, "SubDomain": "api.example.com"})
	if publishedCert(ta.published(), id) != nil {
		t.Fatal("an unused certificate is still published")
	}
	ta.must("DeleteCertificate", map[string]any{"CertificateId": id})
	ta.want(errCertID, "DescribeCertificate", map[string]any{"CertificateId": id})
	ta.want(errCertID, "DeleteCertificate", map[string]any{"CertificateId": id})
}

// TestDefaultCertificate: one default at a time, published with Default;
// an https domain without CertificateId takes it when it covers the name.
func TestDefaultCertificate(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	ca := testpki.NewCA("ca")
	rev := ta.Revision()
	a := ta.upload(ca.Valid(30, "*.example.com"), "a", true)
	if ta.Revision() != rev+1 {
		t.Fatal("a default certificate is not published at once")
	}
	ta.upload(ca.Valid(30, "other.test"), "unused", false)
	if ta.Revision() != rev+1 {
		t.Fatal("an unused certificate published a revision")
	}
	b := ta.upload(ca.Valid(30, "*.example.org"), "b", true)
	p := ta.published()
	if len(p.Certificates) != 1 || p.Certificates[0].CertificateId != b || !p.Certificates[0].Default {
		t.Fatalf("published: %+v", p.Certificates)
	}
	if resultMap(ta.must("DescribeCertificate", map[string]any{"CertificateId": a}))["IsDefault"] != false {
		t.Fatal("two default certificates")
	}
	// The default covers api.example.org, not api.example.com.
	ta.bind(svc, "api.example.org", map[string]any{"Protocol": "https"})
	want := func(name, cert string) {
		t.Helper()
		set := resultMap(ta.must("DescribeServiceSubDomains", map[string]any{"ServiceId": svc}))["DomainSet"].([]any)
		for _, d := range set {
			if d := d.(map[string]any); d["DomainName"] == name && d["CertificateId"] == cert {
				return
			}
		}
		t.Fatalf("%s with %s not in %v", name, cert, set)
	}
	want("api.example.org", b)
	ta.want("FailedOperation.CertificateIsNull", "BindSubDomain", ta.bindParams(svc, "api.example.com", map[string]any{"Protocol": "https"}))
	ta.must("ModifyCertificate", map[string]any{"CertificateId": a, "IsDefault": true})
	ta.bind(svc, "api.example.com", map[string]any{"Protocol": "https"})
	want("api.example.com", a)
	// Both are published now: b for its domain, a as the default.
	p = ta.published()
	if len(p.Certificates) != 2 || publishedCert(p, a) == nil || !publishedCert(p, a).Default || publishedCert(p, b) == nil || publishedCert(p, b).Default {
		t.Fatalf("published: %+v", p.Certificates)
	}
}

// TestCertificateExpiry: the expiry warning names the certificates within
// the window (and the expired ones), a domain cannot bind an expired one,
// and CertificateExpiries lists them soonest first.
func TestCertificateExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var logs bytes.Buffer
	var logMu sync.Mutex
	opts := Options{DataDir: t.TempDir(), Now: clock, CertExpiryWarning: 10 * 24 * time.Hour,
		Log: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ta := &testAdmin{t, a, a.actions()}
	svc, _ := ta.service()
	ca := testpki.NewCA("ca")
	soon := ta.upload(ca.Valid(5, "soon.example.com"), "soon", false)
	later := ta.upload(ca.Valid(40, "later.example.com"), "later", false)
	logged := func() string { logMu.Lock(); defer logMu.Unlock(); s := logs.String(); logs.Reset(); return s }
	logged()
	a.warnExpiring()
	got := logged()
	if !strings.Contains(got, "expires soon") || !strings.Contains(got, soon) || strings.Contains(got, later) {
		t.Fatalf("warning at start of the window:\n%s", got)
	}
	exp, err := a.CertificateExpiries()
	if err != nil || len(exp) != 2 || exp[0].CertificateId != soon || exp[1].CertificateId != later {
		t.Fatalf("CertificateExpiries: %+v %v", exp, err)
	}
	mu.Lock()
	now = now.AddDate(0, 0, 6)
	mu.Unlock()
	a.warnExpiring()
	if got := logged(); !strings.Contains(got, "has expired") || !strings.Contains(got, soon) {
		t.Fatalf("warning after expiry:\n%s", got)
	}
	ta.want(errCertExpired, "BindSubDomain", ta.bindParams(svc, "soon.example.com", map[string]any{"Protocol": "https", "CertificateId": soon}))
	ta.bind(svc, "later.example.com", map[string]any{"Protocol": "https", "CertificateId": later})
	if l := logged(); strings.Contains(l, "PRIVATE KEY") {
		t.Fatalf("a private key was logged:\n%s", l)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestDescribeCertificatesList: paging, filters, soonest expiry first.
func TestDescribeCertificatesList(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{Limits: Limits{Certificates: 3}})
	ca := testpki.NewCA("ca")
	c60 := ta.upload(ca.Valid(60, "a.example.com"), "sixty", false)
	c30 := ta.upload(ca.Valid(30, "b.example.com"), "thirty", false)
	c90 := ta.upload(ca.Valid(90, "c.example.org"), "ninety", false)
	fourth := ca.Valid(1, "d.example.com")
	ta.want("LimitExceeded.CertificateCountLimitExceeded", "UploadCertificate", map[string]any{"Alias": "x",
		"CertificatePublicKey": fourth.ChainPEM(), "CertificatePrivateKey": fourth.KeyPEM()})
	ids := func(params map[string]any) (int, []string) {
		t.Helper()
		r := resultMap(ta.must("DescribeCertificates", params))
		var out []string
		for _, c := range r["CertificateSet"].([]any) {
			out = append(out, c.(map[string]any)["CertificateId"].(string))
		}
		return int(r["TotalCount"].(float64)), out
	}
	if n, got := ids(map[string]any{}); n != 3 || strings.Join(got, ",") != strings.Join([]string{c30, c60, c90}, ",") {
		t.Fatalf("all: %d %v", n, got)
	}
	if n, got := ids(map[string]any{"Limit": 1, "Offset": 1}); n != 3 || len(got) != 1 || got[0] != c60 {
		t.Fatalf("page: %d %v", n, got)
	}
	if n, got := ids(map[string]any{"Filters": []Filter{{Name: "Domain", Values: []string{"example.com"}}}}); n != 2 || got[0] != c30 {
		t.Fatalf("Domain filter: %d %v", n, got)
	}
	if n, got := ids(map[string]any{"Filters": []Filter{{Name: "Alias", Values: []string{"NINE"}}}}); n != 1 || got[0] != c90 {
		t.Fatalf("Alias filter: %d %v", n, got)
	}
	ta.want(errFilterName, "DescribeCertificates", map[string]any{"Filters": []Filter{{Name: "Colour", Values: []string{"x"}}}})
	ta.want(errInvalidValue, "DescribeCertificates", map[string]any{"Limit": 101})
}
