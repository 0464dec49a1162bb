package main

//go:generate go run ../../internal/specdoc/gen -spec /work/shared/spec -o actiondocs_gen.go

// specAction is an Action's Input table in the seed digest
// (shared/spec/ACTIONS.md), generated into actiondocs_gen.go: the group,
// description, seed types and required flags `ctl help` prints. The types
// ctl sends come from the declarations in actions.go, never from here;
// TestSpecTypesMatchDeclared holds the two to each other.
type specAction struct {
	Group, Summary, SeedLines string
	Params                    []specField
}

// specField is one parameter or structure field of the digest.
type specField struct {
	Name, Type string
	Required   bool
	Meaning    string
}

// specField returns the digest's row for the field at path (top-level
// name, then field names; array indices left out) of action, following
// structure types through specStructs.
func specFieldAt(action string, path []string) (specField, bool) {
	sa, ok := specActions[action]
	if !ok {
		return specField{}, false
	}
	fields := sa.Params
	var f specField
	for i, name := range path {
		found := false
		for _, x := range fields {
			if x.Name == name {
				f, found = x, true
				break
			}
		}
		if !found {
			return specField{}, false
		}
		if i < len(path)-1 {
			fields = specStructs[specElemType(f.Type)]
		}
	}
	return f, true
}

// specElemType strips "Array of " from a digest type.
func specElemType(t string) string {
	for len(t) > 9 && t[:9] == "Array of " {
		t = t[9:]
	}
	return t
}
