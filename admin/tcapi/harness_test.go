package tcapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	testID   = "AKIDtest0000000000000001"
	testKey  = "tEsTsEcReTkEy0000000000000000001"
	testID2  = "AKIDtest0000000000000002"
	testKey2 = "tEsTsEcReTkEy0000000000000000002"
	testHost = "admin.example.test:9180"
)

var testNow = time.Unix(1700000000, 0) // 2023-11-14 22:13:20 UTC

type filter struct {
	Name   string   `json:"Name" tcapi:"required"`
	Values []string `json:"Values"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type describeServicesStatus struct {
	Limit   *int64   `json:"Limit"`
	Offset  *int64   `json:"Offset"`
	Filters []filter `json:"Filters"`
}

type createService struct {
	ServiceName string   `json:"ServiceName" tcapi:"required"`
	Protocol    string   `json:"Protocol" tcapi:"required"`
	ServiceDesc *string  `json:"ServiceDesc"`
	NetTypes    []string `json:"NetTypes"`
	Tags        []tag    `json:"Tags"`
	IpVersion   string   `json:"IpVersion"`
}

// serviceItem and servicesResult are the test Actions' responses (members
// in the order encoding/json gives a map's).
type serviceItem struct {
	NetTypes               []string
	ServiceId, ServiceName string
}

type servicesResult struct {
	Result struct {
		ServiceSet []serviceItem
		TotalCount int
	}
}

// lastCall records what the most recent Handler saw.
type lastCall struct {
	mu  sync.Mutex
	req *Request
	dss describeServicesStatus
	cs  createService
	dl  bool // ctx had a deadline
}

func (l *lastCall) get() (Request, describeServicesStatus, createService, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var r Request
	if l.req != nil {
		r = *l.req
	}
	return r, l.dss, l.cs, l.dl
}

// newTestServer returns a Server with a few dummy Actions and a fixed clock.
func newTestServer(last *lastCall) *Server {
	if last == nil {
		last = &lastCall{}
	}
	record := func(ctx context.Context, r *Request) {
		_, dl := ctx.Deadline()
		last.mu.Lock()
		last.req, last.dl = r, dl
		last.mu.Unlock()
	}
	return &Server{
		Creds: StaticCredentials{testID: testKey, testID2: testKey2},
		Actions: map[string]Handler{
			// The typed wrapper, as the admin package uses it.
			"DescribeServicesStatus": Action(func(ctx context.Context, p *describeServicesStatus) (*servicesResult, error) {
				record(ctx, RequestFrom(ctx))
				last.mu.Lock()
				last.dss = *p
				last.mu.Unlock()
				out := &servicesResult{}
				out.Result.TotalCount = 1
				out.Result.ServiceSet = []serviceItem{{[]string{"OUTER"}, "service-abcd1234", "demo"}}
				return out, nil
			}),
			"CreateService": Action(func(ctx context.Context, p *createService) (*serviceItem, error) {
				record(ctx, RequestFrom(ctx))
				last.mu.Lock()
				last.cs = *p
				last.mu.Unlock()
				return &serviceItem{p.NetTypes, "service-abcd1234", p.ServiceName}, nil
			}),
			"DescribeApi": func(ctx context.Context, r *Request) (any, error) {
				record(ctx, r)
				return nil, nil
			},
			"DeleteService": func(ctx context.Context, r *Request) (any, error) {
				return nil, Errorf(CodeResourceNotFound+".InvalidService", "no such service")
			},
			"FailPlain": func(ctx context.Context, r *Request) (any, error) {
				return nil, errors.New("database on fire: password=hunter2")
			},
			"FailWrapped": func(ctx context.Context, r *Request) (any, error) {
				return nil, fmt.Errorf("context: %w", Errorf(CodeResourceInUse, "in use"))
			},
			"Panic": func(ctx context.Context, r *Request) (any, error) {
				panic("boom")
			},
			"BadPayload": func(ctx context.Context, r *Request) (any, error) {
				return []int{1, 2}, nil
			},
			"ErrorPayload": func(ctx context.Context, r *Request) (any, error) {
				return map[string]any{"Error": map[string]string{"Code": "X"}}, nil
			},
			"RequestIdPayload": func(ctx context.Context, r *Request) (any, error) {
				return map[string]any{"RequestId": "mine", "Result": true}, nil
			},
		},
		Now: func() time.Time { return testNow },
		Log: discard(),
	}
}

// tc3Spec describes a TC3 request; sign() builds it, signed.
type tc3Spec struct {
	method, body, query         string
	contentType, host           string
	action, version, region, ts string
	id, key                     string
	signTS                      int64  // timestamp used in the scope date (default ts)
	service                     string // scope service
	headers                     map[string]string
	signed                      []string // extra signed headers (lower-case)
	unsigned                    bool
	keepCase                    bool
}

func defaultTC3() tc3Spec {
	return tc3Spec{
		method: "POST", body: `{"Limit":10,"Offset":0}`,
		contentType: "application/json", host: testHost,
		action: "DescribeServicesStatus", version: "2018-08-08", region: "ap-guangzhou",
		ts: strconv.FormatInt(testNow.Unix(), 10), id: testID, key: testKey, service: "apigateway",
	}
}

func (s tc3Spec) request() *http.Request {
	url := "http://" + s.host + "/"
	if s.query != "" {
		url += "?" + s.query
	}
	var body *strings.Reader
	if s.method == "POST" {
		body = strings.NewReader(s.body)
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(s.method, url, body)
	set := func(k, v string) {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	set("Content-Type", s.contentType)
	set("X-TC-Action", s.action)
	set("X-TC-Version", s.version)
	set("X-TC-Region", s.region)
	set("X-TC-Timestamp", s.ts)
	for k, v := range s.headers {
		req.Header.Set(k, v)
	}
	if s.unsigned {
		req.Header.Set("X-TC-Content-SHA256", UnsignedPayload)
	}
	ts := s.signTS
	if ts == 0 {
		ts, _ = strconv.ParseInt(s.ts, 10, 64)
	}
	t := &TC3Request{
		Method: s.method, Timestamp: ts, Service: s.service, UnsignedPayload: s.unsigned, KeepValueCase: s.keepCase,
		Headers: map[string]string{"content-type": s.contentType, "host": s.host},
	}
	if s.method == "GET" {
		t.Query = s.query
	} else {
		t.Payload = []byte(s.body)
	}
	for _, h := range s.signed {
		t.Headers[h] = req.Header.Get(h)
	}
	// AuthorizationTC3 uses t.Timestamp for the scope and the string to
	// sign; a wrong X-TC-Timestamp header is then a mismatch by design.
	req.Header.Set("Authorization", AuthorizationTC3(s.id, s.key, t))
	return req
}

// v1Request builds a v1-signed request: GET with the parameters in the
// query, or POST form. common fills Action/Version/Region/Timestamp/Nonce/
// SecretId unless p sets them ("-" deletes).
func v1Request(method string, p map[string]string, key string) *http.Request {
	full := map[string]string{
		"Action": "DescribeServicesStatus", "Version": "2018-08-08", "Region": "ap-guangzhou",
		"Timestamp": strconv.FormatInt(testNow.Unix(), 10), "Nonce": "12345", "SecretId": testID,
	}
	for k, v := range p {
		if v == "-" {
			delete(full, k)
		} else {
			full[k] = v
		}
	}
	if _, ok := full["Signature"]; !ok {
		full["Signature"] = SignV1(key, method, testHost, full, full["SignatureMethod"])
	}
	enc := encodeParams(full)
	if method == "GET" {
		return httptest.NewRequest("GET", "http://"+testHost+"/?"+enc, nil)
	}
	req := httptest.NewRequest("POST", "http://"+testHost+"/", bytes.NewReader([]byte(enc)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
