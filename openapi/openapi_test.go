package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/openapi/oastest"
)

// sampleAPIs covers every match kind, parameter position and type, and
// every AuthType.
func sampleAPIs() []model.API {
	return []model.API{
		{ApiId: "api-1", ApiName: "getUser", ApiDesc: "one user", Protocol: "HTTP", AuthType: "SECRET",
			RequestConfig: model.RequestConfig{Path: "/users/{id}", Method: "GET"},
			RequestParameters: []model.RequestParameter{
				{Name: "id", Position: "path", Type: "int", Required: true},
				{Name: "verbose", Position: "query", Type: "boolean", DefaultValue: "false"},
				{Name: "X-Trace", Position: "header", Type: "string", Desc: "trace id"},
			}},
		{ApiId: "api-2", ApiName: "createOrder", Protocol: "HTTP", AuthType: "APP",
			RequestConfig: model.RequestConfig{Path: "=/orders", Method: "POST"},
			RequestParameters: []model.RequestParameter{
				{Name: "amount", Position: "body", Type: "double", Required: true},
				{Name: "note", Position: "body", Type: "string", DefaultValue: "none"},
				{Name: "X-Req", Position: "head", Type: "string"},
			}},
		{ApiId: "api-3", ApiName: "static", Protocol: "HTTP", RequestConfig: model.RequestConfig{Path: "^~/static", Method: "GET"}},
		{ApiId: "api-4", ApiName: "anything", Protocol: "HTTP", RequestConfig: model.RequestConfig{Path: "/any", Method: "ANY"}},
		{ApiId: "api-5", ApiName: "reports", Protocol: "HTTP", AuthType: "OAUTH", AuthRelationApiId: "api-9",
			RequestConfig:     model.RequestConfig{Path: "~*/reports/[0-9]{2,}$", Method: "GET"},
			RequestParameters: []model.RequestParameter{{Name: "limit", Position: "query", Type: "int", DefaultValue: "10"}}},
		{ApiId: "api-9", ApiName: "token", Protocol: "HTTP", AuthType: "OAUTH", ApiBusinessType: "OAUTH",
			OauthConfig:   &model.OauthConfig{PublicKey: `{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`, TokenLocation: "method.req.header.authorization"},
			RequestConfig: model.RequestConfig{Path: "=/token", Method: "POST"}},
	}
}

func sampleTarget() Target {
	return Target{ServiceId: "service-abc", ServiceName: "demo", Environment: "release", VersionName: "20260101000000",
		BaseURL: "http://service-abc.localhost:8080/release"}
}

func TestDocumentValidatesAndIsDeterministic(t *testing.T) {
	doc, err := Document(sampleTarget(), sampleAPIs())
	if err != nil {
		t.Fatal(err)
	}
	if err := oastest.Validate(doc); err != nil {
		t.Fatalf("OpenAPI 3.1 schema: %v\n%s", err, doc)
	}
	// The validator does catch a broken document (the test can fail).
	broken := bytes.Replace(doc, []byte(`"openapi": "3.1.0"`), []byte(`"openapi": 31`), 1)
	if err := oastest.Validate(broken); err == nil {
		t.Fatal("a document with a numeric openapi field validated")
	}
	// Input order does not change the output.
	rev := sampleAPIs()
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	doc2, _ := Document(sampleTarget(), rev)
	if !bytes.Equal(doc, doc2) {
		t.Fatal("output depends on input order")
	}
	var d map[string]any
	_ = json.Unmarshal(doc, &d)
	paths := d["paths"].(map[string]any)
	get := paths["/users/{id}"].(map[string]any)["get"].(map[string]any)
	if get["x-edgegate-match"] != "template" || get["operationId"] != "get_user" {
		t.Fatalf("template operation: %v", get)
	}
	if len(paths["/any"].(map[string]any)) != len(anyMethods) {
		t.Fatalf("ANY API: %v", paths["/any"])
	}
	if ss := d["components"].(map[string]any)["securitySchemes"].(map[string]any); len(ss) != 3 {
		t.Fatalf("security schemes: %v", ss)
	}
}

