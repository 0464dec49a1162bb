package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
)

// Issue 12, control plane: the official SDK drives the six custom-domain
// Actions against a real `edgegate run`; certificates (Edgegate Actions,
// not in the SDK) go through the signed raw client.

// unlimited retries call while the Action API answers RequestLimitExceeded
// (the seed's 20 calls per second per Action), for up to 5 s.
func unlimited(call func() error) error {
	var err error
	eventually(5*time.Second, func() bool { err = call(); return sdkCode(err) != "RequestLimitExceeded" })
	return err
}

// bindReq is a BindSubDomain request for sub on svc (default domain net):
// http, OUTER, the default mapping; mod adjusts it.
func bindReq(svc, net, sub string, mod func(*apigw.BindSubDomainRequest)) *apigw.BindSubDomainRequest {
	r := apigw.NewBindSubDomainRequest()
	r.ServiceId, r.SubDomain, r.NetSubDomain = common.StringPtr(svc), common.StringPtr(sub), common.StringPtr(net)
	r.Protocol, r.NetType, r.IsDefaultMapping = common.StringPtr("http"), common.StringPtr("OUTER"), common.BoolPtr(true)
	if mod != nil {
		mod(r)
	}
	return r
}

// bind binds with c, past the Action's rate limit; it stops the test on
// an error (mustSDK).
func bind(c *apigw.Client, r *apigw.BindSubDomainRequest) {
	mustSDK(0, unlimited(func() error { _, err := c.BindSubDomain(r); return err }))
}

func mapping(path, env string) *apigw.PathMapping {
	return &apigw.PathMapping{Path: common.StringPtr(path), Environment: common.StringPtr(env)}
}

// edgeSync is the current revision's published value, as a remote edge
// receives it.
func edgeSync(t *testing.T, cp *controlPlane) (json.RawMessage, model.Published) {
	t.Helper()
	_, raw, pub := syncOpened(t, cp, "e2e-domains")
	return raw, pub
}

// uploadCert stores l and returns its CertificateId.
func uploadCert(t *testing.T, cp *controlPlane, l *testpki.Leaf, isDefault bool) string {
	t.Helper()
	code, raw := call(t, cp.client(), "UploadCertificate", map[string]any{"Alias": "e2e", "CertificatePublicKey": l.ChainPEM(),
		"CertificatePrivateKey": l.KeyPEM(), "IsDefault": isDefault})
	var r struct {
		Result struct{ CertificateId string }
	}
	if code != "" || json.Unmarshal(raw, &r) != nil || r.Result.CertificateId == "" {
		t.Fatalf("UploadCertificate: %s %s", code, raw)
	}
	return r.Result.CertificateId
}

