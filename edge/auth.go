package edge

import (
	"bytes"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/auth"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/router"
	"github.com/edgegate/edgegate/snapshot"
)

// accessRT is the authentication state of an installed snapshot: the
// compiled Access (secrets pre-keyed, JWKs parsed), indexed by route.
type accessRT struct {
	acc *snapshot.Access
}

func (s *Server) installAccess(rt *runtime) error {
	rt.access.acc = rt.snap.Access
	if rt.access.acc == nil || len(rt.access.acc.Routes) != len(rt.apis) {
		rt.access.acc = &snapshot.Access{Routes: make([]snapshot.RouteAuth, len(rt.apis))}
	}
	return nil
}

// authLoop is one event loop's verification scratch.
type authLoop struct {
	v      *auth.Verifier
	tokens *auth.TokenCache
	hv     reqHeaders
	p      auth.Params
	// up is the identity header lines sent upstream with the request
	// being handled (a key pair's X-Secret-ID and X-UsagePlan-ID), nil
	// otherwise; set by checkAuth, read by appendUpstreamHead.
	up []byte
	// grant and app are the verified caller of the request being handled
	// (a key-pair's grant, an app), nil otherwise; read by checkTraffic.
	grant *snapshot.Grant
	app   *snapshot.AppInfo
}

// tokenCacheSize is the verified-token cache per event loop (entries of
// about 56 bytes: 4096 per loop is ~230 KB).
const tokenCacheSize = 4096

// reqHeaders is auth.Headers over the request being checked.
type reqHeaders struct{ req *http1.Request }

// Get returns the first field named name (ASCII case-insensitive); "host"
// falls back to the effective host.
func (h *reqHeaders) Get(name []byte) ([]byte, bool) {
	hs := h.req.Headers
	for i := range hs {
		if len(hs[i].Name) == len(name) && ascii.EqualFoldBytes(hs[i].Name, name) {
			return hs[i].Value, true
		}
	}
	if len(name) == 4 && ascii.EqualFold(name, "host") && len(h.req.Host) > 0 {
		return h.req.Host, true
	}
	return nil, false
}

// isIdentityHeader reports the names the gateway sets upstream for a
// verified key (authLoop.up): a client's own copies never reach the
// backend, on any API. App and OAuth callers get no such header; the
// forwarding fields (X-Forwarded-*, X-Real-IP, X-Request-Id) have their
// own http1.Kind and are handled in appendUpstreamHead.
func isIdentityHeader(name []byte) bool {
	switch len(name) {
	case len("x-secret-id"):
		return ascii.EqualFold(name, "x-secret-id")
	case len("x-usageplan-id"):
		return ascii.EqualFold(name, "x-usageplan-id")
	}
	return false
}

var (
	hdrAuthorization = []byte("authorization")
	hdrCookie        = []byte("cookie")
)

// checkAuth verifies the caller of an API whose AuthType is not NONE
// (README "Authentication"). On success a SECRET route's response carries
// X-Secret-ID and X-UsagePlan-ID (seed API调用 响应头). A refusal is a 401
// (credentials missing or wrong) or a 403 (valid credentials, not allowed
// on this API), counted in Stats.FrontendErrors.
func (cl *client) checkAuth(a *apiRT, req *http1.Request, rr *router.Request, res *router.Result) bool {
	l := cl.l
	al := &l.auth
	al.up, al.grant, al.app = nil, nil, nil
	acc := cl.rt.access.acc
	ra := &acc.Routes[a.id]
	if ra.Kind == snapshot.AuthNone {
		return true
	}
	if al.v == nil {
		al.v, al.tokens = auth.NewVerifier(), auth.NewTokenCache(tokenCacheSize)
	}
	al.hv.req = req
	hv := &al.hv
	now := l.unix()
	var code auth.Code
	switch ra.Kind {
	case snapshot.AuthSecret:
		code = cl.checkKeyPair(acc, ra, hv, now)
	case snapshot.AuthApp:
		code = cl.checkApp(acc, ra, hv, req, res, now)
	case snapshot.AuthOAuth:
		tok := tokenFrom(ra.Token, hv, req.Query)
		code = al.tokens.Verify(ra.JWT, tok, now)
	}
	al.hv.req = nil
	if code == auth.OK {
		return al.app == nil || al.app.ACL == nil || cl.admitApp(al.app.ACL, req)
	}
	cl.refuseAuth(ra.Kind, code)
	return false
}

