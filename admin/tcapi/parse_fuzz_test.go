package tcapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// sdkShapes are request types of the official SDK v1.0.162, from flat to
// nested: what real clients send as TC3 POST bodies.
var sdkShapes = []func() any{
	func() any { return apigw.NewCreateServiceRequest() },
	func() any { return apigw.NewDescribeServicesStatusRequest() },
	func() any { return apigw.NewCreateApiRequest() },
	func() any { return apigw.NewCreateIPStrategyRequest() },
	func() any { return apigw.NewCreateUsagePlanRequest() },
}

// sdkBodies are bodies the SDK renders (ToJsonString) for sdkShapes.
func sdkBodies() []string {
	s, i, b := common.StringPtr, common.Int64Ptr, common.BoolPtr
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName, cs.Protocol, cs.ServiceDesc = s("demo"), s("http&https"), s("a \"quoted\" \u00e9 desc\n")
	cs.NetTypes = []*string{s("OUTER"), s("INNER")}
	cs.Tags = []*apigw.Tag{{Key: s("k"), Value: s("")}}
	ds := apigw.NewDescribeServicesStatusRequest()
	ds.Limit, ds.Offset = i(20), i(0)
	ds.Filters = []*apigw.Filter{{Name: s("ServiceName"), Values: []*string{s("demo"), s("x")}}}
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId, ca.ServiceType, ca.ServiceTimeout, ca.Protocol = s("service-0123abcd"), s("HTTP"), i(15), s("HTTP")
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: s("/user/{id}"), Method: s("GET")}
	ca.RequestParameters = []*apigw.RequestParameter{{Name: s("id"), Position: s("PATH"), Type: s("int"), Required: b(true)}}
	ca.ConstantParameters = []*apigw.ConstantParameter{{Name: s("c"), Position: s("HEADER"), DefaultValue: s("1")}}
	ca.ServiceConfig = &apigw.ServiceConfig{Url: s("http://10.0.0.1:8080"), Path: s("/u/{id}"), Method: s("GET")}
	ca.EnableCORS, ca.AuthType = b(false), s("SECRET")
	ca.ResponseErrorCodes = []*apigw.ResponseErrorCodeReq{{Code: i(-1), Msg: s("m"), ConvertedCode: i(500), NeedConvert: b(true)}}
	ip := apigw.NewCreateIPStrategyRequest()
	ip.ServiceId, ip.StrategyName, ip.StrategyType, ip.StrategyData = s("service-0123abcd"), s("deny"), s("BLACK"), s("1.1.1.1\n10.0.0.0/8")
	up := apigw.NewCreateUsagePlanRequest()
	up.UsagePlanName, up.MaxRequestNum, up.MaxRequestNumPreSec = s("plan"), i(-1), i(2000)
	return []string{cs.ToJsonString(), ds.ToJsonString(), ca.ToJsonString(), ip.ToJsonString(), up.ToJsonString()}
}

func treeDepth(n *node) int {
	d := 0
	for _, e := range n.elems {
		d = max(d, treeDepth(e))
	}
	for _, m := range n.members {
		d = max(d, treeDepth(m))
	}
	return d + 1
}

