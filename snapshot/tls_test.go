package snapshot

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

const tlsCerts = `
Certificates:
  - {CertificateId: ca1, CertificateType: CA, CertificatePEM: bundle}
  - {CertificateId: cl1, CertificateType: CLIENT, CertificatePEM: chain, PrivateKeyPEM: key}
  - {CertificateId: sv1, CertificatePEM: chain2, PrivateKeyPEM: key2}
`

func compileTLSOne(t *testing.T, api string) (*Snapshot, error) {
	t.Helper()
	p, err := model.ParseFile([]byte("Services:\n  - ServiceId: service-s\n    Apis:\n      - " + api + tlsCerts))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Compile(p)
}

// https:// and wss:// turn TLS on: port 443 by default, the URL's host as
// the verification name unless TlsServerName says otherwise, and the
// referenced certificates' PEM in the comparable TLS value.
func TestCompileTLSBackends(t *testing.T) {
	s, err := compileTLSOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "https://Api.Example"}}`)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Backends[0]
	if b.TLS == nil || *b.TLS != (TLS{ServerName: "api.example"}) || b.Targets[0].Addr != "api.example:443" || b.Host != "api.example" {
		t.Errorf("https default: %+v %+v", b, b.TLS)
	}
	s, err = compileTLSOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "https://[::1]:8443", TlsServerName: Backend.Internal, CaCertificateId: ca1, ClientCertificateId: cl1}}`)
	if err != nil {
		t.Fatal(err)
	}
	b = s.Backends[0]
	want := TLS{ServerName: "backend.internal", CABundlePEM: "bundle", ClientCertPEM: "chain", ClientKeyPEM: "key"}
	if b.TLS == nil || *b.TLS != want || b.Targets[0].Addr != "[::1]:8443" {
		t.Errorf("https options: %+v %+v", b, b.TLS)
	}
	s, err = compileTLSOne(t, `{ApiId: a, Protocol: WEBSOCKET, RequestConfig: {Path: /a, Method: GET}, ServiceType: WEBSOCKET, ServiceConfig: {Url: "wss://10.0.0.1", TlsInsecureSkipVerify: true}}`)
	if err != nil {
		t.Fatal(err)
	}
	b = s.Backends[0]
	if b.Kind != KindWebSocket || b.TLS == nil || *b.TLS != (TLS{ServerName: "10.0.0.1", InsecureSkipVerify: true}) || b.Targets[0].Addr != "10.0.0.1:443" {
		t.Errorf("wss: %+v %+v", b, b.TLS)
	}
	s, err = compileTLSOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, ServiceConfig: {Url: "https://svc.internal", CaCertificateId: ca1}, TargetServices: [{VmIp: 10.0.0.1, VmPort: 8443}, {VmIp: 10.0.0.2, VmPort: 8443}]}`)
	if err != nil {
		t.Fatal(err)
	}
	b = s.Backends[0]
	if b.TLS == nil || *b.TLS != (TLS{ServerName: "svc.internal", CABundlePEM: "bundle"}) || len(b.Targets) != 2 || b.Host != "" {
		t.Errorf("target over https: %+v %+v", b, b.TLS)
	}
	s, err = compileTLSOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://h"}}`)
	if err != nil || s.Backends[0].TLS != nil {
		t.Errorf("http has TLS: %v %v", s.Backends[0].TLS, err)
	}
}

// A referenced certificate must exist and have the type its field wants.
func TestCompileTLSReferences(t *testing.T) {
	cases := map[string]string{
		"ca is client":     `CaCertificateId: cl1`,
		"ca is server":     `CaCertificateId: sv1`,
		"client is ca":     `ClientCertificateId: ca1`,
		"unknown client":   `ClientCertificateId: nope`,
		"server name port": `TlsServerName: "h:443"`,
	}
	for name, opt := range cases {
		_, err := compileTLSOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "https://h", `+opt+`}}`)
		var e *Error
		if !errors.As(err, &e) || e.ApiId != "a" || !strings.HasPrefix(e.Field, "ServiceConfig.") || e.Unsupported {
			t.Errorf("%s: %v", name, err)
		}
	}
}
