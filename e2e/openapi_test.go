package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/openapi/oastest"
)

// TestGenerateApiDocument drives GenerateApiDocument with the official SDK
// (issue 15): the OpenAPI 3.1 document validates against the OAS schema,
// the generated Go and Python clients call a SECRET and an APP API (path
// and unsorted query parameters) through the running gateway (200; a
// tampered secret 401), and `ctl import` of the
// document into a fresh service yields the same APIs (DescribeApi).
func TestGenerateApiDocument(t *testing.T) {
	defer catchSDK(t)
	cp, c, svc := sdkSetup(t, "docs")
	param := func(name, pos, typ, def string, req bool) *apigw.RequestParameter {
		return &apigw.RequestParameter{Name: common.StringPtr(name), Position: common.StringPtr(pos), Type: common.StringPtr(typ),
			DefaultValue: common.StringPtr(def), Required: common.BoolPtr(req), Desc: common.StringPtr("")}
	}
	users := sdkAPI(c, svc, "/users/{id}", authType("SECRET"), func(ca *apigw.CreateApiRequest) {
		ca.ApiName = common.StringPtr("getUser")
		ca.ApiDesc = common.StringPtr("one user")
		ca.ServiceMockReturnMessage = common.StringPtr("user ok")
		ca.RequestParameters = []*apigw.RequestParameter{param("id", "path", "int", "", true), param("verbose", "query", "boolean", "false", false),
			param("region", "query", "string", "", true)}
	})
	sdkAPI(c, svc, "=/orders", func(ca *apigw.CreateApiRequest) {
		ca.ApiName = common.StringPtr("createOrder")
		ca.RequestConfig.Method = common.StringPtr("POST")
		ca.RequestParameters = []*apigw.RequestParameter{param("amount", "body", "double", "", true), param("X-Trace", "header", "string", "t0", false)}
	})
	sdkAPI(c, svc, "^~/static", func(ca *apigw.CreateApiRequest) {
		ca.ApiName = common.StringPtr("static")
		ca.RequestConfig.Method = common.StringPtr("ANY")
	})
	appAPI := sdkAPI(c, svc, "/apphello/{n}", authType("APP"), func(ca *apigw.CreateApiRequest) {
		ca.ApiName = common.StringPtr("appHello")
		ca.ServiceMockReturnMessage = common.StringPtr("app ok")
		ca.RequestParameters = []*apigw.RequestParameter{param("n", "path", "string", "", true), param("zeta", "query", "string", "", true),
			param("alpha", "query", "int", "", true)}
	})
	_, jwk, rsSign := rsaKey()
	tokenAPI := sdkAPI(c, svc, "=/token", func(ca *apigw.CreateApiRequest) {
		ca.ApiName = common.StringPtr("token")
		ca.RequestConfig.Method = common.StringPtr("POST")
		ca.AuthType, ca.ApiBusinessType = common.StringPtr("OAUTH"), common.StringPtr("OAUTH")
		ca.OauthConfig = &apigw.OauthConfig{PublicKey: common.StringPtr(jwk), TokenLocation: common.StringPtr("method.req.header.authorization"),
			LoginRedirectUrl: common.StringPtr("http://login.example/")}
	})
	sdkAPI(c, svc, "/report", authType("OAUTH"), func(ca *apigw.CreateApiRequest) {
		ca.ApiName = common.StringPtr("report")
		ca.ServiceMockReturnMessage = common.StringPtr("report ok")
		ca.ApiBusinessType, ca.AuthRelationApiId = common.StringPtr("NORMAL"), common.StringPtr(tokenAPI)
	})
	sdkRelease(c, svc)
	id, secret, _ := sdkKeyPlan(c, svc, []string{users}, -1, -1)
	now := time.Now().Unix()
	claims := map[string]any{"sub": "u1", "iat": now, "exp": now + 300}
	_, _, otherSign := rsaKey()
	jwt, badJWT := jwsToken("RS256", claims, rsSign), jwsToken("RS256", claims, otherSign)
	var app struct {
		Result struct{ ApiAppId, ApiAppKey, ApiAppSecret string }
	}
	mustCall(t, cp.client(), "CreateApiApp", map[string]any{"ApiAppName": "docsapp"}, &app)
	mustCall(t, cp.client(), "BindApiApp", map[string]any{"ApiAppId": app.Result.ApiAppId, "Environment": "release", "ServiceId": svc, "ApiId": appAPI}, nil)

	gen := func(lang, env, service string) (*apigw.DocumentSDK, error) {
		g := apigw.NewGenerateApiDocumentRequest()
		g.ServiceId, g.GenEnvironment, g.GenLanguage = common.StringPtr(service), common.StringPtr(env), common.StringPtr(lang)
		r, err := c.GenerateApiDocument(g)
		if err != nil {
			return nil, err
		}
		return r.Response.Result, nil
	}
	for _, bad := range []struct{ lang, env, svc, code string }{
		{"Cobol", "release", svc, "InvalidParameterValue.InvalidGenLanguage"},
		{"Go", "staging", svc, "InvalidParameterValue.NotInOptions"},
		{"Go", "release", "service-nope", "FailedOperation.ServiceNotExist"},
		{"Go", "test", svc, "FailedOperation.GenerateApiDocumentError"}, // not released there
	} {
		if _, err := gen(bad.lang, bad.env, bad.svc); sdkCode(err) != bad.code {
			t.Errorf("GenerateApiDocument %+v: %v, want %s", bad, err, bad.code)
		}
	}

	dir := t.TempDir()
	var doc []byte
	var docURL string
	for _, lang := range []string{"Go", "Python", "JavaScript"} {
		res, err := gen(lang, "release", svc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(*res.DocumentURL, "http://"+cp.Admin+"/generated/") || !strings.HasSuffix(*res.SdkURL, ".zip") {
			t.Fatalf("%s: %+v %s", lang, *res.DocumentURL, *res.SdkURL)
		}
		doc, docURL = fetchOK(t, *res.DocumentURL), *res.DocumentURL
		unzip(t, fetchOK(t, *res.SdkURL), filepath.Join(dir, lang))
	}
	// A guessed token finds nothing.
	if resp, err := http.Get("http://" + cp.Admin + "/generated/00000000000000000000000000000000/openapi.json"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("unknown token: %v %v", resp, err)
	}
	// A link outlives an admin restart (DATA/generated).
	cp.stop(syscall.SIGTERM)
	cp.start()
	if again := fetchOK(t, docURL); !bytes.Equal(again, doc) {
		t.Fatal("after a restart the link serves another document")
	}
	if err := oastest.Validate(doc); err != nil {
		t.Fatalf("the generated document is not OpenAPI 3.1: %v\n%s", err, doc)
	}

	// The generated clients, against the running gateway: the service is
	// chosen by Host, so they call the edge's address with Host set.
	base := "http://" + cp.Addr + "/release"
	host := svc + ".localhost"
	goMain := `package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"egdocs"
)

func main() {
	c := egdocs.New()
	c.BaseURL, c.Host, c.SecretId, c.SecretKey = os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	c.AppKey, c.AppSecret, c.Algorithm, c.Token = os.Args[5], os.Args[6], "hmac-sha256", os.Args[7]
	r, err := c.GetUser(context.Background(), egdocs.GetUserParams{Id: 42, Region: "eu"})
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(r.Body)
	fmt.Printf("%d %s|", r.StatusCode, b)
	if r, err = c.AppHello(context.Background(), egdocs.AppHelloParams{N: "x y", Zeta: "z&1", Alpha: 7}); err != nil {
		panic(err)
	}
	b, _ = io.ReadAll(r.Body)
	fmt.Printf("%d %s|", r.StatusCode, b)
	if r, err = c.Report(context.Background(), egdocs.ReportParams{}); err != nil {
		panic(err)
	}
	b, _ = io.ReadAll(r.Body)
	fmt.Printf("%d %s", r.StatusCode, b)
}
`
	mainDir := filepath.Join(dir, "gomain")
	_ = os.MkdirAll(mainDir, 0o755)
	writeFile(t, filepath.Join(mainDir, "main.go"), goMain)
	writeFile(t, filepath.Join(mainDir, "go.mod"), "module gomain\n\ngo 1.21\n\nrequire egdocs v0.0.0\n\nreplace egdocs => ../Go/egdocs\n")
	build := exec.Command("go", "build", "-o", "client", ".")
	build.Dir = mainDir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the generated Go client: %v\n%s", err, out)
	}
	pyScript := `import sys, egdocs
c = egdocs.Client(base_url=sys.argv[1], host=sys.argv[2], secret_id=sys.argv[3], secret_key=sys.argv[4],
                  app_key=sys.argv[5], app_secret=sys.argv[6], token=sys.argv[7])
r = c.get_user(42, "eu")
a = c.app_hello("x y", "z&1", 7)
o = c.report()
sys.stdout.write("%d %s|%d %s|%d %s" % (r.status, r.body.decode(), a.status, a.body.decode(), o.status, o.body.decode()))
`
	writeFile(t, filepath.Join(dir, "Python", "call.py"), pyScript)
	jsScript := `const { Client } = require("./egdocs");
const [base, host, secretId, secretKey, appKey, appSecret, token] = process.argv.slice(2);
const c = new Client({ baseUrl: base, host, secretId, secretKey, appKey, appSecret, token });
(async () => {
  const r = await c.getUser({ id: 42, region: "eu" });
  const a = await c.appHello({ n: "x y", zeta: "z&1", alpha: 7 });
  const o = await c.report();
  process.stdout.write(r.status + " " + r.body + "|" + a.status + " " + a.body + "|" + o.status + " " + o.body);
})().catch((e) => { console.error(e); process.exit(1); });
`
	writeFile(t, filepath.Join(dir, "JavaScript", "call.js"), jsScript)
	checkTypeScript(t, filepath.Join(dir, "JavaScript"))
	for _, run := range []struct {
		name string
		cmd  func(key, appSecret, token string) *exec.Cmd
	}{
		{"Go", func(key, appSecret, token string) *exec.Cmd {
			return exec.Command(filepath.Join(mainDir, "client"), base, host, id, key, app.Result.ApiAppKey, appSecret, token)
		}},
		{"Python", func(key, appSecret, token string) *exec.Cmd {
			cmd := exec.Command("python3", "call.py", base, host, id, key, app.Result.ApiAppKey, appSecret, token)
			cmd.Dir = filepath.Join(dir, "Python")
			return cmd
		}},
		{"JavaScript", func(key, appSecret, token string) *exec.Cmd {
			cmd := exec.Command("node", "call.js", base, host, id, key, app.Result.ApiAppKey, appSecret, token)
			cmd.Dir = filepath.Join(dir, "JavaScript")
			return cmd
		}},
	} {
		for _, k := range []struct {
			key, appSecret, token, want string
		}{
			{secret, app.Result.ApiAppSecret, jwt, `^200 user ok\|200 app ok\|200 report ok$`},
			{secret + "x", app.Result.ApiAppSecret + "x", badJWT, `(?s)^401 .*SignatureMismatch.*\|401 .*SignatureMismatch.*\|401 .*TokenSignatureInvalid`},
		} {
			out, err := run.cmd(k.key, k.appSecret, k.token).CombinedOutput()
			if err != nil || !regexp.MustCompile(k.want).Match(out) {
				t.Errorf("%s client (tampered %v): %v %q, want %q", run.name, k.key != secret, err, out, k.want)
			}
		}
	}

	// Round trip: the document imported into a fresh service.
	fresh := sdkCreateService(c, "imported")
	docFile := filepath.Join(dir, "openapi.json")
	writeFile(t, docFile, string(doc))
	if code, out := cp.ctlRun("import", docFile, "--ServiceId", fresh, "--mock", "imported", "--dry-run"); code != 0 || !strings.Contains(out, "CreateApi {") {
		t.Fatalf("import --dry-run: %d %s", code, out)
	}
	if n := len(describeAll(t, c, fresh)); n != 0 {
		t.Fatalf("dry run created %d APIs", n)
	}
	if code, out := cp.ctlRun("import", docFile, "--ServiceId", fresh, "--mock", "imported"); code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	want, got := describeAll(t, c, svc), describeAll(t, c, fresh)
	if len(want) != 6 || fmt.Sprint(want) != fmt.Sprint(got) { // fmt sorts map keys
		t.Fatalf("round trip:\nwant %v\ngot  %v", want, got)
	}
	// A construct the gateway cannot express is refused before anything is created.
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: s, in: cookie, schema: {type: string}}\n")
	if code, out := cp.ctlRun("import", bad, "--ServiceId", fresh, "--mock", "x"); code != 1 || !strings.Contains(out, "cookie") {
		t.Fatalf("cookie parameter: %d %s", code, out)
	}

	// ctl sdk fetches and unpacks both files.
	out := filepath.Join(dir, "fetched")
	if code, s := cp.ctlRun("sdk", "--ServiceId", svc, "--GenEnvironment", "release", "--GenLanguage", "Python", "--out", out); code != 0 {
		t.Fatalf("ctl sdk: %d %s", code, s)
	}
	for _, f := range []string{"openapi.json", "egdocs/__init__.py", "egdocs/README.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("ctl sdk: %v", err)
		}
	}
}

