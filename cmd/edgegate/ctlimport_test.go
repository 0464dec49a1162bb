package main

import (
	"io"
	"strings"
	"testing"
)

// TestImportCalls: the backend options, authorization APIs first with
// their business APIs pointed at them, and refusals before any call.
func TestImportCalls(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
components:
  securitySchemes:
    jwt: {type: http, scheme: bearer}
paths:
  /a/{id}:
    get:
      x-edgegate-api-id: api-biz
      x-edgegate-auth-relation-api-id: api-tok
      security: [{jwt: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
  /token:
    post:
      x-edgegate-api-id: api-tok
      x-edgegate-api-business-type: OAUTH
      x-edgegate-oauth-config: {PublicKey: '{"kty":"OKP"}', TokenLocation: method.req.header.authorization}
`
	opts := func(kv ...string) *subOpts {
		o := &subOpts{kv: map[string]string{"ServiceId": "service-x"}}
		for i := 0; i < len(kv); i += 2 {
			o.kv[kv[i]] = kv[i+1]
		}
		return o
	}
	calls, err := importCalls(opts("backend", "http://10.0.0.5:8080"), []byte(doc), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].source != "api-tok" || calls[1].relation != "api-tok" {
		t.Fatalf("order or relation: %+v", calls)
	}
	p := calls[1].params
	if p["ServiceType"] != "HTTP" || p["ServiceConfig"].(map[string]any)["Path"] != "/a/{id}" || p["ServiceTimeout"] != float64(15) {
		t.Fatalf("business API: %+v", p)
	}
	if calls[0].params["ServiceConfig"].(map[string]any)["Path"] != "/token" || calls[0].params["ApiBusinessType"] != "OAUTH" {
		t.Fatalf("authorization API: %+v", calls[0].params)
	}
	// Without the authorization API in the document, --oauth-api is needed.
	noTok := doc[:strings.Index(doc, "  /token:")]
	if _, err := importCalls(opts("mock", "m"), []byte(noTok), io.Discard); err == nil || !strings.Contains(err.Error(), "--oauth-api") {
		t.Fatalf("business API alone: %v", err)
	}
	calls, err = importCalls(opts("mock", "m", "oauth-api", "api-real"), []byte(noTok), io.Discard)
	if err != nil || calls[0].params["AuthRelationApiId"] != "api-real" || calls[0].params["ServiceType"] != "MOCK" {
		t.Fatalf("--oauth-api: %v %+v", err, calls)
	}
	for _, bad := range []*subOpts{opts(), opts("mock", "m", "backend", "http://x"), opts("mock", "m", "timeout", "0")} {
		if _, err := importCalls(bad, []byte(doc), io.Discard); err == nil {
			t.Errorf("%v accepted", bad.kv)
		}
	}
	if code := ctlCmd([]string{"--endpoint", "http://x", "import", "--nope"}, io.Discard, io.Discard); code != exitUsage {
		t.Fatalf("unknown option: exit %d", code)
	}
}
