package tcapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// verified is what signature verification established.
type verified struct {
	action, version, region, secretId string
	signed, language, requestClient   string
	form                              url.Values // v1 and TC3 GET parameters
	body                              []byte     // TC3 POST body
}

// tc3Auth is a parsed TC3 Authorization header.
type tc3Auth struct {
	secretId, date, service, term string
	signedHeaders                 []string
	sig                           []byte
}

const maxSignedHeaders = 32

// parseTC3Authorization parses
// "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX"
// (seed 2.4), tolerating spaces around the commas.
func parseTC3Authorization(h string) (tc3Auth, *Error) {
	var a tc3Auth
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != SignTC3HMACSHA256 {
		return a, signatureFailure("the Authorization header must use TC3-HMAC-SHA256")
	}
	var cred, sh, sig string
	var seen [3]bool
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, signatureFailure("malformed Authorization header")
		}
		var i int
		switch k {
		case "Credential":
			i, cred = 0, v
		case "SignedHeaders":
			i, sh = 1, v
		case "Signature":
			i, sig = 2, v
		default:
			return a, signatureFailure("malformed Authorization header")
		}
		if seen[i] {
			return a, signatureFailure("malformed Authorization header")
		}
		seen[i] = true
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return a, signatureFailure("the Authorization header needs Credential, SignedHeaders and Signature")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 4 {
		return a, signatureFailure("Credential must be SecretId/Date/Service/tc3_request")
	}
	a.secretId, a.date, a.service, a.term = parts[0], parts[1], parts[2], parts[3]
	a.signedHeaders = strings.Split(sh, ";")
	if len(a.signedHeaders) > maxSignedHeaders {
		return a, signatureFailure("too many SignedHeaders")
	}
	for i, n := range a.signedHeaders {
		if n == "" || n != strings.ToLower(n) || slices.Contains(a.signedHeaders[:i], n) {
			return a, signatureFailure("SignedHeaders must be distinct lower-case header names separated by ;")
		}
	}
	b, err := hex.DecodeString(sig)
	if err != nil || len(b) != sha256.Size {
		return a, signatureFailure("Signature must be 64 hex digits")
	}
	a.sig = b
	return a, nil
}

