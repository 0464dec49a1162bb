package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os/exec"
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

	// Refused locally, exit 2, naming what is wrong.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"DescribeServicesStatus", "--Limit", "abc"}, `--Limit: "abc" is not an integer`},
		{[]string{"DescribeServicesStatus", "--Limt", "1"}, "did you mean --Limit?"},
		{[]string{"DescribeServiceStatus"}, "did you mean DescribeServicesStatus?"},
	} {
		if code, out := cp.ctlRun(c.args...); code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("ctl %v: exit %d %q, want 2 and %q", c.args, code, out, c.want)
		}
	}
}
