package e2e

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/internal/syncseal"
	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
)

// Split-mode security (issue 14): edge credentials, the sealed sync
// document, pinning and the revision rule, with real processes.

// edgeCred is CreateEdgeCredential's Result.
type edgeCred struct{ SecretId, SecretKey, Remark string }

func createEdgeCred(t *testing.T, c *tcapi.Client, remark string) edgeCred {
	t.Helper()
	var out struct{ Result edgeCred }
	mustCall(t, c, "CreateEdgeCredential", map[string]any{"Remark": remark}, &out)
	if out.Result.SecretId == "" || out.Result.SecretKey == "" {
		t.Fatalf("CreateEdgeCredential: %+v", out.Result)
	}
	return out.Result
}

// startEdgeWithCred runs an edge following control whose data directory
// holds only the edge credential cred (no admin credentials).
func (cp *controlPlane) startEdgeWithCred(id, control string, cred edgeCred, flags ...string) *controlPlane {
	cp.t.Helper()
	e := &controlPlane{t: cp.t, mode: "edge", Addr: freeAddr(cp.t), Data: filepath.Join(cp.t.TempDir(), id),
		extraFlags: append([]string{"--control", control, "--edge-id", id}, flags...)}
	b, _ := json.Marshal(cred)
	if err := os.MkdirAll(e.Data, 0o750); err != nil {
		cp.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.Data, "edge-credentials.json"), b, 0o600); err != nil {
		cp.t.Fatal(err)
	}
	e.start()
	return e
}

// sdkAs is the official SDK client of cp signing with id/key.
func (cp *controlPlane) sdkAs(id, key string) *apigw.Client {
	cp.t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = cp.Admin, "HTTP"
	c, err := apigw.NewClient(common.NewCredential(id, key), "ap-guangzhou", cpf)
	if err != nil {
		cp.t.Fatal(err)
	}
	return c
}

// wireTap is a TCP relay to an address that records every byte the far
// side sends back: what a passive observer of the link sees.
type wireTap struct {
	Addr string
	mu   sync.Mutex
	got  bytes.Buffer
}

func startWireTap(t *testing.T, to string) *wireTap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	w := &wireTap{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(io.MultiWriter(c, w), u)
			}()
		}
	}()
	return w
}

func (w *wireTap) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.got.Write(p)
}

func (w *wireTap) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.got.Bytes())
}