// TestSDKCustomDomains: bind, describe, modify, delete a mapping and unbind
// with the SDK (POST JSON and GET forms), the seed's error codes, paging,
// and the edge routing the domains at once.
func TestSDKCustomDomains(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t)
	c, form := cp.sdk("", ""), cp.sdk("", "GET")
	svc := sdkCreateService(c, "domains")
	sdkAPI(c, svc, "/hello", nil)
	sdkRelease(c, svc)
	ds := apigw.NewDescribeServiceRequest()
	ds.ServiceId = common.StringPtr(svc)
	net := *mustSDK(c.DescribeService(ds)).Response.OuterSubDomain
	other := sdkCreateService(c, "other")
	ca := testpki.NewCA("e2e CA")
	cert := uploadCert(t, cp, ca.Valid(30, "api.example.com", "*.example.net"), false)

	// A default-mapped domain with http&https and its certificate, and a
	// path-mapped one sent as a GET form (lists and bools in v1 encoding).
	mustSDK(c.BindSubDomain(bindReq(svc, net, "API.example.com", func(r *apigw.BindSubDomainRequest) {
		r.Protocol, r.CertificateId = common.StringPtr("http&https"), common.StringPtr(cert)
	})))
	mustSDK(form.BindSubDomain(bindReq(svc, net, "v1.example.com", func(r *apigw.BindSubDomainRequest) {
		r.IsDefaultMapping = common.BoolPtr(false)
		r.PathMappingSet = []*apigw.PathMapping{mapping("/v1", "release")}
	})))
	for host, path := range map[string]string{"api.example.com": "/release/hello", "v1.example.com": "/v1/hello"} {
		if !eventually(2*time.Second, func() bool { code, _ := hostCode(cp, host, path); return code == 200 }) {
			code, msg := hostCode(cp, host, path)
			t.Fatalf("%s%s: %d %s, want 200", host, path, code, msg)
		}
	}
	if code, _ := hostCode(cp, "v1.example.com", "/release/hello"); code != 404 {
		t.Fatalf("a path-mapped domain served the default mapping: %d", code)
	}

	// The seed's errors, each with its exact code.
	m := func(ms ...*apigw.PathMapping) func(r *apigw.BindSubDomainRequest) {
		return func(r *apigw.BindSubDomainRequest) { r.IsDefaultMapping, r.PathMappingSet = common.BoolPtr(false), ms }
	}
	for _, tc := range []struct {
		name string
		req  *apigw.BindSubDomainRequest
		want string
	}{
		{"bad domain", bindReq(svc, net, "bad_name.example.com", nil), "FailedOperation.SubDomainFormatError"},
		{"bound here", bindReq(svc, net, "api.example.com", nil), "FailedOperation.DomainAlreadyBindService"},
		{"bound elsewhere", bindReq(other, other+".localhost", "api.example.com", nil), "FailedOperation.DomainAlreadyBindOtherService"},
		{"wrong NetSubDomain", bindReq(svc, other+".localhost", "w.example.com", nil), "FailedOperation.NetSubDomainError"},
		{"no such service", bindReq("service-nothere1", net, "w.example.com", nil), "ResourceNotFound.InvalidService"},
		{"protocol", bindReq(svc, net, "w.example.com", func(r *apigw.BindSubDomainRequest) { r.Protocol = common.StringPtr("ws") }), "InvalidParameterValue.InvalidProcotol"},
		{"no mappings", bindReq(svc, net, "w.example.com", m()), "FailedOperation.DefineMappingNotNull"},
		{"four mappings", bindReq(svc, net, "w.example.com", m(mapping("/a", "test"), mapping("/b", "prepub"), mapping("/c", "release"), mapping("/d", "test"))), "LimitExceeded.ExceededDefineMappingLimit"},
		{"environment", bindReq(svc, net, "w.example.com", m(mapping("/a", "dev"))), "FailedOperation.DefineMappingEnvironmentError"},
		{"repeat", bindReq(svc, net, "w.example.com", m(mapping("/a", "test"), mapping("/b", "test"))), "FailedOperation.DefineMappingParamRepeat"},
		{"path", bindReq(svc, net, "w.example.com", m(mapping("a//b", "test"))), "FailedOperation.DefineMappingPathError"},
		{"forced https on http", bindReq(svc, net, "w.example.com", func(r *apigw.BindSubDomainRequest) { r.IsForcedHttps = common.BoolPtr(true) }), "UnsupportedOperation.ForceHttps"},
		{"https without certificate", bindReq(svc, net, "w.example.com", func(r *apigw.BindSubDomainRequest) { r.Protocol = common.StringPtr("https") }), "FailedOperation.CertificateIsNull"},
		{"unknown certificate", bindReq(svc, net, "w.example.com", func(r *apigw.BindSubDomainRequest) {
			r.Protocol, r.CertificateId = common.StringPtr("https"), common.StringPtr("cert-nothere1")
		}), "FailedOperation.CertificateIdError"},
		{"certificate for another name", bindReq(svc, net, "w.example.com", func(r *apigw.BindSubDomainRequest) {
			r.Protocol, r.CertificateId = common.StringPtr("https"), common.StringPtr(cert)
		}), "FailedOperation.CertificateIdBindError"},
	} {
		err := unlimited(func() error { _, err := c.BindSubDomain(tc.req); return err })
		if got := sdkCode(err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}

	// The limit (5 per service) and paging.
	for _, d := range []string{"a.example.net", "b.example.net", "c.example.net"} {
		bind(c, bindReq(svc, net, d, nil))
	}
	if code := sdkCode(unlimited(func() error { _, err := c.BindSubDomain(bindReq(svc, net, "d.example.net", nil)); return err })); code != "LimitExceeded.ExceededDomainLimit" {
		t.Fatalf("sixth domain: %q", code)
	}
	list := apigw.NewDescribeServiceSubDomainsRequest()
	list.ServiceId, list.Limit, list.Offset = common.StringPtr(svc), common.Int64Ptr(2), common.Int64Ptr(4)
	res := mustSDK(c.DescribeServiceSubDomains(list)).Response.Result
	if *res.TotalCount != 5 || len(res.DomainSet) != 1 || *res.DomainSet[0].DomainName != "v1.example.com" || *res.DomainSet[0].IsDefaultMapping {
		t.Fatalf("page 3 of 2: %s", mustJSON(res))
	}
	list.Limit, list.Offset = nil, nil
	res = mustSDK(c.DescribeServiceSubDomains(list)).Response.Result
	// By name: a.example.net, api.example.com, b..., c..., v1...
	if *res.TotalCount != 5 || len(res.DomainSet) != 5 || *res.DomainSet[1].DomainName != "api.example.com" ||
		*res.DomainSet[1].CertificateId != cert || *res.DomainSet[1].Protocol != "http&https" || *res.DomainSet[1].NetType != "OUTER" {
		t.Fatalf("default page: %s", mustJSON(res))
	}
	list.Limit = common.Int64Ptr(101)
	if _, err := c.DescribeServiceSubDomains(list); sdkCode(err) != "InvalidParameterValue" {
		t.Fatalf("Limit 101: %v", err)
	}

	// ModifySubDomain adds a mapping, DeleteServiceSubDomainMapping removes
	// one, never the last.
	mod := apigw.NewModifySubDomainRequest()
	mod.ServiceId, mod.SubDomain, mod.IsDefaultMapping = common.StringPtr(svc), common.StringPtr("v1.example.com"), common.BoolPtr(false)
	mod.PathMappingSet = []*apigw.PathMapping{mapping("/v1", "release"), mapping("/beta", "test")}
	mustSDK(c.ModifySubDomain(mod))
	mod.Protocol = common.StringPtr("gopher")
	if _, err := c.ModifySubDomain(mod); sdkCode(err) != "FailedOperation.UnknownProtocolTypeError" {
		t.Fatalf("ModifySubDomain gopher: %v", err)
	}
	dm := apigw.NewDescribeServiceSubDomainMappingsRequest()
	dm.ServiceId, dm.SubDomain = common.StringPtr(svc), common.StringPtr("v1.example.com")
	maps := mustSDK(c.DescribeServiceSubDomainMappings(dm)).Response.Result
	if *maps.IsDefaultMapping || len(maps.PathMappingSet) != 2 || *maps.PathMappingSet[1].Path != "/beta" {
		t.Fatalf("mappings: %s", mustJSON(maps))
	}
	del := apigw.NewDeleteServiceSubDomainMappingRequest()
	del.ServiceId, del.SubDomain, del.Environment = common.StringPtr(svc), common.StringPtr("v1.example.com"), common.StringPtr("test")
	mustSDK(c.DeleteServiceSubDomainMapping(del))
	del.Environment = common.StringPtr("release")
	if _, err := c.DeleteServiceSubDomainMapping(del); sdkCode(err) != "FailedOperation.DeletePathMappingSetError" {
		t.Fatalf("deleting the last mapping: %v", err)
	}
	if got := mustSDK(c.DescribeServiceSubDomainMappings(dm)).Response.Result.PathMappingSet; len(got) != 1 || *got[0].Environment != "release" {
		t.Fatalf("after delete: %s", mustJSON(got))
	}

	// What the edges receive: each domain with its service, the
	// certificate with its key.
	_, pub := edgeSync(t, cp)
	var doms []model.CustomDomain
	for _, s := range pub.Services {
		if s.Service.ServiceId == svc {
			doms = s.Domains
		}
	}
	if len(doms) != 5 || doms[1].SubDomain != "api.example.com" || doms[1].CertificateId != cert || doms[1].Protocol != "http&https" {
		t.Fatalf("published domains: %+v", doms)
	}
	if len(pub.Certificates) != 1 || pub.Certificates[0].CertificateId != cert || !strings.Contains(pub.Certificates[0].PrivateKeyPEM, "PRIVATE KEY") {
		t.Fatalf("published certificates: %d", len(pub.Certificates))
	}

	// A service with domains is not deleted; unbinding stops the edge at once.
	dsv := apigw.NewDeleteServiceRequest()
	dsv.ServiceId = common.StringPtr(other)
	bind(c, bindReq(other, other+".localhost", "other.example.org", nil))
	if _, err := c.DeleteService(dsv); sdkCode(err) != "UnsupportedOperation.UnsupportedDeleteService" {
		t.Fatalf("DeleteService with a domain: %v", err)
	}
	ub := apigw.NewUnBindSubDomainRequest()
	ub.ServiceId, ub.SubDomain = common.StringPtr(other), common.StringPtr("other.example.org")
	mustSDK(c.UnBindSubDomain(ub))
	mustSDK(c.DeleteService(dsv))
	ub.ServiceId, ub.SubDomain = common.StringPtr(svc), common.StringPtr("api.example.com")
	mustSDK(c.UnBindSubDomain(ub))
	if !eventually(2*time.Second, func() bool { code, _ := hostCode(cp, "api.example.com", "/release/hello"); return code == 404 }) {
		t.Fatal("the edge still serves an unbound domain")
	}
	if _, err := c.UnBindSubDomain(ub); sdkCode(err) != "FailedOperation.DomainNotBindService" {
		t.Fatalf("unbinding twice: %v", err)
	}
	ub.ServiceId = common.StringPtr("service-nothere1")
	if _, err := c.UnBindSubDomain(ub); sdkCode(err) != "FailedOperation.ServiceNotExist" {
		t.Fatalf("unbinding on no service: %v", err)
	}
	// The certificate is free again.
	if code, _ := call(t, cp.client(), "DeleteCertificate", map[string]any{"CertificateId": cert}); code != "" {
		t.Fatalf("DeleteCertificate: %s", code)
	}
}