func TestRoundTrip(t *testing.T) {
	apis := sampleAPIs()
	doc, err := Document(sampleTarget(), apis)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(apis) {
		t.Fatalf("%d APIs back, want %d", len(got), len(apis))
	}
	byPath := map[string]model.API{}
	for _, im := range got {
		byPath[im.API.RequestConfig.Path] = im.API
	}
	for _, a := range apis {
		b, ok := byPath[a.RequestConfig.Path]
		if !ok {
			t.Fatalf("%s not imported", a.RequestConfig.Path)
		}
		if b.RequestConfig != a.RequestConfig || b.ApiName != a.ApiName || b.ApiDesc != a.ApiDesc || or(a.AuthType, "NONE") != b.AuthType ||
			b.AuthRelationApiId != a.AuthRelationApiId || b.ApiBusinessType != a.ApiBusinessType || !reflect.DeepEqual(a.OauthConfig, b.OauthConfig) {
			t.Errorf("%s: got %+v", a.RequestConfig.Path, b)
		}
		if !sameParams(a.RequestParameters, b.RequestParameters) || len(a.RequestParameters) != len(b.RequestParameters) {
			t.Errorf("%s parameters: got %+v want %+v", a.RequestConfig.Path, b.RequestParameters, a.RequestParameters)
		}
		for i := range a.RequestParameters {
			if a.RequestParameters[i].Name != b.RequestParameters[i].Name {
				t.Errorf("%s: parameter order %+v", a.RequestConfig.Path, b.RequestParameters)
			}
		}
	}
	// YAML reads the same.
	y, err := os.ReadFile("testdata/petstore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pet, err := Parse(y)
	if err != nil {
		t.Fatal(err)
	}
	if len(pet) != 2 || pet[0].API.RequestConfig.Path != "=/pets" || pet[1].API.RequestConfig.Path != "/pets/{petId}" ||
		pet[1].API.RequestParameters[0] != (model.RequestParameter{Name: "petId", Position: "path", Type: "int", Required: true}) ||
		pet[0].API.AuthType != "NONE" || len(pet[0].Warnings) != 0 {
		t.Fatalf("petstore: %+v", pet)
	}
}

// sameParams compares as the gateway sees parameters: positions and types
// in one spelling, path parameters required.
func sameParams(a, b []model.RequestParameter) bool {
	norm := func(ps []model.RequestParameter) map[string]model.RequestParameter {
		m := map[string]model.RequestParameter{}
		for _, p := range ps {
			p.Position, p.Type = normIn(p.Position), normType(p.Type)
			p.Required = p.Required || p.Position == "path"
			m[p.Position+" "+p.Name] = p
		}
		return m
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestParseRefusesWhatTheGatewayCannotDo(t *testing.T) {
	for name, doc := range map[string]string{
		"swagger":      `{"swagger": "2.0", "paths": {}}`,
		"cookie param": `{"openapi": "3.1.0", "paths": {"/a": {"get": {"parameters": [{"name": "c", "in": "cookie", "schema": {"type": "string"}}]}}}}`,
		"array param":  `{"openapi": "3.1.0", "paths": {"/a": {"get": {"parameters": [{"name": "c", "in": "query", "schema": {"type": "array"}}]}}}}`,
		"partial seg":  `{"openapi": "3.1.0", "paths": {"/a/x{id}": {"get": {}}}}`,
		"basic auth":   `{"openapi": "3.1.0", "components": {"securitySchemes": {"b": {"type": "http", "scheme": "basic"}}}, "security": [{"b": []}], "paths": {"/a": {"get": {}}}}`,
		"trace":        `{"openapi": "3.1.0", "paths": {"/a": {"trace": {}}}}`,
		"remote ref":   `{"openapi": "3.1.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "other.yaml#/p"}]}}}}`,
	} {
		_, err := Parse([]byte(doc))
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("%s: %v, want an UnsupportedError", name, err)
		}
	}
	if _, err := Parse([]byte("{not: [valid")); err == nil {
		t.Error("garbage parsed")
	}
}

func TestDocumentRefusesCollidingOperations(t *testing.T) {
	apis := []model.API{
		{ApiId: "a", RequestConfig: model.RequestConfig{Path: "/x", Method: "GET"}},
		{ApiId: "b", RequestConfig: model.RequestConfig{Path: "=/x", Method: "GET"}},
	}
	if _, err := Document(sampleTarget(), apis); err == nil || !strings.Contains(err.Error(), "both map") {
		t.Fatalf("colliding APIs: %v", err)
	}
}

// TestSDKsBuild compiles the Go client and byte-compiles the Python one
// (the e2e test calls both against a running gateway).
func TestSDKsBuild(t *testing.T) {
	dir := t.TempDir()
	for _, lang := range Languages {
		files, err := SDK(lang, sampleTarget(), sampleAPIs())
		if err != nil {
			t.Fatal(lang, err)
		}
		for _, f := range files {
			p := filepath.Join(dir, lang, f.Name)
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = filepath.Join(dir, "Go", "egdemo")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated client: %v\n%s", err, out)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed (make deps installs it)")
	}
	cmd = exec.Command(py, "-c", "import egdemo; c = egdemo.Client(); print(sorted(n for n in dir(c) if not n.startswith('_')))")
	cmd.Dir = filepath.Join(dir, "Python")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python import: %v\n%s", err, out)
	}
	for _, fn := range []string{"get_user", "create_order", "static", "anything", "reports"} {
		if !strings.Contains(string(out), "'"+fn+"'") {
			t.Errorf("python client lacks %s: %s", fn, out)
		}
	}
	cmd = exec.Command("node", "-e", `const m = require("./egdemo"); const c = new m.Client(); console.log(Object.getOwnPropertyNames(Object.getPrototypeOf(c)).sort().join(" "))`)
	cmd.Dir = filepath.Join(dir, "JavaScript")
	if out, err = cmd.CombinedOutput(); err != nil {
		t.Fatalf("node require: %v\n%s", err, out)
	}
	for _, fn := range []string{"getUser", "createOrder", "static", "anything", "reports"} {
		if !strings.Contains(" "+string(out), " "+fn+" ") && !strings.HasSuffix(strings.TrimSpace(string(out)), " "+fn) {
			t.Errorf("JavaScript client lacks %s: %s", fn, out)
		}
	}
	// The TypeScript declarations of every sample shape (regex, prefix,
	// ANY, typed parameters) compile under --strict.
	cmd = exec.Command(oastest.TSC(t), "--strict", "--noEmit", "--pretty", "false", "--lib", "es2020", "index.d.ts")
	cmd.Dir = filepath.Join(dir, "JavaScript", "egdemo")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc index.d.ts: %v\n%s", err, out)
	}
	// A name with a line break, or one that would end a block comment,
	// stays inside its comment in every file.
	for _, name := range []string{"x\npanic(1)\n", "x */ panic(1) /*"} {
		evil := sampleAPIs()
		evil[0].ApiName = name
		for _, lang := range Languages {
			files, err := SDK(lang, sampleTarget(), evil)
			if err != nil {
				t.Fatal(lang, err)
			}
			for _, f := range files {
				// Go, JavaScript and TypeScript carry names in line comments
				// only; Python in a docstring, the README as text.
				comments := strings.HasSuffix(f.Name, ".go") || strings.HasSuffix(f.Name, ".js") || strings.HasSuffix(f.Name, ".ts")
				for _, line := range strings.Split(string(f.Data), "\n") {
					line = strings.TrimSpace(line)
					if strings.HasPrefix(line, "panic(1)") || comments && strings.Contains(line, "panic(1)") && !strings.HasPrefix(line, "//") {
						t.Errorf("%s %s: ApiName %q reached the code: %q", lang, f.Name, name, line)
					}
				}
			}
		}
	}
	if _, err := SDK("Cobol", sampleTarget(), sampleAPIs()); err == nil {
		t.Error("unknown language accepted")
	}
}