// TestEdgeCredential: an edge following with an edge credential gets the
// released configuration (secrets included, sealed on the wire: the bytes
// captured between admin and edge hold none of the secrets created through
// the SDK), is listed with its credential by DescribeEdges, cannot call
// any other Action (every write through the SDK, and every other Action
// the admin serves, answers AuthFailure.UnauthorizedOperation), and once
// the credential is deleted gets nothing more while serving its last
// revision.
func TestEdgeCredential(t *testing.T) {
	defer catchSDK(t)
	cp := startAdmin(t)
	c, sdk := cp.client(), cp.sdk("", "")
	cred := createEdgeCred(t, c, "rack 1")
	tap := startWireTap(t, cp.Admin)
	e := cp.startEdgeWithCred("cred-edge", "http://"+tap.Addr, cred)

	svc := sdkCreateService(sdk, "edgecred")
	sdkAPI(sdk, svc, "/sec", authType("SECRET"))
	open := sdkAPI(sdk, svc, "/v")
	keyID, keySecret, _ := sdkKeyPlan(sdk, svc, nil, -1, -1)
	var app struct {
		Result struct{ ApiAppId, ApiAppKey, ApiAppSecret string }
	}
	mustCall(t, c, "CreateApiApp", map[string]any{"ApiAppName": "edgecredapp"}, &app)
	sdkRelease(sdk, svc)

	g := e.edge(svc)
	inEffect(t, "key-pair auth on the edge (the key secret reached it sealed)", time.Now(), func() answer {
		return g.authGet(httpc, "/sec", keyPairHeaders(keyID, keySecret, "hmac-sha1"))
	}, says("sec"))
	state, err := os.ReadFile(filepath.Join(e.Data, "edge-revision.json"))
	if err != nil || !bytes.Contains(state, []byte(app.Result.ApiAppSecret)) {
		t.Fatalf("the edge's applied revision lacks the app secret: %v", err)
	}
	wire := tap.bytes()
	if !bytes.Contains(wire, []byte(`"SealedPublished"`)) {
		t.Fatalf("no sealed document on the wire (%d bytes captured)", len(wire))
	}
	for name, secret := range map[string]string{"API key secret": keySecret, "app secret": app.Result.ApiAppSecret,
		"edge credential key": cred.SecretKey, "admin key": cp.Key} {
		if len(secret) < 16 || bytes.Contains(wire, []byte(secret)) {
			t.Errorf("the %s (%q) is on the wire in clear", name, secret)
		}
	}

	var de struct {
		Result struct {
			EdgeSet           []struct{ EdgeId, SecretId string }
			EdgeCredentialSet []struct{ SecretId, Remark string }
		}
	}
	mustCall(t, c, "DescribeEdges", map[string]any{}, &de)
	if len(de.Result.EdgeSet) != 1 || de.Result.EdgeSet[0].SecretId != cred.SecretId ||
		len(de.Result.EdgeCredentialSet) != 1 || de.Result.EdgeCredentialSet[0].SecretId != cred.SecretId || de.Result.EdgeCredentialSet[0].Remark != "rack 1" {
		t.Fatalf("DescribeEdges: %+v", de.Result)
	}
	if raw, _ := callErr(t, c, "DescribeEdges", map[string]any{}); bytes.Contains(raw, []byte(cred.SecretKey)) {
		t.Fatal("DescribeEdges shows the edge credential's secret")
	}

	// The edge credential through the official SDK: every write refused.
	es := cp.sdkAs(cred.SecretId, cred.SecretKey)
	const unauthorized = "AuthFailure.UnauthorizedOperation"
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName, cs.Protocol = common.StringPtr("evil"), common.StringPtr("http")
	_, err1 := es.CreateService(cs)
	ds := apigw.NewDeleteServiceRequest()
	ds.ServiceId = common.StringPtr(svc)
	_, err2 := es.DeleteService(ds)
	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("evil")
	_, err3 := es.CreateApiKey(ck)
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId, rs.EnvironmentName, rs.ReleaseDesc = common.StringPtr(svc), common.StringPtr("release"), common.StringPtr("x")
	_, err4 := es.ReleaseService(rs)
	us := apigw.NewUnReleaseServiceRequest()
	us.ServiceId, us.EnvironmentName = common.StringPtr(svc), common.StringPtr("release")
	_, err5 := es.UnReleaseService(us)
	dk := apigw.NewDescribeApiKeysStatusRequest() // a read that would show secrets
	_, err6 := es.DescribeApiKeysStatus(dk)
	for i, err := range []error{err1, err2, err3, err4, err5, err6} {
		if code := sdkCode(err); code != unauthorized {
			t.Errorf("SDK call %d with the edge credential: %q, want %s", i+1, code, unauthorized)
		}
	}
	// Every other Action the admin serves, before reading its parameters.
	ec := &tcapi.Client{Endpoint: "http://" + cp.Admin, SecretId: cred.SecretId, SecretKey: cred.SecretKey, Region: "ap-guangzhou", Version: "2018-08-08", Service: "apigateway"}
	for _, name := range admin.ActionNames() {
		if name == "EdgeSync" {
			continue
		}
		if code, _ := call(t, ec, name, map[string]any{}); code != unauthorized {
			t.Errorf("%s with the edge credential: %q, want %s", name, code, unauthorized)
		}
	}
	if g.get("/v").body != "v" {
		t.Fatal("the refused calls changed what the edge serves")
	}

	// Revoked: refused at once; the edge keeps its revision and serves it.
	mustCall(t, c, "DeleteEdgeCredential", map[string]any{"EdgeSecretId": cred.SecretId}, nil)
	if code, _ := call(t, c, "DeleteEdgeCredential", map[string]any{"EdgeSecretId": cred.SecretId}); code != "ResourceNotFound.InvalidEdgeCredential" {
		t.Errorf("deleting it twice: %q", code)
	}
	if code, _ := call(t, ec, "EdgeSync", map[string]any{"EdgeId": "x"}); code != "AuthFailure.SecretIdNotFound" {
		t.Errorf("EdgeSync with the deleted credential: %q", code)
	}
	ma := apigw.NewModifyApiRequest()
	ma.ServiceId, ma.ApiId, ma.ServiceType, ma.ServiceTimeout, ma.Protocol = common.StringPtr(svc), common.StringPtr(open), common.StringPtr("MOCK"), common.Int64Ptr(5), common.StringPtr("HTTP")
	ma.RequestConfig = &apigw.RequestConfig{Path: common.StringPtr("/v"), Method: common.StringPtr("GET")}
	ma.ServiceMockReturnMessage = common.StringPtr("after revocation")
	mustSDK(sdk.ModifyApi(ma))
	sdkRelease(sdk, svc)
	time.Sleep(2 * time.Second) // a followed release shows within 1 s
	if a := g.get("/v"); !says("v")(a) {
		t.Fatalf("the revoked edge: %v, want its last revision's \"v\"", a)
	}
	if !strings.Contains(e.logs.String(), "SecretIdNotFound") {
		t.Errorf("the revoked edge does not say why it stopped following:\n%s", e.logs)
	}
}

