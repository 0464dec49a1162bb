package openapi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/edgegate/edgegate/model"
)

// Target is the service environment a document describes.
type Target struct {
	ServiceId, ServiceName, ServiceDesc string
	Environment, VersionName            string
	// BaseURL is the environment's URL: http://<default domain>[:port]/<env>.
	BaseURL string
}

// Match kinds (x-edgegate-match), from the seed's path syntax
// (model.RequestConfig).
const (
	MatchExact          = "exact"
	MatchPriorityPrefix = "priority-prefix"
	MatchPrefix         = "prefix"
	MatchRegex          = "regex"
	MatchRegexI         = "regex-i"
	MatchTemplate       = "template"
)

// methods an ANY API answers, in OpenAPI's spelling.
var anyMethods = []string{"get", "put", "post", "delete", "options", "head", "patch"}

// param is one request parameter as the generators use it.
type param struct {
	Name, Ident, In, Type string // In: path, query, header, body; Type: string, int, double, boolean
	Desc, Default         string
	Required              bool
}

// op is one API as the generators use it.
type op struct {
	API    model.API
	Func   string // unique identifier-safe name (operationId)
	Match  string
	Path   string // the OpenAPI path key (templates keep {name})
	Method string // upper case; "ANY" for any method
	Auth   string // how a client authenticates: SECRET, APP, OAUTH, NONE
	// Authz is an authorization API (ApiBusinessType OAUTH): the gateway
	// forwards it to the token server unchecked (Auth NONE for clients).
	Authz     bool
	TokenIn   string // OAUTH: header, query or cookie
	TokenName string // OAUTH: the header, query or cookie name
	Params    []param
}

var templSeg = regexp.MustCompile(`^\{([A-Za-z_][A-Za-z0-9_.-]*)\}$`)

// matchOf splits the seed's Path into its match kind and the path proper.
func matchOf(p string) (kind, path string) {
	switch {
	case strings.HasPrefix(p, "="):
		return MatchExact, p[1:]
	case strings.HasPrefix(p, "^~"):
		return MatchPriorityPrefix, p[2:]
	case strings.HasPrefix(p, "~*"):
		return MatchRegexI, p[2:]
	case strings.HasPrefix(p, "~"):
		return MatchRegex, p[1:]
	case strings.Contains(p, "{"):
		return MatchTemplate, p
	}
	return MatchPrefix, p
}

// normType maps the seed's parameter types (case-insensitive) to one spelling.
func normType(t string) string {
	switch strings.ToLower(t) {
	case "int", "integer", "long":
		return "int"
	case "double", "float", "number":
		return "double"
	case "boolean", "bool":
		return "boolean"
	}
	return "string"
}

func normIn(p string) string {
	if strings.EqualFold(p, "head") || strings.EqualFold(p, "header") {
		return "header"
	}
	return strings.ToLower(p)
}

