package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ctlRun runs `edgegate ctl` against cp and returns its exit status and
// output (stdout, then stderr).
func (cp *controlPlane) ctlRun(args ...string) (int, string) {
	cp.t.Helper()
	cmd := exec.Command(gatewayBin, append([]string{"ctl", "--endpoint", "http://" + cp.Admin, "--data", cp.Data}, args...)...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		cp.t.Fatal(err)
	}
	return 0, string(out)
}

// ctlOK runs ctl, wants success and decodes the answer into out.
func (cp *controlPlane) ctlOK(out any, args ...string) {
	cp.t.Helper()
	code, s := cp.ctlRun(args...)
	if code != 0 {
		cp.t.Fatalf("ctl %s: exit %d\n%s", strings.Join(args, " "), code, s)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(s), out); err != nil {
			cp.t.Fatalf("ctl %s: %v\n%s", args[0], err, s)
		}
	}
}

func okpJWK(t *testing.T) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return `{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
}

// TestCtlTypedParams runs the real binary: values are typed by the
// Action's declared fields, so a digits-only VersionName and a JWK text for
// PublicKey go as strings (issue 11 defect 6: they were sent as a number
// and an object, and refused), and a bad value never leaves the client.
func TestCtlTypedParams(t *testing.T) {
	cp := startControlPlane(t)
	var svc struct{ ServiceId string }
	cp.ctlOK(&svc, "CreateService", "--ServiceName", "typed", "--Protocol", "http")
	cp.ctlOK(nil, "CreateApi", "--ServiceId", svc.ServiceId, "--ApiName", "hello", "--Protocol", "HTTP",
		"--ServiceType", "MOCK", "--ServiceTimeout", "15", "--RequestConfig.Path", "/hello", "--RequestConfig.Method", "GET",
		"--ServiceMockReturnMessage", "12345", "--EnableCORS", "false")
	cp.ctlOK(nil, "ReleaseService", "--ServiceId", svc.ServiceId, "--EnvironmentName", "release", "--ReleaseDesc", "1")
	var versions struct {
		Result struct {
			VersionList []struct{ VersionName string }
		}
	}
	cp.ctlOK(&versions, "DescribeServiceReleaseVersion", "--ServiceId", svc.ServiceId, "--Limit", "10")
	if len(versions.Result.VersionList) != 1 {
		t.Fatalf("versions: %+v", versions)
	}
	v := versions.Result.VersionList[0].VersionName
	if strings.Trim(v, "0123456789") != "" {
		t.Fatalf("version %q is not digits only; the test wants one that looks like a number", v)
	}
	cp.ctlOK(nil, "UpdateService", "--ServiceId", svc.ServiceId, "--EnvironmentName", "test", "--VersionName", v)
	if code, body := cp.get(svc.ServiceId, "/test/hello"); code != 200 || body != "12345" {
		t.Errorf("test environment after UpdateService: %d %q", code, body)
	}

	// OAuth: the JWK is a string parameter that holds JSON.
	jwk := okpJWK(t)
	var api struct{ Result struct{ ApiId string } }
	cp.ctlOK(&api, "CreateApi", "--ServiceId", svc.ServiceId, "--ApiName", "token", "--Protocol", "HTTP",
		"--ServiceType", "MOCK", "--ServiceTimeout", "15", "--RequestConfig.Path", "/token", "--RequestConfig.Method", "GET",
		"--ServiceMockReturnMessage", "tok", "--AuthType", "OAUTH", "--ApiBusinessType", "OAUTH",
		"--OauthConfig.PublicKey", jwk, "--OauthConfig.TokenLocation", "method.req.header.authorization")
	jwk2 := okpJWK(t)
	cp.ctlOK(nil, "ModifyApiIncrement", "--ServiceId", svc.ServiceId, "--ApiId", api.Result.ApiId, "--BusinessType", "OAUTH", "--PublicKey", jwk2)
	var desc struct {
		Result struct {
			OauthConfig struct{ PublicKey string }
		}
	}
	cp.ctlOK(&desc, "DescribeApi", "--ServiceId", svc.ServiceId, "--ApiId", api.Result.ApiId)
	if desc.Result.OauthConfig.PublicKey != jwk2 {
		t.Errorf("PublicKey after ModifyApiIncrement: %q, want %q", desc.Result.OauthConfig.PublicKey, jwk2)
	}

	// An array from repeated flags; an integer that says -1.
	cp.ctlOK(nil, "ModifyService", "--ServiceId", svc.ServiceId, "--NetTypes", "OUTER", "--NetTypes", "INNER")
	cp.ctlOK(nil, "ModifyServiceEnvironmentStrategy", "--ServiceId", svc.ServiceId, "--Strategy", "-1", "--EnvironmentNames", "release")

	// Refused locally, exit 1, naming what is wrong.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"DescribeServicesStatus", "--Limit", "abc"}, `--Limit: "abc" is not an integer`},
		{[]string{"DescribeServicesStatus", "--Limt", "1"}, "did you mean --Limit?"},
		{[]string{"DescribeServiceStatus"}, "did you mean DescribeServicesStatus?"},
	} {
		if code, out := cp.ctlRun(c.args...); code != 1 || !strings.Contains(out, c.want) {
			t.Errorf("ctl %v: exit %d %q, want 1 and %q", c.args, code, out, c.want)
		}
	}
}

// ctlSplit runs ctl with env added and returns its exit status, stdout and
// stderr apart.
func (cp *controlPlane) ctlSplit(env []string, stdin string, args ...string) (int, string, string) {
	cp.t.Helper()
	cmd := exec.Command(gatewayBin, append([]string{"ctl", "--endpoint", "http://" + cp.Admin, "--data", cp.Data}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		cp.t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

var requestIDLine = regexp.MustCompile(`(?m)^RequestId: [0-9a-f-]{8,}$`)

// TestCtlExitCodes: one call per error class against a real admin process
// (README "The control plane": 1 usage, 2 auth, 3 not found, 4 invalid
// parameter, 5 limit, 6 not the Action API, 7 network, 8 refused), each
// error answer's Code, Message and RequestId on stderr, stdout empty.
func TestCtlExitCodes(t *testing.T) {
	cp := startControlPlane(t, "--max-services", "1")
	var svc struct{ ServiceId string }
	cp.ctlOK(&svc, "CreateService", "--ServiceName", "one", "--Protocol", "http")
	cp.ctlOK(nil, "CreateApi", "--ServiceId", svc.ServiceId, "--ApiName", "hello", "--Protocol", "HTTP",
		"--ServiceType", "MOCK", "--ServiceTimeout", "15", "--RequestConfig.Path", "/hello", "--RequestConfig.Method", "GET",
		"--ServiceMockReturnMessage", "hi")
	cp.ctlOK(nil, "ReleaseService", "--ServiceId", svc.ServiceId, "--EnvironmentName", "release", "--ReleaseDesc", "1")
	closed := freeAddr(t) // nothing listens there
	for _, c := range []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string // a substring; error answers also carry Code, Message and RequestId
		answer bool
	}{
		{"usage", nil, []string{"DescribeServicesStatus", "--Limit", "abc"}, 1, `--Limit: "abc" is not an integer`, false},
		{"auth", []string{"EDGEGATE_SECRET_ID=AKIDnobody0000000000000000000000000", "EDGEGATE_SECRET_KEY=wrong"},
			[]string{"DescribeServicesStatus"}, 2, "Code: AuthFailure.", true},
		{"not found", nil, []string{"DescribeService", "--ServiceId", "service-nothere1"}, 3, "Code: ResourceNotFound", true},
		{"invalid parameter", nil, []string{"CreateService", "--Protocol", "http"}, 4, "Code: MissingParameter", true},
		{"unknown parameter sent raw", nil, []string{"DescribeServicesStatus", "--json", `{"Bogus": 1}`}, 4, "Code: UnknownParameter", true},
		{"limit", nil, []string{"CreateService", "--ServiceName", "two", "--Protocol", "http"}, 5, "Code: LimitExceeded", true},
		{"not the Action API", nil, []string{"--endpoint", "http://" + cp.Addr, "DescribeServicesStatus"}, 6, "HTTP status", false},
		{"network", nil, []string{"--endpoint", "http://" + closed, "DescribeServicesStatus"}, 7, "connection refused", false},
		{"refused", nil, []string{"DeleteService", "--ServiceId", svc.ServiceId}, 8, "Code: ", true},
	} {
		code, out, errs := cp.ctlSplit(c.env, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.stderr) || out != "" {
			t.Errorf("%s: ctl %v: exit %d, stdout %q, stderr %q; want %d and %q", c.name, c.args, code, out, errs, c.code, c.stderr)
		}
		if c.answer && (!strings.Contains(errs, "\nMessage: ") || !requestIDLine.MatchString(errs)) {
			t.Errorf("%s: stderr lacks the Message or RequestId: %q", c.name, errs)
		}
	}
}

// TestCtlOutputAndInput: --output table of a list and of one object,
// --cli-input-json from a file and from stdin, help, and completion, from
// the real binary.
func TestCtlOutputAndInput(t *testing.T) {
	cp := startControlPlane(t)
	in := filepath.Join(t.TempDir(), "svc.json")
	if err := os.WriteFile(in, []byte(`{"ServiceName": "fromfile", "Protocol": "http", "NetTypes": ["OUTER"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var a struct{ ServiceId string }
	cp.ctlOK(&a, "CreateService", "--cli-input-json", in)
	var b struct{ ServiceId string }
	code, out, errs := cp.ctlSplit(nil, `{"ServiceName": "fromstdin", "Protocol": "http"}`, "CreateService", "--cli-input-json", "-", "--ServiceDesc", "flag")
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil || b.ServiceId == "" {
		t.Fatalf("--cli-input-json -: exit %d %s %s", code, out, errs)
	}
	code, out, errs = cp.ctlSplit(nil, "", "--output", "table", "DescribeServicesStatus", "--Limit", "10")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || lines[0] != "TotalCount: 2" || !strings.HasPrefix(lines[1], "ServiceId ") {
		t.Fatalf("--output table: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{a.ServiceId, b.ServiceId} {
		if !strings.Contains(out, "\n"+want+" ") {
			t.Errorf("--output table lacks a row for %s:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^` + b.ServiceId + ` +fromstdin +flag `).MatchString(out) {
		t.Errorf("--output table: the stdin service's row is not ServiceId, ServiceName, ServiceDesc:\n%s", out)
	}
	code, out, _ = cp.ctlSplit(nil, "", "DescribeService", "--ServiceId", a.ServiceId, "--output=table")
	if code != 0 || !regexp.MustCompile(`(?m)^ServiceName +fromfile$`).MatchString(out) || !regexp.MustCompile(`(?m)^RequestId +\S+$`).MatchString(out) {
		t.Errorf("DescribeService --output table: exit %d\n%s", code, out)
	}
	if code, out, _ = cp.ctlSplit(nil, "", "help", "DescribeServicesStatus"); code != 0 || !strings.Contains(out, "Page size; default 20, max 100.") {
		t.Errorf("help DescribeServicesStatus: exit %d\n%s", code, out)
	}
	if code, out, _ = cp.ctlSplit(nil, "", "completion", "bash"); code != 0 || !strings.Contains(out, "complete -F _edgegate edgegate") {
		t.Errorf("completion bash: exit %d", code)
	}
}
