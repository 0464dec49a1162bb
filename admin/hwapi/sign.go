package hwapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Huawei's AK/SK request signing, as its API Gateway signing SDKs do it
// (SDK-HMAC-SHA256; the canonical request of AWS SigV4 without the
// credential scope: the signing key is the SK itself).
const (
	Algorithm         = "SDK-HMAC-SHA256"
	HeaderDate        = "X-Sdk-Date"
	HeaderContentHash = "X-Sdk-Content-Sha256"
	HeaderToken       = "X-Auth-Token"
	// DateFormat is X-Sdk-Date's layout (ISO 8601 basic, UTC).
	DateFormat = "20060102T150405Z"
	// UnsignedPayload in X-Sdk-Content-Sha256 leaves the body unsigned;
	// the admin refuses it (a management body must be covered).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// DefaultMaxSkew is how far X-Sdk-Date may be from the server's clock
	// (Huawei's gateways: 15 minutes).
	DefaultMaxSkew = 15 * time.Minute
)

// akskAuth is a parsed Authorization header:
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=HEX".
type akskAuth struct {
	access        string
	signedHeaders []string
	sig           []byte
}

func authError(why string) *Error {
	return Errorf(http.StatusUnauthorized, CodeAKSK, "Incorrect IAM authentication information: %s", why)
}

func parseAuthorization(h string) (akskAuth, *Error) {
	var a akskAuth
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != Algorithm {
		return a, authError("the Authorization header must use " + Algorithm)
	}
	var sh, sig string
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return a, authError("malformed Authorization header")
		}
		seen[k] = true
		switch k {
		case "Access":
			a.access = v
		case "SignedHeaders":
			sh = v
		case "Signature":
			sig = v
		default:
			return a, authError("malformed Authorization header")
		}
	}
	if a.access == "" || sh == "" || sig == "" {
		return a, authError("the Authorization header needs Access, SignedHeaders and Signature")
	}
	a.signedHeaders = strings.Split(sh, ";")
	if len(a.signedHeaders) > 32 {
		return a, authError("too many SignedHeaders")
	}
	for i, n := range a.signedHeaders {
		if n == "" || n != strings.ToLower(n) || slices.Contains(a.signedHeaders[:i], n) {
			return a, authError("SignedHeaders must be distinct lower-case header names separated by ;")
		}
	}
	if !slices.Contains(a.signedHeaders, strings.ToLower(HeaderDate)) {
		return a, authError("SignedHeaders must include x-sdk-date")
	}
	b, err := hex.DecodeString(sig)
	if err != nil || len(b) != sha256.Size {
		return a, authError("Signature must be 64 hex digits")
	}
	a.sig = b
	return a, nil
}

// escape is the SDK's URI encoding: RFC 3986 unreserved characters kept,
// every other byte %XX in upper case.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// canonicalRequest is the SDK's canonical request for r as the server
// received it: method, path (each segment escaped, ending in "/"), query
// (sorted by name then value, escaped), the signed headers (name:value,
// trimmed, the values of a repeated header sorted; host from r.Host), the
// signed header list and the payload hash.
func canonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	segs := strings.Split(r.URL.Path, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	path := strings.Join(segs, "/")
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	q := r.URL.Query()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var pairs []string
	for _, k := range names {
		vs := slices.Clone(q[k])
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, escape(k)+"="+escape(v))
		}
	}
	var hdr strings.Builder
	for _, n := range signed {
		vs := slices.Clone(r.Header.Values(n))
		if n == "host" {
			vs = []string{r.Host}
		}
		sort.Strings(vs)
		for _, v := range vs {
			hdr.WriteString(n + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	return strings.Join([]string{r.Method, path, strings.Join(pairs, "&"), hdr.String(), strings.Join(signed, ";"), payloadHash}, "\n")
}

// verify checks r's AK/SK signature over body against the key that
// lookup returns for the Access key, and returns that key's id.
func verify(r *http.Request, body []byte, now time.Time, skew time.Duration, lookup func(ak string) (string, bool)) (string, *Error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", authError("the request is not signed: sign it with AK/SK (" + Algorithm + ", " + HeaderDate + ")")
	}
	a, e := parseAuthorization(auth)
	if e != nil {
		return "", e
	}
	date := r.Header.Get(HeaderDate)
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return "", authError("X-Sdk-Date must be a UTC time as 20060102T150405Z")
	}
	if d := now.Sub(t); d > skew || -d > skew {
		return "", authError("X-Sdk-Date expired: it differs from the server time by " + d.Round(time.Second).String() + ", more than " + skew.String() + "; check the client clock")
	}
	sk, ok := lookup(a.access)
	if !ok {
		return "", authError("the access key (AK) is unknown")
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	switch ch := r.Header.Get(HeaderContentHash); {
	case ch == UnsignedPayload:
		return "", authError("UNSIGNED-PAYLOAD is not accepted: sign the body")
	case ch != "" && !strings.EqualFold(ch, payloadHash):
		return "", authError("X-Sdk-Content-Sha256 does not match the body")
	}
	cr := sha256.Sum256([]byte(canonicalRequest(r, a.signedHeaders, payloadHash)))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(Algorithm + "\n" + date + "\n" + hex.EncodeToString(cr[:])))
	if !hmac.Equal(mac.Sum(nil), a.sig) {
		return "", authError("verify aksk signature fail")
	}
	return a.access, nil
}
