package tcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxResponseSize bounds what Client reads from one response.
const maxResponseSize = 64 << 20

// Client calls Actions with TC3-HMAC-SHA256 signed POST application/json
// requests, as the SDK does (SDK common/client.go sendWithSignatureV3). It
// additionally signs x-tc-action, which the seed allows ("也可加入自定义的头部
// 参与签名") and which binds the signature to the Action. A Client is safe
// for concurrent use once configured.
type Client struct {
	Endpoint  string // "http://host:port" (or https)
	SecretId  string
	SecretKey string
	Region    string // X-TC-Region, omitted when empty
	Version   string // default "2018-08-08"
	Service   string // credential scope service; default "apigateway"
	HTTP      *http.Client
	// Now is the signing clock; default time.Now.
	Now func() time.Time
}

// Call sends one Action with params (encoded with encoding/json; nil sends
// {}; pass json.RawMessage for pre-encoded JSON) and returns the inner
// "Response" object, RequestId included. An error envelope returns that
// object too, with an *Error holding its Code and Message; transport
// failures (including a non-200 status) are other errors.
func (c *Client) Call(ctx context.Context, action string, params any) (json.RawMessage, error) {
	body := []byte("{}")
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("tcapi: encode %s parameters: %w", action, err)
		}
		body = b
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("tcapi: bad endpoint %q", c.Endpoint)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ts := now().Unix()
	version, service := c.Version, c.Service
	if version == "" {
		version = DefaultVersion
	}
	if service == "" {
		service = DefaultService
	}
	const ct = "application/json"
	t := &TC3Request{
		Method:    http.MethodPost,
		Headers:   map[string]string{"content-type": ct, "host": u.Host, "x-tc-action": action},
		Payload:   body,
		Timestamp: ts,
		Service:   service,
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tcapi: %s: %w", action, err)
	}
	hr.Header.Set("Content-Type", ct)
	hr.Header.Set("X-TC-Action", action)
	hr.Header.Set("X-TC-Version", version)
	hr.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	hr.Header.Set("X-TC-RequestClient", "edgegate-tcapi")
	if c.Region != "" {
		hr.Header.Set("X-TC-Region", c.Region)
	}
	hr.Header.Set("Authorization", AuthorizationTC3(c.SecretId, c.SecretKey, t))
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("tcapi: %s: %w", action, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("tcapi: %s: read response: %w", action, err)
	}
	if len(rb) > maxResponseSize {
		return nil, fmt.Errorf("tcapi: %s: response larger than %d bytes", action, maxResponseSize)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tcapi: %s: HTTP status %s: %s", action, resp.Status, short(string(rb)))
	}
	var env struct {
		Response json.RawMessage `json:"Response"`
	}
	if err := json.Unmarshal(rb, &env); err != nil || len(env.Response) == 0 || env.Response[0] != '{' {
		return nil, fmt.Errorf("tcapi: %s: malformed response: %s", action, short(string(rb)))
	}
	var inner struct {
		Error *Error `json:"Error"`
	}
	if err := json.Unmarshal(env.Response, &inner); err != nil {
		return nil, fmt.Errorf("tcapi: %s: malformed response: %w", action, err)
	}
	if inner.Error != nil && inner.Error.Code != "" {
		return env.Response, inner.Error
	}
	return env.Response, nil
}
