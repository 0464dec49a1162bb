package e2e

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// The clients in this file sign as the seed (密钥对认证, API调用) and
// Tencent Cloud's application-authentication document describe, written
// here from that prose, independently of the auth package.

// seedKeyPairAuth builds the Authorization value: the signing string is
// each listed header as "lower-case name: value", joined by "\n"; the
// signature is Base64(HMAC(secret_key, signing string)).
func seedKeyPairAuth(id, secret, alg string, names []string, values map[string]string) string {
	var lines []string
	for _, n := range names {
		lines = append(lines, strings.ToLower(n)+": "+values[n])
	}
	return fmt.Sprintf(`hmac id="%s", algorithm="%s", headers="%s", signature="%s"`,
		id, alg, strings.Join(names, " "), hmacB64(alg, secret, strings.Join(lines, "\n")))
}

func hmacB64(alg, secret, msg string) string {
	var nh func() hash.Hash = sha1.New
	if alg == "hmac-sha256" {
		nh = sha256.New
	}
	m := hmac.New(nh, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// keyPairHeaders signs X-Date and Source as the seed's 密钥对认证 says.
func keyPairHeaders(id, secret, alg string) map[string]string {
	h := map[string]string{"X-Date": httpDate(time.Now()), "Source": "e2e"}
	h["Authorization"] = seedKeyPairAuth(id, secret, alg, []string{"X-Date", "Source"}, h)
	return h
}

// authGet is a GET of path through c with the headers hdr.
func (g *gateway) authGet(c *http.Client, path string, hdr map[string]string) answer {
	return g.send(c, "GET", path, nil, hdr)
}

// authCase is one call and the answer it must get.
type authCase struct {
	name, path string
	hdr        map[string]string
	status     int
	code       string
}

// checkAuth makes each call through c and checks its answer.
func checkAuth(t *testing.T, g *gateway, c *http.Client, cases []authCase) {
	t.Helper()
	for _, tc := range cases {
		if r := g.authGet(c, tc.path, tc.hdr); !is(tc.status, tc.code)(r) {
			t.Errorf("%s: %v, want %d %q", tc.name, r, tc.status, tc.code)
		}
	}
}

// accessConfig: /sec (SECRET, bound through plan-a to the release
// environment), /sec2 (SECRET, plan-b bound to that API only), /app and
// /app2 (APP; app1 is bound to /app only).
func accessConfig(up *upstreamProc, keys, planA string) string {
	return config(up, fmt.Sprintf(`
      - {ApiId: api-sec, RequestConfig: {Path: /sec, Method: ANY}, AuthType: SECRET, ServiceType: HTTP, ServiceConfig: {Url: "http://%[1]s", Path: /echo}}
      - {ApiId: api-sec2, RequestConfig: {Path: /sec2, Method: GET}, AuthType: SECRET, ServiceType: MOCK, ServiceMockReturnMessage: sec2}
      - {ApiId: api-app, RequestConfig: {Path: /app, Method: GET}, AuthType: APP, ServiceType: MOCK, ServiceMockReturnMessage: app}
      - {ApiId: api-app2, RequestConfig: {Path: /app2, Method: GET}, AuthType: APP, ServiceType: MOCK, ServiceMockReturnMessage: app2}
Access:
  Keys:
%[2]s
    - {SecretId: AKIDb, SecretKey: secret-b, Status: 1}
    - {SecretId: AKIDoff, SecretKey: secret-off, Status: 0}
  Plans:
    - {UsagePlanId: usagePlan-a, MaxRequestNum: -1, MaxRequestNumPreSec: -1, SecretIds: [%[3]s], Bindings: [{ServiceId: %[4]s, Environment: release}]}
    - {UsagePlanId: usagePlan-b, MaxRequestNum: -1, MaxRequestNumPreSec: -1, SecretIds: [AKIDb], Bindings: [{ServiceId: %[4]s, Environment: release, ApiId: api-sec2}]}
  Apps:
    - {ApiAppId: app-1, ApiAppKey: APIDapp1, ApiAppSecret: app1-secret, Status: 1, Apis: [{ServiceId: %[4]s, Environment: release, ApiId: api-app}]}
    - {ApiAppId: app-2, ApiAppKey: APIDapp2, ApiAppSecret: app2-secret, Status: 1}
`, up.HTTP, keys, planA, testService))
}

const keyA = "    - {SecretId: AKIDa, SecretKey: secret-a, Status: 1}"

func TestKeyPairAuth(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa, AKIDoff"))
	c := g.client()
	now := time.Now()
	for _, alg := range []string{"hmac-sha1", "hmac-sha256"} {
		r := g.authGet(c, "/sec", keyPairHeaders("AKIDa", "secret-a", alg))
		if !is(200, "")(r) || r.h.Get("X-Secret-ID") != "AKIDa" || r.h.Get("X-UsagePlan-ID") != "usagePlan-a" {
			t.Errorf("correct %s: %v %v", alg, r, r.h)
		}
	}
	// signA signs h's names with key a.
	signA := func(h map[string]string, names ...string) map[string]string {
		h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", names, h)
		return h
	}
	// tampered is a correct request of key a with f applied to it.
	tampered := func(f func(h map[string]string)) map[string]string {
		h := keyPairHeaders("AKIDa", "secret-a", "hmac-sha1")
		f(h)
		return h
	}
	replace := func(old, new string) map[string]string {
		return tampered(func(h map[string]string) { h["Authorization"] = strings.Replace(h["Authorization"], old, new, 1) })
	}
	flipSignature := func(h map[string]string) {
		a := h["Authorization"]
		i := strings.Index(a, `signature="`) + len(`signature="`)
		flip := "A"
		if a[i] == 'A' {
			flip = "B"
		}
		h["Authorization"] = a[:i] + flip + a[i+1:]
	}
	checkAuth(t, g, c, []authCase{
		// Each tampering fails.
		{"id changed", "/sec", replace(`id="AKIDa"`, `id="AKIDb"`), 401, "SignatureMismatch"},
		{"unknown id", "/sec", replace(`id="AKIDa"`, `id="AKIDzz"`), 401, "InvalidSecretId"},
		{"algorithm changed", "/sec", replace("hmac-sha1", "hmac-sha256"), 401, "SignatureMismatch"},
		{"headers list changed", "/sec", replace(`headers="X-Date Source"`, `headers="X-Date"`), 401, "SignatureMismatch"},
		{"signed value changed", "/sec", tampered(func(h map[string]string) { h["Source"] = "evil" }), 401, "SignatureMismatch"},
		{"signature changed", "/sec", tampered(flipSignature), 401, "SignatureMismatch"},
		{"unsupported algorithm", "/sec", keyPairHeaders("AKIDa", "secret-a", "hmac-md5"), 401, "UnsupportedSignatureAlgorithm"},
		{"no Authorization", "/sec", map[string]string{"X-Date": httpDate(now)}, 401, "MissingAuthorization"},
		{"bad Authorization", "/sec", map[string]string{"X-Date": httpDate(now), "Authorization": "Basic abc"}, 401, "InvalidAuthorization"},
		// X-Date 16 minutes old fails; a Date-only request an hour old passes.
		{"X-Date 16 min old", "/sec", signA(map[string]string{"X-Date": httpDate(now.Add(-16 * time.Minute))}, "X-Date"), 401, "RequestExpired"},
		{"Date an hour old", "/sec", signA(map[string]string{"Date": httpDate(now.Add(-time.Hour)), "Source": "e2e"}, "Date", "Source"), 200, ""},
		{"no date", "/sec", signA(map[string]string{"Source": "e2e"}, "Source"), 401, "MissingDate"},
		// Keys: disabled; valid but not bound here (403); bound at API level.
		{"disabled key", "/sec", keyPairHeaders("AKIDoff", "secret-off", "hmac-sha1"), 401, "SecretIdDisabled"},
		{"key not bound to /sec", "/sec", keyPairHeaders("AKIDb", "secret-b", "hmac-sha1"), 403, "AccessDenied"},
		{"environment binding reaches /sec2", "/sec2", keyPairHeaders("AKIDa", "secret-a", "hmac-sha1"), 200, ""},
	})
	if r := g.authGet(c, "/sec2", keyPairHeaders("AKIDb", "secret-b", "hmac-sha1")); !is(200, "")(r) || r.h.Get("X-UsagePlan-ID") != "usagePlan-b" {
		t.Errorf("API-level binding: %v, plan %q", r, r.h.Get("X-UsagePlan-ID"))
	}

	// The request reached the backend with its own headers and the
	// verified identity; a client's own X-Secret-ID is replaced.
	h := keyPairHeaders("AKIDa", "secret-a", "hmac-sha256")
	h["X-Secret-ID"] = "AKIDspoofed"
	var e echoed
	if r := g.authGet(c, "/sec", h); json.Unmarshal([]byte(r.body), &e) != nil {
		t.Fatalf("signed request: %v", r)
	}
	uh := http.Header(e.Headers)
	if e.URI != "/echo" || uh.Get("Source") != "e2e" || len(uh.Values("X-Secret-Id")) != 1 || uh.Get("X-Secret-ID") != "AKIDa" || uh.Get("X-UsagePlan-ID") != "usagePlan-a" {
		t.Errorf("upstream saw %s %v", e.URI, e.Headers)
	}
}

// TestKeyChangesWithin1s: disabling, rotating, unbinding and deleting a
// key (a SIGHUP reload of the file: the same install path the control
// plane publishes through) refuses its requests within 1 s of the signal.
func TestKeyChangesWithin1s(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa"))
	c := g.client()
	probe := func(secret string) func() answer {
		return func() answer { return g.authGet(c, "/sec", keyPairHeaders("AKIDa", secret, "hmac-sha256")) }
	}
	if r := probe("secret-a")(); r.status != 200 {
		t.Fatalf("before: %v", r)
	}
	change := func(name, keys, plan, secret string, status int, code string) {
		t.Helper()
		at := time.Now()
		g.reload(accessConfig(up, keys, plan))
		inEffect(t, name, at, probe(secret), is(status, code))
	}
	change("disable", "    - {SecretId: AKIDa, SecretKey: secret-a, Status: 0}", "AKIDa", "secret-a", 401, "SecretIdDisabled")
	change("re-enable", keyA, "AKIDa", "secret-a", 200, "")
	change("rotate", "    - {SecretId: AKIDa, SecretKey: secret-a2, Status: 1}", "AKIDa", "secret-a", 401, "SignatureMismatch")
	if r := probe("secret-a2")(); r.status != 200 {
		t.Errorf("new secret after rotation: %v", r)
	}
	change("unbind", "    - {SecretId: AKIDa, SecretKey: secret-a2, Status: 1}", "AKIDb", "secret-a2", 403, "AccessDenied")
	change("delete", "", "AKIDb", "secret-a2", 401, "InvalidSecretId")
}

// appHeaders signs a GET of signPath?query as the app key with secret,
// as Tencent Cloud API Gateway's application authentication describes:
// signing string = headers part ("x-date: …"), method, Accept,
// Content-Type, Content-MD5, path without the environment plus "?" and
// the sorted query, joined by "\n"; HMAC-SHA256, Base64.
func appHeaders(key, secret, signPath, query string) map[string]string {
	h := map[string]string{"X-Date": httpDate(time.Now()), "Accept": "application/json"}
	if query != "" {
		parts := strings.Split(query, "&")
		sort.Strings(parts)
		signPath += "?" + strings.Join(parts, "&")
	}
	s := "x-date: " + h["X-Date"] + "\nGET\n" + h["Accept"] + "\n" + h["Content-Type"] + "\n" + h["Content-MD5"] + "\n" + signPath
	h["Authorization"] = fmt.Sprintf(`apikey="%s", algorithm="hmac-sha256", headers="x-date", signature="%s"`, key, hmacB64("hmac-sha256", secret, s))
	return h
}

func TestAppAuth(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa"))
	checkAuth(t, g, g.client(), []authCase{
		{"bound app, correct signature", "/app?b=2&a=1", appHeaders("APIDapp1", "app1-secret", "/app", "b=2&a=1"), 200, ""},
		{"bound app, another query", "/app?z=1&y=2", appHeaders("APIDapp1", "app1-secret", "/app", "z=1&y=2"), 200, ""},
		{"bound app, no query", "/app", appHeaders("APIDapp1", "app1-secret", "/app", ""), 200, ""},
		{"app calling an unbound API", "/app2", appHeaders("APIDapp1", "app1-secret", "/app2", ""), 403, "AccessDenied"},
		{"unbound app", "/app", appHeaders("APIDapp2", "app2-secret", "/app", ""), 403, "AccessDenied"},
		{"wrong secret", "/app", appHeaders("APIDapp1", "app2-secret", "/app", ""), 401, "SignatureMismatch"},
		{"path signed differently", "/app", appHeaders("APIDapp1", "app1-secret", "/other", ""), 401, "SignatureMismatch"},
		{"unknown app", "/app", appHeaders("APIDnope", "x", "/app", ""), 401, "InvalidSecretId"},
		// A key pair is not an app credential.
		{"key pair on an APP API", "/app", keyPairHeaders("AKIDa", "secret-a", "hmac-sha1"), 401, "InvalidSecretId"},
	})
}

// TestAuthCheckDate: with --auth-check-date a Date-only request is held to
// the 15 minutes too.
func TestAuthCheckDate(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa"), "--auth-check-date")
	dated := func(age time.Duration) map[string]string {
		h := map[string]string{"Date": httpDate(time.Now().Add(-age))}
		h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"Date"}, h)
		return h
	}
	checkAuth(t, g, g.client(), []authCase{
		{"Date an hour old", "/sec", dated(time.Hour), 401, "RequestExpired"},
		{"Date a minute old", "/sec", dated(time.Minute), 200, ""},
	})
}
