package tlsterm

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports proves the package stays a leaf (doc.go): the standard
// library and x/crypto's ChaCha20-Poly1305, no gnet, no project package.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			std := !strings.Contains(strings.SplitN(p, "/", 2)[0], ".")
			if !std && p != "golang.org/x/crypto/chacha20poly1305" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
