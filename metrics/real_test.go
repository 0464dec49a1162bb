package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/bpf"
	"github.com/edgegate/edgegate/cluster"
	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// realScrape is one scrape over real sources: a started edge, an admin
// store, an access log and the IP prefilter's accept-time twin, with the
// process metrics.
func realScrape(t *testing.T) []byte {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	snap, err := snapshot.Compile(&model.Published{BaseDomain: model.DefaultBaseDomain})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := edge.New(edge.Config{Listen: "127.0.0.1:0", Loops: 2}, snap, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	data := t.TempDir()
	a, err := admin.New(admin.Options{DataDir: data, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	al, err := accesslog.New(accesslog.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	pol, err := bpf.Compile(nil, 80, 0)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := bpf.Open(bpf.Options{Mode: bpf.ModeOff, PinDir: "-", Log: quiet}, pol)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fw.Close() })
	pl, _ := cluster.ParsePolicy(cluster.DefaultPolicy)
	cl := cluster.New(cluster.Options{Addr: "127.0.0.1:1"}, pl, quiet) // never started: Redis down
	return New(Sources{Edge: srv, Admin: a, StorePath: admin.DBPath(data), Firewall: fw, AccessLog: al, Cluster: cl, Process: true}).Scrape()
}

// declared is the set of families a scrape declares (# TYPE lines).
func declared(scrape []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(scrape), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			out[name] = typ
		}
	}
	return out
}

// TestRealScrape: every family but XDP's (not attached here) is declared
// over real sources, and the text parses.
func TestRealScrape(t *testing.T) {
	out := realScrape(t)
	checkExposition(t, string(out))
	got := declared(out)
	for _, f := range Families() {
		if got[f.Name] != f.Type && !strings.HasPrefix(f.Name, "edgegate_xdp_") {
			t.Errorf("%s: declared %q, want %q", f.Name, got[f.Name], f.Type)
		}
	}
	for _, want := range []string{"process_resident_memory_bytes ", "go_goroutines ", "edgegate_route_revision 0\n", "edgegate_admin_revision "} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// promtool runs Prometheus's promtool (Debian package prometheus, which
// `make deps` installs).
func promtool(t *testing.T, stdin []byte, dir string, args ...string) (string, int) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: `make deps` installs the Debian package prometheus")
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return string(b), cmd.ProcessState.ExitCode()
}

// TestPromtoolCheckMetrics lints a real scrape: the gateway's families
// must pass clean. VictoriaMetrics' process_* and go_* lines carry no
// HELP (and some of its names break promtool's naming lint), so only a
// parse error counts against them (exit 1 is an error, 3 lint findings).
func TestPromtoolCheckMetrics(t *testing.T) {
	out := realScrape(t)
	msg, code := promtool(t, out, "", "check", "metrics")
	if code != 0 && code != 3 {
		t.Fatalf("promtool check metrics: exit %d:\n%s", code, msg)
	}
	for _, line := range strings.Split(msg, "\n") {
		if strings.HasPrefix(line, "edgegate_") || strings.Contains(line, "error") {
			t.Errorf("promtool: %s", line)
		}
	}
	var own []byte
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("edgegate_")) || bytes.Contains(line, []byte(" edgegate_")) {
			own = append(own, line...)
		}
	}
	if msg, code := promtool(t, own, "", "check", "metrics"); code != 0 {
		t.Fatalf("promtool check metrics on the edgegate_ families: exit %d:\n%s", code, msg)
	}
}

// TestAlertRules checks and unit-tests deploy/prometheus/alerts.yml.
func TestAlertRules(t *testing.T) {
	dir := filepath.Join("..", "deploy", "prometheus")
	if msg, code := promtool(t, nil, dir, "check", "rules", "alerts.yml"); code != 0 {
		t.Fatalf("promtool check rules: exit %d:\n%s", code, msg)
	}
	if msg, code := promtool(t, nil, dir, "test", "rules", "alerts_test.yml"); code != 0 {
		t.Fatalf("promtool test rules: exit %d:\n%s", code, msg)
	}
}

// TestDeployNamesExposed: every metric the dashboard and the alert rules
// query is one a real scrape declares, so neither drifts from the code.
func TestDeployNamesExposed(t *testing.T) {
	got := declared(realScrape(t))
	var exprs []string
	b, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "edgegate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	collect(dash, &exprs)
	dashExprs := len(exprs)
	if b, err = os.ReadFile(filepath.Join("..", "deploy", "prometheus", "alerts.yml")); err != nil {
		t.Fatal(err)
	}
	var rules any
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("alerts: %v", err)
	}
	collect(rules, &exprs)
	if dashExprs < 10 || len(exprs)-dashExprs != 5 {
		t.Fatalf("found %d dashboard and %d alert expressions", dashExprs, len(exprs)-dashExprs)
	}
	names := regexp.MustCompile(`edgegate_[a-zA-Z0-9_]+`)
	used := map[string]bool{}
	for _, e := range exprs {
		for _, n := range names.FindAllString(e, -1) {
			used[n] = true
			if got[n] != "" {
				continue
			}
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
			if got[base] != "histogram" {
				t.Errorf("%s (in %q) is not exposed", n, e)
			}
		}
	}
	t.Logf("%d metric names used, all exposed", len(used))
}

// collect appends every "expr" string in v (dashboard targets, templating
// queries, alert rules).
func collect(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if s, ok := x[k].(string); ok && (k == "expr" || k == "query" || k == "definition") && strings.Contains(s, "edgegate_") {
				*out = append(*out, s)
				continue
			}
			collect(x[k], out)
		}
	case []any:
		for _, y := range x {
			collect(y, out)
		}
	}
}
