// Package hwclient is a client of Edgegate's Huawei APIG v2 REST
// interface for tests and tools: it signs each request with AK/SK the way
// Huawei's API Gateway signing SDK does (SDK-HMAC-SHA256: X-Sdk-Date, every
// header of the request signed, canonical request with the path ending in
// "/", sorted query, hex SHA-256 of the body, HMAC-SHA256 keyed by the SK)
// and decodes the seed's bodies (hwapi's models, from seed 001's tables).
//
// It is written from the SDK's description, apart from the server's
// verifier (admin/hwapi), so that one checks the other.
package hwclient

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Client calls one instance of one project.
type Client struct {
	Endpoint          string // http://127.0.0.1:9000
	AK, SK            string
	Project, Instance string
	HTTP              *http.Client     // default http.DefaultClient
	Now               func() time.Time // default time.Now; tests skew it
	// Header is added to every request before signing (X-Auth-Token,
	// X-Project-Id, ...).
	Header http.Header
	// Tamper, when set, changes the request after it is signed (tests of
	// the verifier).
	Tamper func(*http.Request)
	// Retries is how many times a call refused for its rate (429) is
	// sent again, after the answer's Retry-After (default 1 s) and signed
	// anew; 0: the 429 is returned.
	Retries int
}

// Response is an answer: its status, body and, for error statuses, the
// seed's error_code and error_msg.
type Response struct {
	Status    int
	Body      []byte
	Header    http.Header
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Decode decodes the body into v.
func (r *Response) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// InstancePath is the path of an instance resource: "/acls" →
// /v2/{project}/apigw/instances/{instance}/acls.
func (c *Client) InstancePath(rel string) string {
	return "/v2/" + c.Project + "/apigw/instances/" + c.Instance + rel
}

// Do sends method path?query with body (nil: none; []byte: as is; else
// JSON), signed; see Retries.
func (c *Client) Do(method, path string, query url.Values, body any) (*Response, error) {
	for try := 0; ; try++ {
		r, err := c.do(method, path, query, body)
		if err != nil || try >= c.Retries || r.Status != http.StatusTooManyRequests {
			return r, err
		}
		wait := time.Second
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		time.Sleep(wait)
	}
}

func (c *Client) do(method, path string, query url.Values, body any) (*Response, error) {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	u := strings.TrimRight(c.Endpoint, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if err := Sign(req, raw, c.AK, c.SK, now()); err != nil {
		return nil, err
	}
	if c.Tamper != nil {
		c.Tamper(req)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	if out.Body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(out.Body, out); err != nil {
			return out, fmt.Errorf("hwclient: error body %q: %w", out.Body, err)
		}
	}
	return out, nil
}

// Sign adds X-Sdk-Date (t, unless the request has one), Host, and the
// Authorization header to req, whose body is body.
func Sign(req *http.Request, body []byte, ak, sk string, t time.Time) error {
	if req.Header.Get("X-Sdk-Date") == "" {
		req.Header.Set("X-Sdk-Date", t.UTC().Format("20060102T150405Z"))
	}
	// The SDK signs Host as a header; net/http sends req.Host.
	req.Header.Set("Host", req.URL.Host)
	var signed []string
	for k := range req.Header {
		signed = append(signed, strings.ToLower(k))
	}
	sort.Strings(signed)

	var cr bytes.Buffer
	cr.WriteString(req.Method + "\n")
	// CanonicalURI: each segment URI-encoded, then a trailing "/".
	var segs []string
	for _, s := range strings.Split(req.URL.Path, "/") {
		segs = append(segs, sdkEscape(s))
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	cr.WriteString(uri + "\n")
	// CanonicalQueryString: keys sorted, each key's values sorted.
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kv []string
	for _, k := range keys {
		vals := q[k]
		sort.Strings(vals)
		for _, v := range vals {
			kv = append(kv, sdkEscape(k)+"="+sdkEscape(v))
		}
	}
	cr.WriteString(strings.Join(kv, "&") + "\n")
	// CanonicalHeaders, then SignedHeaders.
	lower := map[string][]string{}
	for k, v := range req.Header {
		lower[strings.ToLower(k)] = v
	}
	for _, k := range signed {
		vals := append([]string(nil), lower[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			cr.WriteString(k + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	cr.WriteString("\n" + strings.Join(signed, ";") + "\n")
	sum := sha256.Sum256(body)
	cr.WriteString(hex.EncodeToString(sum[:]))

	h := sha256.Sum256(cr.Bytes())
	sts := "SDK-HMAC-SHA256\n" + req.Header.Get("X-Sdk-Date") + "\n" + hex.EncodeToString(h[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	req.Header.Set("Authorization", fmt.Sprintf("SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%x", ak, strings.Join(signed, ";"), mac.Sum(nil)))
	return nil
}

// sdkEscape is url.QueryEscape with the SDK's fixes: a space is %20, '~'
// is kept.
func sdkEscape(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	return strings.ReplaceAll(e, "%7E", "~")
}
