package admin

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

func codeOf(err error) string {
	var te *tcapi.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return ""
}

// bindParams are BindSubDomain's parameters for name on svc: http, OUTER,
// the default mapping, the right NetSubDomain; extra overrides them (a nil
// value removes one).
func (ta *testAdmin) bindParams(svc, name string, extra map[string]any) map[string]any {
	p := map[string]any{"ServiceId": svc, "SubDomain": name, "Protocol": "http", "NetType": "OUTER",
		"IsDefaultMapping": true, "NetSubDomain": ta.domain(svc)}
	maps.Copy(p, extra)
	for k, v := range p {
		if v == nil {
			delete(p, k)
		}
	}
	return p
}

func (ta *testAdmin) bind(svc, name string, extra map[string]any) {
	ta.t.Helper()
	ta.must("BindSubDomain", ta.bindParams(svc, name, extra))
}

// domainsOf is the published domains of svc.
func (ta *testAdmin) domainsOf(svc string) []model.CustomDomain {
	for _, s := range ta.published().Services {
		if s.Service.ServiceId == svc {
			return s.Domains
		}
	}
	return nil
}

func TestNormDomain(t *testing.T) {
	for in, want := range map[string]string{
		"API.Example.COM": "api.example.com", "www.example.com.": "www.example.com",
		"a-b.x1.example": "a-b.x1.example", "xn--bcher-kva.example": "xn--bcher-kva.example",
	} {
		if got, err := normDomain(in); err != nil || got != want {
			t.Errorf("normDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "*.example.com", "-a.example.com", "a-.example.com",
		"a..example.com", "example.com:8080", "example.com/x", "10.0.0.1", "ex ample.com", "ex_ample.com",
		strings.Repeat("a", 64) + ".com", strings.Repeat("abcdefghi.", 26) + "com"} {
		if _, err := normDomain(bad); codeOf(err) != errSubDomainFormat {
			t.Errorf("normDomain(%q): %v, want %s", bad, err, errSubDomainFormat)
		}
	}
}

// TestBindSubDomainRefusals: every refusal answers its seed code and
// publishes nothing.
func TestBindSubDomainRefusals(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	other, _ := ta.service()
	ta.bind(other, "taken.example.com", nil)
	ca := testpki.NewCA("ca")
	cert := ta.upload(ca.Valid(30, "api.example.com"), "c", false)
	wrongName := ta.upload(ca.Valid(30, "www.example.com"), "w", false)
	m := func(path, env string) map[string]any { return map[string]any{"Path": path, "Environment": env} }
	custom := func(ms ...map[string]any) map[string]any {
		return map[string]any{"IsDefaultMapping": false, "PathMappingSet": ms}
	}
	rev := ta.Revision()
	cases := []struct {
		name  string
		sub   string
		extra map[string]any
		want  string
	}{
		{"missing service", "api.example.com", map[string]any{"ServiceId": nil}, "MissingParameter"},
		{"missing IsDefaultMapping", "api.example.com", map[string]any{"IsDefaultMapping": nil}, "MissingParameter"},
		{"missing NetSubDomain", "api.example.com", map[string]any{"NetSubDomain": nil}, "MissingParameter"},
		{"unknown service", "api.example.com", map[string]any{"ServiceId": "service-nothere1"}, "ResourceNotFound.InvalidService"},
		{"bad domain", "api_example.com", nil, "FailedOperation.SubDomainFormatError"},
		{"wildcard", "*.example.com", nil, "FailedOperation.SubDomainFormatError"},
		{"a default domain", "service-abc.localhost", nil, "FailedOperation.SubDomainFormatError"},
		{"the base domain", "localhost.", nil, "FailedOperation.SubDomainFormatError"},
		{"bad protocol", "api.example.com", map[string]any{"Protocol": "ftp"}, "InvalidParameterValue.InvalidProcotol"},
		{"bad net type", "api.example.com", map[string]any{"NetType": "DMZ"}, "InvalidParameterValue.NotInOptions"},
		{"wrong NetSubDomain", "api.example.com", map[string]any{"NetSubDomain": "service-other.localhost"}, "FailedOperation.NetSubDomainError"},
		{"custom without mappings", "api.example.com", map[string]any{"IsDefaultMapping": false}, "FailedOperation.DefineMappingNotNull"},
		{"default with mappings", "api.example.com", map[string]any{"PathMappingSet": []any{m("/v1", "release")}}, "FailedOperation.IsDefaultMapping"},
		{"four mappings", "api.example.com", custom(m("/a", "test"), m("/b", "prepub"), m("/c", "release"), m("/d", "release")), "LimitExceeded.ExceededDefineMappingLimit"},
		{"bad environment", "api.example.com", custom(m("/a", "staging")), "FailedOperation.DefineMappingEnvironmentError"},
		{"environment twice", "api.example.com", custom(m("/a", "test"), m("/b", "test")), "FailedOperation.DefineMappingParamRepeat"},
		{"path twice", "api.example.com", custom(m("/a", "test"), m("/a/", "release")), "FailedOperation.DefineMappingParamRepeat"},
		{"relative path", "api.example.com", custom(m("v1", "test")), "FailedOperation.DefineMappingPathError"},
		{"dot segment", "api.example.com", custom(m("/a/../b", "test")), "FailedOperation.DefineMappingPathError"},
		{"query in path", "api.example.com", custom(m("/a?b", "test")), "FailedOperation.DefineMappingPathError"},
		{"forced https on http", "api.example.com", map[string]any{"IsForcedHttps": true}, "UnsupportedOperation.ForceHttps"},
		{"certificate on http", "api.example.com", map[string]any{"CertificateId": cert}, "FailedOperation.CertificateIdBindError"},
		{"https without certificate", "api.example.com", map[string]any{"Protocol": "https"}, "FailedOperation.CertificateIsNull"},
		{"unknown certificate", "api.example.com", map[string]any{"Protocol": "https", "CertificateId": "cert-nothere1"}, "FailedOperation.CertificateIdError"},
		{"certificate for another name", "api.example.com", map[string]any{"Protocol": "http&https", "CertificateId": wrongName}, "FailedOperation.CertificateIdBindError"},
		{"bound here", "taken.example.com", map[string]any{"ServiceId": other, "NetSubDomain": ta.domain(other)}, "FailedOperation.DomainAlreadyBindService"},
		{"bound elsewhere", "TAKEN.example.com", nil, "FailedOperation.DomainAlreadyBindOtherService"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ta.want(c.want, "BindSubDomain", ta.bindParams(svc, c.sub, c.extra))
		})
	}
	if ta.Revision() != rev || len(ta.domainsOf(svc)) != 0 {
		t.Fatalf("refused binds changed something: revision %d (was %d), domains %v", ta.Revision(), rev, ta.domainsOf(svc))
	}
	// The same domain with good parameters binds.
	ta.bind(svc, "api.example.com", map[string]any{"Protocol": "http&https", "CertificateId": cert, "IsForcedHttps": true,
		"NetSubDomain": strings.ToUpper(ta.domain(svc)) + "."})
}

// TestDomainLimit: at most Limits.DomainsPerService per service.
func TestDomainLimit(t *testing.T) {
	for _, max := range []int{0, 2} {
		ta := newTestAdmin(t, t.TempDir(), Options{Limits: Limits{DomainsPerService: max}})
		svc, _ := ta.service()
		want := max
		if want == 0 {
			want = 5 // the seed's
		}
		for i := range want {
			ta.bind(svc, fmt.Sprintf("d%d.example.com", i), nil)
		}
		ta.want("LimitExceeded.ExceededDomainLimit", "BindSubDomain", ta.bindParams(svc, "more.example.com", nil))
		other, _ := ta.service()
		ta.bind(other, "more.example.com", nil)
	}
}

// TestDomainsPublished: binding, changing and unbinding publish at once;
// a service that runs no environment is published with its domains; the
// compiled snapshot routes the domain.
func TestDomainsPublished(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.service()
	rev := ta.Revision()
	ta.bind(svc, "API.example.com", map[string]any{"IsDefaultMapping": false,
		"PathMappingSet": []map[string]any{{"Path": "/v1", "Environment": "release"}, {"Path": "/beta", "Environment": "test"}}})
	if ta.Revision() != rev+1 {
		t.Fatalf("revision %d after BindSubDomain, want %d", ta.Revision(), rev+1)
	}
	d := ta.domainsOf(svc)
	if len(d) != 1 || d[0].SubDomain != "api.example.com" || d[0].IsDefaultMapping || len(d[0].PathMappingSet) != 2 ||
		d[0].Protocol != "http" || d[0].NetType != "OUTER" {
		t.Fatalf("published: %+v", d)
	}
	var res router.Result
	ta.Snapshot().Router.Lookup(&router.Request{Host: []byte("api.example.com"), Method: []byte("GET"), Path: []byte("/v1/a")}, &res)
	if res.Route == nil || res.Route.ApiId != apis[0] || res.Route.Environment != "release" {
		t.Fatalf("the snapshot does not route the domain's mapping: %+v", res)
	}
	// A service that runs nothing is published with its domain.
	bare := ta.must("CreateService", map[string]any{"ServiceName": "bare", "Protocol": "https"})["ServiceId"].(string)
	ta.bind(bare, "bare.example.com", nil)
	var found *model.PublishedService
	for _, s := range ta.published().Services {
		if s.Service.ServiceId == bare {
			found = &s
		}
	}
	if found == nil || len(found.Domains) != 1 || len(found.Environments) != 0 || found.Service.Protocol != "https" {
		t.Fatalf("unreleased service: %+v", found)
	}
	// Its protocol change reaches the edge too.
	rev = ta.Revision()
	ta.must("ModifyService", map[string]any{"ServiceId": bare, "Protocol": "http&https"})
	if ta.Revision() != rev+1 {
		t.Fatal("ModifyService of a service with domains did not publish")
	}
	ta.must("UnBindSubDomain", map[string]any{"ServiceId": svc, "SubDomain": "api.example.com."})
	if len(ta.domainsOf(svc)) != 0 {
		t.Fatal("unbound domain still published")
	}
	ta.want(errDomainNotBound, "UnBindSubDomain", map[string]any{"ServiceId": svc, "SubDomain": "api.example.com"})
	ta.want(errDomainNotBound, "UnBindSubDomain", map[string]any{"ServiceId": svc, "SubDomain": "bare.example.com"})
	ta.want(errServiceNotExist, "UnBindSubDomain", map[string]any{"ServiceId": "service-nothere1", "SubDomain": "bare.example.com"})
	ta.want(errSubDomainFormat, "UnBindSubDomain", map[string]any{"ServiceId": svc, "SubDomain": "bad_name.com"})
}

// TestModifySubDomain: mappings, protocol and certificate changes, with
// ModifySubDomain's own codes.
func TestModifySubDomain(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	cert := ta.upload(testpki.NewCA("ca").Valid(30, "*.example.com"), "c", false)
	ta.bind(svc, "api.example.com", nil)
	mod := func(extra map[string]any) map[string]any {
		p := map[string]any{"ServiceId": svc, "SubDomain": "api.example.com", "IsDefaultMapping": true}
		maps.Copy(p, extra)
		return p
	}
	ta.want("FailedOperation.UnknownProtocolTypeError", "ModifySubDomain", mod(map[string]any{"Protocol": "gopher"}))
	ta.want("FailedOperation.SetCustomPathMappingError", "ModifySubDomain", mod(map[string]any{"PathMappingSet": []map[string]any{{"Path": "/a", "Environment": "test"}}}))
	ta.want(errMappingNotNull, "ModifySubDomain", mod(map[string]any{"IsDefaultMapping": false}))
	ta.want("UnsupportedOperation.ForceHttps", "ModifySubDomain", mod(map[string]any{"IsForcedHttps": true}))
	ta.want("FailedOperation.CertificateIsNull", "ModifySubDomain", mod(map[string]any{"Protocol": "https"}))
	ta.want(errDomainNotBound, "ModifySubDomain", mod(map[string]any{"SubDomain": "nope.example.com"}))
	ta.want(errServiceNotExist, "ModifySubDomain", mod(map[string]any{"ServiceId": "service-nothere1"}))

	ta.must("ModifySubDomain", mod(map[string]any{"IsDefaultMapping": false, "NetType": "INNER",
		"PathMappingSet": []map[string]any{{"Path": "/", "Environment": "release"}}}))
	// IsDefaultMapping false alone keeps the stored mappings.
	ta.must("ModifySubDomain", mod(map[string]any{"IsDefaultMapping": false, "Protocol": "http&https", "CertificateId": cert, "IsForcedHttps": true}))
	d := ta.domainsOf(svc)[0]
	if d.IsDefaultMapping || len(d.PathMappingSet) != 1 || d.Protocol != "http&https" || d.CertificateId != cert || !d.IsForcedHttps || d.NetType != "INNER" {
		t.Fatalf("after modify: %+v", d)
	}
	r := resultMap(ta.must("DescribeServiceSubDomainMappings", map[string]any{"ServiceId": svc, "SubDomain": "api.example.com"}))
	if r["IsDefaultMapping"] != false || len(r["PathMappingSet"].([]any)) != 1 {
		t.Fatalf("DescribeServiceSubDomainMappings: %v", r)
	}
	// Dropping https drops the certificate and the redirect.
	ta.must("ModifySubDomain", mod(map[string]any{"Protocol": "http"}))
	d = ta.domainsOf(svc)[0]
	if !d.IsDefaultMapping || d.PathMappingSet != nil || d.CertificateId != "" || d.IsForcedHttps {
		t.Fatalf("after dropping https: %+v", d)
	}
	r = resultMap(ta.must("DescribeServiceSubDomainMappings", map[string]any{"ServiceId": svc, "SubDomain": "api.example.com"}))
	if r["IsDefaultMapping"] != true || r["PathMappingSet"] == nil || len(r["PathMappingSet"].([]any)) != 0 {
		t.Fatalf("DescribeServiceSubDomainMappings: %v", r)
	}
	ta.must("DeleteCertificate", map[string]any{"CertificateId": cert})
}

// TestDeleteServiceSubDomainMapping: one environment's mapping goes, never
// the last one.
func TestDeleteServiceSubDomainMapping(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	ta.bind(svc, "plain.example.com", nil)
	ta.bind(svc, "api.example.com", map[string]any{"IsDefaultMapping": false,
		"PathMappingSet": []map[string]any{{"Path": "/v1", "Environment": "release"}, {"Path": "/t", "Environment": "test"}}})
	del := func(sub, env string) map[string]any {
		return map[string]any{"ServiceId": svc, "SubDomain": sub, "Environment": env}
	}
	const code = "FailedOperation.DeletePathMappingSetError"
	ta.want(code, "DeleteServiceSubDomainMapping", del("plain.example.com", "release"))
	ta.want(code, "DeleteServiceSubDomainMapping", del("api.example.com", "prepub"))
	ta.want(errInvalidValue, "DeleteServiceSubDomainMapping", del("api.example.com", "staging"))
	ta.want(errDomainNotBound, "DeleteServiceSubDomainMapping", del("nope.example.com", "test"))
	rev := ta.Revision()
	ta.must("DeleteServiceSubDomainMapping", del("api.example.com", "test"))
	if ta.Revision() != rev+1 {
		t.Fatal("deleting a mapping did not publish")
	}
	for _, d := range ta.domainsOf(svc) {
		if d.SubDomain == "api.example.com" && (len(d.PathMappingSet) != 1 || d.PathMappingSet[0].Environment != "release") {
			t.Fatalf("after delete: %+v", d)
		}
	}
	ta.want(code, "DeleteServiceSubDomainMapping", del("api.example.com", "release"))
}

// TestDescribeServiceSubDomains: the seed's DomainSets, paged.
func TestDescribeServiceSubDomains(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, _ := ta.service()
	for i := range 5 {
		ta.bind(svc, fmt.Sprintf("d%d.example.com", i), nil)
	}
	page := func(params map[string]any) (int, []string) {
		t.Helper()
		params["ServiceId"] = svc
		r := resultMap(ta.must("DescribeServiceSubDomains", params))
		var names []string
		for _, d := range r["DomainSet"].([]any) {
			d := d.(map[string]any)
			if d["Status"] != 1.0 || d["NetType"] != "OUTER" || d["Protocol"] != "http" || d["IsDefaultMapping"] != true {
				t.Fatalf("DomainSetList: %v", d)
			}
			names = append(names, d["DomainName"].(string))
		}
		return int(r["TotalCount"].(float64)), names
	}
	if n, got := page(map[string]any{}); n != 5 || len(got) != 5 || got[0] != "d0.example.com" {
		t.Fatalf("default page: %d %v", n, got)
	}
	if n, got := page(map[string]any{"Limit": 2, "Offset": 4}); n != 5 || len(got) != 1 || got[0] != "d4.example.com" {
		t.Fatalf("Limit 2 Offset 4: %d %v", n, got)
	}
	if n, got := page(map[string]any{"Offset": 9}); n != 5 || len(got) != 0 {
		t.Fatalf("past the end: %d %v", n, got)
	}
	ta.want(errInvalidValue, "DescribeServiceSubDomains", map[string]any{"ServiceId": svc, "Limit": 101})
	ta.want("ResourceNotFound.InvalidService", "DescribeServiceSubDomains", map[string]any{"ServiceId": "service-nothere1"})
}

// TestDeleteServiceWithDomains: refused while domains are bound.
func TestDeleteServiceWithDomains(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc := ta.must("CreateService", map[string]any{"ServiceName": "s", "Protocol": "https"})["ServiceId"].(string)
	ta.bind(svc, "api.example.com", nil)
	ta.want("UnsupportedOperation.UnsupportedDeleteService", "DeleteService", map[string]any{"ServiceId": svc})
	ta.must("UnBindSubDomain", map[string]any{"ServiceId": svc, "SubDomain": "api.example.com"})
	ta.must("DeleteService", map[string]any{"ServiceId": svc})
}
