package openapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/edgegate/edgegate/model"
)

// Imported is one API read from a document: the front-end half of a
// CreateApi (RequestConfig, RequestParameters, AuthType, name and
// description); the caller supplies the backend. Where says which
// operation it came from, for messages.
type Imported struct {
	Where string
	// SourceId is x-edgegate-api-id: an OAUTH business API's
	// AuthRelationApiId names its authorization API by it.
	SourceId string
	API      model.API
	// Warnings are parts of the operation the gateway does not check
	// (a JSON request body's schema, response schemas are never checked).
	Warnings []string
}

// Parse reads an OpenAPI 3.x document (JSON or YAML) into APIs, in path
// then method order. Operations sharing x-edgegate-api-id (one ANY API)
// become one API. Constructs the gateway cannot express are errors
// (*UnsupportedError), never silently dropped.
func Parse(data []byte) ([]Imported, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not JSON or YAML: %w", err)
	}
	var doc struct {
		OpenAPI    string                     `json:"openapi"`
		Swagger    string                     `json:"swagger"`
		Paths      map[string]json.RawMessage `json:"paths"`
		Security   []map[string][]string      `json:"security"`
		Components struct {
			Parameters      map[string]json.RawMessage `json:"parameters"`
			SecuritySchemes map[string]secScheme       `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("not an OpenAPI document: %w", err)
	}
	if doc.Swagger != "" || !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, unsupported("/openapi", "version %q (want 3.0.x or 3.1.x; convert Swagger 2.0 first)", doc.OpenAPI+doc.Swagger)
	}
	p := parser{params: doc.Components.Parameters, schemes: doc.Components.SecuritySchemes, global: doc.Security}
	keys := make([]string, 0, len(doc.Paths))
	for k := range doc.Paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Imported
	byID := map[string]int{}
	for _, path := range keys {
		var item map[string]json.RawMessage
		if err := json.Unmarshal(doc.Paths[path], &item); err != nil {
			return nil, fmt.Errorf("/paths/%s: %w", path, err)
		}
		if !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("/paths/%s: a path must start with /", path)
		}
		if _, ref := item["$ref"]; ref {
			return nil, unsupported("/paths/"+path, "$ref path items")
		}
		var common []rawParam
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &common); err != nil {
				return nil, fmt.Errorf("/paths/%s/parameters: %w", path, err)
			}
		}
		for _, m := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
			raw, ok := item[m]
			if !ok {
				continue
			}
			where := "/paths/" + path + "/" + m
			if m == "trace" {
				return nil, unsupported(where, "TRACE (the gateway routes GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS)")
			}
			im, id, any, err := p.operation(where, path, m, raw, common)
			if err != nil {
				return nil, err
			}
			if any && id != "" {
				if i, seen := byID[id]; seen {
					if out[i].API.RequestConfig.Method != "ANY" {
						return nil, fmt.Errorf("%s: x-edgegate-api-id %s is on another operation", where, id)
					}
					continue
				}
				byID[id] = len(out)
			}
			out = append(out, im)
		}
	}
	return out, nil
}

type secScheme struct {
	Type      string          `json:"type"`
	Scheme    string          `json:"scheme"`
	In        string          `json:"in"`
	Name      string          `json:"name"`
	Signature json.RawMessage `json:"x-edgegate-signature"`
}

type rawParam struct {
	Ref         string          `json:"$ref"`
	Name        string          `json:"name"`
	In          string          `json:"in"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Schema      json.RawMessage `json:"schema"`
	Content     json.RawMessage `json:"content"`
}

type rawSchema struct {
	Ref      string                     `json:"$ref"`
	Type     json.RawMessage            `json:"type"`
	Default  json.RawMessage            `json:"default"`
	XDefault string                     `json:"x-edgegate-default"`
	Props    map[string]json.RawMessage `json:"properties"`
	Required []string                   `json:"required"`
}

type parser struct {
	params  map[string]json.RawMessage
	schemes map[string]secScheme
	global  []map[string][]string
}

type rawOp struct {
	Summary     string     `json:"summary"`
	OperationID string     `json:"operationId"`
	Description string     `json:"description"`
	Parameters  []rawParam `json:"parameters"`
	RequestBody *struct {
		Ref     string `json:"$ref"`
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Security  *[]map[string][]string `json:"security"`
	APIID     string                 `json:"x-edgegate-api-id"`
	XPath     string                 `json:"x-edgegate-path"`
	XMethod   string                 `json:"x-edgegate-method"`
	XProtocol string                 `json:"x-edgegate-protocol"`
	XRelation string                 `json:"x-edgegate-auth-relation-api-id"`
	XOrder    []string               `json:"x-edgegate-parameter-order"`
	XBusiness string                 `json:"x-edgegate-api-business-type"`
	XOauth    *model.OauthConfig     `json:"x-edgegate-oauth-config"`
	Callbacks json.RawMessage        `json:"callbacks"`
}

func (p *parser) operation(where, path, method string, raw json.RawMessage, common []rawParam) (Imported, string, bool, error) {
	var o rawOp
	if err := json.Unmarshal(raw, &o); err != nil {
		return Imported{}, "", false, fmt.Errorf("%s: %w", where, err)
	}
	im := Imported{Where: where}
	a := &im.API
	a.ApiName = o.Summary
	if a.ApiName == "" {
		a.ApiName = o.OperationID
	}
	a.ApiDesc = o.Description
	a.Protocol = "HTTP"
	if strings.EqualFold(o.XProtocol, "WEBSOCKET") {
		a.Protocol = "WEBSOCKET"
	}
	a.RequestConfig.Method = strings.ToUpper(method)
	anyM := strings.EqualFold(o.XMethod, "ANY")
	if anyM {
		a.RequestConfig.Method = "ANY"
	}
	// Path: the configured one when the document came from Edgegate, else
	// the OpenAPI template, each {name} one whole segment.
	a.RequestConfig.Path = o.XPath
	if a.RequestConfig.Path == "" {
		for _, seg := range strings.Split(path, "/") {
			if strings.ContainsAny(seg, "{}") && !templSeg.MatchString(seg) {
				return im, "", false, unsupported(where, "path segment %q: a {parameter} must be a whole segment", seg)
			}
		}
		a.RequestConfig.Path = path
		if !strings.Contains(path, "{") {
			a.RequestConfig.Path = "=" + path // OpenAPI paths match exactly
		}
	}
	// Parameters: the operation's override the path item's (by name and in).
	merged := map[string]rawParam{}
	var order []string
	for _, list := range [][]rawParam{common, o.Parameters} {
		for i, rp := range list {
			w := fmt.Sprintf("%s/parameters/%d", where, i)
			rp, err := p.resolve(w, rp)
			if err != nil {
				return im, "", false, err
			}
			k := rp.In + "\x00" + rp.Name
			if _, ok := merged[k]; !ok {
				order = append(order, k)
			}
			merged[k] = rp
		}
	}
	for _, k := range order {
		rp := merged[k]
		w := where + "/parameters/" + rp.Name
		switch rp.In {
		case "path", "query", "header":
		default:
			return im, "", false, unsupported(w, "parameters in %q (the gateway checks path, query, header and form-body parameters)", rp.In)
		}
		if len(rp.Content) > 0 {
			return im, "", false, unsupported(w, "parameter content (use schema)")
		}
		typ, def, err := scalar(w, rp.Schema)
		if err != nil {
			return im, "", false, err
		}
		a.RequestParameters = append(a.RequestParameters, model.RequestParameter{Name: rp.Name, Desc: rp.Description, Position: rp.In,
			Type: typ, DefaultValue: def, Required: rp.Required})
	}
	if rb := o.RequestBody; rb != nil {
		if rb.Ref != "" {
			return im, "", false, unsupported(where+"/requestBody", "$ref request bodies")
		}
		cts := make([]string, 0, len(rb.Content))
		for ct := range rb.Content {
			cts = append(cts, ct)
		}
		sort.Strings(cts)
		for _, ct := range cts {
			w := where + "/requestBody/content/" + ct
			if ct != "application/x-www-form-urlencoded" {
				im.Warnings = append(im.Warnings, w+": the body is passed through unchecked (the gateway checks only form-body parameters)")
				continue
			}
			var s rawSchema
			if err := json.Unmarshal(rb.Content[ct].Schema, &s); err != nil || s.Ref != "" {
				return im, "", false, unsupported(w, "a form body schema must be an inline object with properties")
			}
			req := map[string]bool{}
			for _, n := range s.Required {
				req[n] = true
			}
			names := make([]string, 0, len(s.Props))
			for n := range s.Props {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				typ, def, err := scalar(w+"/"+n, s.Props[n])
				if err != nil {
					return im, "", false, err
				}
				a.RequestParameters = append(a.RequestParameters, model.RequestParameter{Name: n, Position: "body", Type: typ, DefaultValue: def, Required: req[n]})
			}
		}
	}
	if len(o.XOrder) > 0 {
		rank := map[string]int{}
		for i, k := range o.XOrder {
			rank[k] = i + 1
		}
		ps := a.RequestParameters
		sort.SliceStable(ps, func(i, j int) bool {
			ri, rj := rank[normIn(ps[i].Position)+":"+ps[i].Name], rank[normIn(ps[j].Position)+":"+ps[j].Name]
			return ri != 0 && (rj == 0 || ri < rj)
		})
	}
	if len(o.Callbacks) > 0 {
		return im, "", false, unsupported(where, "callbacks")
	}
	sec := p.global
	if o.Security != nil {
		sec = *o.Security
	}
	auth, err := p.authType(where, sec)
	if err != nil {
		return im, "", false, err
	}
	a.AuthType = auth
	a.AuthRelationApiId = o.XRelation
	im.SourceId = o.APIID
	a.ApiBusinessType = strings.ToUpper(o.XBusiness)
	if a.ApiBusinessType == "OAUTH" {
		if o.XOauth == nil || o.XOauth.PublicKey == "" {
			return im, "", false, unsupported(where, "an authorization API (x-edgegate-api-business-type OAUTH) without x-edgegate-oauth-config.PublicKey")
		}
		a.AuthType, a.ApiBusinessType, a.OauthConfig = "OAUTH", "OAUTH", o.XOauth
	}
	return im, o.APIID, anyM, nil
}

func (p *parser) resolve(where string, rp rawParam) (rawParam, error) {
	if rp.Ref == "" {
		return rp, nil
	}
	name, ok := strings.CutPrefix(rp.Ref, "#/components/parameters/")
	raw, found := p.params[name]
	if !ok || !found {
		return rp, unsupported(where, "$ref %q (only #/components/parameters/<name> in the same document)", rp.Ref)
	}
	var out rawParam
	if err := json.Unmarshal(raw, &out); err != nil || out.Ref != "" {
		return rp, unsupported(where, "$ref %q: not a plain parameter", rp.Ref)
	}
	return out, nil
}

// scalar maps a parameter schema to the seed's Type and DefaultValue.
func scalar(where string, raw json.RawMessage) (typ, def string, err error) {
	var s rawSchema
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", "", fmt.Errorf("%s/schema: %w", where, err)
		}
	}
	if s.Ref != "" {
		return "", "", unsupported(where, "$ref schemas for parameters")
	}
	t := ""
	if len(s.Type) > 0 {
		var list []string
		if json.Unmarshal(s.Type, &t) != nil {
			// 3.1 type arrays: one type, optionally with "null".
			if json.Unmarshal(s.Type, &list) != nil {
				return "", "", fmt.Errorf("%s/schema/type: not a string or array", where)
			}
			for _, x := range list {
				if x != "null" {
					if t != "" {
						return "", "", unsupported(where, "a parameter of several types %v", list)
					}
					t = x
				}
			}
		}
	}
	switch t {
	case "", "string":
		typ = "string"
	case "integer":
		typ = "int"
	case "number":
		typ = "double"
	case "boolean":
		typ = "boolean"
	default:
		return "", "", unsupported(where, "a parameter of type %q (the gateway checks string, integer, number and boolean)", t)
	}
	def = s.XDefault
	if len(s.Default) > 0 && string(s.Default) != "null" {
		var v any
		_ = json.Unmarshal(s.Default, &v)
		switch v := v.(type) {
		case string:
			def = v
		case float64:
			def = string(s.Default)
			if typ == "int" {
				def = strconv.FormatInt(int64(v), 10)
			}
		case bool:
			def = strconv.FormatBool(v)
		default:
			return "", "", unsupported(where, "a default that is not a scalar")
		}
	}
	return typ, def, nil
}

// authType maps a security requirement to the gateway's AuthType.
func (p *parser) authType(where string, sec []map[string][]string) (string, error) {
	if len(sec) == 0 {
		return "NONE", nil
	}
	if len(sec) > 1 || len(sec[0]) > 1 {
		return "", unsupported(where+"/security", "alternative or combined security requirements (an API has one AuthType)")
	}
	for name := range sec[0] {
		s, ok := p.schemes[name]
		if !ok {
			return "", fmt.Errorf("%s/security: scheme %q is not in components.securitySchemes", where, name)
		}
		var sig struct{ Kind string }
		_ = json.Unmarshal(s.Signature, &sig)
		switch {
		case sig.Kind == "keypair":
			return "SECRET", nil
		case sig.Kind == "app":
			return "APP", nil
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"), s.Type == "oauth2", s.Type == "openIdConnect",
			strings.HasPrefix(name, SchemeOAuth+"_"):
			return "OAUTH", nil
		}
		return "", unsupported(where+"/security", "scheme %q (%s %s): the gateway checks hmac key pairs, app signatures and JWTs; map it by hand", name, s.Type, s.Scheme)
	}
	return "NONE", nil
}
