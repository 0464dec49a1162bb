package e2e

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The README's examples, run as a user would paste them.

// runREADME runs the bash block after <!-- marker --> in the README
// against cp (EG, ADMIN, DATA and PORT set as the README says) and
// returns its output.
func runREADME(t *testing.T, marker string, cp *controlPlane) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- " + marker + " -->\n```bash\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README has no %s block", marker)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(m[1]))
	cmd.Env = append(os.Environ(), "EG="+gatewayBin, "ADMIN=http://"+cp.Admin, "DATA="+cp.Data,
		"PORT="+cp.Addr[strings.LastIndexByte(cp.Addr, ':')+1:])
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", marker, err, out)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

// TestREADMEQuickStart: the quick start ends with the API's answer.
func TestREADMEQuickStart(t *testing.T) {
	if out := runREADME(t, "quickstart", startControlPlane(t)); !strings.HasSuffix(strings.TrimSpace(out), "hello, world") {
		t.Fatalf("quick start did not end with the API's answer:\n%s", out)
	}
}

// TestREADMEKeyPairExample: the key-pair example (create an API, a key,
// a plan, bind, sign a curl request) passes, and an unsigned request gets
// what the README says.
func TestREADMEKeyPairExample(t *testing.T) {
	cp := startControlPlane(t)
	s := runREADME(t, "keypair-example", cp)
	if !strings.HasPrefix(s, "HTTP/1.1 200") || !strings.Contains(s, "\nX-Secret-ID: AKID") ||
		!strings.Contains(s, "\nX-UsagePlan-ID: usagePlan-") || !strings.HasSuffix(strings.TrimSpace(s), "your orders") {
		t.Fatalf("the signed request did not pass:\n%s", s)
	}
	var list struct {
		Result struct{ ServiceSet []struct{ ServiceId string } }
	}
	mustCall(t, cp.client(), "DescribeServicesStatus", map[string]any{}, &list)
	if len(list.Result.ServiceSet) != 1 {
		t.Fatalf("DescribeServicesStatus: %+v", list)
	}
	g := cp.edge(list.Result.ServiceSet[0].ServiceId)
	if r := g.authGet(g.client(), "/orders", nil); !is(401, "MissingAuthorization")(r) {
		t.Errorf("unsigned request: %v", r)
	}
}
