package snapshot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/model"
)

func compileOne(t *testing.T, api string) (*Snapshot, error) {
	t.Helper()
	p, err := model.ParseFile([]byte("Services:\n  - ServiceId: service-s\n    Apis:\n      - " + api))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Compile(p)
}

func TestCompileBackends(t *testing.T) {
	s, err := compileOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://Backend.Example:8081", Path: /x}}`)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Backends[0]
	if b.Kind != KindHTTP || b.Host != "backend.example:8081" || b.Targets[0].Addr != "backend.example:8081" || b.Timeout != DefaultTimeout {
		t.Errorf("http backend: %+v", b)
	}
	s, err = compileOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceTimeout: 30, ServiceConfig: {Url: "http://10.0.0.1"}}`)
	if err != nil || s.Backends[0].Targets[0].Addr != "10.0.0.1:80" || s.Backends[0].Timeout != 30*time.Second {
		t.Errorf("default port / timeout: %+v %v", s.Backends[0], err)
	}
	s, err = compileOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: 10.0.0.1, VmPort: 80, Weight: 3}, {VmIp: "::1", VmPort: 81}], TargetServicesHealthCheckConf: {RequestVolumeThreshold: 5, SleepWindowInMilliseconds: 2000, HealthCheckPath: /hc, HealthCheckIntervalMs: 500}}`)
	if err != nil {
		t.Fatal(err)
	}
	b = s.Backends[0]
	if len(b.Targets) != 2 || b.Targets[0].Weight != 3 || b.Targets[1].Addr != "[::1]:81" || b.Targets[1].Weight != 1 || b.Host != "" {
		t.Errorf("targets: %+v", b.Targets)
	}
	if b.Health != (Health{MaxFails: 5, Cooldown: 2 * time.Second, CheckPath: "/hc", CheckInterval: 500 * time.Millisecond}) {
		t.Errorf("health: %+v", b.Health)
	}
	s, err = compileOne(t, `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockReturnMessage: hi}`)
	if err != nil || s.Backends[0].Kind != KindMock || s.Backends[0].Mock.Status != 200 || s.Backends[0].Mock.Body != "hi" {
		t.Errorf("mock: %+v %v", s.Backends[0], err)
	}
	s, err = compileOne(t, `{ApiId: a, Protocol: WEBSOCKET, RequestConfig: {Path: /a, Method: GET}, ServiceType: WEBSOCKET, ServiceConfig: {Url: "ws://h:9"}}`)
	if err != nil || s.Backends[0].Kind != KindWebSocket {
		t.Errorf("websocket: %+v %v", s.Backends[0], err)
	}
}

func TestCompileBackendErrors(t *testing.T) {
	cases := map[string]string{
		"tls on http":      `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://h", TlsServerName: x}}`,
		"tls on target":    `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: 10.0.0.1, VmPort: 1}], ServiceConfig: {TlsInsecureSkipVerify: true}}`,
		"unknown ca":       `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "https://h", CaCertificateId: nope}}`,
		"bad server name":  `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "https://h", TlsServerName: "a b"}}`,
		"no url":           `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP}`,
		"url path":         `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://h/x"}}`,
		"bad port":         `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "http://h:99999"}}`,
		"ftp":              `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceConfig: {Url: "ftp://h"}}`,
		"timeout > 30":     `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceTimeout: 31, ServiceConfig: {Url: "http://h"}}`,
		"negative":         `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: HTTP, ServiceTimeout: -1, ServiceConfig: {Url: "http://h"}}`,
		"scf":              `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: SCF}`,
		"no type":          `{ApiId: a, RequestConfig: {Path: /a, Method: GET}}`,
		"unknown type":     `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: FTP}`,
		"no targets":       `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET}`,
		"tsf discovery":    `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TSF, MicroServices: [{ClusterId: c, NamespaceId: n, MicroServiceName: m}]}`,
		"bad vm ip":        `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: host, VmPort: 80}]}`,
		"bad vm port":      `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: 10.0.0.1, VmPort: 0}]}`,
		"bad weight":       `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: 10.0.0.1, VmPort: 1, Weight: 101}]}`,
		"bad check path":   `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: 10.0.0.1, VmPort: 1}], TargetServicesHealthCheckConf: {HealthCheckPath: "hc"}}`,
		"fast check":       `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: TARGET, TargetServices: [{VmIp: 10.0.0.1, VmPort: 1}], TargetServicesHealthCheckConf: {HealthCheckPath: /hc, HealthCheckIntervalMs: 10}}`,
		"mock status":      `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockStatusCode: 99}`,
		"mock header":      `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockHeaders: [{Key: "Bad Name", Value: x}]}`,
		"mock framing":     `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockHeaders: [{Key: Content-Length, Value: "1"}]}`,
		"mock header CRLF": `{ApiId: a, RequestConfig: {Path: /a, Method: GET}, ServiceType: MOCK, ServiceMockHeaders: [{Key: X, Value: "a\r\nb"}]}`,
	}
	for name, api := range cases {
		_, err := compileOne(t, api)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want a *snapshot.Error", name, err)
			continue
		}
		if e.ApiId != "a" || e.Field == "" || !strings.Contains(err.Error(), e.Field) {
			t.Errorf("%s: unhelpful error %q", name, err)
		}
	}
}
