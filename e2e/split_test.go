package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// TestSplitMode: two edges follow one admin; a release reaches both within
// 1 s; an edge restarted while the admin is down serves its last revision.
func TestSplitMode(t *testing.T) {
	admin := startAdmin(t)
	edges := []*controlPlane{admin.startEdge("edge1"), admin.startEdge("edge2")}
	c := admin.client()
	var svc struct{ ServiceId string }
	mustCall(t, c, "CreateService", map[string]any{"ServiceName": "split", "Protocol": "http"}, &svc)
	api := map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 5, "Protocol": "HTTP",
		"RequestConfig": map[string]string{"Path": "/v", "Method": "GET"}, "ServiceMockReturnMessage": "one"}
	var created struct{ Result struct{ ApiId string } }
	mustCall(t, c, "CreateApi", api, &created)
	for _, msg := range []string{"one", "two"} {
		if msg != "one" {
			api["ApiId"], api["ServiceMockReturnMessage"] = created.Result.ApiId, msg
			mustCall(t, c, "ModifyApi", api, nil)
		}
		mustCall(t, c, "ReleaseService", map[string]any{"ServiceId": svc.ServiceId, "EnvironmentName": "release", "ReleaseDesc": msg}, nil)
		at := time.Now()
		for _, e := range edges {
			g := e.edge(svc.ServiceId)
			inEffect(t, "release "+msg+" on "+e.Addr, at, func() answer { return g.get("/v") }, says(msg))
		}
	}

	// The admin lists both edges, at its revision once they report it.
	waitEdgesAt(t, c, 2)

	// The admin goes away; an edge restarted meanwhile serves its last revision.
	admin.stop(syscall.SIGTERM)
	edges[0].stop(syscall.SIGTERM)
	edges[0].start()
	if a := edges[0].edge(svc.ServiceId).get("/v"); !says("two")(a) {
		t.Errorf("restarted edge without an admin: %v", a)
	}
}

// waitEdgesAt waits until the admin c lists n edges at its own revision
// in DescribeEdges.
func waitEdgesAt(t *testing.T, c *tcapi.Client, n int) {
	t.Helper()
	var de struct {
		Result struct {
			Revision uint64
			EdgeSet  []struct {
				EdgeId   string
				Revision uint64
			}
		}
	}
	waitFor(t, 5*time.Second, fmt.Sprintf("%d edges at the admin's revision in DescribeEdges", n), func() bool {
		mustCall(t, c, "DescribeEdges", map[string]any{}, &de)
		at := 0
		for _, e := range de.Result.EdgeSet {
			if e.Revision == de.Result.Revision {
				at++
			}
		}
		return len(de.Result.EdgeSet) == n && at == n
	})
}
