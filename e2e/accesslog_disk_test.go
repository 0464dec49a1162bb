package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// logDir is a fresh access-log directory for a test's gateway.
func logDir(t *testing.T) string { return filepath.Join(t.TempDir(), "access") }

// scanLines reads dir's segments: the whole lines of svc, and how many
// of them belong to ids (each at most once, or the test fails).
func scanLines(t *testing.T, dir, svc string, ids map[string]bool) (mine, all int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "access-*.log"))
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		whole := strings.Split(string(b), "\n")
		for _, l := range whole[:len(whole)-1] { // the last piece is not a whole line yet
			if !strings.Contains(l, `"service":"`+svc+`"`) {
				continue
			}
			all++
			var rec struct {
				ReqID string `json:"req_id"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("%s: %q: %v", f, l, err)
			}
			if seen[rec.ReqID] {
				t.Fatalf("request %s logged twice", rec.ReqID)
			}
			seen[rec.ReqID] = true
			if ids[rec.ReqID] {
				mine++
			}
		}
	}
	return mine, all
}
