package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/auth"
)

// The debug page (seed 000, API调试): a test request through the edge to
// a released environment, and what came back. The environment's URL comes
// from DescribeServiceEnvironmentList (the Action API), so a test request
// can only go to a service's own environment; with an in-process edge it
// is sent to the edge's listener with that URL's host, otherwise to the
// URL itself.

// maxDebugBody bounds the response body the page shows; more is cut off
// (Truncated).
const maxDebugBody = 1 << 20

// maxDebugRequest bounds the test request the browser sends (the seed's
// upload limit, 16 MB, is the edge's; the page is for trying an API).
const maxDebugRequest = 1 << 20

// KV is a name and a value, in the order given.
type KV struct{ Key, Value string }

// debugRequest is the debug form.
type debugRequest struct {
	ServiceId       string
	EnvironmentName string
	Method          string
	// Path follows the environment segment, its {name} variables filled
	// (percent-encoded by the page); it starts with "/".
	Path    string
	Query   []KV
	Headers []KV
	Body    string
	// AccessKeyId signs the request with that key pair (AuthType SECRET,
	// seed 密钥对认证); ApiAppId with that app's key (AuthType APP). The
	// secret is read with DescribeApiKey / DescribeApiApp.
	AccessKeyId string
	ApiAppId    string
}

// debugAnswer is what the page shows: the request as sent (the seed's
// 请求日志) and the response (响应), or the error that stopped it.
type debugAnswer struct {
	Request struct {
		Method, Url, ConnectTo string
		Headers                []KV
		BodyBytes              int
	}
	Response   *debugResponse                  `json:",omitempty"`
	Error      *struct{ Code, Message string } `json:",omitempty"`
	DurationMs float64
}

type debugResponse struct {
	Status            int
	StatusText, Proto string
	Headers           []KV
	Body              string
	BodyBase64        bool // Body is Base64: the bytes are not UTF-8
	BodyBytes         int
	Truncated         bool
}

// environmentList is DescribeServiceEnvironmentList's Result.
type environmentList struct {
	Result struct {
		EnvironmentList []struct {
			EnvironmentName, Url string
			Status               int
		}
	}
}

func (c *Console) serveDebug(w http.ResponseWriter, r *http.Request, ss *session) {
	var in debugRequest
	if !decodeBody(w, r, maxDebugRequest+64<<10, &in) {
		return
	}
	in.Method = strings.ToUpper(strings.TrimSpace(in.Method))
	if in.Method == "" || in.Method == "ANY" {
		in.Method = http.MethodGet
	}
	switch {
	case !validMethod(in.Method):
		writeError(w, http.StatusBadRequest, CodeBadRequest, "Method is not an HTTP method")
		return
	case !strings.HasPrefix(in.Path, "/") || strings.ContainsAny(in.Path, "?# \t\r\n"):
		writeError(w, http.StatusBadRequest, CodeBadRequest, "Path must start with / and hold no spaces, ? or #: give query parameters in Query")
		return
	case len(in.Body) > maxDebugRequest:
		writeError(w, http.StatusRequestEntityTooLarge, CodeBadRequest, "the test body is larger than 1 MiB")
		return
	}
	base, code, msg := c.environmentURL(r, ss, in.ServiceId, in.EnvironmentName)
	if code != "" {
		status := http.StatusBadRequest
		if code == CodeNotReleased {
			status = http.StatusConflict
		}
		writeError(w, status, code, msg)
		return
	}
	target, err := url.Parse(base + in.Path)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "the URL is not valid: "+err.Error())
		return
	}
	q := url.Values{}
	var raw []string
	for _, kv := range in.Query {
		if kv.Key != "" {
			q.Add(kv.Key, kv.Value)
			raw = append(raw, url.QueryEscape(kv.Key)+"="+url.QueryEscape(kv.Value))
		}
	}
	target.RawQuery = strings.Join(raw, "&") // in the order given, which a signature may depend on

	ctx, cancel := context.WithTimeout(r.Context(), c.opts.DebugTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, in.Method, target.String(), strings.NewReader(in.Body))
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "the test request is not valid: "+err.Error())
		return
	}
	if in.Body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("User-Agent", "edgegate-console")
	for _, kv := range in.Headers {
		switch http.CanonicalHeaderKey(kv.Key) {
		case "", "Host", "Content-Length", "Transfer-Encoding", "Connection":
			continue // the request's framing is the client's
		}
		req.Header.Add(kv.Key, kv.Value)
	}
	if in.AccessKeyId != "" || in.ApiAppId != "" {
		if code, msg := c.sign(r, ss, req, &in); code != "" {
			writeError(w, http.StatusBadRequest, code, msg)
			return
		}
	}
	connect := target.Host
	if target.Port() == "" {
		connect = net.JoinHostPort(target.Hostname(), "80")
	}
	if c.opts.Edge != nil {
		connect = loopbackFor(c.opts.Edge())
	}
	var out debugAnswer
	out.Request.Method, out.Request.Url, out.Request.ConnectTo, out.Request.BodyBytes = in.Method, target.String(), connect, len(in.Body)
	out.Request.Headers = append(out.Request.Headers, KV{"Host", target.Host})
	for _, name := range sortedKeys(req.Header) {
		for _, v := range req.Header[name] {
			out.Request.Headers = append(out.Request.Headers, KV{name, v})
		}
	}
	start := time.Now()
	resp, err := debugClient(connect).Do(req)
	if err == nil {
		out.Response, err = readDebugResponse(resp)
	}
	out.DurationMs = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		out.Error = &struct{ Code, Message string }{CodeDebugFailed, err.Error()}
	}
	writeJSON(w, http.StatusOK, out)
}

