package snapshot

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/backendsign"
	"github.com/edgegate/edgegate/model"
)

const signingDoc = `
Services:
  - ServiceId: service-s
    Environments: [release, test]
    Apis:
      - {ApiId: a-signed, RequestConfig: {Path: /s, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://127.0.0.1:1", Path: /}}
      - {ApiId: a-plain, RequestConfig: {Path: /p, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://127.0.0.1:1", Path: /}}
Signing:
  Keys:
    - {SignId: k-hmac, SignType: hmac, SignKey: signkeysignkey, SignSecret: sig_secret-0123456789}
    - {SignId: k-aes, SignType: aes, SignKey: 0123456789abcdef, SignSecret: fedcba9876543210, SignAlgorithm: aes-128-cfb}
  Bindings:
%BINDINGS%
`

func compileSigningDoc(t *testing.T, bindings string) (*Snapshot, error) {
	t.Helper()
	p, err := model.ParseFile([]byte(strings.Replace(signingDoc, "%BINDINGS%", bindings, 1)))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Compile(p)
}

func TestCompileSigning(t *testing.T) {
	s, err := compileSigningDoc(t, `
    - {SignId: k-hmac, ServiceId: service-s, Environment: release, ApiId: a-signed}
    - {SignId: k-aes, ServiceId: service-s, Environment: test, ApiId: a-signed}`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range s.Router.Routes() {
		if k := s.Signing[r.Index]; k != nil {
			got[r.ApiId+"@"+r.Environment] = k.Type + " " + k.Scheme()
		}
	}
	want := map[string]string{"a-signed@release": "hmac " + backendsign.SchemeHMAC, "a-signed@test": "aes " + backendsign.SchemeAES128}
	if len(got) != len(want) || got["a-signed@release"] != want["a-signed@release"] || got["a-signed@test"] != want["a-signed@test"] {
		t.Fatalf("route keys %v, want %v", got, want)
	}
}

func TestCompileSigningRefuses(t *testing.T) {
	for _, tc := range []struct{ bindings, want string }{
		{`    - {SignId: k-none, ServiceId: service-s, Environment: release, ApiId: a-signed}`, "unknown key k-none"},
		{`    - {SignId: k-hmac, ServiceId: service-s, Environment: release, ApiId: a-signed}
    - {SignId: k-aes, ServiceId: service-s, Environment: release, ApiId: a-signed}`, "two signature keys"},
	} {
		if _, err := compileSigningDoc(t, tc.bindings); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	p, err := model.ParseFile([]byte(strings.Replace(strings.Replace(signingDoc, "%BINDINGS%",
		`    - {SignId: k-aes, ServiceId: service-s, Environment: release, ApiId: a-plain}`, 1), "aes-128-cfb", "aes-256-cfb", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(p); err == nil || !strings.Contains(err.Error(), "k-aes") {
		t.Errorf("a 16-character key for aes-256-cfb: %v", err)
	}
}