// TestEdgeKeepsNewerRevision: an edge fed an older revision than its own
// (here: a fresh admin with the same credentials at the same address, its
// store behind the edge) keeps serving the newer one and says why.
func TestEdgeKeepsNewerRevision(t *testing.T) {
	defer catchSDK(t)
	a := startAdmin(t)
	e := a.startEdge("ahead")
	sdk := a.sdk("", "")
	svc := sdkCreateService(sdk, "ahead")
	sdkAPI(sdk, svc, "/newer")
	sdkRelease(sdk, svc)
	sdkRelease(sdk, svc)
	g := e.edge(svc)
	inEffect(t, "the release on the edge", time.Now(), func() answer { return g.get("/newer") }, says("newer"))
	high := a.Revision(t)
	a.stop(syscall.SIGKILL)

	// Same address and credentials, an older store: one service, revision 1.
	b := &controlPlane{t: t, mode: "admin", Admin: a.Admin, Data: filepath.Join(t.TempDir(), "older")}
	if err := os.MkdirAll(b.Data, 0o750); err != nil {
		t.Fatal(err)
	}
	creds, _ := os.ReadFile(filepath.Join(a.Data, "admin-credentials.json"))
	if err := os.WriteFile(filepath.Join(b.Data, "admin-credentials.json"), creds, 0o600); err != nil {
		t.Fatal(err)
	}
	b.start()
	sdkCreateService(b.sdk("", ""), "older")
	if low := b.Revision(t); low >= high {
		t.Fatalf("the older admin is at revision %d, not below the edge's %d", low, high)
	}
	e.waitLog("older revision than this edge has", 0)
	if a := g.get("/newer"); !says("newer")(a) {
		t.Fatalf("the edge after being offered an older revision: %v", a)
	}
	// It still reports its own revision, not the admin's.
	var de struct {
		Result struct{ EdgeSet []struct{ Revision uint64 } }
	}
	mustCall(t, b.client(), "DescribeEdges", map[string]any{}, &de)
	if len(de.Result.EdgeSet) != 1 || de.Result.EdgeSet[0].Revision != high {
		t.Fatalf("DescribeEdges on the older admin: %+v, want the edge at %d", de.Result, high)
	}
}

// Revision is the admin's current revision (DescribeEdges).
func (cp *controlPlane) Revision(t *testing.T) uint64 {
	t.Helper()
	var de struct{ Result struct{ Revision uint64 } }
	mustCall(t, cp.client(), "DescribeEdges", map[string]any{}, &de)
	return de.Result.Revision
}

