package openapi

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"go/format"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/edgegate/edgegate/model"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"pyq":   pyQuote,
	"lower": strings.ToLower,
	"pyesc": strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace,
}).ParseFS(templateFS, "templates/*.tmpl"))

// Languages GenerateApiDocument accepts for GenLanguage (the seed lists
// Python and JavaScript; Edgegate adds Go).
var Languages = []string{"Go", "JavaScript", "Python"}

// sdkOp is an op with the names and types the templates need.
type sdkOp struct {
	op
	GoName       string
	JSName       string
	FreePath     bool // prefix and regex APIs: the caller gives the path
	PathRequired bool // regex APIs: there is no default path
	MatchDesc    string
	Params       []sdkParam
}

// ParamsRequired says the JavaScript method's params object must be
// given: a parameter is required, or the path (index.d.ts).
func (o sdkOp) ParamsRequired() bool {
	if o.PathRequired {
		return true
	}
	for _, p := range o.Params {
		if p.Required {
			return true
		}
	}
	return false
}

type sdkParam struct {
	param
	GoField, GoType string
	TSType          string // index.d.ts
}

type sdkData struct {
	Target Target
	Pkg    string
	Ops    []sdkOp
}

// Setter is the Go statement head that stores parameter p.
func (sdkData) Setter(p sdkParam) string {
	switch p.In {
	case "query":
		return fmt.Sprintf("q.Set(%q, ", p.Name)
	case "header":
		return fmt.Sprintf("hdr.Set(%q, ", p.Name)
	}
	return fmt.Sprintf("form.Set(%q, ", p.Name)
}