// verifyTC3 checks a TC3-HMAC-SHA256 request (seed 接口签名v3). body is the
// POST body, nil for GET.
func (s *Server) verifyTC3(r *http.Request, auth string, body []byte) (verified, *Error) {
	var vr verified
	a, e := parseTC3Authorization(auth)
	if e != nil {
		return vr, e
	}
	h := r.Header
	action, version, ts := h.Get("X-TC-Action"), h.Get("X-TC-Version"), h.Get("X-TC-Timestamp")
	switch {
	case action == "":
		return vr, MissingParameterError("X-TC-Action")
	case version == "":
		return vr, MissingParameterError("X-TC-Version")
	case ts == "":
		return vr, MissingParameterError("X-TC-Timestamp")
	}
	region := h.Get("X-TC-Region")
	if e := s.checkCommon(action, version, region, "X-TC-Region", h.Get("X-TC-Token")); e != nil {
		return vr, e
	}
	t, e := s.checkTimestamp("X-TC-Timestamp", ts)
	if e != nil {
		return vr, e
	}
	switch {
	case a.service != s.service():
		return vr, signatureFailure(fmt.Sprintf("the credential scope service must be %s", s.service()))
	case a.date != tc3Date(t):
		return vr, signatureFailure(fmt.Sprintf("the credential scope date must be %s, the UTC date of X-TC-Timestamp", tc3Date(t)))
	case a.term != "tc3_request":
		return vr, signatureFailure("the credential scope must end with tc3_request")
	}
	for _, need := range append([]string{"content-type", "host"}, s.RequireSignedHeaders...) {
		if !slices.Contains(a.signedHeaders, need) {
			return vr, signatureFailure("SignedHeaders must include " + need)
		}
	}
	key, e := s.secretKey(a.secretId)
	if e != nil {
		return vr, e
	}

	var payloadHash string
	switch cs := h.Get("X-TC-Content-SHA256"); {
	case cs == UnsignedPayload:
		if s.RejectUnsignedPayload {
			return vr, signatureFailure("UNSIGNED-PAYLOAD is not accepted; sign the body")
		}
		payloadHash = sha256Hex([]byte(UnsignedPayload))
	case r.Method == http.MethodGet:
		payloadHash = sha256Hex(nil) // seed 2.1: a GET signs the empty payload
	default:
		payloadHash = sha256Hex(body)
		if cs != "" && !strings.EqualFold(cs, payloadHash) {
			return vr, signatureFailure("X-TC-Content-SHA256 does not match the body")
		}
	}
	query := ""
	if r.Method == http.MethodGet {
		query = r.URL.RawQuery // as sent: the SDK signs exactly what it puts in the URL
	}
	values := make([]string, len(a.signedHeaders))
	for i, n := range a.signedHeaders {
		if n == "host" {
			values[i] = r.Host
		} else {
			values[i] = strings.Join(h.Values(n), ",")
		}
	}
	signingKey := TC3SigningKey(key, a.date, a.service)
	check := func(lower bool) bool {
		c := tc3Canonical(r.Method, query, a.signedHeaders, values, payloadHash, lower)
		mac := hmacSum(sha256.New, signingKey, tc3StringToSign(ts, a.date+"/"+a.service+"/"+a.term, c))
		return hmac.Equal(mac, a.sig)
	}
	// The seed lower-cases header values; SDK v1.0.162 signs them as sent.
	// Accept either; they differ only when a value has upper case.
	if !check(true) && (!hasUpper(values) || !check(false)) {
		return vr, signatureFailure("signature mismatch")
	}

	vr = verified{action: action, version: version, region: region, secretId: a.secretId,
		signed: SignTC3HMACSHA256, language: h.Get("X-TC-Language"), requestClient: h.Get("X-TC-RequestClient")}
	if r.Method == http.MethodGet {
		vals, e := parseParams(r.URL.RawQuery)
		if e != nil {
			return vr, e
		}
		vr.form = vals
	} else {
		vr.body = body
	}
	return vr, nil
}

func hasUpper(vs []string) bool {
	for _, v := range vs {
		if strings.ToLower(v) != v {
			return true
		}
	}
	return false
}

// verifyV1 checks a HmacSHA1/HmacSHA256 request (seed 接口签名v1) whose
// parameters are the URL-encoded raw (query string or form body).
func (s *Server) verifyV1(r *http.Request, raw string) (verified, *Error) {
	var vr verified
	vals, e := parseParams(raw)
	if e != nil {
		return vr, e
	}
	p := make(map[string]string, len(vals))
	hasEmpty := false
	for k, vs := range vals {
		p[k] = vs[0]
		hasEmpty = hasEmpty || vs[0] == ""
	}
	for _, k := range []string{"Action", "Version", "Timestamp", "Nonce", "SecretId", "Signature"} {
		if p[k] == "" {
			return vr, MissingParameterError(k)
		}
	}
	if e := s.checkCommon(p["Action"], p["Version"], p["Region"], "Region", p["Token"]); e != nil {
		return vr, e
	}
	t, e := s.checkTimestamp("Timestamp", p["Timestamp"])
	if e != nil {
		return vr, e
	}
	nonce, err := strconv.ParseUint(p["Nonce"], 10, 64)
	if err != nil {
		return vr, InvalidParameterError("Nonce", "expected a positive integer")
	}
	key, e := s.secretKey(p["SecretId"])
	if e != nil {
		return vr, e
	}
	// Signatures are Base64; a '+' sent unencoded arrives as a space.
	sig, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(p["Signature"], " ", "+"))
	if err != nil {
		return vr, signatureFailure("Signature is not Base64")
	}
	method := p["SignatureMethod"]
	check := func(skipEmpty bool) bool {
		return hmac.Equal(v1MAC(key, method, v1StringToSign(r.Method, r.Host, p, skipEmpty)), sig)
	}
	// The seed signs every parameter; SDK v1.0.162 leaves out empty values
	// (and never sends them). Accept either.
	if !check(false) && (!hasEmpty || !check(true)) {
		return vr, signatureFailure("signature mismatch")
	}
	// Only a verified request may claim a nonce, or anyone could burn
	// another client's nonces.
	switch s.nonces.add(makeNonceKey(p["SecretId"], strconv.FormatUint(nonce, 10)), t+s.skewSeconds(), s.now().Unix()) {
	case nonceReplayed:
		return vr, signatureFailure("this Nonce was already used by this SecretId within the Timestamp window; a replayed request is refused")
	case nonceFull:
		return vr, Errorf(CodeRequestLimitExceeded, "Too many HmacSHA1/HmacSHA256 requests within the replay window; retry later or sign with TC3-HMAC-SHA256.")
	}
	signed := SignHmacSHA1
	if method == SignHmacSHA256 {
		signed = SignHmacSHA256
	}
	return verified{action: p["Action"], version: p["Version"], region: p["Region"], secretId: p["SecretId"],
		signed: signed, language: p["Language"], requestClient: p["RequestClient"], form: vals}, nil
}

