package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/specdoc"
)

// specDir is where the seed digest lives on the build machine (COMMON.md);
// EDGEGATE_SPEC_DIR points elsewhere.
func specDir() string {
	if d := os.Getenv("EDGEGATE_SPEC_DIR"); d != "" {
		return d
	}
	return "/work/shared/spec"
}

// TestActionDocsGenerated: actiondocs_gen.go is what `go generate` makes
// from the spec files today (rerun it when they change).
func TestActionDocsGenerated(t *testing.T) {
	want, err := specdoc.Generate(specDir(), "main")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("actiondocs_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("actiondocs_gen.go differs from the spec in %s: run go generate ./cmd/edgegate", specDir())
	}
	if len(specActions) != 86 {
		t.Errorf("%d Actions in the digest, the seed has 86", len(specActions))
	}
}

// TestSpecTypesMatchDeclared: every parameter the seed gives an Action
// ctl serves, at every depth the digest describes, is declared in ctl's
// schema with the seed's type (String, Int64, Bool, Array of ..., a
// structure), so ctl types each flag as the seed does.
func TestSpecTypesMatchDeclared(t *testing.T) {
	for _, a := range ctlActions {
		sa, ok := specActions[a.name]
		if !ok {
			continue // an Edgegate extension
		}
		for _, e := range specMismatches(a.name, "", sa.Params, a.schema(), 0) {
			t.Error(e)
		}
	}
	// The check can fail: a seed Int64 declared a string, a seed array
	// declared a scalar, a seed structure field missing.
	bad := []specField{{"ServiceId", "Int64", true, ""}, {"ApiIds", "Array of String", false, ""}, {"RequestConfig", "ApiRequestConfig", false, ""}}
	decl := &param{kind: pObject, fields: map[string]*param{
		"ServiceId": {kind: pString}, "ApiIds": {kind: pString},
		"RequestConfig": {kind: pObject, fields: map[string]*param{"Path": {kind: pString}}},
	}}
	if got := specMismatches("X", "", bad, decl, 0); len(got) != 3 {
		t.Errorf("mismatches of a bad declaration: %q, want 3", got)
	}
}

// specMismatches lists where p differs from the digest's fields.
func specMismatches(action, prefix string, fields []specField, p *param, depth int) []string {
	var errs []string
	for _, f := range fields {
		name := prefix + f.Name
		d := p.fields[f.Name]
		if d == nil {
			errs = append(errs, fmt.Sprintf("%s: the seed's --%s (%s) is not declared", action, name, f.Type))
			continue
		}
		st, top := f.Type, d
		for len(st) > 9 && st[:9] == "Array of " && d.kind == pArray {
			st, d, name = st[9:], d.elem, name+".N"
		}
		var ok bool
		switch {
		case strings.HasPrefix(st, "Array of "):
			// declared a scalar or object where the seed has an array
		case st == "String" || st == "Datetime":
			ok = d.kind == pString
		case st == "Int64" || st == "Integer" || st == "Uint64" || st == "UInt64":
			ok = d.kind == pInt || d.kind == pUint
		case st == "Bool" || st == "Boolean":
			ok = d.kind == pBool
		case st == "Float":
			ok = d.kind == pFloat
		default:
			ok = d.kind == pObject
			sub, known := specStructs[st]
			if !known {
				errs = append(errs, fmt.Sprintf("%s: --%s: no structure %s in the digest", action, name, st))
			} else if ok && depth < 4 {
				errs = append(errs, specMismatches(action, name+".", sub, d, depth+1)...)
			}
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: --%s is %s, the seed says %s", action, prefix+f.Name, top.what(), f.Type))
		}
	}
	return errs
}