// describeAll is what matters of a service's APIs, keyed by path and method
// (DescribeApisStatus, then DescribeApi of each).
func describeAll(t *testing.T, c *apigw.Client, svc string) map[string]string {
	t.Helper()
	ds := apigw.NewDescribeApisStatusRequest()
	ds.ServiceId, ds.Limit = common.StringPtr(svc), common.Int64Ptr(100)
	out := map[string]string{}
	pathOf := map[string]string{}
	set := mustSDK(c.DescribeApisStatus(ds)).Response.Result.ApiIdStatusSet
	for _, s := range set {
		pathOf[*s.ApiId] = *s.Path
	}
	for _, s := range set {
		da := apigw.NewDescribeApiRequest()
		da.ServiceId, da.ApiId = common.StringPtr(svc), s.ApiId
		a := mustSDK(c.DescribeApi(da)).Response.Result
		var ps []string
		for _, p := range a.RequestParameters {
			ps = append(ps, fmt.Sprintf("%s/%s/%s/%s/%v", str(p.Name), str(p.Position), strings.ToLower(str(p.Type)), str(p.DefaultValue), p.Required != nil && *p.Required))
		}
		oauth := ""
		if a.OauthConfig != nil {
			oauth = str(a.OauthConfig.PublicKey) + " " + str(a.OauthConfig.TokenLocation) + " " + str(a.OauthConfig.LoginRedirectUrl)
		}
		out[str(a.RequestConfig.Method)+" "+str(a.RequestConfig.Path)] = fmt.Sprintf("%s|%s|%s|%s|%v|%s|relation %s|%s", str(a.ApiName), str(a.ApiDesc),
			str(a.AuthType), str(a.Protocol), ps, str(a.ApiBusinessType), pathOf[str(a.AuthRelationApiId)], oauth)
	}
	return out
}

