package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// controlPlane is an edgegate process of a control-plane deployment:
// `run` (the Action API and an edge in one; startControlPlane), `admin`
// (the Action API alone; startAdmin) or `edge` following an admin
// (admin.startEdge).
type controlPlane struct {
	*proc
	t          *testing.T
	mode       string
	Addr       string // the edge ("" for admin)
	Admin      string // the Action API ("" for edge)
	Data       string
	ID, Key    string // the admin credentials
	extraFlags []string
}

func startControlPlane(t *testing.T, flags ...string) *controlPlane {
	t.Helper()
	cp := &controlPlane{t: t, mode: "run", Addr: freeAddr(t), Admin: freeAddr(t), Data: filepath.Join(t.TempDir(), "data"), extraFlags: flags}
	cp.start()
	return cp
}

// startAdmin runs `edgegate admin` for edges to follow (split mode).
func startAdmin(t *testing.T, flags ...string) *controlPlane {
	t.Helper()
	cp := &controlPlane{t: t, mode: "admin", Admin: freeAddr(t), Data: filepath.Join(t.TempDir(), "admin"), extraFlags: flags}
	cp.start()
	return cp
}

// startEdge runs `edgegate edge --edge-id id` following cp (an admin),
// with the admin's credentials in its data directory.
func (cp *controlPlane) startEdge(id string) *controlPlane {
	cp.t.Helper()
	return cp.startEdgeVia(id, "http://"+cp.Admin)
}

// startEdgeVia is startEdge with the admin at control, and more flags.
func (cp *controlPlane) startEdgeVia(id, control string, flags ...string) *controlPlane {
	cp.t.Helper()
	e := &controlPlane{t: cp.t, mode: "edge", Addr: freeAddr(cp.t), Data: filepath.Join(cp.t.TempDir(), id),
		extraFlags: append([]string{"--control", control, "--edge-id", id}, flags...)}
	creds, err := os.ReadFile(filepath.Join(cp.Data, "admin-credentials.json"))
	if err == nil {
		err = os.MkdirAll(e.Data, 0o750)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(e.Data, "admin-credentials.json"), creds, 0o600)
	}
	if err != nil {
		cp.t.Fatal(err)
	}
	e.start()
	return e
}

// args is the command line of cp's process, with flags added.
func (cp *controlPlane) args(flags ...string) []string {
	args := []string{cp.mode, "--data", cp.Data}
	if cp.Addr != "" {
		args = append(args, "--listen", cp.Addr)
	}
	if cp.mode != "edge" {
		args = append(args, "--admin-listen", cp.Admin)
	}
	return append(args, flags...)
}

// start (re)starts the process and waits until it listens.
func (cp *controlPlane) start() {
	t := cp.t
	t.Helper()
	cp.proc = launch(t, exec.Command(gatewayBin, cp.args(cp.extraFlags...)...))
	for _, a := range []string{cp.Admin, cp.Addr} {
		if a != "" {
			cp.waitListening(a)
		}
	}
	b, err := os.ReadFile(filepath.Join(cp.Data, "admin-credentials.json"))
	if cp.mode == "edge" && errors.Is(err, os.ErrNotExist) {
		return // an edge with an edge credential (splitsec_test.go)
	}
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ SecretId, SecretKey string }
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	cp.ID, cp.Key = c.SecretId, c.SecretKey
}

// refused runs cp's command with flags instead of cp's own, which must
// fail to start saying each of want.
func (cp *controlPlane) refused(flags []string, want ...string) {
	cp.t.Helper()
	out, err := exec.Command(gatewayBin, cp.args(flags...)...).CombinedOutput()
	for _, w := range want {
		if err == nil || !strings.Contains(string(out), w) {
			cp.t.Fatalf("start with %v: %v, want a refusal saying %q:\n%s", flags, err, w, out)
		}
	}
}

// edge is the service svc on cp's edge.
func (cp *controlPlane) edge(svc string) *gateway {
	return &gateway{t: cp.t, Addr: cp.Addr, Host: svc + ".localhost"}
}

