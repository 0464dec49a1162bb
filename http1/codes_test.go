package http1

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestCodesDocumented keeps CODES.md and errors.go in step: every error
// has a row with its Code and Status, codes are unique, and every twin is
// a 502 that errors.Is matches.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("CODES.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range allErrors {
		if seen[e.Code] {
			t.Errorf("duplicate code %s", e.Code)
		}
		seen[e.Code] = true
		row := fmt.Sprintf("| `%s` | %d |", e.Code, e.Status)
		if !strings.Contains(string(doc), row) {
			t.Errorf("CODES.md has no row %q", row)
		}
		u := e.Upstream()
		if u.Status != 502 || u.Code != e.Code || !errors.Is(u, e) || !errors.Is(e, u) || u.Upstream() != u {
			t.Errorf("%s: bad twin %+v", e.Code, u)
		}
		if e.Error() != e.Code+": "+e.Msg {
			t.Errorf("%s: Error() = %q", e.Code, e.Error())
		}
	}
	if errors.Is(ErrBadChunk, ErrBadHost) {
		t.Error("different codes match")
	}
	// Every row of the Codes table is an error that exists.
	table, _, _ := strings.Cut(string(doc), "## Decisions")
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| `") {
			code := strings.Trim(strings.Split(line, "|")[1], " `")
			if !seen[code] {
				t.Errorf("CODES.md documents unknown code %s", code)
			}
		}
	}
}
