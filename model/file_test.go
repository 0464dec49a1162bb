package model

import (
	"strings"
	"testing"
)

func TestParseFile(t *testing.T) {
	doc := `
BaseDomain: Example.COM.
Services:
  - ServiceId: service-demo
    ServiceName: demo
    Environments: [release, test]
    Apis:
      - ApiId: api-hello
        RequestConfig: {Path: /hello, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: hi
`
	p, err := ParseFile([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if p.BaseDomain != "example.com" {
		t.Errorf("BaseDomain = %q", p.BaseDomain)
	}
	if len(p.Services) != 1 || len(p.Services[0].Environments) != 2 {
		t.Fatalf("got %+v", p)
	}
	a := p.Services[0].Environments[1].Apis[0]
	if a.ServiceId != "service-demo" || a.RequestConfig.Path != "/hello" || a.ServiceMockReturnMessage != "hi" {
		t.Errorf("api = %+v", a)
	}
}

func TestParseFileErrors(t *testing.T) {
	cases := map[string]string{
		"unknown field":  "Services: [{ServiceId: s, Apis: [], Bogus: 1}]",
		"no services":    "BaseDomain: x",
		"no service id":  "Services: [{Apis: []}]",
		"bad service id": "Services: [{ServiceId: 'a b', Apis: []}]",
		"dup service":    "Services: [{ServiceId: s, Apis: []}, {ServiceId: s, Apis: []}]",
		"dup api":        "Services: [{ServiceId: s, Apis: [{ApiId: a, ServiceType: MOCK}, {ApiId: a, ServiceType: MOCK}]}]",
		"no api id":      "Services: [{ServiceId: s, Apis: [{ServiceType: MOCK}]}]",
		"bad env":        "Services: [{ServiceId: s, Environments: ['a/b'], Apis: []}]",
		"dup env":        "Services: [{ServiceId: s, Environments: [a, a], Apis: []}]",
		"json syntax":    "{",
		"wrong service":  "Services: [{ServiceId: s, Apis: [{ApiId: a, ServiceId: t}]}]",
		"cert no id":     "Services: [{ServiceId: s, Apis: []}]\nCertificates: [{CertificatePEM: x, PrivateKeyPEM: y}]",
		"cert dup id":    "Services: [{ServiceId: s, Apis: []}]\nCertificates: [{CertificateId: c, CertificatePEM: x, PrivateKeyPEM: y}, {CertificateId: c, CertificatePEM: x, PrivateKeyPEM: y}]",
		"cert no key":    "Services: [{ServiceId: s, Apis: []}]\nCertificates: [{CertificateId: c, CertificatePEM: x}]",
		"unknown cert":   "Services: [{ServiceId: s, Apis: [], Domains: [{SubDomain: a.org, IsDefaultMapping: true, CertificateId: nope}]}]",
	}
	for name, doc := range cases {
		if _, err := ParseFile([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.TrimSpace(err.Error()) == "" {
			t.Errorf("%s: empty error", name)
		}
	}
}

// Certificates and the domains' HTTPS fields pass through to Published.
func TestParseFileCertificates(t *testing.T) {
	doc := `
Services:
  - ServiceId: s
    Protocol: https
    Domains: [{SubDomain: api.example.com, IsDefaultMapping: true, Protocol: http&https, IsForcedHttps: true, CertificateId: c1}]
    Apis: []
Certificates:
  - {CertificateId: c1, CertificatePEM: chain, PrivateKeyPEM: key}
  - {CertificateId: c2, CertificatePEM: chain2, PrivateKeyPEM: key2, Default: true}
`
	p, err := ParseFile([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Certificates) != 2 || p.Certificates[0].CertificatePEM != "chain" || !p.Certificates[1].Default {
		t.Errorf("certificates %+v", p.Certificates)
	}
	d := p.Services[0].Domains[0]
	if p.Services[0].Service.Protocol != "https" || d.Protocol != "http&https" || !d.IsForcedHttps || d.CertificateId != "c1" {
		t.Errorf("service %+v domain %+v", p.Services[0].Service, d)
	}
}

func TestParseFileAccess(t *testing.T) {
	base := "Services: [{ServiceId: s1, Apis: []}]\nAccess:\n"
	p, err := ParseFile([]byte(base + `  Keys: [{SecretId: k1, SecretKey: x, Status: 1}]
  Plans: [{UsagePlanId: p1, MaxRequestNum: -1, MaxRequestNumPreSec: -1, SecretIds: [k1], Bindings: [{ServiceId: s1, Environment: release}]}]
  Apps: [{ApiAppId: a1, ApiAppKey: ak, ApiAppSecret: as, Status: 1, Apis: [{ServiceId: s1, Environment: release, ApiId: x}]}]
`))
	if err != nil || p.Access == nil || p.Access.Keys[0].SecretKey != "x" || p.Access.Plans[0].Bindings[0].Environment != "release" || p.Access.Apps[0].Apis[0].ApiId != "x" {
		t.Fatalf("%+v %v", p, err)
	}
	for name, bad := range map[string]string{
		"no secret":      "  Keys: [{SecretId: k1}]\n",
		"duplicate key":  "  Keys: [{SecretId: k1, SecretKey: x}, {SecretId: k1, SecretKey: y}]\n",
		"bad status":     "  Keys: [{SecretId: k1, SecretKey: x, Status: 2}]\n",
		"unknown key":    "  Plans: [{UsagePlanId: p1, SecretIds: [nope]}]\n",
		"binding no env": "  Plans: [{UsagePlanId: p1, Bindings: [{ServiceId: s1}]}]\n",
		"app no secret":  "  Apps: [{ApiAppId: a1, ApiAppKey: ak}]\n",
		"unknown field":  "  Keys: [{SecretId: k1, SecretKey: x, Secret: y}]\n",
	} {
		if _, err := ParseFile([]byte(base + bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A file may attach plugins (here the Compression extension) as the
// control plane publishes them.
func TestParseFileTraffic(t *testing.T) {
	doc := `
Services:
  - ServiceId: service-demo
    Apis:
      - ApiId: api-hello
        RequestConfig: {Path: /hello, Method: GET}
        ServiceType: MOCK
        ServiceMockReturnMessage: hi
Traffic:
  Plugins:
    - PluginId: plugin-gzip
      PluginType: Compression
      PluginData: '{"Enabled":true,"Codings":["gzip"]}'
      Attachments: [{ServiceId: service-demo, Environment: release, ApiId: api-hello}]
`
	p, err := ParseFile([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if p.Traffic == nil || len(p.Traffic.Plugins) != 1 || p.Traffic.Plugins[0].PluginType != "Compression" ||
		p.Traffic.Plugins[0].Attachments[0].ApiId != "api-hello" {
		t.Fatalf("Traffic = %+v", p.Traffic)
	}
}
