package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// edgeError calls the edge with host and returns the status and the code
// of the gateway's error body ("" for an API's own answer).
func edgeError(t *testing.T, addr, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Code
}

// TestUnpublishedServiceAnswersEnvironmentNotFound: a service has its
// default domain from CreateService on (seed 000 line 6089: 每个服务有一个默认
// 域名), so a request to it before a release, or after UnReleaseService,
// is EnvironmentNotFound, not HostNotFound (issue 11 defect 7; the README's
// error table). HostNotFound stays for a host no service has, a deleted
// service's included.
func TestUnpublishedServiceAnswersEnvironmentNotFound(t *testing.T) {
	cp := startControlPlane(t)
	want := func(what, host, path string, status int, code string) {
		t.Helper()
		var gs int
		var gc string
		if !eventually(2*time.Second, func() bool { gs, gc = edgeError(t, cp.Addr, host, path); return gs == status && gc == code }) {
			t.Errorf("%s: %d %q, want %d %q", what, gs, gc, status, code)
		}
	}
	var svc struct{ ServiceId string }
	cp.ctlOK(&svc, "CreateService", "--ServiceName", "later", "--Protocol", "http")
	host := svc.ServiceId + ".localhost"
	want("created, never released", host, "/release/hello", 404, "EnvironmentNotFound")
	want("unknown host", "service-nobody.localhost", "/release/hello", 404, "HostNotFound")

	cp.ctlOK(nil, "CreateApi", "--ServiceId", svc.ServiceId, "--ApiName", "hello", "--Protocol", "HTTP", "--ServiceType", "MOCK",
		"--ServiceTimeout", "15", "--RequestConfig.Path", "/hello", "--RequestConfig.Method", "GET", "--ServiceMockReturnMessage", "hi")
	want("an API, not released", host, "/release/hello", 404, "EnvironmentNotFound")
	cp.ctlOK(nil, "ReleaseService", "--ServiceId", svc.ServiceId, "--EnvironmentName", "release", "--ReleaseDesc", "1")
	want("released", host, "/release/hello", 200, "")
	want("another environment", host, "/test/hello", 404, "EnvironmentNotFound")
	cp.ctlOK(nil, "UnReleaseService", "--ServiceId", svc.ServiceId, "--EnvironmentName", "release")
	want("taken offline", host, "/release/hello", 404, "EnvironmentNotFound")
	cp.ctlOK(nil, "DeleteService", "--ServiceId", svc.ServiceId)
	want("deleted", host, "/release/hello", 404, "HostNotFound")
}
