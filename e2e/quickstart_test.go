package e2e

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEQuickStart runs the README's quick-start script, as a user
// would paste it, against a running gateway.
func TestREADMEQuickStart(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- quickstart -->\n```bash\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no quickstart block")
	}
	cp := startControlPlane(t)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(m[1]))
	cmd.Env = append(os.Environ(), "EG="+gatewayBin, "ADMIN=http://"+cp.Admin, "DATA="+cp.Data,
		"PORT="+cp.Addr[strings.LastIndexByte(cp.Addr, ':')+1:])
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quick start failed: %v\n%s", err, out)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(out)), "hello, world") {
		t.Fatalf("quick start did not end with the API's answer:\n%s", out)
	}
}