// ident makes s a lower_snake identifier safe in Go, Python and TypeScript.
func ident(s string) string {
	var b strings.Builder
	prevUnderscore := true
	for _, r := range s {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if unicode.IsUpper(r) && b.Len() > 0 && !prevUnderscore {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevUnderscore = false
		} else if !prevUnderscore {
			b.WriteByte('_')
			prevUnderscore = true
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "p_" + out
	}
	switch out {
	case "type", "func", "default", "range", "map", "package", "import", "return", "var", "interface", "select",
		"case", "chan", "const", "continue", "defer", "else", "fallthrough", "for", "go", "goto", "if", "struct", "switch",
		"break", "class", "def", "del", "from", "global", "in", "is", "lambda", "not", "or", "and", "pass", "raise",
		"try", "while", "with", "yield", "async", "await", "none", "true", "false", "self", "ctx", "path", "method", "client":
		out += "_"
	}
	return out
}

// buildOps orders apis (by match path, then method, then id) and derives
// what the document and the SDKs need; it refuses two APIs that would share
// one OpenAPI operation.
func buildOps(apis []model.API) ([]op, error) {
	ops := make([]op, 0, len(apis))
	used := map[string]string{}
	names := map[string]int{}
	for _, a := range apis {
		names[ident(a.ApiName)]++
	}
	for _, a := range apis {
		o := op{API: a, Auth: strings.ToUpper(a.AuthType), Method: strings.ToUpper(a.RequestConfig.Method)}
		if o.Auth == "" {
			o.Auth = "NONE"
		}
		if o.Method == "" {
			o.Method = "ANY"
		}
		o.Match, o.Path = matchOf(a.RequestConfig.Path)
		if !strings.HasPrefix(o.Path, "/") {
			o.Path = "/" + o.Path
		}
		if o.Match == MatchRegex || o.Match == MatchRegexI {
			// Braces of a regex ({3}) are not OpenAPI path templates.
			o.Path = strings.NewReplacer("{", "%7B", "}", "%7D").Replace(o.Path)
		}
		if strings.EqualFold(a.ApiBusinessType, "OAUTH") {
			o.Authz, o.Auth = true, "NONE"
		}
		if o.Auth == "OAUTH" {
			o.TokenIn, o.TokenName = "header", "Authorization"
			if a.OauthConfig != nil {
				if in, name, ok := tokenLocation(a.OauthConfig.TokenLocation); ok {
					o.TokenIn, o.TokenName = in, name
				}
			}
		}
		o.Func = ident(a.ApiName)
		if a.ApiName == "" || names[o.Func] > 1 {
			o.Func = ident(a.ApiName + "_" + a.ApiId)
		}
		if clientMembers[o.Func] || clientMembers[goName(o.Func)] {
			o.Func += "_api" // not a client field or attribute's name
		}
		for _, rp := range a.RequestParameters {
			o.Params = append(o.Params, param{Name: rp.Name, Ident: ident(rp.Name), In: normIn(rp.Position), Type: normType(rp.Type),
				Desc: rp.Desc, Default: rp.DefaultValue, Required: rp.Required || normIn(rp.Position) == "path"})
		}
		seen := map[string]bool{}
		for i := range o.Params {
			for seen[o.Params[i].Ident] {
				o.Params[i].Ident += "_"
			}
			seen[o.Params[i].Ident] = true
		}
		ms := []string{strings.ToLower(o.Method)}
		if o.Method == "ANY" {
			ms = anyMethods
		}
		for _, m := range ms {
			k := m + " " + o.Path
			if other, dup := used[k]; dup {
				return nil, fmt.Errorf("APIs %s and %s both map to the OpenAPI operation %s %s", other, a.ApiId, strings.ToUpper(m), o.Path)
			}
			used[k] = a.ApiId
		}
		ops = append(ops, o)
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		if ops[i].Method != ops[j].Method {
			return ops[i].Method < ops[j].Method
		}
		return ops[i].API.ApiId < ops[j].API.ApiId
	})
	return ops, nil
}

// clientMembers are the generated clients' fields and attributes (Go,
// Python and JavaScript spellings), which an API's function must not shadow.
var clientMembers = map[string]bool{
	"base_url": true, "secret_id": true, "secret_key": true, "app_key": true, "app_secret": true, "token": true,
	"host": true, "algorithm": true, "http": true, "now": true, "timeout": true, "timeout_ms": true, "new": true,
	"constructor": true, "base_url_": true,
	"BaseURL": true, "SecretId": true, "SecretKey": true, "AppKey": true, "AppSecret": true, "Token": true,
	"Host": true, "Algorithm": true, "HTTP": true, "Now": true, "New": true, "BaseUrl": true, "TimeoutMs": true,
}

// tokenLocation reads OauthConfig.TokenLocation (README "OAuth 2.0 / JWT").
func tokenLocation(loc string) (in, name string, ok bool) {
	for _, in := range []string{"header", "query", "cookie"} {
		if n, found := strings.CutPrefix(loc, "method.req."+in+"."); found && n != "" {
			return in, n, true
		}
	}
	return "", "", false
}