// FuzzActionJSON: the TC3 body parser and Decode never panic; the parser
// accepts only valid JSON objects, refuses a valid object only for a repeated
// member or excess nesting, and builds what encoding/json sees; re-encoding
// round-trips; and where Decode fills an SDK request type it agrees with
// encoding/json, and the SDK's own rendering of the result decodes back to it.
func FuzzActionJSON(f *testing.F) {
	for _, b := range sdkBodies() {
		f.Add([]byte(b))
	}
	for _, s := range []string{
		``, `{}`, ` {"Limit":1} `, `[]`, `{"a":1,"a":2}`, `{"a":{"b":[{"c":1},{"c":1,"c":2}]}}`,
		`{"Limit":1e400}`, `{"Limit":1.0}`, `{"ServiceName":null}`, `{"Filters":[null,{"Name":"n"}]}`,
		`{"Action":"X","ServiceName":"s"}`, `{"serviceName":"s"}`, "{\"s\":\"\xff\"}", `{"a":1}{}`,
		`{"NetTypes":"OUTER"}`, `{"Limit":"20"}`, strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, e := parseJSONBody(b)
		trimmed := bytes.TrimSpace(b)
		if e != nil {
			if e.Code != CodeInvalidParameter {
				t.Fatalf("%q: refused with %s", b, e.Code)
			}
			if json.Valid(b) && trimmed[0] == '{' &&
				!strings.Contains(e.Message, "more than once") && !strings.Contains(e.Message, "nesting deeper") {
				t.Fatalf("%q: a valid object refused: %s", b, e.Message)
			}
			return
		}
		if len(trimmed) > 0 {
			if !json.Valid(b) || trimmed[0] != '{' {
				t.Fatalf("%q: accepted, but it is not a JSON object", b)
			}
			if d := treeDepth(n); d > maxJSONDepth+1 {
				t.Fatalf("%q: accepted %d levels", b, d)
			}
			var want any
			if err := json.Unmarshal(b, &want); err == nil && !reflect.DeepEqual(generic(n), want) {
				t.Fatalf("%q: parsed as %v, encoding/json sees %v", b, generic(n), want)
			}
		}
		out := appendJSON(nil, n)
		n2, e2 := parseJSONBody(out)
		if e2 != nil || !bytes.Equal(appendJSON(nil, n2), out) {
			t.Fatalf("%q: re-encoded as %q, which reads back %v", b, out, e2)
		}

		r := &Request{Action: "X", body: n}
		for _, shape := range sdkShapes {
			got := shape()
			if err := r.Decode(got); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%q into %T: non-*Error %v", b, got, err)
				}
				continue
			}
			want := shape()
			if err := json.Unmarshal(b, want); len(trimmed) > 0 && (err != nil || !reflect.DeepEqual(got, want)) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Fatalf("%q into %T: Decode gives %s, encoding/json %s (%v)", b, got, g, w, err)
			}
			again, err := json.Marshal(got) // the SDK's rendering (ToJsonString)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := NewRequest("X", again)
			if err != nil {
				t.Fatalf("%q: the SDK's rendering %s does not parse: %v", b, again, err)
			}
			// Compared rendered: omitempty drops an empty list, so nil
			// and empty lists come back alike.
			back := shape()
			err = r2.Decode(back)
			if backJSON, _ := json.Marshal(back); err != nil || !bytes.Equal(backJSON, again) {
				t.Fatalf("%q into %T: the SDK's rendering %s decodes to %s (%v)", b, got, again, backJSON, err)
			}
		}
	})
}

// renderTC3 writes a parsed Authorization value back in the SDK's layout.
func renderTC3(a tc3Auth) string {
	return SignTC3HMACSHA256 + " Credential=" + a.secretId + "/" + a.date + "/" + a.service + "/" + a.term +
		", SignedHeaders=" + strings.Join(a.signedHeaders, ";") + ", Signature=" + hex.EncodeToString(a.sig)
}

