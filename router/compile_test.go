package router

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
)

func TestCompileErrors(t *testing.T) {
	type tc struct {
		name  string
		apis  []model.API
		api   string // ApiId expected in the error
		field string
		msg   string // substring
	}
	cases := []tc{
		{"duplicate method+path", []model.API{api("a", "GET", "/x"), api("b", "get", "/x")}, "b", "RequestConfig", "duplicate method+path: GET /x is also API a"},
		{"duplicate ANY", []model.API{api("a", "ANY", "=/x"), api("b", "", "=/x")}, "b", "RequestConfig", "duplicate method+path"},
		{"duplicate param shape", []model.API{api("a", "GET", "/u/{id}", pathParam("id")), api("b", "GET", "/u/{uid}", pathParam("uid"))}, "b", "RequestConfig", "duplicate"},
		{"duplicate regex", []model.API{api("a", "GET", "~/r"), api("b", "GET", "~/r")}, "b", "RequestConfig", "duplicate"},
		{"duplicate ApiId", []model.API{api("a", "GET", "/x"), api("a", "GET", "/y")}, "a", "ApiId", "duplicate ApiId"},
		{"invalid regex", []model.API{api("a", "GET", "~/a(")}, "a", "RequestConfig.Path", "invalid regex"},
		{"empty regex", []model.API{api("a", "GET", "~* ")}, "a", "RequestConfig.Path", "empty regex"},
		{"regex non-ascii", []model.API{api("a", "GET", "~/café")}, "a", "RequestConfig.Path", "non-ASCII"},
		{"regex named group", []model.API{api("a", "GET", "~/(?P<id>[0-9]+)")}, "a", "RequestConfig.Path", "named groups"},
		{"priority regex", []model.API{api("a", "GET", "^~/a/[0-9]+")}, "a", "RequestConfig.Path", "not a regex"},
		{"priority tilde", []model.API{api("a", "GET", "^~~/a")}, "a", "RequestConfig.Path", "not a regex"},
		{"priority param", []model.API{api("a", "GET", "^~/a/{id}", pathParam("id"))}, "a", "RequestConfig.Path", "not a regex or {param}"},
		{"exact param", []model.API{api("a", "GET", "=/a/{id}", pathParam("id"))}, "a", "RequestConfig.Path", "cannot hold {param}"},
		{"undeclared param", []model.API{api("a", "GET", "/a/{id}")}, "a", "RequestConfig.Path", "{id} is not declared"},
		{"param declared in query", []model.API{api("a", "GET", "/a/{id}", withParam("id", "query", "", "", false))}, "a", "RequestConfig.Path", "{id} is not declared"},
		{"path param not in path", []model.API{api("a", "GET", "/a", pathParam("id"))}, "a", "RequestParameters[0]", "has no {id}"},
		{"partial segment param", []model.API{api("a", "GET", "/a/{id}.json", pathParam("id"))}, "a", "RequestConfig.Path", "whole path segment"},
		{"param twice", []model.API{api("a", "GET", "/a/{id}/{id}", pathParam("id"))}, "a", "RequestConfig.Path", "twice"},
		{"empty path", []model.API{api("a", "GET", " ")}, "a", "RequestConfig.Path", "empty"},
		{"relative path", []model.API{api("a", "GET", "a/b")}, "a", "RequestConfig.Path", "start with '/'"},
		{"double slash", []model.API{api("a", "GET", "/a//b")}, "a", "RequestConfig.Path", "empty path segment"},
		{"dot segment", []model.API{api("a", "GET", "=/a/../b")}, "a", "RequestConfig.Path", "dot segment"},
		{"param path dot segment", []model.API{api("a", "GET", "/a/../{id}", pathParam("id"))}, "a", "RequestConfig.Path", "dot segment"},
		{"nul in path", []model.API{api("a", "GET", "/a%00")}, "a", "RequestConfig.Path", "control byte"},
		{"unknown method", []model.API{api("a", "FETCH", "/a")}, "a", "RequestConfig.Method", "unsupported method"},
		{"bad position", []model.API{api("a", "GET", "/a", withParam("p", "cookie", "", "", false))}, "a", "RequestParameters[0].Position", "unknown position"},
		{"bad type", []model.API{api("a", "GET", "/a", withParam("p", "query", "date", "", false))}, "a", "RequestParameters[0].Type", "unknown type"},
		{"bad default", []model.API{api("a", "GET", "/a", withParam("p", "query", "int", "x", false))}, "a", "RequestParameters[0].DefaultValue", "not a valid int"},
		{"bad header name", []model.API{api("a", "GET", "/a", withParam("X Y", "header", "", "", false))}, "a", "RequestParameters[0].Name", "header name"},
		{"duplicate param", []model.API{api("a", "GET", "/a", withParam("X-A", "header", "", "", false), withParam("x-a", "head", "", "", false))}, "a", "RequestParameters[1].Name", "declared twice"},
		{"backend var no source", []model.API{api("a", "GET", "/a", backendPath("/b/{id}"))}, "a", "ServiceConfig.Path", "{id} has no source"},
		{"backend var from query needs mapping", []model.API{api("a", "GET", "/a", withParam("id", "query", "", "", false), backendPath("/b/{id}"))}, "a", "ServiceConfig.Path", "has no source"},
		{"backend query", []model.API{api("a", "GET", "/a", backendPath("/b?x=1"))}, "a", "ServiceConfig.Path", "'?'"},
		{"backend dot", []model.API{api("a", "GET", "/a", backendPath("/b/../c"))}, "a", "ServiceConfig.Path", "dot segment"},
		{"backend relative", []model.API{api("a", "GET", "/a", backendPath("b"))}, "a", "ServiceConfig.Path", "start with '/'"},
		{"backend unbalanced", []model.API{api("a", "GET", "/a", backendPath("/b/{id"))}, "a", "ServiceConfig.Path", "unbalanced"},
		{"mapping undeclared", []model.API{api("a", "GET", "/a", mapParam("query", "q", "header", "X-Q", ""))}, "a", "ServiceParameters[0].RelevantRequestParameterName", "not declared"},
		{"mapping to missing path var", []model.API{api("a", "GET", "/a", withParam("q", "query", "", "", false), mapParam("query", "q", "path", "q", ""))}, "a", "ServiceParameters[0].Name", "not in ServiceConfig.Path"},
		{"mapping target twice", []model.API{api("a", "GET", "/a", withParam("q", "query", "", "", false), withParam("r", "query", "", "", false),
			mapParam("query", "q", "header", "X-T", ""), mapParam("query", "r", "header", "x-t", ""))}, "a", "ServiceParameters[1].Name", "also set by ServiceParameters[0]"},
		{"mapping onto kept param", []model.API{api("a", "GET", "/a", withParam("q", "query", "", "", false), withParam("r", "query", "", "", false),
			mapParam("query", "q", "query", "r", ""))}, "a", "ServiceParameters[0].Name", "also forwarded from the request"},
		{"constant position", []model.API{api("a", "GET", "/a", constant("path", "c", "v"))}, "a", "ConstantParameters[0].Position", "header or query"},
		{"constant unknown system", []model.API{api("a", "GET", "/a", constant("header", "X-C", "$nope"))}, "a", "ConstantParameters[0].DefaultValue", "unknown system parameter \"$nope\""},
		{"constant lone dollar", []model.API{api("a", "GET", "/a", constant("header", "X-C", "$"))}, "a", "ConstantParameters[0].DefaultValue", "$$"},
		{"constant collides", []model.API{api("a", "GET", "/a", constant("header", "X-C", "1"), constant("header", "x-c", "2"))}, "a", "ConstantParameters[1].Name", "also set"},
		{"constant control bytes", []model.API{api("a", "GET", "/a", constant("header", "X-C", "a\r\nb"))}, "a", "ConstantParameters[0].DefaultValue", "control"},
		{"backend method", []model.API{api("a", "GET", "/a", backendMethod("GE T"))}, "a", "ServiceConfig.Method", "invalid method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(published("gw", "svc", map[string][]model.API{"release": c.apis}, "release"))
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CompileError", err)
			}
			if ce.ServiceId != "svc" || ce.ApiId != c.api || ce.Field != c.field || !strings.Contains(ce.Msg, c.msg) {
				t.Errorf("got %+v\nwant api %q field %q msg containing %q", *ce, c.api, c.field, c.msg)
			}
			if !strings.Contains(err.Error(), ce.Msg) || !strings.HasPrefix(err.Error(), "service svc") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestCompileServiceErrors(t *testing.T) {
	one := func(id string) model.PublishedService {
		return model.PublishedService{Service: model.Service{ServiceId: id},
			Environments: []model.PublishedEnvironment{{EnvironmentName: "release"}}}
	}
	withDomain := func(ps model.PublishedService, d model.CustomDomain) model.PublishedService {
		ps.Domains = append(ps.Domains, d)
		return ps
	}
	cases := []struct {
		name  string
		p     model.Published
		field string
		msg   string
	}{
		{"no service id", model.Published{Services: []model.PublishedService{one("")}}, "Services[0].ServiceId", "required"},
		{"duplicate service", model.Published{Services: []model.PublishedService{one("a"), one("a")}}, "ServiceId", "duplicate"},
		{"duplicate env", model.Published{Services: []model.PublishedService{{Service: model.Service{ServiceId: "a"},
			Environments: []model.PublishedEnvironment{{EnvironmentName: "release"}, {EnvironmentName: "release"}}}}}, "Environments[1].EnvironmentName", "twice"},
		{"bad env", model.Published{Services: []model.PublishedService{{Service: model.Service{ServiceId: "a"},
			Environments: []model.PublishedEnvironment{{EnvironmentName: "a/b"}}}}}, "Environments[0].EnvironmentName", "invalid"},
		{"domain bound twice", model.Published{Services: []model.PublishedService{
			withDomain(one("a"), model.CustomDomain{SubDomain: "x.org", IsDefaultMapping: true}),
			withDomain(one("b"), model.CustomDomain{SubDomain: "X.org.", IsDefaultMapping: true})}}, "Domains[0].SubDomain", "already routes to service a"},
		{"domain is a default domain", model.Published{BaseDomain: "gw", Services: []model.PublishedService{
			one("a"), withDomain(one("b"), model.CustomDomain{SubDomain: "a.gw", IsDefaultMapping: true})}}, "Domains[0].SubDomain", "already routes"},
		{"domain with port", model.Published{Services: []model.PublishedService{
			withDomain(one("a"), model.CustomDomain{SubDomain: "x.org:80", IsDefaultMapping: true})}}, "Domains[0].SubDomain", "invalid domain"},
		{"no mappings", model.Published{Services: []model.PublishedService{
			withDomain(one("a"), model.CustomDomain{SubDomain: "x.org"})}}, "Domains[0].PathMappingSet", "empty"},
		{"mapping twice", model.Published{Services: []model.PublishedService{
			withDomain(one("a"), model.CustomDomain{SubDomain: "x.org", PathMappingSet: []model.PathMapping{
				{Path: "/a", Environment: "release"}, {Path: "/a/", Environment: "test"}}})}}, "Domains[0].PathMappingSet[1].Path", "twice"},
		{"mapping bad path", model.Published{Services: []model.PublishedService{
			withDomain(one("a"), model.CustomDomain{SubDomain: "x.org", PathMappingSet: []model.PathMapping{
				{Path: "a", Environment: "release"}}})}}, "Domains[0].PathMappingSet[0].Path", "start with '/'"},
		{"service protocol", model.Published{Services: []model.PublishedService{{Service: model.Service{ServiceId: "a", Protocol: "ftp"}}}}, "Protocol", "unknown protocol"},
		{"domain protocol", model.Published{Services: []model.PublishedService{
			withDomain(one("a"), model.CustomDomain{SubDomain: "x.org", IsDefaultMapping: true, Protocol: "https+http"})}}, "Domains[0].Protocol", "unknown protocol"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(&c.p)
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v", err)
			}
			if ce.Field != c.field || !strings.Contains(ce.Msg, c.msg) {
				t.Errorf("got %+v, want field %q msg ~ %q", *ce, c.field, c.msg)
			}
		})
	}
}

func TestCompileAccepts(t *testing.T) {
	apis := []model.API{
		api("a", "GET", "  =  /a "),
		api("b", "GET", "~* /B"),
		api("c", "GET", "/c/{id}/", pathParam("id"), backendPath("/x/{id}.json")),
		api("d", "GET", "/d", constant("header", "X-Dollar", "$$5"), constant("query", "env", "$environment")),
		api("e", "GET", "/e/{id}", pathParam("id"), mapParam("path", "id", "path", "id", "")), // console-style identity
		api("f", "GET", "/f", withParam("q", "query", "INT", "7", false), mapParam("query", "q", "query", "q", "")),
	}
	tb := mustCompile(t, published("", "svc", map[string][]model.API{"release": apis}, "release"))
	if n := len(tb.Routes()); n != len(apis) {
		t.Fatalf("%d routes", n)
	}
	// No BaseDomain: no default domain.
	var res Result
	tb.Lookup(&Request{Host: []byte("svc"), Method: []byte("GET"), Path: []byte("/release/a")}, &res)
	if res.Code != CodeHostNotFound {
		t.Errorf("code %q", res.Code)
	}
}
