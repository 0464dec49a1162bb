package e2e

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"syscall"
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

// authResult is one answer: status, the JSON error code, the key headers.
type authResult struct {
	status           int
	code             string
	secretID, planID string
}

func (g *gateway) authGet(c *http.Client, path string, hdr map[string]string) authResult {
	g.t.Helper()
	req, _ := http.NewRequest("GET", g.url(path), nil)
	req.Host = g.Host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		g.t.Fatalf("GET %s: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := authResult{status: resp.StatusCode, secretID: resp.Header.Get("X-Secret-ID"), planID: resp.Header.Get("X-UsagePlan-ID")}
	if resp.StatusCode >= 400 {
		var e struct{ Code string }
		json.Unmarshal(body, &e)
		r.code = e.Code
	}
	return r
}

// accessConfig: /sec (SECRET, bound through plan-a to the release
// environment), /sec2 (SECRET, plan-b bound to that API only), /app and
// /app2 (APP; app1 is bound to /app only).
func accessConfig(up *upstreamProc, keys, planA string) string {
	return config(up, fmt.Sprintf(`
      - ApiId: api-sec
        RequestConfig: {Path: /sec, Method: ANY}
        AuthType: SECRET
        ServiceType: HTTP
        ServiceConfig: {Url: "http://%[1]s", Path: /echo}
      - ApiId: api-sec2
        RequestConfig: {Path: /sec2, Method: GET}
        AuthType: SECRET
        ServiceType: MOCK
        ServiceMockReturnMessage: sec2
      - ApiId: api-app
        RequestConfig: {Path: /app, Method: GET}
        AuthType: APP
        ServiceType: MOCK
        ServiceMockReturnMessage: app
      - ApiId: api-app2
        RequestConfig: {Path: /app2, Method: GET}
        AuthType: APP
        ServiceType: MOCK
        ServiceMockReturnMessage: app2
Access:
  Keys:
%[2]s
    - {SecretId: AKIDb, SecretKey: secret-b, Status: 1}
    - {SecretId: AKIDoff, SecretKey: secret-off, Status: 0}
  Plans:
    - UsagePlanId: usagePlan-a
      MaxRequestNum: -1
      MaxRequestNumPreSec: -1
      SecretIds: [%[3]s]
      Bindings: [{ServiceId: %[4]s, Environment: release}]
    - UsagePlanId: usagePlan-b
      MaxRequestNum: -1
      MaxRequestNumPreSec: -1
      SecretIds: [AKIDb]
      Bindings: [{ServiceId: %[4]s, Environment: release, ApiId: api-sec2}]
  Apps:
    - ApiAppId: app-1
      ApiAppKey: APIDapp1
      ApiAppSecret: app1-secret
      Status: 1
      Apis: [{ServiceId: %[4]s, Environment: release, ApiId: api-app}]
    - ApiAppId: app-2
      ApiAppKey: APIDapp2
      ApiAppSecret: app2-secret
      Status: 1
`, up.HTTP, keys, planA, testService))
}

const keyA = "    - {SecretId: AKIDa, SecretKey: secret-a, Status: 1}"

func TestKeyPairAuth(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa, AKIDoff"))
	c := g.client()
	now := time.Now()
	signed := func(id, secret, alg string) map[string]string {
		h := map[string]string{"X-Date": httpDate(now), "Source": "e2e"}
		h["Authorization"] = seedKeyPairAuth(id, secret, alg, []string{"X-Date", "Source"}, h)
		return h
	}
	check := func(name, path string, h map[string]string, status int, code string) authResult {
		t.Helper()
		r := g.authGet(c, path, h)
		if r.status != status || r.code != code {
			t.Errorf("%s: %d %q, want %d %q", name, r.status, r.code, status, code)
		}
		return r
	}
	for _, alg := range []string{"hmac-sha1", "hmac-sha256"} {
		r := check("correct "+alg, "/sec", signed("AKIDa", "secret-a", alg), 200, "")
		if r.secretID != "AKIDa" || r.planID != "usagePlan-a" {
			t.Errorf("%s: X-Secret-ID %q X-UsagePlan-ID %q", alg, r.secretID, r.planID)
		}
	}
	// Each tampering fails.
	h := signed("AKIDa", "secret-a", "hmac-sha1")
	h["Authorization"] = strings.Replace(h["Authorization"], `id="AKIDa"`, `id="AKIDb"`, 1)
	check("id changed", "/sec", h, 401, "SignatureMismatch")
	h["Authorization"] = strings.Replace(h["Authorization"], `id="AKIDb"`, `id="AKIDzz"`, 1)
	check("unknown id", "/sec", h, 401, "InvalidSecretId")
	h = signed("AKIDa", "secret-a", "hmac-sha1")
	h["Authorization"] = strings.Replace(h["Authorization"], "hmac-sha1", "hmac-sha256", 1)
	check("algorithm changed", "/sec", h, 401, "SignatureMismatch")
	h = signed("AKIDa", "secret-a", "hmac-sha1")
	h["Authorization"] = strings.Replace(h["Authorization"], `headers="X-Date Source"`, `headers="X-Date"`, 1)
	check("headers list changed", "/sec", h, 401, "SignatureMismatch")
	h = signed("AKIDa", "secret-a", "hmac-sha1")
	h["Source"] = "evil"
	check("signed value changed", "/sec", h, 401, "SignatureMismatch")
	h = signed("AKIDa", "secret-a", "hmac-sha1")
	i := strings.Index(h["Authorization"], `signature="`) + len(`signature="`)
	flip := "A"
	if h["Authorization"][i] == 'A' {
		flip = "B"
	}
	h["Authorization"] = h["Authorization"][:i] + flip + h["Authorization"][i+1:]
	check("signature changed", "/sec", h, 401, "SignatureMismatch")
	h = signed("AKIDa", "secret-a", "hmac-md5")
	check("unsupported algorithm", "/sec", h, 401, "UnsupportedSignatureAlgorithm")
	check("no Authorization", "/sec", map[string]string{"X-Date": httpDate(now)}, 401, "MissingAuthorization")
	check("bad Authorization", "/sec", map[string]string{"X-Date": httpDate(now), "Authorization": "Basic abc"}, 401, "InvalidAuthorization")

	// X-Date 16 minutes old fails; a Date-only request an hour old passes.
	h = map[string]string{"X-Date": httpDate(now.Add(-16 * time.Minute))}
	h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"X-Date"}, h)
	check("X-Date 16 min old", "/sec", h, 401, "RequestExpired")
	h = map[string]string{"Date": httpDate(now.Add(-time.Hour)), "Source": "e2e"}
	h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"Date", "Source"}, h)
	check("Date an hour old", "/sec", h, 200, "")
	h = map[string]string{"Source": "e2e"}
	h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"Source"}, h)
	check("no date", "/sec", h, 401, "MissingDate")

	// Keys: disabled; valid but not bound here (403); bound at API level.
	check("disabled key", "/sec", signed("AKIDoff", "secret-off", "hmac-sha1"), 401, "SecretIdDisabled")
	check("key not bound to /sec", "/sec", signed("AKIDb", "secret-b", "hmac-sha1"), 403, "AccessDenied")
	if r := check("API-level binding", "/sec2", signed("AKIDb", "secret-b", "hmac-sha1"), 200, ""); r.planID != "usagePlan-b" {
		t.Errorf("/sec2 plan %q", r.planID)
	}
	check("environment binding reaches /sec2", "/sec2", signed("AKIDa", "secret-a", "hmac-sha1"), 200, "")

	// The request reached the backend with its own headers and the
	// verified identity; a client's own X-Secret-ID is replaced.
	req, _ := http.NewRequest("GET", g.url("/sec"), nil)
	req.Host = g.Host
	for k, v := range signed("AKIDa", "secret-a", "hmac-sha256") {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Secret-ID", "AKIDspoofed")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	e := decodeEcho(t, resp)
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
	sign := func(secret string) map[string]string {
		h := map[string]string{"X-Date": httpDate(time.Now())}
		h["Authorization"] = seedKeyPairAuth("AKIDa", secret, "hmac-sha256", []string{"X-Date"}, h)
		return h
	}
	if r := g.authGet(c, "/sec", sign("secret-a")); r.status != 200 {
		t.Fatalf("before: %+v", r)
	}
	change := func(name, keys, plan, secret string, status int, code string) {
		t.Helper()
		if err := os.WriteFile(g.Config, []byte(accessConfig(up, keys, plan)), 0o600); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		g.cmd.Process.Signal(syscall.SIGHUP)
		var r authResult
		for time.Since(t0) < 3*time.Second {
			if r = g.authGet(c, "/sec", sign(secret)); r.status == status && r.code == code {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		d := time.Since(t0)
		if r.status != status || r.code != code {
			t.Fatalf("%s: still %d %q after %v", name, r.status, r.code, d)
		}
		if d > time.Second {
			t.Errorf("%s: took %v after SIGHUP, want < 1s", name, d)
		}
		t.Logf("%s: in effect %v after SIGHUP", name, d.Round(time.Millisecond))
	}
	change("disable", "    - {SecretId: AKIDa, SecretKey: secret-a, Status: 0}", "AKIDa", "secret-a", 401, "SecretIdDisabled")
	change("re-enable", keyA, "AKIDa", "secret-a", 200, "")
	change("rotate", "    - {SecretId: AKIDa, SecretKey: secret-a2, Status: 1}", "AKIDa", "secret-a", 401, "SignatureMismatch")
	if r := g.authGet(c, "/sec", sign("secret-a2")); r.status != 200 {
		t.Errorf("new secret after rotation: %+v", r)
	}
	change("unbind", "    - {SecretId: AKIDa, SecretKey: secret-a2, Status: 1}", "AKIDb", "secret-a2", 403, "AccessDenied")
	change("delete", "", "AKIDb", "secret-a2", 401, "InvalidSecretId")
}

// tencentAppAuth signs as Tencent Cloud API Gateway's application
// authentication describes: signing string = headers part ("x-date: …"),
// method, Accept, Content-Type, Content-MD5, path without the environment
// plus "?" and the sorted query, joined by "\n"; HMAC-SHA256, Base64.
func tencentAppAuth(key, secret, method, path, query string, h map[string]string) string {
	if query != "" {
		parts := strings.Split(query, "&")
		sort.Strings(parts)
		path += "?" + strings.Join(parts, "&")
	}
	s := "x-date: " + h["X-Date"] + "\n" + method + "\n" + h["Accept"] + "\n" + h["Content-Type"] + "\n" + h["Content-MD5"] + "\n" + path
	return fmt.Sprintf(`apikey="%s", algorithm="hmac-sha256", headers="x-date", signature="%s"`, key, hmacB64("hmac-sha256", secret, s))
}

func TestAppAuth(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa"))
	c := g.client()
	call := func(key, secret, path, query string) authResult {
		h := map[string]string{"X-Date": httpDate(time.Now()), "Accept": "application/json"}
		h["Authorization"] = tencentAppAuth(key, secret, "GET", path, query, h)
		if query != "" {
			path += "?" + query
		}
		return g.authGet(c, path, h)
	}
	for _, tc := range []struct {
		name, key, secret, path, query, signPath string
		status                                   int
		code                                     string
	}{
		{"bound app, correct signature", "APIDapp1", "app1-secret", "/app", "b=2&a=1", "/app", 200, ""},
		{"bound app, no query", "APIDapp1", "app1-secret", "/app", "", "/app", 200, ""},
		{"app calling an unbound API", "APIDapp1", "app1-secret", "/app2", "", "/app2", 403, "AccessDenied"},
		{"unbound app", "APIDapp2", "app2-secret", "/app", "", "/app", 403, "AccessDenied"},
		{"wrong secret", "APIDapp1", "app2-secret", "/app", "", "/app", 401, "SignatureMismatch"},
		{"path signed differently", "APIDapp1", "app1-secret", "/app", "", "/other", 401, "SignatureMismatch"},
		{"unknown app", "APIDnope", "x", "/app", "", "/app", 401, "InvalidSecretId"},
	} {
		h := map[string]string{"X-Date": httpDate(time.Now()), "Accept": "application/json"}
		h["Authorization"] = tencentAppAuth(tc.key, tc.secret, "GET", tc.signPath, tc.query, h)
		p := tc.path
		if tc.query != "" {
			p += "?" + tc.query
		}
		if r := g.authGet(c, p, h); r.status != tc.status || r.code != tc.code {
			t.Errorf("%s: %d %q, want %d %q", tc.name, r.status, r.code, tc.status, tc.code)
		}
	}
	if r := call("APIDapp1", "app1-secret", "/app", "z=1&y=2"); r.status != 200 {
		t.Errorf("call: %+v", r)
	}
	// A key pair is not an app credential.
	h := map[string]string{"X-Date": httpDate(time.Now())}
	h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"X-Date"}, h)
	if r := g.authGet(c, "/app", h); r.status != 401 {
		t.Errorf("key pair on an APP API: %+v", r)
	}
}

// TestAuthCheckDate: with --auth-check-date a Date-only request is held to
// the 15 minutes too.
func TestAuthCheckDate(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa"), "--auth-check-date")
	c := g.client()
	for _, tc := range []struct {
		age    time.Duration
		status int
		code   string
	}{{time.Hour, 401, "RequestExpired"}, {time.Minute, 200, ""}} {
		h := map[string]string{"Date": httpDate(time.Now().Add(-tc.age))}
		h["Authorization"] = seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"Date"}, h)
		if r := g.authGet(c, "/sec", h); r.status != tc.status || r.code != tc.code {
			t.Errorf("Date %v old: %d %q, want %d %q", tc.age, r.status, r.code, tc.status, tc.code)
		}
	}
}
