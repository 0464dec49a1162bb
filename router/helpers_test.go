package router

import (
	"testing"

	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/model"
)

// api builds an API definition for tests.
func api(id, method, path string, opts ...func(*model.API)) model.API {
	a := model.API{ApiId: id, ApiName: "name-" + id, ServiceType: "HTTP",
		RequestConfig: model.RequestConfig{Path: path, Method: method}}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func withParam(name, pos, typ, def string, required bool) func(*model.API) {
	return func(a *model.API) {
		a.RequestParameters = append(a.RequestParameters, model.RequestParameter{
			Name: name, Position: pos, Type: typ, DefaultValue: def, Required: required})
	}
}

func pathParam(name string) func(*model.API) { return withParam(name, "path", "string", "", true) }

func backendPath(p string) func(*model.API) {
	return func(a *model.API) { a.ServiceConfig.Path = p }
}

func backendMethod(m string) func(*model.API) {
	return func(a *model.API) { a.ServiceConfig.Method = m }
}

func mapParam(fromPos, fromName, toPos, toName, def string) func(*model.API) {
	return func(a *model.API) {
		a.ServiceParameters = append(a.ServiceParameters, model.ServiceParameter{
			Name: toName, Position: toPos, RelevantRequestParameterName: fromName,
			RelevantRequestParameterPosition: fromPos, DefaultValue: def})
	}
}

func constant(pos, name, value string) func(*model.API) {
	return func(a *model.API) {
		a.ConstantParameters = append(a.ConstantParameters, model.ConstantParameter{
			Name: name, Position: pos, DefaultValue: value})
	}
}

// published builds a one-service Published with the given environments.
func published(base, sid string, envs map[string][]model.API, order ...string) *model.Published {
	ps := model.PublishedService{Service: model.Service{ServiceId: sid}}
	for _, name := range order {
		ps.Environments = append(ps.Environments, model.PublishedEnvironment{EnvironmentName: name, Apis: envs[name]})
	}
	return &model.Published{BaseDomain: base, Services: []model.PublishedService{ps}}
}

// withServiceB adds svc-b, whose release has one API, id, on ANY "/".
func withServiceB(p *model.Published, id string) *model.Published {
	p.Services = append(p.Services, published("", "svc-b", map[string][]model.API{"release": {api(id, "ANY", "/")}}, "release").Services...)
	return p
}

func mustCompile(t testing.TB, p *model.Published) *Table {
	t.Helper()
	tb, err := Compile(p)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return tb
}

func hdrs(kv ...string) []http1.Header {
	var h []http1.Header
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, http1.Header{Name: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return h
}

// splitTarget splits "/a?b" into path and query (nil without '?').
func splitTarget(target string) (path, query []byte) {
	for i := 0; i < len(target); i++ {
		if target[i] == '?' {
			return []byte(target[:i]), []byte(target[i+1:])
		}
	}
	return []byte(target), nil
}
