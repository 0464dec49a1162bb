package openapi

import (
	"strings"
	"testing"
)

// FuzzParse: any input is refused with an error or gives APIs whose Path
// and Method CreateApi can take; Parse never panics.
func FuzzParse(f *testing.F) {
	doc, _ := Document(sampleTarget(), sampleAPIs())
	f.Add(doc)
	f.Add([]byte(`{"openapi": "3.0.0", "paths": {"/a/{b}": {"get": {"parameters": [{"name": "b", "in": "path", "schema": {"type": ["integer", "null"]}}]}}}}`))
	f.Add([]byte("openapi: 3.1.0\npaths:\n  /x:\n    post:\n      requestBody:\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, properties: {n: {type: number, default: 1.5}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ims, err := Parse(data)
		if err != nil {
			return
		}
		for _, im := range ims {
			p, m := im.API.RequestConfig.Path, im.API.RequestConfig.Method
			if p == "" || m == "" || m != strings.ToUpper(m) {
				t.Fatalf("%s: path %q method %q", im.Where, p, m)
			}
			for _, rp := range im.API.RequestParameters {
				switch rp.Type {
				case "string", "int", "double", "boolean":
				default:
					t.Fatalf("%s: parameter type %q", im.Where, rp.Type)
				}
			}
		}
	})
}
