package admin

import (
	"net/http/httptest"

	"net/url"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/hwapi/hwclient"
)

// hwTest is an Admin served over HTTP with a REST client signing with the
// admin credentials.
type hwTest struct {
	*testAdmin
	c *hwclient.Client
}

func newHWTest(t *testing.T) *hwTest {
	t.Helper()
	ta := newTestAdmin(t, t.TempDir(), Options{})
	srv := httptest.NewServer(ta.Handler())
	t.Cleanup(srv.Close)
	return &hwTest{ta, &hwclient.Client{Endpoint: srv.URL, AK: ta.creds.id, SK: ta.creds.key, Project: "proj1", Instance: "inst1"}}
}

// do calls method on the instance path rel and checks the status (and,
// for an error, the code); it returns the response.
func (h *hwTest) do(method, rel string, q url.Values, body any, status int, code string) *hwclient.Response {
	h.t.Helper()
	r, err := h.c.Do(method, h.c.InstancePath(rel), q, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if r.Status != status || r.ErrorCode != code {
		h.t.Fatalf("%s %s %v: got %s, want %d %s", method, rel, q, r, status, code)
	}
	return r
}

// get is do for a 200 GET, decoding the body into out.
func (h *hwTest) get(rel string, q url.Values, out any) {
	h.t.Helper()
	r := h.do("GET", rel, q, nil, 200, "")
	if err := r.Decode(out); err != nil {
		h.t.Fatalf("GET %s: %v: %s", rel, err, r.Body)
	}
}

func TestHWFramework(t *testing.T) {
	h := newHWTest(t)
	h.do("GET", "/no-such-thing", nil, nil, 404, hwapi.CodeNoRoute)
	// The Action API still answers on "/" beside it.
	h.must("DescribeServicesStatus", map[string]any{})
	// An edge credential may call EdgeSync only: 403 here.
	m := h.must("CreateEdgeCredential", map[string]any{})
	res := m["Result"].(map[string]any)
	ec := *h.c
	ec.AK, ec.SK = res["SecretId"].(string), res["SecretKey"].(string)
	r, err := ec.Do("GET", ec.InstancePath("/no-such-thing"), nil, nil)
	if err != nil || r.Status != 403 || r.ErrorCode != hwapi.CodeForbidden {
		t.Fatalf("edge credential: %v %v", r, err)
	}
}

// TestHWSystemError: a store record that does not decode is the seed's
// 500 APIG.9999 "System error" (the cause logged, not sent).
func TestHWSystemError(t *testing.T) {
	h := newHWTest(t)
	if err := h.db.Update(func(tx *buntdb.Tx) error { _, _, err := tx.Set(hwEnvPrefix+"broken", "{not json", nil); return err }); err != nil {
		t.Fatal(err)
	}
	r := h.do("GET", "/envs", nil, nil, 500, hwapi.CodeSystem)
	if r.ErrorMsg != "System error" {
		t.Fatalf("500: %s", r)
	}
}

// TestHWCustomEnvLifecycle: a custom environment is known to the Action
// API's checks of this Admin only, from its creation (and from the next
// start) until its deletion.
func TestHWCustomEnvLifecycle(t *testing.T) {
	dir := t.TempDir()
	ta := newTestAdmin(t, dir, Options{})
	h := &hwTest{ta, nil}
	srv := httptest.NewServer(ta.Handler())
	defer srv.Close()
	h.c = &hwclient.Client{Endpoint: srv.URL, AK: ta.creds.id, SK: ta.creds.key, Project: "p", Instance: "i"}
	sid := ta.must("CreateService", map[string]any{"ServiceName": "s2", "Protocol": "http"})["ServiceId"].(string)
	ta.want(errInvalidValue, "ReleaseService", map[string]any{"ServiceId": sid, "EnvironmentName": "STAGE", "ReleaseDesc": "x"})
	var env struct {
		Id string `json:"id"`
	}
	if err := h.do("POST", "/envs", nil, map[string]any{"name": "STAGE"}, 201, "").Decode(&env); err != nil {
		t.Fatal(err)
	}
	ta.must("ReleaseService", map[string]any{"ServiceId": sid, "EnvironmentName": "STAGE", "ReleaseDesc": "x"})
	// Another Admin (another store) does not have it.
	other := newTestAdmin(t, t.TempDir(), Options{})
	osid := other.must("CreateService", map[string]any{"ServiceName": "o", "Protocol": "http"})["ServiceId"].(string)
	other.want(errInvalidValue, "ReleaseService", map[string]any{"ServiceId": osid, "EnvironmentName": "STAGE", "ReleaseDesc": "x"})
	// Restarted, this one still has it.
	ta.Close()
	ta2 := newTestAdmin(t, dir, Options{})
	ta2.must("UpdateService", map[string]any{"ServiceId": sid, "EnvironmentName": "STAGE", "VersionName": ta2.must("DescribeServiceReleaseVersion", map[string]any{"ServiceId": sid})["Result"].(map[string]any)["VersionList"].([]any)[0].(map[string]any)["VersionName"]})
	list := ta2.must("DescribeServiceEnvironmentList", map[string]any{"ServiceId": sid})["Result"].(map[string]any)
	if list["TotalCount"].(float64) != 4 {
		t.Fatalf("environments: %v", list)
	}
	ta2.must("UnReleaseService", map[string]any{"ServiceId": sid, "EnvironmentName": "STAGE"})
	srv2 := httptest.NewServer(ta2.Handler())
	defer srv2.Close()
	h2 := &hwTest{ta2, &hwclient.Client{Endpoint: srv2.URL, AK: ta2.creds.id, SK: ta2.creds.key, Project: "p", Instance: "i"}}
	h2.do("DELETE", "/envs/"+env.Id, nil, nil, 204, "")
	ta2.want(errInvalidValue, "ReleaseService", map[string]any{"ServiceId": sid, "EnvironmentName": "STAGE", "ReleaseDesc": "x"})
	if customEnvKnown("STAGE") {
		t.Fatal("STAGE is still registered")
	}
}
