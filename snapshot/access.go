package snapshot

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/auth"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// AuthKind is how a route authenticates its callers.
type AuthKind uint8

// Authentication kinds (model.API.AuthType).
const (
	AuthNone   AuthKind = iota // NONE, and OAuth authorization APIs
	AuthSecret                 // SECRET: key-pair HMAC (seed 密钥对认证)
	AuthOAuth                  // OAUTH business API: a JWT
	AuthApp                    // APP: application signature
)

// Access is the compiled form of key-pair, OAuth and app authentication
// (issue 5). Secrets are pre-keyed here, once per snapshot, so the edge
// only restores hash states.
type Access struct {
	// Routes is indexed by router.Route.Index.
	Routes []RouteAuth
	// Keys and Apps hold every key and app, bound or not, so the edge can
	// tell an unknown caller (401) from one not allowed here (403).
	Keys map[string]*KeyInfo // by SecretId
	Apps map[string]*AppInfo // by ApiAppKey
}

// RouteAuth is one route's authentication data.
type RouteAuth struct {
	Kind AuthKind
	// Grants are the keys allowed on this route (SECRET), through a usage
	// plan bound to the route's API or to its service environment.
	Grants map[string]*Grant
	// Apps are the apps bound to this API in this environment (APP).
	Apps map[string]*AppInfo
	// JWT and Token are the linked authorization API's key and token
	// location (OAUTH business APIs).
	JWT   *auth.PublicKey
	Token TokenLocation
}

// KeyInfo is one API key.
type KeyInfo struct {
	SecretId string
	Secret   *auth.Secret
	Enabled  bool
}

// Grant is a key allowed on a route through a usage plan.
type Grant struct {
	Key    *KeyInfo
	PlanId string
	// RespHeader is the response header lines naming the key and plan
	// (seed API调用 响应头: X-Secret-ID, X-UsagePlan-ID).
	RespHeader []byte
}

// AppInfo is one application.
type AppInfo struct {
	ApiAppId, ApiAppKey string
	Secret              *auth.Secret
	Enabled             bool
	// ACL, when set, is where the app may call from (model.App.AclType).
	ACL *IPRule
}

// Token sources.
const (
	TokenHeader uint8 = iota
	TokenQuery
	TokenCookie
)

// TokenLocation is where an OAuth business API's caller puts the token.
type TokenLocation struct {
	From uint8
	Name string // header name (lower case), query parameter or cookie name
	// Bearer strips an "Bearer " prefix (the Authorization header).
	Bearer bool
}

// ParseTokenLocation reads OauthConfig.TokenLocation:
// "method.req.header.<name>" (the Tencent console's form, e.g.
// method.req.header.authorization), "method.req.query.<name>" or
// "method.req.cookie.<name>". Empty means the Authorization header. A
// token in the Authorization header may carry the "Bearer " scheme
// (RFC 6750 §2.1).
func ParseTokenLocation(s string) (TokenLocation, error) {
	if s == "" {
		return TokenLocation{From: TokenHeader, Name: "authorization", Bearer: true}, nil
	}
	ls := strings.ToLower(s)
	for _, f := range []struct {
		prefix string
		from   uint8
	}{{"method.req.header.", TokenHeader}, {"method.req.query.", TokenQuery}, {"method.req.querystring.", TokenQuery}, {"method.req.cookie.", TokenCookie}} {
		if rest, ok := strings.CutPrefix(ls, f.prefix); ok && rest != "" && !strings.ContainsAny(rest, " \t\r\n=;&") {
			name := s[len(f.prefix):]
			if f.from == TokenHeader {
				name = rest
			}
			return TokenLocation{From: f.from, Name: name, Bearer: f.from == TokenHeader && rest == "authorization"}, nil
		}
	}
	return TokenLocation{}, fmt.Errorf("%q: want method.req.header.<name>, method.req.query.<name> or method.req.cookie.<name>", s)
}

