package admin

import (
	"net/http/httptest"
	"net/url"
	"testing"

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
