// Package routertest generates large, deterministic API models and matching
// requests for router benchmarks, and for the edge's own benchmarks and
// load tests.
//
// Imports: the standard library and model only (never router, so router's
// own tests can use it).
package routertest

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/model"
)

// BaseDomain is the Published.BaseDomain of generated models.
const BaseDomain = "bench.edgegate.test"

// Generate returns services×apisPerService APIs, each service published in
// the release environment, the same for the same arguments. Per ten APIs of
// a service: four plain prefixes (two with a backend path), three exact
// paths, two {param} paths (one with two variables and a mapping) and one
// "^~" prefix or regex, alternately; methods cycle through GET, POST and
// ANY; a quarter of the APIs declare a query parameter and a constant.
// Generate(50, 200) is the 10,000-API table.
func Generate(services, apisPerService int) *model.Published {
	p := &model.Published{Revision: 1, BaseDomain: BaseDomain}
	methods := []string{"GET", "POST", "ANY"}
	for s := 0; s < services; s++ {
		sid := fmt.Sprintf("service-%04d", s)
		apis := make([]model.API, 0, apisPerService)
		for j := 0; j < apisPerService; j++ {
			a := model.API{
				ServiceId:   sid,
				ApiId:       fmt.Sprintf("api-%04d-%04d", s, j),
				ApiName:     fmt.Sprintf("api %d of %s", j, sid),
				ServiceType: "HTTP",
				RequestConfig: model.RequestConfig{
					Method: methods[(s+j)%len(methods)],
				},
				ServiceConfig: model.ServiceConfig{Url: "http://127.0.0.1:9000", Method: "GET"},
			}
			seg := fmt.Sprintf("s%d", j)
			switch j % 10 {
			case 0, 1:
				a.RequestConfig.Path = "/" + seg + "/items/"
			case 2, 3:
				a.RequestConfig.Path = "/" + seg + "/items/"
				a.ServiceConfig.Path = "/backend/" + seg + "/"
			case 4, 5, 6:
				a.RequestConfig.Path = "=/" + seg + "/get"
			case 7:
				a.RequestConfig.Path = "/" + seg + "/users/{id}"
				a.RequestParameters = append(a.RequestParameters, model.RequestParameter{Name: "id", Position: "path", Type: "int", Required: true})
				a.ServiceConfig.Path = "/users/{id}"
			case 8:
				a.RequestConfig.Path = "/" + seg + "/users/{id}/orders/{oid}"
				a.RequestParameters = append(a.RequestParameters,
					model.RequestParameter{Name: "id", Position: "path", Required: true},
					model.RequestParameter{Name: "oid", Position: "path", Required: true})
				a.ServiceParameters = append(a.ServiceParameters, model.ServiceParameter{
					Name: "order", Position: "query", RelevantRequestParameterName: "oid", RelevantRequestParameterPosition: "path"})
			case 9:
				if (j/10)%2 == 0 {
					a.RequestConfig.Path = "^~/" + seg + "/static/"
				} else {
					a.RequestConfig.Path = "~/" + seg + "/v[0-9]+/"
				}
			}
			if j%4 == 0 {
				a.RequestParameters = append(a.RequestParameters, model.RequestParameter{Name: "page", Position: "query", Type: "int", DefaultValue: "1"})
				a.ConstantParameters = append(a.ConstantParameters, model.ConstantParameter{Name: "X-Tenant", Position: "header", DefaultValue: "bench"})
			}
			apis = append(apis, a)
		}
		p.Services = append(p.Services, model.PublishedService{
			Service:      model.Service{ServiceId: sid, ServiceName: sid, Protocol: "http"},
			Environments: []model.PublishedEnvironment{{EnvironmentName: "release", VersionName: "v1", Apis: apis}},
		})
	}
	return p
}

// Request is a sample request for a generated model.
type Request struct {
	Host, Method, Path string
	ApiId              string //nolint:revive // the API it must reach
}

// Requests returns, for each API of p whose path is of the given kind
// ("exact", "prefix", "param", "priority" or "regex"), a request that
// reaches it: the host is the service's default domain, the method the
// API's (GET for ANY).
func Requests(p *model.Published, kind string) []Request {
	var out []Request
	for _, ps := range p.Services {
		host := ps.Service.ServiceId + "." + p.BaseDomain
		for _, e := range ps.Environments {
			for _, a := range e.Apis {
				path, k := samplePath(a.RequestConfig.Path)
				if k != kind {
					continue
				}
				m := a.RequestConfig.Method
				if m == "ANY" || m == "" {
					m = "GET"
				}
				out = append(out, Request{Host: host, Method: m, Path: "/" + e.EnvironmentName + path, ApiId: a.ApiId})
			}
		}
	}
	return out
}

func samplePath(p string) (string, string) {
	switch {
	case strings.HasPrefix(p, "="):
		return p[1:], "exact"
	case strings.HasPrefix(p, "^~"):
		return p[2:] + "app.js", "priority"
	case strings.HasPrefix(p, "~"):
		return strings.Replace(strings.TrimPrefix(p, "~"), "v[0-9]+", "v12", 1) + "x", "regex"
	case strings.Contains(p, "{"):
		parts := strings.Split(p, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, "{") {
				parts[i] = fmt.Sprint(1000 + i)
			}
		}
		return strings.Join(parts, "/"), "param"
	}
	return p + "2024/report.html", "prefix"
}