// parseSigned reads the request's Authorization into al.p and its
// algorithm; keyPair refuses the app scheme's apikey="…" form.
func (al *authLoop) parseSigned(hv *reqHeaders, keyPair bool) (auth.Alg, auth.Code) {
	p := &al.p
	h, ok := hv.Get(hdrAuthorization)
	if !ok || len(h) == 0 {
		return 0, auth.MissingAuthorization
	}
	if c := auth.ParseAuthorization(h, p); c != auth.OK {
		return 0, c
	}
	if keyPair && p.APIKey {
		return 0, auth.BadAuthorization
	}
	alg, ok := auth.ParseAlg(p.Algorithm)
	if !ok {
		return 0, auth.UnsupportedAlgorithm
	}
	return alg, auth.OK
}

func (cl *client) checkKeyPair(acc *snapshot.Access, ra *snapshot.RouteAuth, hv *reqHeaders, now int64) auth.Code {
	al := &cl.l.auth
	p := &al.p
	alg, c := al.parseSigned(hv, true)
	if c != auth.OK {
		return c
	}
	// The route's grant names its key (snapshot.grantsFor): one map look-up
	// for an allowed caller; any other key is looked up for its error.
	g := ra.Grants[string(p.ID)]
	var k *snapshot.KeyInfo
	if g != nil {
		k = g.Key
	} else if k = acc.Keys[string(p.ID)]; k == nil {
		return auth.UnknownSecretId
	}
	if !k.Enabled {
		return auth.SecretDisabled
	}
	if c := auth.CheckDate(hv, now, cl.l.s.cfg.AuthCheckDate); c != auth.OK {
		return c
	}
	if c := al.v.VerifyKeyPair(p, alg, k.Secret, hv); c != auth.OK {
		return c
	}
	if g == nil {
		return auth.NotAllowed
	}
	cl.respExtra = append(cl.respExtra, g.RespHeader...)
	al.up, al.grant = g.RespHeader, g
	cl.ob.subject = k.SecretId
	return auth.OK
}

func (cl *client) checkApp(acc *snapshot.Access, ra *snapshot.RouteAuth, hv *reqHeaders, req *http1.Request, res *router.Result, now int64) auth.Code {
	al := &cl.l.auth
	p := &al.p
	alg, c := al.parseSigned(hv, false)
	if c != auth.OK {
		return c
	}
	app := acc.Apps[string(p.ID)]
	if app == nil {
		return auth.UnknownSecretId
	}
	if !app.Enabled {
		return auth.SecretDisabled
	}
	// The app scheme requires X-Date, checked like key-pair X-Date.
	if _, ok := hv.Get(xDateName); !ok {
		return auth.MissingDate
	}
	if c := auth.CheckDate(hv, now, false); c != auth.OK {
		return c
	}
	if c := al.v.VerifyApp(p, alg, app.Secret, hv, req.Method, res.APIPath, req.Query); c != auth.OK {
		return c
	}
	if ra.Apps[string(p.ID)] == nil {
		return auth.NotAllowed
	}
	al.app = app
	cl.ob.subject = app.ApiAppId
	return auth.OK
}

var xDateName = []byte("x-date")