func goName(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(ident(s), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

var oneLine = strings.NewReplacer("\r", " ", "\n", " ", "\u2028", " ", "\u2029", " ").Replace

func pyQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func newSDKData(t Target, apis []model.API) (sdkData, error) {
	ops, err := buildOps(apis)
	if err != nil {
		return sdkData{}, err
	}
	t.ServiceId, t.ServiceName, t.Environment = oneLine(t.ServiceId), oneLine(t.ServiceName), oneLine(t.Environment)
	d := sdkData{Target: t, Pkg: strings.ReplaceAll(ident("eg_"+or(t.ServiceName, t.ServiceId)), "_", "")}
	for _, o := range ops {
		// Names and paths appear in generated comments: one line each, so
		// a name cannot inject code.
		o.API.ApiName, o.API.ApiId = oneLine(o.API.ApiName), oneLine(o.API.ApiId)
		o.API.RequestConfig.Path = oneLine(o.API.RequestConfig.Path)
		so := sdkOp{op: o, GoName: goName(o.Func)}
		so.JSName = strings.ToLower(so.GoName[:1]) + so.GoName[1:]
		switch o.Match {
		case MatchPrefix, MatchPriorityPrefix:
			so.FreePath, so.MatchDesc = true, "paths starting with "+o.Path
		case MatchRegex, MatchRegexI:
			so.FreePath, so.PathRequired, so.MatchDesc = true, true, "the regular expression "+o.Path
			if o.Match == MatchRegexI {
				so.MatchDesc += " (case-insensitive)"
			}
		}
		for _, p := range o.Params {
			sp := sdkParam{param: p, GoField: goName(p.Ident)}
			switch p.Type {
			case "int":
				sp.GoType, sp.TSType = "int64", "number"
			case "double":
				sp.GoType, sp.TSType = "float64", "number"
			case "boolean":
				sp.GoType, sp.TSType = "bool", "boolean"
			default:
				sp.GoType, sp.TSType = "string", "string"
			}
			so.Params = append(so.Params, sp)
		}
		// Path parameters first, then required, then optional: the order
		// of Python's positional arguments.
		sort.SliceStable(so.Params, func(i, j int) bool { return so.Params[i].Required && !so.Params[j].Required })
		d.Ops = append(d.Ops, so)
	}
	return d, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// File is one generated file.
type File struct {
	Name string
	Data []byte
}

// SDK generates the client for lang (one of Languages, case-insensitive):
// its source files and a README.
func SDK(lang string, t Target, apis []model.API) ([]File, error) {
	d, err := newSDKData(t, apis)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	switch strings.ToLower(lang) {
	case "go":
		if err := templates.ExecuteTemplate(&b, "go_client.go.tmpl", d); err != nil {
			return nil, err
		}
		src, err := format.Source(b.Bytes())
		if err != nil {
			return nil, fmt.Errorf("generated Go does not parse: %w", err)
		}
		return []File{
			{d.Pkg + "/client.go", src},
			{d.Pkg + "/go.mod", []byte("module " + d.Pkg + "\n\ngo 1.21\n")},
			{d.Pkg + "/README.md", readme(d, "Go")},
		}, nil
	case "javascript":
		if err := templates.ExecuteTemplate(&b, "js_client.js.tmpl", d); err != nil {
			return nil, err
		}
		var ts bytes.Buffer
		if err := templates.ExecuteTemplate(&ts, "js_client.d.ts.tmpl", d); err != nil {
			return nil, err
		}
		pkg, _ := json.MarshalIndent(map[string]any{"name": d.Pkg, "version": "1.0.0", "main": "index.js", "types": "index.d.ts", "private": true,
			"description": "Edgegate client for service " + d.Target.ServiceId + " (" + d.Target.Environment + ")", "engines": map[string]string{"node": ">=18"}}, "", "  ")
		return []File{
			{d.Pkg + "/index.js", b.Bytes()},
			{d.Pkg + "/index.d.ts", ts.Bytes()},
			{d.Pkg + "/package.json", append(pkg, '\n')},
			{d.Pkg + "/README.md", readme(d, "JavaScript")},
		}, nil
	case "python":
		if err := templates.ExecuteTemplate(&b, "py_client.py.tmpl", d); err != nil {
			return nil, err
		}
		return []File{
			{d.Pkg + "/__init__.py", b.Bytes()},
			{d.Pkg + "/README.md", readme(d, "Python")},
		}, nil
	}
	return nil, fmt.Errorf("language %q: want one of %s", lang, strings.Join(Languages, ", "))
}

// Zip packs files; entries carry a fixed time so equal input gives equal bytes.
func Zip(files []File) ([]byte, error) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range files {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func readme(d sdkData, lang string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s client for service %s (%s), environment %s\n\n", lang, d.Target.ServiceId, d.Target.ServiceName, d.Target.Environment)
	fmt.Fprintf(&b, "Generated by Edgegate GenerateApiDocument. Base URL: %s\n\n", d.Target.BaseURL)
	b.WriteString("Requests are signed as the gateway checks them: AuthType SECRET with the key pair's\n" +
		"`hmac` signature over `X-Date` (hmac-sha1 by default, hmac-sha256 on request), APP with\n" +
		"the application signature, OAUTH with the token where the API expects it.\n\n")
	if lang == "Go" {
		fmt.Fprintf(&b, "```go\nc := %s.New()\nc.SecretId, c.SecretKey = \"AKID...\", \"...\"\n", d.Pkg)
		for _, o := range d.Ops {
			fmt.Fprintf(&b, "resp, err := c.%s(ctx, %s.%sParams{})\n", o.GoName, d.Pkg, o.GoName)
			break
		}
		b.WriteString("```\n\n")
	} else if lang == "JavaScript" {
		fmt.Fprintf(&b, "```js\nconst { Client } = require(\"./%s\");\nconst c = new Client({ secretId: \"AKID...\", secretKey: \"...\" });\n", d.Pkg)
		for _, o := range d.Ops {
			fmt.Fprintf(&b, "const r = await c.%s({ /* parameters */ }); // r.status, r.headers, r.body\n", o.JSName)
			break
		}
		fmt.Fprintf(&b, "```\n\nTypeScript: `index.d.ts` declares the client (package.json `types`), one\n"+
			"`...Params` interface per API with its parameters' types and which are required:\n"+
			"`import { Client } from \"./%s\";` type-checks the calls (CommonJS module, no\n"+
			"dependency, not even `@types/node`).\n\n", d.Pkg)
	} else {
		fmt.Fprintf(&b, "```python\nimport %s\nc = %s.Client(secret_id=\"AKID...\", secret_key=\"...\")\n", d.Pkg, d.Pkg)
		for _, o := range d.Ops {
			fmt.Fprintf(&b, "r = c.%s(...)  # r.status, r.headers, r.body\n", o.Func)
			break
		}
		b.WriteString("```\n\n")
	}
	b.WriteString("| function | method | path | auth | parameters |\n|---|---|---|---|---|\n")
	for _, o := range d.Ops {
		name := o.Func
		switch lang {
		case "Go":
			name = o.GoName
		case "JavaScript":
			name = o.JSName
		}
		var ps []string
		for _, p := range o.Params {
			s := p.In + " " + p.Name + " (" + p.Type
			if p.Required {
				s += ", required"
			}
			ps = append(ps, s+")")
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s |\n", name, o.Method, o.API.RequestConfig.Path, o.Auth, strings.Join(ps, "; "))
	}
	return []byte(b.String())
}
