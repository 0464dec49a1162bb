package http1

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// caseSection is one "==" section of testdata/cases.txt.
type caseSection struct {
	kind, title string // kind: request, response or chunked
	cases       []codeCase
}

// loadCases reads testdata/cases.txt (its head says the format).
func loadCases(tb testing.TB) []caseSection {
	tb.Helper()
	f, err := os.Open("testdata/cases.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var secs []caseSection
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "== "):
			kind, title, _ := strings.Cut(line[3:], " ")
			secs = append(secs, caseSection{kind: kind, title: title})
		default:
			f := strings.SplitN(line, " | ", 3)
			if len(f) != 3 || len(secs) == 0 {
				tb.Fatalf("cases.txt:%d: want name | code | input in a section", ln)
			}
			in, err := caseInput(f[2])
			if err != nil {
				tb.Fatalf("cases.txt:%d: %v", ln, err)
			}
			code := f[1]
			if code == "ok" {
				code = ""
			}
			s := &secs[len(secs)-1]
			s.cases = append(s.cases, codeCase{name: f[0], in: in, code: code})
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return secs
}

// caseInput decodes an input column: Go string literals, each alone or
// as the argument of GET or POST, concatenated.
func caseInput(s string) (string, error) {
	builders := map[string]func(...string) string{"GET(": get, "POST(": post}
	var b strings.Builder
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		var build func(...string) string
		for w, f := range builders {
			if rest, ok := strings.CutPrefix(s, w); ok {
				s, build = rest, f
			}
		}
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", fmt.Errorf("%.20q: want a Go string literal", s)
		}
		lit, _ := strconv.Unquote(q)
		if s = s[len(q):]; build != nil {
			var ok bool
			if s, ok = strings.CutPrefix(s, ")"); !ok {
				return "", fmt.Errorf("%.20q: want the builder's ')'", s)
			}
			lit = build(lit)
		}
		b.WriteString(lit)
	}
	return b.String(), nil
}

// caseInputs are the inputs of every case of kind, for fuzz seeds.
func caseInputs(tb testing.TB, kind string) []string {
	var out []string
	for _, s := range loadCases(tb) {
		for _, c := range s.cases {
			if s.kind == kind {
				out = append(out, c.in)
			}
		}
	}
	return out
}

// TestCases runs every case of testdata/cases.txt through the parser or
// the chunked decoder its section names.
func TestCases(t *testing.T) {
	for _, s := range loadCases(t) {
		if parsers[s.kind] == nil {
			t.Fatalf("section %q: unknown kind %q", s.title, s.kind)
		}
		t.Run(s.title, func(t *testing.T) { runCases(t, s.kind, s.cases) })
	}
}