// get calls the edge with the service's host; path names its environment
// (cp.edge(svc).get adds the release one).
func (cp *controlPlane) get(svc, path string) (int, string) {
	req, err := http.NewRequest("GET", "http://"+cp.Addr+path, nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Host = svc + ".localhost"
	a := readAnswer(httpc.Do(req))
	return a.status, a.body
}

// sdk returns the official SDK client pointed at the Action API, signing
// with key (cp's own when "") and calling with method (POST when "").
func (cp *controlPlane) sdk(key string, method string) *apigw.Client {
	cp.t.Helper()
	if key == "" {
		key = cp.Key
	}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = cp.Admin
	cpf.HttpProfile.Scheme = "HTTP"
	if method != "" {
		cpf.HttpProfile.ReqMethod = method
	}
	c, err := apigw.NewClient(common.NewCredential(cp.ID, key), "ap-guangzhou", cpf)
	if err != nil {
		cp.t.Fatal(err)
	}
	return c
}

// client is the raw signed client (admin/tcapi), for the Actions the
// SDK v1.0.162 lacks and for bad input the SDK would not send.
func (cp *controlPlane) client() *tcapi.Client {
	return &tcapi.Client{Endpoint: "http://" + cp.Admin, SecretId: cp.ID, SecretKey: cp.Key,
		Region: "ap-guangzhou", Version: "2018-08-08", Service: "apigateway"}
}

// callErr sends a raw signed Action and returns its Response and its
// error (nil on success); a transport failure stops the test.
func callErr(t *testing.T, c *tcapi.Client, action string, params any) (json.RawMessage, *tcapi.Error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := c.Call(ctx, action, params)
	var e *tcapi.Error
	if errors.As(err, &e) {
		return raw, e
	}
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return raw, nil
}

// call sends a raw signed Action and returns its error code ("" on success).
func call(t *testing.T, c *tcapi.Client, action string, params any) (string, json.RawMessage) {
	t.Helper()
	raw, e := callErr(t, c, action, params)
	if e != nil {
		return e.Code, raw
	}
	return "", raw
}

// mustCall sends a raw signed Action that must succeed and decodes its
// Response into out (when not nil).
func mustCall(t *testing.T, c *tcapi.Client, action string, params, out any) {
	t.Helper()
	raw, e := callErr(t, c, action, params)
	if e != nil {
		t.Fatalf("%s: %v", action, e)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v in %s", action, err, raw)
		}
	}
}

func serviceCount(t *testing.T, cp *controlPlane) int {
	t.Helper()
	var r struct{ Result struct{ TotalCount int } }
	mustCall(t, cp.client(), "DescribeServicesStatus", map[string]any{"Limit": 100}, &r)
	return r.Result.TotalCount
}

func sdkCode(err error) string {
	var e *sdkerrors.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "transport: " + err.Error()
	}
	return ""
}

// sdkFailure carries a failed SDK call out of mustSDK; catchSDK turns it
// into a test failure.
type sdkFailure struct{ err error }

// mustSDK returns resp, or stops the test when the call failed.
func mustSDK[T any](resp T, err error) T {
	if err != nil {
		panic(sdkFailure{err})
	}
	return resp
}

func catchSDK(t *testing.T) {
	if r := recover(); r != nil {
		if f, ok := r.(sdkFailure); ok {
			t.Fatalf("SDK call failed: %v", f.err)
		}
		panic(r)
	}
}

func sdkCreateService(c *apigw.Client, name string) string {
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName = common.StringPtr(name)
	cs.Protocol = common.StringPtr("http")
	return *mustSDK(c.CreateService(cs)).Response.ServiceId
}

// sdkSetup starts a control plane and creates the service name with the
// SDK client it returns (defer catchSDK first).
func sdkSetup(t *testing.T, name string) (*controlPlane, *apigw.Client, string) {
	t.Helper()
	cp := startControlPlane(t)
	c := cp.sdk("", "")
	return cp, c, sdkCreateService(c, name)
}

