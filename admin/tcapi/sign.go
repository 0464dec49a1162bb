package tcapi

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Signature methods, as Request.Signed reports them.
const (
	SignTC3HMACSHA256 = "TC3-HMAC-SHA256"
	SignHmacSHA1      = "HmacSHA1"
	SignHmacSHA256    = "HmacSHA256"
)

// UnsignedPayload is the X-TC-Content-SHA256 value with which a TC3 client
// signs SHA256("UNSIGNED-PAYLOAD") instead of the body (SDK
// ClientProfile.UnsignedPayload).
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// TC3Request is what a TC3-HMAC-SHA256 signature covers (seed 接口签名v3,
// lines 2360-2520).
type TC3Request struct {
	Method string // "GET" or "POST"
	// Query is the URL's query string exactly as sent (already URL-encoded),
	// "" for POST.
	Query string
	// Headers are the signed headers: lower-case name → value. They must
	// include "content-type" and "host"; SignedHeaders is their sorted names.
	Headers map[string]string
	// Payload is the request body; GET signs the empty payload.
	Payload []byte
	// UnsignedPayload hashes "UNSIGNED-PAYLOAD" instead of Payload; the
	// request must then carry X-TC-Content-SHA256: UNSIGNED-PAYLOAD.
	UnsignedPayload bool
	// KeepValueCase writes header values trimmed but not lower-cased, as the
	// Go SDK v1.0.162 does; the seed lower-cases them. The two agree whenever
	// the values are lower case, which content-type and host usually are.
	KeepValueCase bool
	Timestamp     int64  // X-TC-Timestamp, UNIX seconds
	Service       string // credential scope service, "apigateway"
}

// Date is the credential scope date: the UTC date of Timestamp (seed line
// 2445: 1551113065 → 2019-02-25, never the local date).
func (t *TC3Request) Date() string { return tc3Date(t.Timestamp) }

// CredentialScope is Date/Service/tc3_request.
func (t *TC3Request) CredentialScope() string {
	return t.Date() + "/" + t.Service + "/tc3_request"
}

// CanonicalRequest returns the canonical request string and the
// SignedHeaders value.
func (t *TC3Request) CanonicalRequest() (canonical, signedHeaders string) {
	lower := make(map[string]string, len(t.Headers))
	names := make([]string, 0, len(t.Headers))
	for k, v := range t.Headers {
		k = strings.ToLower(k)
		if _, dup := lower[k]; !dup {
			names = append(names, k)
		}
		lower[k] = v
	}
	sort.Strings(names)
	values := make([]string, len(names))
	for i, n := range names {
		values[i] = lower[n]
	}
	ph := sha256Hex(t.Payload)
	if t.UnsignedPayload {
		ph = sha256Hex([]byte(UnsignedPayload))
	}
	return tc3Canonical(t.Method, t.Query, names, values, ph, !t.KeepValueCase), strings.Join(names, ";")
}

// StringToSign returns the TC3 string to sign.
func (t *TC3Request) StringToSign() string {
	c, _ := t.CanonicalRequest()
	return tc3StringToSign(strconv.FormatInt(t.Timestamp, 10), t.CredentialScope(), c)
}

// SignTC3 returns the lower-case hex TC3-HMAC-SHA256 signature of t.
func SignTC3(secretKey string, t *TC3Request) string {
	key := TC3SigningKey(secretKey, t.Date(), t.Service)
	return hex.EncodeToString(hmacSum(sha256.New, key, t.StringToSign()))
}

// AuthorizationTC3 returns the Authorization header value for t signed by
// (secretId, secretKey):
// "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=..., Signature=...".
func AuthorizationTC3(secretId, secretKey string, t *TC3Request) string {
	_, sh := t.CanonicalRequest()
	return SignTC3HMACSHA256 + " Credential=" + secretId + "/" + t.CredentialScope() +
		", SignedHeaders=" + sh + ", Signature=" + SignTC3(secretKey, t)
}

// TC3SigningKey derives SecretSigning (seed 2.3):
// HMAC(HMAC(HMAC("TC3"+secretKey, date), service), "tc3_request").
func TC3SigningKey(secretKey, date, service string) []byte {
	k := hmacSum(sha256.New, []byte("TC3"+secretKey), date)
	k = hmacSum(sha256.New, k, service)
	return hmacSum(sha256.New, k, "tc3_request")
}

// StringToSignV1 returns the v1 string to sign (seed 接口签名v1 2.1-2.3):
// METHOD + host + "/" + "?" + the parameters other than Signature, sorted by
// name in byte order, joined as name=value with raw (decoded) values.
func StringToSignV1(method, host string, params map[string]string) string {
	return v1StringToSign(method, host, params, false)
}

// SignV1 returns the Base64 v1 signature of params for method and host:
// HMAC-SHA256 when signatureMethod is "HmacSHA256", HMAC-SHA1 otherwise
// (seed 公共参数 SignatureMethod). params must hold SignatureMethod itself
// when the client sends it, since it is signed like any other parameter.
func SignV1(secretKey, method, host string, params map[string]string, signatureMethod string) string {
	return base64.StdEncoding.EncodeToString(v1MAC(secretKey, signatureMethod, StringToSignV1(method, host, params)))
}

func v1StringToSign(method, host string, params map[string]string, skipEmpty bool) string {
	keys := make([]string, 0, len(params))
	n := len(method) + len(host) + 2
	for k, v := range params {
		if k == "Signature" || (skipEmpty && v == "") {
			continue
		}
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	sort.Strings(keys)
	var b strings.Builder
	b.Grow(n)
	b.WriteString(method)
	b.WriteString(host)
	b.WriteString("/?")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
	}
	return b.String()
}

func v1MAC(secretKey, signatureMethod, s string) []byte {
	if signatureMethod == SignHmacSHA256 {
		return hmacSum(sha256.New, []byte(secretKey), s)
	}
	return hmacSum(sha1.New, []byte(secretKey), s)
}

func tc3Date(ts int64) string { return time.Unix(ts, 0).UTC().Format(time.DateOnly) }

// tc3Canonical builds the canonical request with the signed headers in the
// order given; lower lower-cases the values as the seed says.
func tc3Canonical(method, query string, names, values []string, payloadHash string, lower bool) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteString("\n/\n")
	b.WriteString(query)
	b.WriteByte('\n')
	for i, n := range names {
		v := strings.TrimSpace(values[i])
		if lower {
			v = strings.ToLower(v)
		}
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func tc3StringToSign(timestamp, scope, canonical string) string {
	return SignTC3HMACSHA256 + "\n" + timestamp + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
}

func hmacSum(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
