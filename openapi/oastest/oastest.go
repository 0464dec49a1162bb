// Package oastest validates documents against the OpenAPI 3.1 JSON Schema
// (2022-10-07, vendored here; SCHEMA.md says where it comes from) and
// finds the TypeScript compiler that checks the generated SDK's
// declarations. Only tests import it: the schema and the validator stay
// out of the binary.
package oastest

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed oas-3.1-schema-2022-10-07.json
var schemaJSON []byte

// SchemaID is the vendored schema's $id.
const SchemaID = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaID)
})

// Validate reports why doc (JSON) is not an OpenAPI 3.1 document, or nil.
func Validate(doc []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// TSC is the TypeScript compiler `make deps` installs in the repository's
// .cache/typescript (found from the test's directory upwards); the test
// fails, saying so, when it is missing.
func TSC(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	for err == nil {
		tsc := filepath.Join(dir, ".cache", "typescript", "node_modules", ".bin", "tsc")
		if _, serr := os.Stat(tsc); serr == nil {
			return tsc
		}
		if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil || filepath.Dir(dir) == dir {
			break // the module's root: no further up
		}
		dir = filepath.Dir(dir)
	}
	t.Fatal("tsc is not installed (make deps installs it in .cache/typescript)")
	return ""
}