// sdkCreateAPI creates an API on path in svc: by default a MOCK GET API
// named "api" plus the path's words, answering them; mods adjust the
// request (nil ones are skipped).
func sdkCreateAPI(c *apigw.Client, svc, path string, mods ...func(*apigw.CreateApiRequest)) (*apigw.CreateApiResponse, error) {
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId = common.StringPtr(svc)
	ca.ApiName = common.StringPtr("api" + filepath.Base(path))
	ca.ServiceType = common.StringPtr("MOCK")
	ca.ServiceTimeout = common.Int64Ptr(5)
	ca.Protocol = common.StringPtr("HTTP")
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr(path), Method: common.StringPtr("GET")}
	ca.ServiceMockReturnMessage = common.StringPtr(filepath.Base(path))
	for _, mod := range mods {
		if mod != nil {
			mod(ca)
		}
	}
	return c.CreateApi(ca)
}

// sdkAPI is sdkCreateAPI that must succeed; it returns the ApiId.
func sdkAPI(c *apigw.Client, svc, path string, mods ...func(*apigw.CreateApiRequest)) string {
	return *mustSDK(sdkCreateAPI(c, svc, path, mods...)).Response.Result.ApiId
}

// proxyTo makes the API an HTTP one to path on up.
func proxyTo(up *upstreamProc, path string) func(*apigw.CreateApiRequest) {
	return func(ca *apigw.CreateApiRequest) {
		ca.ServiceType = common.StringPtr("HTTP")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://" + up.HTTP), Path: common.StringPtr(path), Method: common.StringPtr("GET")}
		ca.ServiceMockReturnMessage = nil
	}
}

// authType sets the API's AuthType (SECRET, APP, OAUTH).
func authType(typ string) func(*apigw.CreateApiRequest) {
	return func(ca *apigw.CreateApiRequest) { ca.AuthType = common.StringPtr(typ) }
}

func sdkRelease(c *apigw.Client, svc string) {
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId = common.StringPtr(svc)
	rs.EnvironmentName = common.StringPtr("release")
	rs.ReleaseDesc = common.StringPtr("e2e")
	mustSDK(c.ReleaseService(rs))
}

// sdkService creates a service with two MOCK APIs, /a and /b, and
// releases it.
func sdkService(t *testing.T, c *apigw.Client, name string) (svc string, apis []string) {
	t.Helper()
	svc = sdkCreateService(c, name)
	apis = []string{sdkAPI(c, svc, "/a"), sdkAPI(c, svc, "/b")}
	sdkRelease(c, svc)
	return svc, apis
}

// sdkKeyPlan creates a key and a plan (qps, quota; -1 none) bound to
// apis of svc in release (to the whole service when apis is empty), and
// returns the key's id and secret and the plan's id.
func sdkKeyPlan(c *apigw.Client, svc string, apis []string, qps, quota int64) (string, string, string) {
	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("key-" + svc)
	key := mustSDK(c.CreateApiKey(ck)).Response.Result
	cu := apigw.NewCreateUsagePlanRequest()
	cu.UsagePlanName = common.StringPtr("plan-" + svc)
	cu.MaxRequestNumPreSec, cu.MaxRequestNum = common.Int64Ptr(qps), common.Int64Ptr(quota)
	plan := *mustSDK(c.CreateUsagePlan(cu)).Response.Result.UsagePlanId
	bs := apigw.NewBindSecretIdsRequest()
	bs.UsagePlanId, bs.AccessKeyIds = common.StringPtr(plan), []*string{key.AccessKeyId}
	mustSDK(c.BindSecretIds(bs))
	be := apigw.NewBindEnvironmentRequest()
	be.UsagePlanIds, be.BindType = common.StringPtrs([]string{plan}), common.StringPtr("SERVICE")
	be.Environment, be.ServiceId = common.StringPtr("release"), common.StringPtr(svc)
	if len(apis) > 0 {
		be.BindType, be.ApiIds = common.StringPtr("API"), common.StringPtrs(apis)
	}
	mustSDK(c.BindEnvironment(be))
	return *key.AccessKeyId, *key.AccessKeySecret, plan
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
