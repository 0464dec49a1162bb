package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection enforces the layout's rules (DESIGN.md): leaves stay
// leaves and the data plane never depends on the control plane.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/edgegate/edgegate/"
	out, err := exec.Command("go", "list", "-deps=false", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	// allowed[pkg] lists the project packages pkg may import (directly).
	allowed := map[string][]string{
		"model":   {},
		"cond":    {"ascii"},
		"limiter": {},
		// Cluster-wide limits: leases limiter budgets from Redis.
		"cluster":  {"limiter"},
		"bpf":      {},
		"ipset":    {},
		"ascii":    {},
		"http1":    {"ascii"},
		"auth":     {"ascii"},
		"router":   {"model", "http1", "ascii"},
		"snapshot": {"model", "router", "ipset", "auth", "cond", "ascii", "compression", "backendsign"},
		"edge":     {"http1", "router", "snapshot", "model", "ipset", "auth", "cond", "limiter", "ascii", "tlsterm", "compression", "accesslog", "backendsign"},

		// OpenAPI documents and SDKs (GenerateApiDocument, ctl import).
		"openapi": {"model"},
		// The access log: the edge writes it, the admin searches it.
		"accesslog": {},
		// Response compression: the edge's loops use it; it knows no edge.
		"compression": {"http1", "ascii"},
		// /metrics reads both planes, the prefilter and the access log; only
		// cmd/edgegate imports it (no list above names it).
		"metrics": {"edge", "admin", "bpf", "accesslog", "compression", "cluster"},

		// Backend signatures (signature keys): the edge signs, backends verify.
		"backendsign": {"auth", "ascii"},

		// The console writes only through the Action API (signed calls into
		// its handler): it must not reach the store or the admin's internals.
		"console": {"admin/tcapi", "auth"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], mod)
		rules, ruled := allowed[pkg]
		for _, imp := range f[1:] {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			dep := strings.TrimPrefix(imp, mod)
			if dep == "admin" || strings.HasPrefix(dep, "admin/") {
				if pkg == "edge" || strings.HasPrefix(pkg, "edge/") || pkg == "router" || pkg == "snapshot" || pkg == "model" {
					t.Errorf("%s imports %s: the data plane must not depend on the control plane", pkg, dep)
				}
			}
			if (dep == "edge" || strings.HasPrefix(dep, "edge/")) && (pkg == "admin" || strings.HasPrefix(pkg, "admin/")) {
				t.Errorf("%s imports %s: the control plane must not link the data plane", pkg, dep)
			}
			if !ruled {
				continue
			}
			ok := false
			for _, a := range rules {
				ok = ok || a == dep
			}
			if !ok {
				t.Errorf("%s imports %s, which the layout forbids (allowed: %v)", pkg, dep, rules)
			}
		}
	}
}