// parseParams decodes a query string or form body, refusing repeated names
// (ambiguous: which value was meant, which was signed?).
func parseParams(raw string) (url.Values, *Error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, Errorf(CodeInvalidParameter, "The parameters could not be URL-decoded: %v.", err)
	}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, InvalidParameterError(k, "the parameter appears more than once")
		}
	}
	return vals, nil
}

// checkCommon validates Version, Action, Region and Token, the common
// parameters that need no key.
func (s *Server) checkCommon(action, version, region, regionName, token string) *Error {
	if version != s.version() {
		return Errorf(CodeNoSuchVersion, "The API version `%s` does not exist; this endpoint serves %s.", short(version), s.version())
	}
	if _, ok := s.Actions[action]; !ok {
		return Errorf(CodeInvalidAction, "The action `%s` is not supported.", short(action))
	}
	if len(s.Regions) > 0 {
		if region == "" {
			return MissingParameterError(regionName)
		}
		if !slices.Contains(s.Regions, region) {
			return Errorf(CodeUnsupportedRegion, "The region `%s` is not supported.", short(region))
		}
	}
	if token != "" {
		return Errorf(CodeTokenFailure, "Temporary credentials (Token) are not supported; sign with a SecretId and SecretKey.")
	}
	return nil
}

// checkTimestamp parses a UNIX timestamp and enforces MaxSkew in both
// directions (seed 公共参数: over 5 minutes → AuthFailure.SignatureExpire).
func (s *Server) checkTimestamp(name, v string) (int64, *Error) {
	t, err := strconv.ParseInt(v, 10, 64)
	if err != nil || t <= 0 {
		return 0, InvalidParameterError(name, "expected a UNIX time in seconds")
	}
	d := s.now().Unix() - t
	if d > s.skewSeconds() || -d > s.skewSeconds() {
		return 0, Errorf(CodeSignatureExpire, "Signature expired: %s differs from the server time by %d seconds, more than the %d allowed; check the client clock.", name, d, s.skewSeconds())
	}
	return t, nil
}

// secretKey checks the SecretId's form and resolves it.
func (s *Server) secretKey(id string) (string, *Error) {
	if !validSecretId(id) {
		return "", Errorf(CodeInvalidSecretId, "The SecretId is not a valid cloud API key.")
	}
	if s.Creds != nil {
		if k, ok := s.Creds.SecretKey(id); ok {
			return k, nil
		}
	}
	return "", Errorf(CodeSecretIdNotFound, "The SecretId is not found; check that it is correct and enabled.")
}

// validSecretId: 1-128 characters from [A-Za-z0-9_-].
func validSecretId(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// short bounds client-supplied text echoed in messages.
func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