// checkTypeScript type-checks code against the generated JavaScript SDK's
// index.d.ts in dir with tsc --strict (TypeScript from `make deps`): the
// calls call.js makes compile, and each misuse in bad.ts is an error on
// its own line.
func checkTypeScript(t *testing.T, dir string) {
	t.Helper()
	tsc := oastest.TSC(t)
	writeFile(t, filepath.Join(dir, "check.ts"), `import { Client, Response, GetUserParams, DEFAULT_BASE_URL } from "./egdocs";
const c = new Client({ baseUrl: DEFAULT_BASE_URL, secretId: "AKID", secretKey: "k", algorithm: "hmac-sha256", now: () => new Date() });
export async function use(): Promise<number> {
  const p: GetUserParams = { id: 42, region: "eu" };
  const r: Response = await c.getUser(p);
  const a = await c.appHello({ n: "x y", zeta: "z&1", alpha: 7 });
  const o = await c.report();
  const body: Uint8Array = o.body;
  return r.status + a.status + body.length;
}
`)
	writeFile(t, filepath.Join(dir, "bad.ts"), `import { Client } from "./egdocs";
const c = new Client();
export async function misuse(): Promise<void> {
  await c.getUser({ region: "eu" });
  await c.getUser({ id: "42", region: "eu" });
  await c.getUser();
  await c.tokenApi({ nope: 1 });
  new Client({ algorithm: "md5" });
}
`)
	args := []string{"--strict", "--noEmit", "--module", "commonjs", "--target", "es2020", "--lib", "es2020", "--pretty", "false"}
	run := func(file string) (string, error) {
		cmd := exec.Command(tsc, append(args, file)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("check.ts"); err != nil {
		d, _ := os.ReadFile(filepath.Join(dir, "egdocs", "index.d.ts"))
		t.Fatalf("tsc check.ts: %v\n%s\nindex.d.ts:\n%s", err, out, d)
	}
	out, err := run("bad.ts")
	lines := map[string]bool{}
	for _, m := range regexp.MustCompile(`bad\.ts\((\d+),\d+\): error TS\d+`).FindAllStringSubmatch(out, -1) {
		lines[m[1]] = true
	}
	if err == nil || len(lines) != 5 || !lines["4"] || !lines["5"] || !lines["6"] || !lines["7"] || !lines["8"] {
		t.Errorf("tsc bad.ts: %v, errors on lines %v, want 4 to 8:\n%s", err, lines, out)
	}
}