// tokenFrom finds an OAuth token where the authorization API says it is.
func tokenFrom(loc snapshot.TokenLocation, hv *reqHeaders, query []byte) []byte {
	switch loc.From {
	case snapshot.TokenHeader:
		v, _ := hv.Get(s2b(loc.Name))
		if loc.Bearer && len(v) > 7 && ascii.EqualFold(v[:7], "bearer ") {
			v = bytes.TrimLeft(v[7:], " ")
		}
		return v
	case snapshot.TokenQuery:
		return paramValue(query, loc.Name, '&')
	case snapshot.TokenCookie:
		v, _ := hv.Get(hdrCookie)
		return paramValue(v, loc.Name, ';')
	}
	return nil
}

// paramValue returns the value of name in "a=1<sep>b=2" (spaces after the
// separator skipped, as in a Cookie field), raw.
func paramValue(s []byte, name string, sep byte) []byte {
	for len(s) > 0 {
		var part []byte
		if i := bytes.IndexByte(s, sep); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			part, s = s, nil
		}
		part = bytes.TrimLeft(part, " ")
		if len(part) > len(name) && part[len(name)] == '=' && string(part[:len(name)]) == name {
			return part[len(name)+1:]
		}
	}
	return nil
}

// authFailures maps each refusal to its answer; the codes are the
// auth.Code names (README "Error codes").
var authFailures = func() [auth.NotAllowed + 1]*failure {
	var f [auth.NotAllowed + 1]*failure
	msg := map[auth.Code]string{
		auth.MissingAuthorization:  "this API requires a signed Authorization header",
		auth.BadAuthorization:      "the Authorization header is not in the form hmac id=\"…\", algorithm=\"…\", headers=\"…\", signature=\"…\"",
		auth.UnsupportedAlgorithm:  "algorithm must be hmac-sha1 or hmac-sha256",
		auth.MissingDate:           "the request must carry an X-Date (or Date) header",
		auth.BadDate:               "X-Date is not an HTTP date (e.g. Mon, 19 Mar 2018 12:08:40 GMT)",
		auth.DateExpired:           "X-Date is more than 15 minutes from the gateway's time",
		auth.MissingSignedHeader:   "a header named in headers=\"…\" is missing from the request",
		auth.UnknownSecretId:       "the key (or app) id is unknown",
		auth.SecretDisabled:        "the key (or app) is disabled",
		auth.SignatureMismatch:     "the signature does not match",
		auth.MissingToken:          "this API requires an OAuth 2.0 token",
		auth.MalformedToken:        "the token is not a well-formed JWT",
		auth.TokenAlgNotAllowed:    "the token's alg is not the authorization key's algorithm",
		auth.TokenSignatureInvalid: "the token's signature does not verify",
		auth.TokenExpired:          "the token has expired",
		auth.TokenNotYetValid:      "the token is not valid yet (nbf)",
		auth.TokenIssuedInFuture:   "the token's iat is in the future",
		auth.NotAllowed:            "the caller is not allowed to call this API",
	}
	for c := auth.MissingAuthorization; c <= auth.NotAllowed; c++ {
		status := 401
		if c == auth.NotAllowed {
			status = 403
		}
		f[c] = &failure{status, c.String(), msg[c]}
	}
	return f
}()

var (
	wwwAuthHMAC   = []byte("WWW-Authenticate: hmac realm=\"edgegate\"\r\n")
	wwwAuthBearer = []byte("WWW-Authenticate: Bearer realm=\"edgegate\", error=\"invalid_token\"\r\n")
)

// refuseAuth answers a failed check (RFC 9110 §15.5.2: a 401 carries
// WWW-Authenticate; RFC 6750 §3 for tokens).
func (cl *client) refuseAuth(k snapshot.AuthKind, c auth.Code) {
	f := errInternal
	if int(c) < len(authFailures) && authFailures[c] != nil {
		f = authFailures[c]
	}
	if f.status == 401 {
		if k == snapshot.AuthOAuth {
			cl.respExtra = append(cl.respExtra, wwwAuthBearer...)
		} else {
			cl.respExtra = append(cl.respExtra, wwwAuthHMAC...)
		}
	}
	cl.l.ctr.add(cFrontendErrors, 1)
	cl.ob.refused, cl.ob.authCode = refAuth, c
	cl.fail(f)
}
