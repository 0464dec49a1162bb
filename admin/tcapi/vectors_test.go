package tcapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The seed's worked signing examples (seed 接口签名v1 / 接口签名v3) as
// corrected in shared/spec/ACTIONS.md 1.4 and 1.5.

const (
	vecSecretId  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	vecSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
)

func vecV1Params(sha256 bool) map[string]string {
	p := map[string]string{
		"Action":        "DescribeInstances",
		"InstanceIds.0": "ins-09dx96dg",
		"Limit":         "20",
		"Nonce":         "11886",
		"Offset":        "0",
		"Region":        "ap-guangzhou",
		"SecretId":      vecSecretId,
		"Timestamp":     "1465185768",
		"Version":       "2017-03-12",
	}
	if sha256 {
		p["SignatureMethod"] = "HmacSHA256"
	}
	return p
}

func TestV1Vectors(t *testing.T) {
	// Seed line 2166 / 2183.
	const query = "Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12"
	if got := StringToSignV1("GET", "cvm.finance.cloud.tencent.com", vecV1Params(false)); got != "GETcvm.finance.cloud.tencent.com/?"+query {
		t.Fatalf("string to sign:\n%s", got)
	}
	for _, tc := range []struct {
		id, host, method, want string
	}{
		{"V1-1", "cvm.tencentcloudapi.com", "HmacSHA1", "EliP9YW3pW28FpsEdkXt/+WcGeI="},
		{"V1-2", "cvm.finance.cloud.tencent.com", "HmacSHA1", "e4PAN3/ywhfo/YEh/VuuPBQK8yA="},
		{"V1-3", "cvm.tencentcloudapi.com", "HmacSHA256", "A8uy2/o7WBZXYCTWEFpMrVGhGBVlEGIOioeqRM+fzFs="},
		{"V1-4", "cvm.finance.cloud.tencent.com", "HmacSHA256", "JPxoJCqwVLYL0CR8WAdx8CBYjAifTZfZprslGfNowCE="},
	} {
		p := vecV1Params(tc.method == "HmacSHA256")
		if got := SignV1(vecSecretKey, "GET", tc.host, p, tc.method); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.id, got, tc.want)
		}
		// Signature itself never takes part.
		p["Signature"] = "whatever"
		if got := SignV1(vecSecretKey, "GET", tc.host, p, tc.method); got != tc.want {
			t.Errorf("%s with Signature present: got %s", tc.id, got)
		}
	}
}

func TestV3Vectors(t *testing.T) {
	if got := sha256Hex(nil); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("sha256(\"\") = %s", got)
	}
	if got := hex.EncodeToString(TC3SigningKey(vecSecretKey, "2018-10-09", "cvm")); got != "39c4cf287fdff993dc407e649450ae4a0f1e1fd75aedb08d8160e47372e9b62d" {
		t.Errorf("SecretSigning cvm = %s", got)
	}
	for _, tc := range []struct {
		id, host, hashed, sig string
	}{
		{"V3-1", "cvm.tencentcloudapi.com", "91c9c192c14460df6c1ffc69e34e6c5e90708de2a6d282cccf957dbf1aa7f3a7", "5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474"},
		{"V3-2", "cvm.finance.cloud.tencent.com", "404c983ca91e7a42db052e715f6b87872972d90b3e9bbaccc892fd145db57a51", "e58ba76f0ad56875e1ef9f67e4930f28ba11e300c6f055aace641b06f433ff1b"},
	} {
		r := &TC3Request{
			Method:    "GET",
			Query:     "Limit=10&Offset=0",
			Headers:   map[string]string{"content-type": "application/x-www-form-urlencoded", "host": tc.host},
			Timestamp: 1539084154,
			Service:   "cvm",
		}
		c, sh := r.CanonicalRequest()
		want := "GET\n/\nLimit=10&Offset=0\ncontent-type:application/x-www-form-urlencoded\nhost:" + tc.host + "\n\ncontent-type;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		if c != want || sh != "content-type;host" {
			t.Errorf("%s canonical:\n%s", tc.id, c)
		}
		if got := sha256Hex([]byte(c)); got != tc.hashed {
			t.Errorf("%s HashedCanonicalRequest = %s, want %s", tc.id, got, tc.hashed)
		}
		if got := r.StringToSign(); got != "TC3-HMAC-SHA256\n1539084154\n2018-10-09/cvm/tc3_request\n"+tc.hashed {
			t.Errorf("%s StringToSign:\n%s", tc.id, got)
		}
		if got := SignTC3(vecSecretKey, r); got != tc.sig {
			t.Errorf("%s signature = %s, want %s", tc.id, got, tc.sig)
		}
	}
	// Seed line 2513, valid for cvm.tencentcloudapi.com.
	r := &TC3Request{Method: "GET", Query: "Limit=10&Offset=0", Timestamp: 1539084154, Service: "cvm",
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "host": "cvm.tencentcloudapi.com"}}
	if got := AuthorizationTC3(vecSecretId, vecSecretKey, r); got != "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2018-10-09/cvm/tc3_request, SignedHeaders=content-type;host, Signature=5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474" {
		t.Errorf("Authorization = %s", got)
	}
}