// TestCertificateActions: bad certificates are refused at upload; the
// private key is in no answer and, with --secret-key-file, nowhere in the
// store file in clear (read while the process runs); a replacement reaches
// the edges under the same CertificateId with no rebind; a certificate in
// use is not deleted; CreateService takes Protocol https.
func TestCertificateActions(t *testing.T) {
	defer catchSDK(t)
	cp := startControlPlane(t, "--secret-key-file", filepath.Join(t.TempDir(), "master.key"))
	rc := cp.client()
	ca := testpki.NewCA("e2e CA")
	now := time.Now()
	expired := ca.Issue(nil, now.AddDate(0, -3, 0), now.AddDate(0, 0, -1), "api.example.com")
	good := ca.Valid(30, "api.example.com")
	stranger := ca.Valid(30, "api.example.com")
	for _, tc := range []struct {
		name, chain, key, want string
	}{
		{"expired", expired.ChainPEM(), expired.KeyPEM(), "FailedOperation.CertificateIdExpired"},
		{"mismatched key", good.ChainPEM(), stranger.KeyPEM(), "FailedOperation.CertificateIdVerifyFail"},
		{"not PEM", "certificate", good.KeyPEM(), "FailedOperation.CertificateIdInfoError"},
	} {
		code, _ := call(t, rc, "UploadCertificate", map[string]any{"Alias": "x", "CertificatePublicKey": tc.chain, "CertificatePrivateKey": tc.key})
		if code != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, code, tc.want)
		}
	}

	c := cp.sdk("", "")
	cs := apigw.NewCreateServiceRequest()
	cs.ServiceName, cs.Protocol = common.StringPtr("secure"), common.StringPtr("https")
	svc := *mustSDK(c.CreateService(cs)).Response.ServiceId
	ds := apigw.NewDescribeServiceRequest()
	ds.ServiceId = common.StringPtr(svc)
	if p := *mustSDK(c.DescribeService(ds)).Response.Protocol; p != "https" {
		t.Fatalf("service protocol %q", p)
	}

	var answers []byte
	keep := func(action string, params map[string]any) json.RawMessage {
		t.Helper()
		code, raw := call(t, rc, action, params)
		if code != "" {
			t.Fatalf("%s: %s", action, code)
		}
		answers = append(answers, raw...)
		return raw
	}
	var up struct {
		Result struct{ CertificateId string }
	}
	json.Unmarshal(keep("UploadCertificate", map[string]any{"Alias": "good", "CertificatePublicKey": good.ChainPEM(),
		"CertificatePrivateKey": good.KeyPEM(), "IsDefault": true}), &up)
	id := up.Result.CertificateId
	mustSDK(c.BindSubDomain(bindReq(svc, svc+".localhost", "api.example.com", func(r *apigw.BindSubDomainRequest) {
		r.Protocol, r.IsForcedHttps = common.StringPtr("https"), common.BoolPtr(true)
	})))
	var one struct {
		Result struct {
			CertificateId, CommonName, NotAfter, CertificatePublicKey string
			Sans, BindDomains                                         []string
			IsDefault                                                 bool
		}
	}
	if err := json.Unmarshal(keep("DescribeCertificate", map[string]any{"CertificateId": id}), &one); err != nil {
		t.Fatal(err)
	}
	r := one.Result
	if r.CommonName != "api.example.com" || r.NotAfter != good.Cert.NotAfter.UTC().Format("2006-01-02T15:04:05Z") ||
		!r.IsDefault || len(r.BindDomains) != 1 || r.BindDomains[0] != "api.example.com" || r.CertificatePublicKey != good.ChainPEM() {
		t.Fatalf("DescribeCertificate: %+v", r)
	}
	keep("DescribeCertificates", map[string]any{"Limit": 10})
	keep("ModifyCertificate", map[string]any{"CertificateId": id, "Alias": "renamed"})
	renewed := ca.Valid(90, "api.example.com", "www.example.com")
	if code, _ := call(t, rc, "DeleteCertificate", map[string]any{"CertificateId": id}); code != "ResourceInUse" {
		t.Fatalf("deleting a certificate in use: %q", code)
	}
	_, before := edgeSync(t, cp)
	keep("ReplaceCertificate", map[string]any{"CertificateId": id, "CertificatePublicKey": renewed.ChainPEM(), "CertificatePrivateKey": renewed.KeyPEM()})
	raw, after := edgeSync(t, cp)
	if after.Revision <= before.Revision || len(after.Certificates) != 1 || after.Certificates[0].CertificateId != id ||
		after.Certificates[0].CertificatePEM != renewed.ChainPEM() || after.Certificates[0].PrivateKeyPEM != renewed.KeyPEM() ||
		!after.Certificates[0].Default {
		t.Fatalf("published after ReplaceCertificate: revision %d -> %d, %d certificates", before.Revision, after.Revision, len(after.Certificates))
	}
	if !testpki.HoldsKey(raw, renewed.KeyPEM()) {
		t.Fatal("sanity: the edges' published value holds the key")
	}
	var svcDomains []model.CustomDomain
	for _, s := range after.Services {
		if s.Service.ServiceId == svc {
			svcDomains = s.Domains
		}
	}
	if len(svcDomains) != 1 || svcDomains[0].CertificateId != id || !svcDomains[0].IsForcedHttps || svcDomains[0].Protocol != "https" {
		t.Fatalf("published domain: %+v", svcDomains)
	}

	if testpki.HoldsKey(answers, good.KeyPEM(), renewed.KeyPEM()) || strings.Contains(string(answers), "PRIVATE KEY") {
		t.Fatalf("an answer holds a private key:\n%s", answers)
	}
	db, err := os.ReadFile(filepath.Join(cp.Data, "edgegate.db"))
	if err != nil {
		t.Fatal(err)
	}
	if testpki.HoldsKey(db, good.KeyPEM(), renewed.KeyPEM()) || strings.Contains(string(db), "PRIVATE KEY") {
		t.Fatal("the store file holds a private key in clear")
	}
	if !strings.Contains(string(db), id) {
		t.Fatal("sanity: the certificate id should be in the store file")
	}
	if strings.Contains(cp.logs.String(), "PRIVATE KEY") || testpki.HoldsKey([]byte(cp.logs.String()), good.KeyPEM(), renewed.KeyPEM()) {
		t.Fatal("a private key was logged")
	}
}

// hostCode calls cp's edge with Host host (a custom domain) and returns the
// status and a gateway-made refusal's error code.
func hostCode(cp *controlPlane, host, path string) (int, string) {
	req, err := http.NewRequest("GET", "http://"+cp.Addr+path, nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Host = host
	a := readAnswer(httpc.Do(req))
	return a.status, a.code
}
