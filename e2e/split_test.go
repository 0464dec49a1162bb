package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// proc is a plain edgegate process (admin or edge).
type proc struct {
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan error
}

func startProc(t *testing.T, waitAddr string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(gatewayBin, args...), logs: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	waitListening(t, waitAddr, p.exited, p.logs)
	return p
}

func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	if t.Failed() {
		t.Logf("%s log:\n%s", strings.Join(p.cmd.Args[:2], " "), p.logs.String())
	}
}

// TestSplitMode: two edges follow one admin; a release reaches both within
// 1 s; an edge restarted while the admin is down serves its last revision.
func TestSplitMode(t *testing.T) {
	dir := t.TempDir()
	adminData := filepath.Join(dir, "admin")
	adminAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	admin := startProc(t, adminAddr, "admin", "--data", adminData, "--admin-listen", adminAddr)
	creds, err := os.ReadFile(filepath.Join(adminData, "admin-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cr struct{ SecretId, SecretKey string }
	json.Unmarshal(creds, &cr)
	c := &tcapi.Client{Endpoint: "http://" + adminAddr, SecretId: cr.SecretId, SecretKey: cr.SecretKey, Region: "ap-guangzhou", Version: "2018-08-08", Service: "apigateway"}

	type edgeProc struct {
		p    *proc
		addr string
		data string
	}
	startEdge := func(data, addr string) *edgeProc {
		os.MkdirAll(data, 0o750)
		os.WriteFile(filepath.Join(data, "admin-credentials.json"), creds, 0o600)
		return &edgeProc{p: startProc(t, addr, "edge", "--control", "http://"+adminAddr, "--data", data, "--listen", addr, "--edge-id", filepath.Base(data)), addr: addr, data: data}
	}
	edges := []*edgeProc{
		startEdge(filepath.Join(dir, "edge1"), "127.0.0.1:"+strconv.Itoa(freePort(t))),
		startEdge(filepath.Join(dir, "edge2"), "127.0.0.1:"+strconv.Itoa(freePort(t))),
	}
	getFrom := func(addr, svc, path string) (int, string) {
		cp := &controlPlane{Addr: addr}
		return cp.get(svc, path)
	}

	code, raw := call(t, c, "CreateService", map[string]any{"ServiceName": "split", "Protocol": "http"})
	if code != "" {
		t.Fatal(code)
	}
	var svc struct{ ServiceId string }
	json.Unmarshal(raw, &svc)
	release := func(msg string) time.Time {
		t.Helper()
		code, raw := call(t, c, "DescribeApisStatus", map[string]any{"ServiceId": svc.ServiceId})
		var list struct {
			Result struct{ ApiIdStatusSet []struct{ ApiId string } }
		}
		json.Unmarshal(raw, &list)
		api := map[string]any{"ServiceId": svc.ServiceId, "ServiceType": "MOCK", "ServiceTimeout": 5, "Protocol": "HTTP",
			"RequestConfig": map[string]string{"Path": "/v", "Method": "GET"}, "ServiceMockReturnMessage": msg}
		action := "CreateApi"
		if len(list.Result.ApiIdStatusSet) > 0 {
			action = "ModifyApi"
			api["ApiId"] = list.Result.ApiIdStatusSet[0].ApiId
		}
		if code, _ = call(t, c, action, api); code != "" {
			t.Fatalf("%s: %s", action, code)
		}
		if code, _ := call(t, c, "ReleaseService", map[string]any{"ServiceId": svc.ServiceId, "EnvironmentName": "release", "ReleaseDesc": msg}); code != "" {
			t.Fatal(code)
		}
		return time.Now()
	}
	for _, msg := range []string{"one", "two"} {
		at := release(msg)
		for _, e := range edges {
			if !eventually(time.Second, func() bool { _, body := getFrom(e.addr, svc.ServiceId, "/release/v"); return body == msg }) {
				code, body := getFrom(e.addr, svc.ServiceId, "/release/v")
				t.Fatalf("edge %s: 1 s after release %q it answers %d %q", e.addr, msg, code, body)
			}
			t.Logf("release %q reached %s after %v", msg, e.addr, time.Since(at))
		}
	}

	// The admin lists both edges at its revision.
	time.Sleep(100 * time.Millisecond)
	code, raw = call(t, c, "DescribeEdges", map[string]any{})
	var de struct {
		Result struct {
			Revision uint64
			EdgeSet  []struct {
				EdgeId   string
				Revision uint64
			}
		}
	}
	json.Unmarshal(raw, &de)
	if code != "" || len(de.Result.EdgeSet) != 2 {
		t.Fatalf("DescribeEdges: %s %s", code, raw)
	}
	for _, e := range de.Result.EdgeSet {
		if e.Revision != de.Result.Revision {
			t.Errorf("edge %s reports revision %d, admin is at %d", e.EdgeId, e.Revision, de.Result.Revision)
		}
	}

	// The admin goes away; an edge restarted meanwhile serves its last revision.
	admin.stop(t)
	edges[0].p.stop(t)
	edges[0] = startEdge(edges[0].data, edges[0].addr)
	if code, body := getFrom(edges[0].addr, svc.ServiceId, "/release/v"); code != 200 || body != "two" {
		t.Errorf("restarted edge without an admin: %d %q", code, body)
	}
}
