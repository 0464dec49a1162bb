package openapi

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/model"
)

type obj = map[string]any

// Security scheme names in components.securitySchemes.
const (
	SchemeKeyPair = "edgegateKeyPair"
	SchemeApp     = "edgegateApp"
	SchemeOAuth   = "edgegateOAuth" // + "_<in>_<name>" for a token not in Authorization
)

// keyPairSignature and appSignature document the hmac schemes
// (x-edgegate-signature; README "Authentication", seed 密钥对认证).
var keyPairSignature = obj{
	"kind":          "keypair",
	"header":        `Authorization: hmac id="<SecretId>", algorithm="<hmac-sha1|hmac-sha256>", headers="x-date[ ...]", signature="<Base64(HMAC(SecretKey, signing string))>"`,
	"signingString": "for each name in headers, in order: lower-cased name, \": \", the value as sent; joined by \"\\n\"",
	"algorithms":    []string{"hmac-sha1", "hmac-sha256"},
	"dateHeader":    "X-Date (IMF-fixdate), within 900 seconds of the gateway's clock",
}

var appSignature = obj{
	"kind":          "app",
	"header":        `Authorization: apikey="<ApiAppKey>", algorithm="hmac-sha256", headers="x-date", signature="<Base64(HMAC(ApiAppSecret, signing string))>"`,
	"signingString": "signed headers (as keypair, x-date required), method, Accept, Content-Type, Content-MD5, path without the environment segment + \"?\" + query pieces sorted by key; joined by \"\\n\"",
	"algorithms":    []string{"hmac-sha1", "hmac-sha256"},
	"dateHeader":    "X-Date (IMF-fixdate), within 900 seconds of the gateway's clock",
}

