package router

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports proves the package stays a leaf (DESIGN.md: router must not
// know about sockets): the standard library less networking and process
// control, model, http1 for its Header type only, and ascii.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/edgegate/edgegate/model": true,
		"github.com/edgegate/edgegate/http1": true,
		"github.com/edgegate/edgegate/ascii": true,
	}
	banned := []string{"net", "os/exec", "syscall", "unsafe", "plugin"}
	for _, dir := range []string{".", "routertest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
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
				ok := std || allowed[p]
				if dir == "routertest" && p == "github.com/edgegate/edgegate/http1" {
					ok = false
				}
				for _, b := range banned {
					if p == b || strings.HasPrefix(p, b+"/") {
						ok = false
					}
				}
				if !ok {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
