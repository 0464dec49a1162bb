package router

import (
	"testing"

	"github.com/edgegate/edgegate/model"
)

// The host's protocols and forced-HTTPS flag reach the lookup result: a
// custom domain's own Protocol, else its service's; default domains get
// the service's. They are set on route failures too, but not when no host
// matches.
func TestLookupProto(t *testing.T) {
	env := []model.PublishedEnvironment{{EnvironmentName: "release", Apis: []model.API{api("a", "GET", "/a")}}}
	p := &model.Published{BaseDomain: "gw", Services: []model.PublishedService{
		{Service: model.Service{ServiceId: "s1", Protocol: "HTTPS"}, Environments: env, Domains: []model.CustomDomain{
			{SubDomain: "own.org", IsDefaultMapping: true, Protocol: "http&https", IsForcedHttps: true},
			{SubDomain: "inherit.org", IsDefaultMapping: true},
		}},
		{Service: model.Service{ServiceId: "s2", Protocol: "http"}, Environments: env},
		{Service: model.Service{ServiceId: "s3"}, Environments: env},
	}}
	tb := mustCompile(t, p)
	var res Result
	for _, c := range []struct {
		host, path string
		proto      Proto
		force      bool
		status     int
	}{
		{"own.org", "/release/a", ProtoBoth, true, 0},
		{"OWN.org:8443", "/release/nope", ProtoBoth, true, 404},
		{"inherit.org", "/release/a", ProtoHTTPS, false, 0},
		{"s1.gw", "/release/a", ProtoHTTPS, false, 0},
		{"s2.gw", "/release/a", ProtoHTTP, false, 0},
		{"s2.gw", "/test/a", ProtoHTTP, false, 404},
		{"s3.gw", "/release/a", ProtoBoth, false, 0},
		{"unknown.gw", "/release/a", 0, false, 404},
	} {
		tb.Lookup(&Request{Host: []byte(c.host), Method: []byte("GET"), Path: []byte(c.path)}, &res)
		if res.Proto != c.proto || res.ForceHTTPS != c.force || res.Status != c.status {
			t.Errorf("%s%s: proto %d force %v status %d, want %d %v %d", c.host, c.path, res.Proto, res.ForceHTTPS, res.Status, c.proto, c.force, c.status)
		}
	}
}

func TestParseProto(t *testing.T) {
	for in, want := range map[string]Proto{"": ProtoBoth, "http": ProtoHTTP, " HTTPS ": ProtoHTTPS, "Http&Https": ProtoBoth} {
		if got, ok := ParseProto(in); !ok || got != want {
			t.Errorf("%q: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"ws", "https&http", "http https"} {
		if _, ok := ParseProto(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}