func TestV3VectorApigateway(t *testing.T) {
	r := &TC3Request{
		Method:    "POST",
		Headers:   map[string]string{"content-type": "application/json", "host": "apigateway.api3.finance.cloud.tencent.com"},
		Payload:   []byte(`{"Limit":10,"Offset":0}`),
		Timestamp: 1539084154,
		Service:   "apigateway",
	}
	c, _ := r.CanonicalRequest()
	want := "POST\n/\n\ncontent-type:application/json\nhost:apigateway.api3.finance.cloud.tencent.com\n\ncontent-type;host\n00e8a08440fd6f3ae2780213b5a3bdb6f783aef5f6d71db9429d112b32f2ef12"
	if c != want {
		t.Fatalf("canonical:\n%s", c)
	}
	if got := sha256Hex([]byte(c)); got != "a897e6807d678770290857dccd8aecda837873bc553fceb46c4de87cad8d9a63" {
		t.Errorf("HashedCanonicalRequest = %s", got)
	}
	date := hmacSum(sha256.New, []byte("TC3"+vecSecretKey), "2018-10-09")
	svc := hmacSum(sha256.New, date, "apigateway")
	for name, got := range map[string][]byte{
		"e476728ff6d7bacfa7847b3d3d6d3a9e6f536992367701d4533354ca7b5d0fa5": date,
		"518534745eeeab34703b8736a50662fe23d673aacdc0e0e01afa2f5f1d5525ea": svc,
		"64e02edb2f0f2a81aa95b8104d016853447800150dff3e82429e7542c663c8a8": TC3SigningKey(vecSecretKey, "2018-10-09", "apigateway"),
	} {
		if hex.EncodeToString(got) != name {
			t.Errorf("derived key %x, want %s", got, name)
		}
	}
	if got := SignTC3(vecSecretKey, r); got != "4f0279f9d7d3ec2fda4f7d6e353d07776264955e33a5abe924281e2c327060fc" {
		t.Errorf("V3-3 signature = %s", got)
	}
}

// setTC3Headers sets the headers of the seed's TC3 vectors (timestamp
// 1539084154, region ap-guangzhou).
func setTC3Headers(req *http.Request, contentType, action, version, auth string) {
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", version)
	req.Header.Set("X-TC-Timestamp", "1539084154")
	req.Header.Set("X-TC-Region", "ap-guangzhou")
	req.Header.Set("Authorization", auth)
}