// FuzzTC3Authorization: any Authorization value is parsed or refused with
// AuthFailure.SignatureFailure, without a panic. What is accepted holds: a
// Credential of four parts, 1 to 32 distinct non-empty lower-case signed
// headers, a 32-byte signature written as 64 hex digits in the input; and
// rendering it parses back to the same fields.
func FuzzTC3Authorization(f *testing.F) {
	t3 := &TC3Request{Method: "POST", Timestamp: testNow.Unix(), Service: "apigateway", Payload: []byte(`{}`),
		Headers: map[string]string{"content-type": "application/json", "host": testHost}}
	good := AuthorizationTC3(testID, testKey, t3)
	for _, s := range []string{
		good,
		"  " + strings.ReplaceAll(good, ", ", " ,  ") + " ",
		strings.Replace(good, "content-type;host", "content-type;host;x-tc-action", 1),
		strings.Replace(good, "content-type;host", "Content-Type;host", 1),
		strings.Replace(good, "content-type;host", "host;host", 1),
		strings.Replace(good, "content-type;host", strings.Repeat("a;", 33)+"b", 1),
		strings.Replace(good, "tc3_request", "tc3_request/x", 1),
		strings.Replace(good, "Signature=", "Signature=00", 1),
		good + ", Signature=00",
		strings.Replace(good, SignTC3HMACSHA256, "TC3-HMAC-SHA1", 1),
		"TC3-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=h",
		"TC3-HMAC-SHA256 Credential==, SignedHeaders==, Signature==",
		"TC3-HMAC-SHA256",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, e := parseTC3Authorization(h)
		if e != nil {
			if e.Code != CodeSignatureFailure {
				t.Fatalf("%q: refused with %s", h, e.Code)
			}
			return
		}
		if !strings.HasPrefix(strings.TrimSpace(h), SignTC3HMACSHA256+" ") {
			t.Fatalf("%q: accepted without the TC3-HMAC-SHA256 scheme", h)
		}
		for _, p := range []string{a.secretId, a.date, a.service, a.term} {
			if strings.Contains(p, "/") {
				t.Fatalf("%q: Credential part %q holds a /", h, p)
			}
		}
		if n := len(a.signedHeaders); n < 1 || n > maxSignedHeaders {
			t.Fatalf("%q: %d signed headers", h, n)
		}
		for i, n := range a.signedHeaders {
			if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, ";,") {
				t.Fatalf("%q: signed header %q", h, n)
			}
			for _, m := range a.signedHeaders[:i] {
				if m == n {
					t.Fatalf("%q: signed header %q twice", h, n)
				}
			}
		}
		if len(a.sig) != 32 || !strings.Contains(strings.ToLower(h), hex.EncodeToString(a.sig)) {
			t.Fatalf("%q: signature %x", h, a.sig)
		}
		again, e := parseTC3Authorization(renderTC3(a))
		if e != nil || !reflect.DeepEqual(again, a) {
			t.Fatalf("%q: rendered as %q, parsed back as %+v (%v), not %+v", h, renderTC3(a), again, e, a)
		}
	})
}

// FuzzTC3AuthorizationRoundTrip: the header AuthorizationTC3 writes for a
// well-formed SecretId, service and header set parses back to exactly those
// fields and SignTC3's signature.
func FuzzTC3AuthorizationRoundTrip(f *testing.F) {
	f.Add(testID, "apigateway", testKey, testNow.Unix(), "", false)
	f.Add("AKID_x-1", "cvm", "", int64(0), "x-tc-action x-tc-region", true)
	f.Add("a", "s", "k", int64(-62135596800), "content-type HOST x-a x-a", false)
	f.Fuzz(func(t *testing.T, id, service, key string, ts int64, extra string, get bool) {
		if !validSecretId(id) || service == "" || strings.ContainsAny(service, "/, \t\r\n=") {
			return // not a credential a client can have
		}
		r := &TC3Request{Method: "POST", Timestamp: ts, Service: service, Payload: []byte(`{}`),
			Headers: map[string]string{"content-type": "application/json", "host": testHost}}
		if get {
			r.Method, r.Query, r.Payload = "GET", "Limit=1", nil
		}
		for _, n := range strings.Fields(extra) {
			if strings.Trim(strings.ToLower(n), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				return // not an HTTP header name of the kind signed
			}
			r.Headers[strings.ToLower(n)] = "v" // Headers' names are lower case

		}
		_, sh := r.CanonicalRequest()
		names := strings.Split(sh, ";")
		if strings.ContainsAny(r.Date(), "/, ") {
			return // a year that time formats with a sign or beyond 9999 and a space
		}
		h := AuthorizationTC3(id, key, r)
		a, e := parseTC3Authorization(h)
		if len(names) > maxSignedHeaders {
			if e == nil {
				t.Fatalf("%q: %d signed headers accepted", h, len(names))
			}
			return
		}
		if e != nil {
			t.Fatalf("%q: refused: %v", h, e)
		}
		want := tc3Auth{secretId: id, date: r.Date(), service: service, term: "tc3_request", signedHeaders: names}
		want.sig, _ = hex.DecodeString(SignTC3(key, r))
		if !reflect.DeepEqual(a, want) {
			t.Fatalf("%q: parsed as %+v, want %+v", h, a, want)
		}
	})
}
