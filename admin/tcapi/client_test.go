package tcapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClient(t *testing.T) {
	last := &lastCall{}
	s := newTestServer(last)
	s.RequireSignedHeaders = []string{"x-tc-action"} // Client signs the Action too
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, SecretId: testID, SecretKey: testKey, Region: "ap-guangzhou", Now: func() time.Time { return testNow }}
	ctx := context.Background()

	raw, err := c.Call(ctx, "CreateService", map[string]any{"ServiceName": "demo", "Protocol": "http", "NetTypes": []string{"OUTER"}})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		ServiceId, ServiceName, RequestId string
		NetTypes                          []string
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.ServiceName != "demo" || out.NetTypes[0] != "OUTER" || !uuidV4.MatchString(out.RequestId) {
		t.Fatalf("%s %v", raw, err)
	}
	r, _, _, _ := last.get()
	if r.Region != "ap-guangzhou" || r.Signed != SignTC3HMACSHA256 {
		t.Fatalf("%+v", r)
	}

	// nil and pre-encoded parameters.
	if _, err := c.Call(ctx, "DescribeServicesStatus", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(ctx, "DescribeServicesStatus", json.RawMessage(`{"Limit": 3}`)); err != nil {
		t.Fatal(err)
	}
	if _, p, _, _ := last.get(); *p.Limit != 3 {
		t.Fatalf("%+v", p)
	}

	// An error envelope: *Error, and the Response object as well.
	raw, err = c.Call(ctx, "DeleteService", map[string]string{"ServiceId": "x"})
	var e *Error
	if !errors.As(err, &e) || e.Code != "ResourceNotFound.InvalidService" || e.Message != "no such service" || !strings.Contains(string(raw), `"RequestId"`) {
		t.Fatalf("%s %v", raw, err)
	}
	if _, err := c.Call(ctx, "Nope", nil); !errors.As(err, &e) || e.Code != CodeInvalidAction {
		t.Fatal(err)
	}
	bad := *c
	bad.SecretKey = "wrong"
	if _, err := bad.Call(ctx, "DescribeApi", nil); !errors.As(err, &e) || e.Code != CodeSignatureFailure {
		t.Fatal(err)
	}
	bad = *c
	bad.Now = func() time.Time { return testNow.Add(-time.Hour) }
	if _, err := bad.Call(ctx, "DescribeApi", nil); !errors.As(err, &e) || e.Code != CodeSignatureExpire {
		t.Fatal(err)
	}

	// Transport failures are not *Error.
	for name, h := range map[string]http.HandlerFunc{
		"status":   func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", http.StatusBadGateway) },
		"not json": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
		"no Response": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"code":1}`))
		},
	} {
		other := httptest.NewServer(h)
		oc := *c
		oc.Endpoint = other.URL
		_, err := oc.Call(ctx, "DescribeApi", nil)
		other.Close()
		if err == nil || errors.As(err, &e) {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad = *c
	bad.Endpoint = "::"
	if _, err := bad.Call(ctx, "DescribeApi", nil); err == nil {
		t.Fatal("bad endpoint accepted")
	}
	if _, err := c.Call(ctx, "DescribeApi", func() {}); err == nil {
		t.Fatal("unencodable params accepted")
	}
	// Over real HTTP the early answer to an oversized body reaches the client.
	if _, err := c.Call(ctx, "CreateService", map[string]string{"ServiceDesc": strings.Repeat("x", MaxJSONPOSTSize)}); !errors.As(err, &e) || e.Code != CodeRequestSizeLimitExceeded {
		t.Fatal(err)
	}
}