// The vectors also pass the Server's verification, unchanged, when the
// clock is the vector's.
func TestServerAcceptsVectors(t *testing.T) {
	type describeInstances struct {
		InstanceIds []string
		Limit       *int64
		Offset      *int64
	}
	var got describeInstances
	h := func(ctx context.Context, r *Request) (any, error) {
		got = describeInstances{}
		if err := r.Decode(&got); err != nil {
			return nil, err
		}
		return map[string]any{"TotalCount": 0}, nil
	}
	cvm := func(ts int64) *Server {
		return &Server{Service: "cvm", Version: "2017-03-12", Creds: StaticCredentials{vecSecretId: vecSecretKey},
			Actions: map[string]Handler{"DescribeInstances": h},
			Now:     func() time.Time { return time.Unix(ts, 0) }, Log: discard()}
	}

	// V1-1: GET on cvm.tencentcloudapi.com, the seed's URL with the
	// lower-case percent-encoding it prints (line 2212).
	q := "Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Signature=EliP9YW3pW28FpsEdkXt%2f%2bWcGeI%3d&Timestamp=1465185768&Version=2017-03-12"
	req := httptest.NewRequest("GET", "http://cvm.tencentcloudapi.com/?"+q, nil)
	resp := serve(cvm(1465185768), req)
	if resp.code() != "" {
		t.Fatalf("V1-1: %s", resp.body)
	}
	if len(got.InstanceIds) != 1 || got.InstanceIds[0] != "ins-09dx96dg" || *got.Limit != 20 || *got.Offset != 0 {
		t.Fatalf("V1-1 decoded %+v", got)
	}
	// V1-4 as a POST form would fail (the method is signed); as GET it passes.
	p := vecV1Params(true)
	p["Signature"] = "JPxoJCqwVLYL0CR8WAdx8CBYjAifTZfZprslGfNowCE="
	req = httptest.NewRequest("GET", "http://cvm.finance.cloud.tencent.com/?"+encodeParams(p), nil)
	if resp := serve(cvm(1465185768), req); resp.code() != "" {
		t.Fatalf("V1-4: %s", resp.body)
	}

	// V3-1: the seed's final GET request (lines 2509-2520).
	req = httptest.NewRequest("GET", "http://cvm.tencentcloudapi.com/?Limit=10&Offset=0", nil)
	setTC3Headers(req, "application/x-www-form-urlencoded", "DescribeInstances", "2017-03-12",
		"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2018-10-09/cvm/tc3_request, SignedHeaders=content-type;host, Signature=5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474")
	if resp := serve(cvm(1539084154), req); resp.code() != "" {
		t.Fatalf("V3-1: %s", resp.body)
	}
	if *got.Limit != 10 || got.InstanceIds != nil {
		t.Fatalf("V3-1 decoded %+v", got)
	}

	// V3-3: the apigateway POST.
	ag := &Server{Creds: StaticCredentials{vecSecretId: vecSecretKey},
		Actions: map[string]Handler{"DescribeServicesStatus": func(ctx context.Context, r *Request) (any, error) {
			var p struct{ Limit, Offset int64 }
			return nil, r.Decode(&p)
		}},
		Now: func() time.Time { return time.Unix(1539084154, 0) }, Log: discard()}
	req = httptest.NewRequest("POST", "http://apigateway.api3.finance.cloud.tencent.com/", strings.NewReader(`{"Limit":10,"Offset":0}`))
	setTC3Headers(req, "application/json", "DescribeServicesStatus", "2018-08-08",
		"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2018-10-09/apigateway/tc3_request, SignedHeaders=content-type;host, Signature=4f0279f9d7d3ec2fda4f7d6e353d07776264955e33a5abe924281e2c327060fc")
	if resp := serve(ag, req); resp.code() != "" {
		t.Fatalf("V3-3: %s", resp.body)
	}
}

// --- shared test helpers ---

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type result struct {
	status int
	header http.Header
	body   string
	env    struct {
		Response struct {
			Error *struct {
				Code    string
				Message string
			}
			RequestId string
		}
	}
	raw map[string]json.RawMessage
}

func (r *result) code() string {
	if r.env.Response.Error == nil {
		return ""
	}
	return r.env.Response.Error.Code
}

func serve(s *Server, req *http.Request) *result {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	r := &result{status: w.Code, header: w.Header(), body: w.Body.String()}
	json.Unmarshal(w.Body.Bytes(), &r.env)
	var outer struct{ Response map[string]json.RawMessage }
	json.Unmarshal(w.Body.Bytes(), &outer)
	r.raw = outer.Response
	return r
}

// encodeParams URL-encodes p as the SDK does (url.Values.Encode).
func encodeParams(p map[string]string) string {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v.Encode()
}