// TestControlPin: with --control-pin the edge follows an https admin whose
// public key has the pin (no CA needed, any name), refuses one that has
// another, and refuses to start with a pin and an http:// control.
func TestControlPin(t *testing.T) {
	defer catchSDK(t)
	dir := t.TempDir()
	ca := testpki.NewCA("pin test CA")
	leaf, other := ca.Valid(30, "admin.example"), ca.Valid(30, "admin.example")
	certFile, keyFile := filepath.Join(dir, "admin.pem"), filepath.Join(dir, "admin.key")
	os.WriteFile(certFile, []byte(leaf.ChainPEM()), 0o600)
	os.WriteFile(keyFile, []byte(leaf.KeyPEM()), 0o600)
	cp := startAdmin(t, "--admin-tls-cert", certFile, "--admin-tls-key", keyFile)
	pinOf := func(c *x509.Certificate) string {
		h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		return "sha256/" + base64.StdEncoding.EncodeToString(h[:])
	}
	cp.waitLog(pinOf(leaf.Cert), 0) // what the README tells operators to copy
	// The README's openssl pipeline gives the same pin from the file.
	out, err := exec.Command("sh", "-c", "openssl x509 -in "+certFile+" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64").Output()
	if err != nil || "sha256/"+strings.TrimSpace(string(out)) != pinOf(leaf.Cert) {
		t.Errorf("the README's openssl pin: %q, %v; want %s", out, err, pinOf(leaf.Cert))
	}
	// The SDK over HTTPS, trusting the test CA.
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = cp.Admin, "HTTPS"
	sdk, err := apigw.NewClient(common.NewCredential(cp.ID, cp.Key), "ap-guangzhou", cpf)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	sdk.WithHttpTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "admin.example"}})
	svc := sdkCreateService(sdk, "pinned")
	sdkAPI(sdk, svc, "/pinned")
	sdkRelease(sdk, svc)

	endpoint := "https://" + cp.Admin // 127.0.0.1: not a name in the certificate
	good := cp.startEdgeVia("pinned", endpoint, "--control-pin", pinOf(other.Cert)+","+pinOf(leaf.Cert))
	bad := cp.startEdgeVia("mispinned", endpoint, "--control-pin", pinOf(other.Cert))
	inEffect(t, "the pinned edge serving the release", time.Now(), func() answer { return good.edge(svc).get("/pinned") }, says("pinned"))
	bad.waitLog("matches no --control-pin", 0)
	if a := bad.edge(svc).get("/pinned"); a.status == 200 {
		t.Fatalf("the edge with another pin applied the admin's revision: %v", a)
	}
	bad.refused([]string{"--control", "http://" + cp.Admin, "--control-pin", pinOf(leaf.Cert)}, "--control-pin needs https://")
	bad.refused([]string{"--control", endpoint, "--control-pin", "sha256/short"}, "--control-pin \"sha256/short\"")
}

// syncOpened is EdgeSync from revision 0 signed with cp's admin
// credentials, its sealed document opened with the admin key: the
// revision, the document's JSON and its value, as a remote edge gets them.
func syncOpened(t *testing.T, cp *controlPlane, edgeID string) (uint64, json.RawMessage, model.Published) {
	t.Helper()
	var r struct {
		Revision        uint64
		SealedPublished string
	}
	mustCall(t, cp.client(), "EdgeSync", map[string]any{"EdgeId": edgeID, "Revision": 0, "WaitSeconds": 0}, &r)
	doc, err := syncseal.Open(cp.Key, r.Revision, r.SealedPublished)
	if err != nil {
		t.Fatalf("EdgeSync at revision %d: %v", r.Revision, err)
	}
	var pub model.Published
	if err := json.Unmarshal(doc, &pub); err != nil {
		t.Fatal(err)
	}
	return r.Revision, doc, pub
}