// Document renders the OpenAPI 3.1 document (JSON, keys sorted, so equal
// input gives equal bytes) of apis as t serves them.
func Document(t Target, apis []model.API) ([]byte, error) {
	ops, err := buildOps(apis)
	if err != nil {
		return nil, err
	}
	title := t.ServiceName
	if title == "" {
		title = t.ServiceId
	}
	version := t.VersionName
	if version == "" {
		version = t.Environment
	}
	info := obj{"title": title, "version": version}
	if t.ServiceDesc != "" {
		info["description"] = t.ServiceDesc
	}
	paths := obj{}
	schemes := obj{}
	for _, o := range ops {
		item, _ := paths[o.Path].(obj)
		if item == nil {
			item = obj{}
			paths[o.Path] = item
		}
		ms := []string{strings.ToLower(o.Method)}
		if o.Method == "ANY" {
			ms = anyMethods
		}
		for _, m := range ms {
			oid := o.Func
			if o.Method == "ANY" {
				oid += "_" + m
			}
			item[m] = operation(o, oid, schemes)
		}
	}
	doc := obj{
		"openapi":                "3.1.0",
		"info":                   info,
		"servers":                []obj{{"url": t.BaseURL, "description": "environment " + t.Environment}},
		"paths":                  paths,
		"x-edgegate-service-id":  t.ServiceId,
		"x-edgegate-environment": t.Environment,
	}
	if len(schemes) > 0 {
		doc["components"] = obj{"securitySchemes": schemes}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func operation(o op, oid string, schemes obj) obj {
	a := o.API
	res := obj{"200": obj{"description": "the backend's answer"}}
	x := obj{
		"operationId":          oid,
		"x-edgegate-api-id":    a.ApiId,
		"x-edgegate-path":      a.RequestConfig.Path,
		"x-edgegate-match":     o.Match,
		"x-edgegate-auth-type": or(strings.ToUpper(a.AuthType), "NONE"),
		"responses":            res,
	}
	if a.ApiName != "" {
		x["summary"] = a.ApiName
	}
	if a.ApiDesc != "" {
		x["description"] = a.ApiDesc
	}
	if o.Method == "ANY" {
		x["x-edgegate-method"] = "ANY"
	}
	if a.ApiBusinessType != "" {
		x["x-edgegate-api-business-type"] = strings.ToUpper(a.ApiBusinessType)
	}
	if o.Authz && a.OauthConfig != nil {
		// The token endpoint: its public key is public (tokens are checked
		// with it), so a re-import can recreate it.
		oc := obj{"PublicKey": a.OauthConfig.PublicKey, "TokenLocation": a.OauthConfig.TokenLocation}
		if a.OauthConfig.LoginRedirectUrl != "" {
			oc["LoginRedirectUrl"] = a.OauthConfig.LoginRedirectUrl
		}
		x["x-edgegate-oauth-config"] = oc
	}
	if p := strings.ToUpper(a.Protocol); p == "WEBSOCKET" {
		x["x-edgegate-protocol"] = p
	}
	if o.Match == MatchRegex || o.Match == MatchRegexI {
		_, x["x-edgegate-regex"] = matchOf(a.RequestConfig.Path)
	}
	var params []obj
	props, required := obj{}, []string{}
	for _, p := range o.Params {
		s := schema(p)
		if p.In == "body" {
			props[p.Name] = s
			if p.Required {
				required = append(required, p.Name)
			}
			continue
		}
		po := obj{"name": p.Name, "in": p.In, "schema": s}
		if p.Required {
			po["required"] = true
		}
		if p.Desc != "" {
			po["description"] = p.Desc
		}
		params = append(params, po)
	}
	if len(params) > 0 {
		x["parameters"] = params
	}
	if len(params) > 0 && len(props) > 0 {
		// Form-body parameters move to requestBody; this keeps the
		// declared order for a re-import.
		order := make([]string, len(o.Params))
		for i, p := range o.Params {
			order[i] = p.In + ":" + p.Name
		}
		x["x-edgegate-parameter-order"] = order
	}
	if len(props) > 0 {
		bs := obj{"type": "object", "properties": props}
		if len(required) > 0 {
			bs["required"] = required
		}
		x["requestBody"] = obj{"required": len(required) > 0, "content": obj{"application/x-www-form-urlencoded": obj{"schema": bs}}}
	}
	switch o.Auth {
	case "SECRET":
		schemes[SchemeKeyPair] = obj{"type": "apiKey", "in": "header", "name": "Authorization",
			"description": "Edgegate key pair (AuthType SECRET): an hmac signature over the listed headers, with X-Date.", "x-edgegate-signature": keyPairSignature}
		x["security"] = []obj{{SchemeKeyPair: []string{}}}
	case "APP":
		schemes[SchemeApp] = obj{"type": "apiKey", "in": "header", "name": "Authorization",
			"description": "Edgegate application (AuthType APP): an hmac signature over headers, method and path, with X-Date.", "x-edgegate-signature": appSignature}
		x["security"] = []obj{{SchemeApp: []string{}}}
	case "OAUTH":
		name := SchemeOAuth
		s := obj{"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A JWT the authorization API's key verifies (AuthType OAUTH)."}
		if !(o.TokenIn == "header" && strings.EqualFold(o.TokenName, "authorization")) {
			name += "_" + o.TokenIn + "_" + ident(o.TokenName)
			s = obj{"type": "apiKey", "in": o.TokenIn, "name": o.TokenName, "description": "A JWT the authorization API's key verifies (AuthType OAUTH)."}
		}
		schemes[name] = s
		x["security"] = []obj{{name: []string{}}}
		if a.AuthRelationApiId != "" {
			x["x-edgegate-auth-relation-api-id"] = a.AuthRelationApiId
		}
	default:
		x["security"] = []obj{}
	}
	if o.Auth != "NONE" {
		res["401"] = obj{"description": "missing or bad credentials"}
		res["403"] = obj{"description": "credentials not allowed for this API"}
	}
	if len(o.Params) > 0 {
		res["400"] = obj{"description": "a required parameter is missing or has the wrong type"}
	}
	return x
}

// schema is a parameter's JSON Schema; the default takes its type when it
// parses (the gateway fills it in as written).
func schema(p param) obj {
	s := obj{}
	switch p.Type {
	case "int":
		s["type"], s["format"] = "integer", "int64"
		if v, err := strconv.ParseInt(p.Default, 10, 64); err == nil {
			s["default"] = v
		}
	case "double":
		s["type"], s["format"] = "number", "double"
		if v, err := strconv.ParseFloat(p.Default, 64); err == nil {
			s["default"] = v
		}
	case "boolean":
		s["type"] = "boolean"
		if v, err := strconv.ParseBool(strings.ToLower(p.Default)); err == nil && (strings.EqualFold(p.Default, "true") || strings.EqualFold(p.Default, "false")) {
			s["default"] = v
		}
	default:
		s["type"] = "string"
		if p.Default != "" {
			s["default"] = p.Default
		}
	}
	if _, ok := s["default"]; !ok && p.Default != "" {
		s["x-edgegate-default"] = p.Default
	}
	return s
}
