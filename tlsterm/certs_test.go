package tlsterm

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"
)

func TestCertTableLookup(t *testing.T) {
	p := getPKI(t)
	tab := testTable(t, true)
	cases := map[string]string{
		"example.com":      "ecdsa",
		"Example.COM.":     "ecdsa",
		"x.example.com":    "ecdsa",
		"X.Example.Com":    "ecdsa",
		"x.y.example.com":  "default",
		"example.com.evil": "default",
		"api.test":         "ecdsa",
		"":                 "default",
		"default.test":     "default",
	}
	for name, want := range cases {
		set := tab.Lookup(name)
		if len(set) == 0 || set[0].Leaf.Subject.CommonName != want {
			t.Fatalf("%q: got %v, want %s first", name, set, want)
		}
	}
	// ECDSA is tried before RSA whatever the entry order.
	if set := tab.Lookup("api.test"); len(set) != 2 || set[1] != p.rsa {
		t.Fatalf("api.test set %v", set)
	}
	noDef := testTable(t, false)
	if set := noDef.Lookup("unknown.test"); set != nil {
		t.Fatalf("no default: %v", set)
	}
	if c := noDef.Select(&tls.ClientHelloInfo{ServerName: "unknown.test"}); c != nil {
		t.Fatal("unknown name selected a certificate")
	}
	bad := [][]CertEntry{
		{{Cert: &tls.Certificate{}}},
		{{Cert: p.ecdsa, Names: []string{"*."}}},
		{{Cert: p.ecdsa, Names: []string{"a.*.example.com"}}},
		{{Cert: p.ecdsa, Names: []string{"*.*.example.com"}}},
	}
	for _, entries := range bad {
		if _, err := NewCertTable(entries); err == nil {
			t.Fatalf("accepted %+v", entries[0].Names)
		}
	}
}

func TestParseKeyPair(t *testing.T) {
	p := getPKI(t)
	now := time.Now()
	interKey := ecKey(t)
	inter := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "inter"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, interKey, p.caCert, p.caKey)
	leafKey := ecKey(t)
	leaf := issue(t, leafTmpl("leaf", "shop.example.com"), leafKey, inter, interKey)
	chain := append(pemBlock("CERTIFICATE", leaf.Raw), pemBlock("CERTIFICATE", inter.Raw)...)
	key := keyPEM(t, leafKey)

	kp, err := ParseKeyPair(chain, key, VerifyOptions{Roots: p.pool})
	if err != nil {
		t.Fatal(err)
	}
	if kp.KeyType != "ECDSA" || len(kp.Names) != 1 || kp.Names[0] != "shop.example.com" || len(kp.Cert.Certificate) != 2 {
		t.Fatalf("%+v", kp)
	}
	if _, err := NewCertTable([]CertEntry{{Cert: kp.Cert}}); err != nil {
		t.Fatal(err)
	}

	expired := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "old"}, DNSNames: []string{"old.test"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)}, leafKey, p.caCert, p.caKey)
	future := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "new"}, DNSNames: []string{"new.test"},
		NotBefore: now.Add(time.Hour), NotAfter: now.Add(48 * time.Hour)}, leafKey, p.caCert, p.caKey)
	noNames := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "nameless"}}, leafKey, p.caCert, p.caKey)
	otherCA := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "other"}, DNSNames: []string{"o.test"}}, leafKey, nil, nil)
	smallRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallLeaf := issue(t, leafTmpl("small", "small.test"), smallRSA, p.caCert, p.caKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edLeaf := issue(t, leafTmpl("ed", "ed.test"), edKey, p.caCert, p.caKey)

	cert := func(cs ...*x509.Certificate) []byte {
		var b []byte
		for _, c := range cs {
			b = append(b, pemBlock("CERTIFICATE", c.Raw)...)
		}
		return b
	}
	cases := []struct {
		name       string
		chain, key []byte
		roots      bool
		code       string
	}{
		{"no certificate", key, key, false, CodeCertificateMissing},
		{"bad certificate", pemBlock("CERTIFICATE", []byte("junk")), key, false, CodeCertificateMalformed},
		{"no key", chain, chain, false, CodeKeyMissing},
		{"bad key", chain, pemBlock("PRIVATE KEY", []byte("junk")), false, CodeKeyMalformed},
		{"other key", chain, keyPEM(t, ecKey(t)), false, CodeKeyMismatch},
		{"chain out of order", cert(leaf, p.caCert, inter), key, false, CodeChainInvalid},
		{"missing intermediate", cert(leaf), key, true, CodeChainInvalid},
		{"untrusted root", cert(otherCA), key, true, CodeChainInvalid},
		{"expired", cert(expired), key, false, CodeCertificateExpired},
		{"not yet valid", cert(future), key, false, CodeCertificateNotYet},
		{"no names", cert(noNames), key, false, CodeNoNames},
		{"small rsa", cert(smallLeaf), keyPEM(t, smallRSA), false, CodeKeyUnsupported},
	}
	for _, tc := range cases {
		opts := VerifyOptions{}
		if tc.roots {
			opts.Roots = p.pool
		}
		_, err := ParseKeyPair(tc.chain, tc.key, opts)
		if CertCode(err) != tc.code {
			t.Fatalf("%s: %v, want code %s", tc.name, err, tc.code)
		}
	}
	// Without roots, a self-signed certificate is accepted (order checked only).
	if _, err := ParseKeyPair(cert(otherCA), key, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	if kp, err := ParseKeyPair(cert(edLeaf), keyPEM(t, edKey), VerifyOptions{Roots: p.pool}); err != nil || kp.KeyType != "Ed25519" {
		t.Fatalf("ed25519: %v", err)
	}
	// RSA in PKCS #1 form, as many tools write it.
	rsaPEM := pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))
	if kp, err := ParseKeyPair(cert(p.rsa.Leaf), rsaPEM, VerifyOptions{Roots: p.pool}); err != nil || kp.KeyType != "RSA" {
		t.Fatalf("rsa: %v", err)
	}
}
