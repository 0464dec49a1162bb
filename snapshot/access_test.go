package snapshot

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

const accessDoc = `
Services:
  - ServiceId: service-s
    Environments: [release, test]
    Apis:
      - {ApiId: a-open, RequestConfig: {Path: /o, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: x}
      - {ApiId: a-env, AuthType: SECRET, RequestConfig: {Path: /e, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: x}
      - {ApiId: a-api, AuthType: secret, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: x}
      - {ApiId: a-app, AuthType: APP, RequestConfig: {Path: /p, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: x}
      - {ApiId: a-oauth, AuthType: OAUTH, ApiBusinessType: OAUTH, OauthConfig: {PublicKey: '%JWK%', TokenLocation: '%LOC%'}, RequestConfig: {Path: /t, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: x}
      - {ApiId: a-biz, AuthType: OAUTH, AuthRelationApiId: '%REL%', RequestConfig: {Path: /b, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: x}
Access:
  Keys:
    - {SecretId: k1, SecretKey: s1, Status: 1}
    - {SecretId: k2, SecretKey: s2, Status: 0}
    - {SecretId: k3, SecretKey: s3, Status: 1}
  Plans:
    - {UsagePlanId: p-env, MaxRequestNum: -1, MaxRequestNumPreSec: -1, SecretIds: [k1, k2], Bindings: [{ServiceId: service-s, Environment: release}]}
    - {UsagePlanId: p-api, MaxRequestNum: -1, MaxRequestNumPreSec: -1, SecretIds: [k1, k3], Bindings: [{ServiceId: service-s, Environment: release, ApiId: a-api}]}
  Apps:
    - {ApiAppId: app-1, ApiAppKey: ak1, ApiAppSecret: as1, Status: 1, Apis: [{ServiceId: service-s, Environment: test, ApiId: a-app}]}
`

const edJWK = `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`

func compileAccessDoc(t *testing.T, jwk, loc, rel string) (*Snapshot, error) {
	t.Helper()
	doc := strings.NewReplacer("%JWK%", jwk, "%LOC%", loc, "%REL%", rel).Replace(accessDoc)
	p, err := model.ParseFile([]byte(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Compile(p)
}

func TestCompileAccess(t *testing.T) {
	s, err := compileAccessDoc(t, edJWK, "method.req.cookie.tok", "a-oauth")
	if err != nil {
		t.Fatal(err)
	}
	byAPI := map[string]*RouteAuth{}
	for _, r := range s.Router.Routes() {
		byAPI[r.ApiId+"@"+r.Environment] = &s.Access.Routes[r.Index]
	}
	if ra := byAPI["a-open@release"]; ra.Kind != AuthNone {
		t.Errorf("open: %+v", ra)
	}
	env := byAPI["a-env@release"]
	if env.Kind != AuthSecret || len(env.Grants) != 2 || env.Grants["k1"].PlanId != "p-env" || env.Grants["k3"] != nil {
		t.Errorf("env-bound grants: %+v", env.Grants)
	}
	api := byAPI["a-api@release"]
	if len(api.Grants) != 3 || api.Grants["k1"].PlanId != "p-api" || api.Grants["k3"].PlanId != "p-api" || api.Grants["k2"].PlanId != "p-env" {
		t.Errorf("API-bound grants (API-level plan first): %+v", api.Grants)
	}
	if string(api.Grants["k3"].RespHeader) != "X-Secret-ID: k3\r\nX-UsagePlan-ID: p-api\r\n" {
		t.Errorf("header %q", api.Grants["k3"].RespHeader)
	}
	if g := byAPI["a-env@test"].Grants; len(g) != 0 {
		t.Errorf("plan bound to release reached test: %+v", g)
	}
	if s.Access.Keys["k2"].Enabled || !s.Access.Keys["k1"].Enabled {
		t.Error("key status")
	}
	if a := byAPI["a-app@test"]; a.Kind != AuthApp || a.Apps["ak1"] == nil {
		t.Errorf("app bound in test: %+v", a)
	}
	if a := byAPI["a-app@release"]; len(a.Apps) != 0 {
		t.Errorf("app bound in test reached release: %+v", a)
	}
	if a := byAPI["a-oauth@release"]; a.Kind != AuthNone {
		t.Errorf("authorization API must be open: %+v", a)
	}
	b := byAPI["a-biz@release"]
	if b.Kind != AuthOAuth || b.JWT == nil || b.Token != (TokenLocation{From: TokenCookie, Name: "tok"}) {
		t.Errorf("business API: %+v", b)
	}

	for name, tc := range map[string][3]string{
		"no relation":                       {edJWK, "", ""},
		"unknown relation":                  {edJWK, "", "a-nope"},
		"relation not an authorization API": {edJWK, "", "a-open"},
		"bad JWK":                           {`{"kty":"oct","k":"AA"}`, "", "a-oauth"},
		"bad location":                      {edJWK, "somewhere", "a-oauth"},
	} {
		if _, err := compileAccessDoc(t, tc[0], tc[1], tc[2]); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
}

func TestParseTokenLocation(t *testing.T) {
	for in, want := range map[string]TokenLocation{
		"":                                {From: TokenHeader, Name: "authorization", Bearer: true},
		"method.req.header.authorization": {From: TokenHeader, Name: "authorization", Bearer: true},
		"method.req.header.X-Token":       {From: TokenHeader, Name: "x-token"},
		"method.req.query.access_token":   {From: TokenQuery, Name: "access_token"},
		"method.req.querystring.Tok":      {From: TokenQuery, Name: "Tok"},
		"method.req.cookie.session":       {From: TokenCookie, Name: "session"},
	} {
		got, err := ParseTokenLocation(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"header", "method.req.header.", "method.req.body.x", "method.req.query.a b"} {
		if _, err := ParseTokenLocation(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestAuthorizationAPITokenLocation: an authorization API's TokenLocation
// is checked on that API, with no business API linked to it yet, so the
// Action that writes it is the one refused.
func TestAuthorizationAPITokenLocation(t *testing.T) {
	f := func(loc string) error {
		t.Helper()
		doc := strings.NewReplacer("%JWK%", edJWK, "%LOC%", loc).Replace(accessDoc)
		doc = doc[:strings.Index(doc, "      - {ApiId: a-biz")] + doc[strings.Index(doc, "Access:"):]
		p, err := model.ParseFile([]byte(doc))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		_, err = Compile(p)
		return err
	}
	if err := f("method.req.query.access_token"); err != nil {
		t.Fatalf("good location: %v", err)
	}
	var se *Error
	if err := f("somewhere"); !errors.As(err, &se) || se.ApiId != "a-oauth" || se.Field != "OauthConfig.TokenLocation" {
		t.Fatalf("bad location on the authorization API: %v", err)
	}
}