func compileAccess(p *model.Published, t *router.Table) (*Access, error) {
	routes := t.Routes()
	acc := &Access{Routes: make([]RouteAuth, len(routes)), Keys: map[string]*KeyInfo{}, Apps: map[string]*AppInfo{}}
	var ma model.Access
	if p.Access != nil {
		ma = *p.Access
	}
	// IDs go into response header lines: refuse what would break them.
	for _, k := range ma.Keys {
		if k.SecretId == "" || !validHeaderValue(k.SecretId) {
			return nil, fmt.Errorf("access: SecretId %q is not a valid header value", k.SecretId)
		}
	}
	for _, pl := range ma.Plans {
		if pl.UsagePlanId == "" || !validHeaderValue(pl.UsagePlanId) {
			return nil, fmt.Errorf("access: UsagePlanId %q is not a valid header value", pl.UsagePlanId)
		}
	}
	for _, k := range ma.Keys {
		acc.Keys[k.SecretId] = &KeyInfo{SecretId: k.SecretId, Secret: auth.NewSecret(k.SecretKey), Enabled: k.Status == 1}
	}
	for _, a := range ma.Apps {
		ai := &AppInfo{ApiAppId: a.ApiAppId, ApiAppKey: a.ApiAppKey, Secret: auth.NewSecret(a.ApiAppSecret), Enabled: a.Status == 1}
		if a.AclType != "" {
			r, _, err := ParseStrategy(a.AclType, a.AclData)
			if err != nil {
				return nil, fmt.Errorf("access: app %s ACL: %w", a.ApiAppId, err)
			}
			r.Source = "app ACL " + a.ApiAppId
			ai.ACL = &r
		}
		acc.Apps[a.ApiAppKey] = ai
	}
	// Authorization APIs by service, environment and ApiId.
	type apiKey struct{ svc, env, api string }
	byID := map[apiKey]*model.API{}
	for _, r := range routes {
		byID[apiKey{r.ServiceId, r.Environment, r.ApiId}] = r.API
	}
	jwks := map[string]*auth.PublicKey{} // parsed once per distinct JWK
	for i, r := range routes {
		a := r.API
		ra := &acc.Routes[i]
		fail := func(field, msg string, args ...any) (*Access, error) {
			return nil, &Error{ServiceId: r.ServiceId, ApiId: r.ApiId, Field: field, Msg: fmt.Sprintf(msg, args...)}
		}
		switch strings.ToUpper(a.AuthType) {
		case "", "NONE":
		case "SECRET":
			ra.Kind = AuthSecret
			ra.Grants = grantsFor(&ma, acc, r)
		case "APP":
			ra.Kind = AuthApp
			ra.Apps = map[string]*AppInfo{}
			for _, ap := range ma.Apps {
				for _, b := range ap.Apis {
					if b.ServiceId == r.ServiceId && b.Environment == r.Environment && b.ApiId == r.ApiId {
						ra.Apps[ap.ApiAppKey] = acc.Apps[ap.ApiAppKey]
					}
				}
			}
		case "OAUTH":
			if strings.EqualFold(a.ApiBusinessType, "OAUTH") {
				// The authorization API forwards to the user's token server
				// as an ordinary backend (seed OAuth 2.0); its key must parse.
				if a.OauthConfig != nil && a.OauthConfig.PublicKey != "" {
					if _, err := auth.ParseJWK(a.OauthConfig.PublicKey); err != nil {
						return fail("OauthConfig.PublicKey", "%v", err)
					}
				}
				// Its token location too, so a bad one is refused on this
				// API rather than on the first business API linked to it.
				if a.OauthConfig != nil {
					if _, err := ParseTokenLocation(a.OauthConfig.TokenLocation); err != nil {
						return fail("OauthConfig.TokenLocation", "%v", err)
					}
				}
				continue
			}
			if a.AuthRelationApiId == "" {
				return fail("AuthRelationApiId", "an OAUTH business API must name its authorization API")
			}
			rel := byID[apiKey{r.ServiceId, r.Environment, a.AuthRelationApiId}]
			if rel == nil || !strings.EqualFold(rel.ApiBusinessType, "OAUTH") {
				return fail("AuthRelationApiId", "%s is not an OAUTH authorization API published in %s", a.AuthRelationApiId, r.Environment)
			}
			if rel.OauthConfig == nil || rel.OauthConfig.PublicKey == "" {
				return fail("AuthRelationApiId", "authorization API %s has no OauthConfig.PublicKey", a.AuthRelationApiId)
			}
			k := jwks[rel.OauthConfig.PublicKey]
			if k == nil {
				var err error
				if k, err = auth.ParseJWK(rel.OauthConfig.PublicKey); err != nil {
					return fail("OauthConfig.PublicKey", "authorization API %s: %v", a.AuthRelationApiId, err)
				}
				jwks[rel.OauthConfig.PublicKey] = k
			}
			loc, err := ParseTokenLocation(rel.OauthConfig.TokenLocation)
			if err != nil {
				return fail("OauthConfig.TokenLocation", "authorization API %s: %v", a.AuthRelationApiId, err)
			}
			ra.Kind, ra.JWT, ra.Token = AuthOAuth, k, loc
		default:
			return fail("AuthType", "unknown type %q (SECRET, NONE, OAUTH or APP)", a.AuthType)
		}
	}
	return acc, nil
}

// grantsFor collects the keys of every plan bound to r's API or to its
// service environment (seed 使用计划). A key reached through both an
// API-level and an environment-level plan reports the API-level plan.
func grantsFor(ma *model.Access, acc *Access, r *router.Route) map[string]*Grant {
	g := map[string]*Grant{}
	for pass := range 2 {
		for _, pl := range ma.Plans {
			bound := false
			for _, b := range pl.Bindings {
				if b.ServiceId != r.ServiceId || b.Environment != r.Environment {
					continue
				}
				if (pass == 0 && b.ApiId == r.ApiId) || (pass == 1 && b.ApiId == "") {
					bound = true
				}
			}
			if !bound {
				continue
			}
			for _, id := range pl.SecretIds {
				k := acc.Keys[id]
				if k == nil || g[id] != nil {
					continue
				}
				g[id] = &Grant{Key: k, PlanId: pl.UsagePlanId,
					RespHeader: []byte("X-Secret-ID: " + id + "\r\nX-UsagePlan-ID: " + pl.UsagePlanId + "\r\n")}
			}
		}
	}
	return g
}