// environmentURL asks the Action API for the environment's URL; a code
// says why there is none.
func (c *Console) environmentURL(r *http.Request, ss *session, svc, env string) (u, code, msg string) {
	raw, err := c.call(r.Context(), ss, r, "DescribeServiceEnvironmentList", map[string]any{"ServiceId": svc, "Limit": 100})
	var te *tcapi.Error
	if errors.As(err, &te) {
		return "", te.Code, te.Message
	}
	if err != nil {
		return "", tcapi.CodeInternalError, "the Action API did not answer"
	}
	var l environmentList
	if err := json.Unmarshal(raw, &l); err != nil {
		return "", tcapi.CodeInternalError, "DescribeServiceEnvironmentList answered in an unexpected form"
	}
	for _, e := range l.Result.EnvironmentList {
		if e.EnvironmentName != env {
			continue
		}
		if e.Status != 1 {
			return "", CodeNotReleased, fmt.Sprintf("service %s is not released to %s: release it first", svc, env)
		}
		return e.Url, "", ""
	}
	return "", CodeBadRequest, fmt.Sprintf("service %s has no environment %q", svc, env)
}

// debugClient sends one request to connect, whatever the URL's host,
// without following redirects or decoding the body: the page shows what
// the edge answered.
func debugClient(connect string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, connect)
			},
			DisableKeepAlives:  true,
			DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func readDebugResponse(resp *http.Response) (*debugResponse, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDebugBody+1))
	out := &debugResponse{Status: resp.StatusCode, StatusText: resp.Status, Proto: resp.Proto, BodyBytes: len(b)}
	if len(b) > maxDebugBody {
		b, out.Truncated, out.BodyBytes = b[:maxDebugBody], true, maxDebugBody
	}
	for _, name := range sortedKeys(resp.Header) {
		for _, v := range resp.Header[name] {
			out.Headers = append(out.Headers, KV{name, v})
		}
	}
	if utf8.Valid(b) {
		out.Body = string(b)
	} else {
		out.Body, out.BodyBase64 = base64.StdEncoding.EncodeToString(b), true
	}
	if err != nil {
		return out, fmt.Errorf("reading the response body: %w", err)
	}
	return out, nil
}

// loopbackFor turns a listen address with no host or an unspecified one
// (":8080", "0.0.0.0:8080", "[::]:8080") into one to dial.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if ip != nil && ip.To4() == nil {
			return net.JoinHostPort("::1", port)
		}
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// sign adds the headers of a key-pair (seed 密钥对认证: hmac-sha1 over
// "x-date: …\nsource: …") or app signature (README "Applications"), the
// secret read through the Action API.
func (c *Console) sign(r *http.Request, ss *session, req *http.Request, in *debugRequest) (code, msg string) {
	date := time.Now().UTC().Format(http.TimeFormat) // the edge checks it against its clock
	req.Header.Set("X-Date", date)
	if in.AccessKeyId != "" {
		var k struct {
			Result struct{ AccessKeyId, AccessKeySecret string }
		}
		if code, msg := c.callInto(r, ss, "DescribeApiKey", map[string]string{"AccessKeyId": in.AccessKeyId}, &k); code != "" {
			return code, msg
		}
		const source = "edgegate-console"
		req.Header.Set("Source", source)
		sig := mac(sha1.New, k.Result.AccessKeySecret, "x-date: "+date+"\nsource: "+source)
		req.Header.Set("Authorization", `hmac id="`+k.Result.AccessKeyId+`", algorithm="hmac-sha1", headers="x-date source", signature="`+sig+`"`)
		return "", ""
	}
	var a struct {
		Result struct {
			ApiAppSet []struct{ ApiAppKey, ApiAppSecret string }
		}
	}
	if code, msg := c.callInto(r, ss, "DescribeApiApp", map[string]string{"ApiAppId": in.ApiAppId}, &a); code != "" {
		return code, msg
	}
	if len(a.Result.ApiAppSet) == 0 {
		return tcapi.CodeResourceNotFound, "no application " + in.ApiAppId
	}
	app := a.Result.ApiAppSet[0]
	// The path without the environment segment, the query sorted (auth.VerifyApp).
	s := "x-date: " + date + "\n" + req.Method + "\n" + req.Header.Get("Accept") + "\n" + req.Header.Get("Content-Type") + "\n" +
		req.Header.Get("Content-MD5") + "\n" + string(auth.AppendSortedQuery([]byte(in.Path), []byte(req.URL.RawQuery)))
	req.Header.Set("Authorization", `apikey="`+app.ApiAppKey+`", algorithm="hmac-sha256", headers="x-date", signature="`+mac(sha256.New, app.ApiAppSecret, s)+`"`)
	return "", ""
}

// callInto runs an Action and decodes its Response into out; a code says
// why it could not.
func (c *Console) callInto(r *http.Request, ss *session, action string, params, out any) (code, msg string) {
	raw, err := c.call(r.Context(), ss, r, action, params)
	var te *tcapi.Error
	if errors.As(err, &te) {
		return te.Code, te.Message
	}
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		return tcapi.CodeInternalError, action + ": " + err.Error()
	}
	return "", ""
}

func mac(h func() hash.Hash, key, msg string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func validMethod(m string) bool {
	if m == "" || len(m) > 16 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}
