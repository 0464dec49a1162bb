package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// TestStandbyTakeover (issue 14, several control planes): two edges
// follow the primary admin (--control lists the primary, then the
// standby's address); a backup is taken while the primary runs; the
// primary dies (SIGKILL) after one more release; the edges keep answering
// with the last revision they had; a standby restored from the backup on
// its own address takes over, the edges move to it, and a release
// published on the standby reaches them.
func TestStandbyTakeover(t *testing.T) {
	defer catchSDK(t)
	primary := startAdmin(t)
	standbyAddr := freeAddr(t)
	c := primary.client()
	control := "http://" + primary.Admin + ",http://" + standbyAddr
	edges := []*controlPlane{
		primary.startEdgeWithCred("s-edge1", control, createEdgeCred(t, c, "edge1")),
		primary.startEdgeWithCred("s-edge2", control, createEdgeCred(t, c, "edge2")),
	}
	sdk := primary.sdk("", "")
	svc := sdkCreateService(sdk, "standby")
	api := sdkAPI(sdk, svc, "/one")
	sdkRelease(sdk, svc)
	serving := func(what, body string) {
		t.Helper()
		at := time.Now()
		for _, e := range edges {
			g := e.edge(svc)
			inEffect(t, what+" on "+e.Addr, at, func() answer { return g.get("/v") }, says(body))
		}
	}
	modify := func(sdk *apigw.Client, msg string) {
		ma := apigw.NewModifyApiRequest()
		ma.ServiceId, ma.ApiId, ma.ServiceType, ma.ServiceTimeout, ma.Protocol = common.StringPtr(svc), common.StringPtr(api), common.StringPtr("MOCK"), common.Int64Ptr(5), common.StringPtr("HTTP")
		ma.RequestConfig = &apigw.RequestConfig{Path: common.StringPtr("/v"), Method: common.StringPtr("GET")}
		ma.ServiceMockReturnMessage = common.StringPtr(msg)
		mustSDK(sdk.ModifyApi(ma))
		sdkRelease(sdk, svc)
	}
	modify(sdk, "backed up")
	serving("the release in the backup", "backed up")

	backup := filepath.Join(t.TempDir(), "admin.backup")
	if out, err := exec.Command(gatewayBin, "admin", "backup", "--data", primary.Data, "--out", backup).CombinedOutput(); err != nil {
		t.Fatalf("admin backup while the admin runs: %v\n%s", err, out)
	}
	modify(sdk, "after the backup")
	serving("a release after the backup", "after the backup")

	// The primary dies: the edges keep answering with what they had.
	primary.stop(syscall.SIGKILL)
	for i := 0; i < 20; i++ {
		for _, e := range edges {
			if a := e.edge(svc).get("/v"); !says("after the backup")(a) {
				t.Fatalf("edge %s without its admin: %v", e.Addr, a)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The standby: restored from the backup, started on its address.
	standby := &controlPlane{t: t, mode: "admin", Admin: standbyAddr, Data: filepath.Join(t.TempDir(), "standby")}
	restore := func(flags ...string) (string, error) {
		out, err := exec.Command(gatewayBin, append([]string{"admin", "restore", "--data", standby.Data, "--in", backup}, flags...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := restore(); err != nil || !strings.Contains(out, "revision now") {
		t.Fatalf("admin restore: %v\n%s", err, out)
	}
	if out, err := restore(); err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("a second restore over the restored store was not refused: %v\n%s", err, out)
	}
	standby.start()
	// The edges move to the standby (after at most one retry back-off,
	// 2 s) and apply its state: the backup's.
	for _, e := range edges {
		g := e.edge(svc)
		waitFor(t, 5*time.Second, "the standby's revision on "+e.Addr, func() bool { return says("backed up")(g.get("/v")) })
	}
	modify(standby.sdk("", ""), "published on the standby")
	serving("a release published on the standby", "published on the standby")

	waitEdgesAt(t, standby.client(), 2)
}
