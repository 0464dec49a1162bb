package backendsign

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Verification failures. Middleware answers each with 401 and its text.
var (
	ErrNoSignature      = errors.New("backendsign: no Authorization of the key's scheme")
	ErrMalformed        = errors.New("backendsign: malformed Authorization")
	ErrWrongKey         = errors.New("backendsign: signed with another key (Access)")
	ErrDate             = errors.New("backendsign: X-Sdk-Date missing, malformed or too far from now")
	ErrUnsignedHeader   = errors.New("backendsign: a header is not covered by the signature")
	ErrUnsignedPayload  = errors.New("backendsign: the body is not covered by the signature (X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD)")
	ErrBodyTooLarge     = errors.New("backendsign: body larger than Options.MaxBody")
	ErrSignature        = errors.New("backendsign: signature mismatch")
	ErrBasicCredentials = errors.New("backendsign: wrong basic credentials")
)

// Options tune Verify. The zero value is strict.
type Options struct {
	// MaxSkew bounds |now - X-Sdk-Date|; zero means 15 minutes (Huawei's
	// window for SDK signatures).
	MaxSkew time.Duration
	// AllowUnsignedPayload accepts requests whose body the gateway
	// streamed unhashed (X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD): their
	// body is not authenticated.
	AllowUnsignedPayload bool
	// AllowUnsignedHeaders accepts headers the signature does not cover
	// (added after the gateway, e.g. by another proxy); by default any
	// such header (but framing and hop-by-hop ones) fails the request.
	AllowUnsignedHeaders bool
	// MaxBody bounds the body read to hash it; zero means 16 MiB.
	MaxBody int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks the gateway's signature on r with key k. For hmac and aes
// keys it reads the body to hash it and leaves r.Body re-readable (the
// same bytes). It returns nil or one of the Err values.
func Verify(r *http.Request, k *Key, o *Options) error {
	if o == nil {
		o = &Options{}
	}
	authz := r.Header.Get("Authorization")
	if k.Type == TypeBasic {
		want := k.basicLine[len("Authorization: ") : len(k.basicLine)-2]
		if !strings.HasPrefix(authz, "Basic ") {
			return ErrNoSignature
		}
		if subtle.ConstantTimeCompare([]byte(authz), want) != 1 {
			return ErrBasicCredentials
		}
		return nil
	}
	p, err := parseAuthorization(authz, k.scheme)
	if err != nil {
		return err
	}
	if k.Type == TypeHMAC && p.access != k.Access {
		return ErrWrongKey
	}
	date := r.Header.Get(HeaderDate)
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return ErrDate
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	skew := o.MaxSkew
	if skew <= 0 {
		skew = 15 * time.Minute
	}
	if d := now().Sub(t); d > skew || d < -skew {
		return ErrDate
	}
	signed := strings.Split(p.signedHeaders, ";")
	if !slices.Contains(signed, "host") || !slices.Contains(signed, "x-sdk-date") {
		return ErrMalformed
	}
	for _, n := range signed {
		if n == "" || n != strings.ToLower(n) || unsignedField([]byte(n)) {
			return ErrMalformed
		}
	}
	for name := range r.Header {
		if unsignedField([]byte(name)) || slices.Contains(signed, strings.ToLower(name)) {
			continue
		}
		// The payload marker must be signed: unsigned, anyone could add it
		// to skip the body hash.
		if !o.AllowUnsignedHeaders || strings.EqualFold(name, HeaderContentSHA256) {
			return ErrUnsignedHeader
		}
	}
	payload, err := payloadHash(r, o)
	if err != nil {
		return err
	}
	c := newCanon()
	c.fs = requestFields(c.fs[:0], r, signed)
	canonical := c.build([]byte(r.Method), []byte(r.URL.EscapedPath()), []byte(r.URL.RawQuery), c.fs, []byte(p.signedHeaders), payload)
	sts := c.stringToSign(k.scheme, []byte(date), canonical)
	want := c.appendSignature(nil, k, sts)
	if subtle.ConstantTimeCompare(want, []byte(p.signature)) != 1 {
		return ErrSignature
	}
	return nil
}

// Middleware verifies every request with Verify before next sees it;
// failures get 401 and the reason as text.
func Middleware(k *Key, o *Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Verify(r, k, o); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type authParams struct{ access, signedHeaders, signature string }

// parseAuthorization reads "<scheme> Access=k, SignedHeaders=a;b, Signature=hex"
// (Access only for hmac).
func parseAuthorization(v, scheme string) (authParams, error) {
	var p authParams
	rest, ok := strings.CutPrefix(v, scheme+" ")
	if !ok {
		return p, ErrNoSignature
	}
	for part := range strings.SplitSeq(rest, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return p, ErrMalformed
		}
		switch name {
		case "Access":
			p.access = val
		case "SignedHeaders":
			p.signedHeaders = val
		case "Signature":
			p.signature = val
		default:
			return p, ErrMalformed
		}
	}
	if p.signedHeaders == "" || p.signature == "" || (scheme == SchemeHMAC && p.access == "") {
		return p, ErrMalformed
	}
	return p, nil
}

// payloadHash reads and hashes r's body (putting it back), or returns
// UNSIGNED-PAYLOAD when the gateway streamed it and o allows that.
func payloadHash(r *http.Request, o *Options) ([]byte, error) {
	if vs := r.Header.Values(HeaderContentSHA256); len(vs) > 0 {
		if len(vs) != 1 || vs[0] != UnsignedPayload {
			return nil, ErrMalformed
		}
		if !o.AllowUnsignedPayload {
			return nil, ErrUnsignedPayload
		}
		return unsignedPayload, nil
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		limit := o.MaxBody
		if limit <= 0 {
			limit = 16 << 20
		}
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		if int64(len(body)) > limit {
			return nil, ErrBodyTooLarge
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return AppendPayloadHash(nil, body), nil
}

// requestFields lists the values of the signed headers of r, in signing
// order: signed's order, each name's values sorted (Go keeps a header's
// lines in order under its canonical name; Host is r.Host).
func requestFields(fs []field, r *http.Request, signed []string) []field {
	for _, n := range signed {
		var vs []string
		if n == "host" {
			vs = []string{r.Host}
		} else {
			vs = slices.Clone(r.Header.Values(n))
		}
		for i := range vs {
			vs[i] = strings.TrimSpace(vs[i])
		}
		slices.Sort(vs)
		for _, v := range vs {
			fs = append(fs, field{[]byte(n), []byte(v)})
		}
	}
	return fs
}
