package router

import (
	"fmt"
	"math"
	"strings"

	"github.com/edgegate/edgegate/model"
)

// Table is the compiled, immutable form of one model.Published. After
// Compile returns it is only read, so any number of goroutines (every event
// loop) may call Lookup on it and Build on its routes concurrently.
type Table struct {
	revision uint64
	hosts    hostTable
	routes   []*Route
}

// Route is one API as published in one environment. Its exported fields are
// read-only; the rest is the compiled plan Build follows.
type Route struct {
	Index       int    // position in Table.Routes
	ServiceId   string //nolint:revive // the seed's wire names
	ApiId       string //nolint:revive
	Environment string
	API         *model.API // the definition; shared with the Published, never mutate
	Kind        Kind
	// Pattern is the canonical path the API matches: the path for exact,
	// priority and plain prefixes, the path with each variable written {}
	// for param paths, the source with its "~" or "~*" for regexes.
	Pattern string
	// NeedBody reports that Build reads or rewrites form (urlencoded) body
	// parameters: the edge should buffer an application/x-www-form-urlencoded
	// body and pass it in Request.Body with Request.Form set.
	NeedBody bool

	method int      // mANY or a method index
	params []string // {param} names in path order
	plan   plan
}

// Revision is the Published revision the table was compiled from.
func (t *Table) Revision() uint64 { return t.revision }

// Routes returns every compiled route, Route.Index being its position. The
// slice is shared: do not modify it.
func (t *Table) Routes() []*Route { return t.routes }

// service is one service's environments.
type service struct {
	id   string
	envs []*env
}

func (s *service) env(name []byte) *env {
	for _, e := range s.envs {
		if e.name == string(name) {
			return e
		}
	}
	return nil
}

// env holds the match tables of one (service, environment).
type env struct {
	name  string
	nameB []byte
	exact map[string]*entry
	// exactLen has bit n set when some exact path is n bytes long (n <
	// 256; longer ones set bit 255), so most misses skip the map.
	exactLen [4]uint64
	// tree holds the prefix tiers' radix trees (see first.go): the "^~"
	// and plain prefixes without a second '/' under the roots prioShort
	// and plainShort (-1 for none), the others under segs' roots.
	tree                  radix
	prioShort, plainShort int32
	segs                  segTable
	params                *snode  // {param} paths
	regex                 []reRef // definition order
	reLits                []byte
	// reBucket is how many regexes (consecutive in definition order) share
	// one bit of the prio tree's regex masks: 1 for up to 64 regexes.
	reBucket int
	// paramSegs has bit n set when some {param} path has n segments (n <
	// 63; more set bit 63): a path with another count skips the search.
	paramSegs uint64
}

// reRef is a regex entry with what the regex loop tests first, kept in
// one contiguous slice (and the literal prefixes in one byte slice,
// env.reLits) so that skipping a regex touches no other memory.
type reRef struct {
	order       int32
	served      uint8
	lit, litEnd uint32 // literal prefix = env.reLits[lit:litEnd]
	e           *entry
}

// host is what a Host value leads to.
type host struct {
	svc *service
	// proto is what the host is served over; forceHTTPS redirects plain
	// HTTP to HTTPS (seed: BindSubDomain Protocol, IsForcedHttps).
	proto      Proto
	forceHTTPS bool
	// defaultMapping: the first path segment names the environment.
	// Otherwise mappings choose it by path prefix (seed: PathMappingSet).
	defaultMapping bool
	mappings       []pathMapping // longest prefix first
}

type pathMapping struct {
	prefix  string // canonical, without a trailing slash; "" for "/"
	slashes int    // the '/' in prefix
	env     *env   // nil when that environment is not published
}

// Compile builds immutable match tables from everything published. Errors
// are *CompileError.
//
// Each service answers on <ServiceId>.<BaseDomain> (no default domain when
// BaseDomain is empty) and on its custom domains.
func Compile(p *model.Published) (*Table, error) {
	t := &Table{revision: p.Revision}
	hosts := map[string]*host{}
	base := ""
	if p.BaseDomain != "" {
		var ok bool
		if base, ok = hostKey(p.BaseDomain); !ok {
			return nil, &CompileError{Field: "BaseDomain", Msg: fmt.Sprintf("invalid domain %q", p.BaseDomain)}
		}
	}
	seen := map[string]bool{}
	for si := range p.Services {
		ps := &p.Services[si]
		sid := ps.Service.ServiceId
		if sid == "" {
			return nil, compileErr("", "", fmt.Sprintf("Services[%d].ServiceId", si), "ServiceId is required")
		}
		if seen[sid] {
			return nil, compileErr(sid, "", "ServiceId", "duplicate ServiceId")
		}
		seen[sid] = true
		svc := &service{id: sid}
		svcProto, ok := ParseProto(ps.Service.Protocol)
		if !ok {
			return nil, compileErr(sid, "", "Protocol", "unknown protocol %q (http, https or http&https)", ps.Service.Protocol)
		}
		for ei := range ps.Environments {
			e, err := t.compileEnv(sid, ei, &ps.Environments[ei])
			if err != nil {
				return nil, err
			}
			if svc.env(e.nameB) != nil {
				return nil, compileErr(sid, "", fmt.Sprintf("Environments[%d].EnvironmentName", ei), "environment %q published twice", e.name)
			}
			svc.envs = append(svc.envs, e)
		}
		if base != "" {
			k, ok := hostKey(sid + "." + base)
			if !ok {
				return nil, compileErr(sid, "", "ServiceId", "%q cannot be a host name label", sid)
			}
			if err := addHost(hosts, sid, "ServiceId", k, &host{svc: svc, defaultMapping: true, proto: svcProto}); err != nil {
				return nil, err
			}
		}
		for di, d := range ps.Domains {
			field := fmt.Sprintf("Domains[%d]", di)
			k, ok := hostKey(d.SubDomain)
			if !ok {
				return nil, compileErr(sid, "", field+".SubDomain", "invalid domain %q", d.SubDomain)
			}
			h := &host{svc: svc, defaultMapping: d.IsDefaultMapping, proto: svcProto, forceHTTPS: d.IsForcedHttps}
			if d.Protocol != "" {
				if h.proto, ok = ParseProto(d.Protocol); !ok {
					return nil, compileErr(sid, "", field+".Protocol", "unknown protocol %q (http, https or http&https)", d.Protocol)
				}
			}
			if !d.IsDefaultMapping {
				if err := compileMappings(sid, field, svc, d.PathMappingSet, h); err != nil {
					return nil, err
				}
			}
			if err := addHost(hosts, sid, field+".SubDomain", k, h); err != nil {
				return nil, err
			}
		}
	}
	t.hosts = newHostTable(hosts)
	return t, nil
}

func addHost(hosts map[string]*host, sid, field, k string, h *host) error {
	if old := hosts[k]; old != nil {
		return compileErr(sid, "", field, "host %q already routes to service %s", k, old.svc.id)
	}
	hosts[k] = h
	return nil
}

func compileMappings(sid, field string, svc *service, set []model.PathMapping, h *host) error {
	if len(set) == 0 {
		return compileErr(sid, "", field+".PathMappingSet", "IsDefaultMapping is false but PathMappingSet is empty")
	}
	for i, m := range set {
		f := fmt.Sprintf("%s.PathMappingSet[%d]", field, i)
		c, e := normalizePath(nil, []byte(strings.TrimSpace(m.Path)), true)
		if e != pathOK {
			return compileErr(sid, "", f+".Path", "%s", e)
		}
		prefix := strings.TrimSuffix(string(c), "/")
		for _, o := range h.mappings {
			if o.prefix == prefix {
				return compileErr(sid, "", f+".Path", "path %q mapped twice", m.Path)
			}
		}
		if m.Environment == "" {
			return compileErr(sid, "", f+".Environment", "environment is required")
		}
		h.mappings = append(h.mappings, pathMapping{prefix: prefix, slashes: strings.Count(prefix, "/"), env: svc.env([]byte(m.Environment))})
	}
	// Longest prefix first, so the first hit is the most specific.
	for i := 1; i < len(h.mappings); i++ {
		for j := i; j > 0 && len(h.mappings[j].prefix) > len(h.mappings[j-1].prefix); j-- {
			h.mappings[j], h.mappings[j-1] = h.mappings[j-1], h.mappings[j]
		}
	}
	return nil
}

func (t *Table) compileEnv(sid string, ei int, pe *model.PublishedEnvironment) (*env, error) {
	name := pe.EnvironmentName
	if name == "" || strings.ContainsAny(name, "/%?#;") || strings.TrimSpace(name) != name {
		return nil, compileErr(sid, "", fmt.Sprintf("Environments[%d].EnvironmentName", ei), "invalid environment name %q", name)
	}
	e := &env{name: name, nameB: []byte(name), exact: map[string]*entry{}}
	entries := map[string]*entry{}
	var order []*entry
	apiIDs := map[string]bool{}
	for ai := range pe.Apis {
		a := &pe.Apis[ai]
		if a.ApiId == "" {
			return nil, compileErr(sid, "", fmt.Sprintf("Environments[%d].Apis[%d].ApiId", ei, ai), "ApiId is required")
		}
		if apiIDs[a.ApiId] {
			return nil, compileErr(sid, a.ApiId, "ApiId", "duplicate ApiId in environment %s", name)
		}
		apiIDs[a.ApiId] = true
		pt, msg := parsePattern(a.RequestConfig.Path)
		if msg != "" {
			return nil, compileErr(sid, a.ApiId, "RequestConfig.Path", "%q: %s", a.RequestConfig.Path, msg)
		}
		m, ok := apiMethod(a.RequestConfig.Method)
		if !ok {
			return nil, compileErr(sid, a.ApiId, "RequestConfig.Method", "unsupported method %q (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or ANY)", a.RequestConfig.Method)
		}
		r := &Route{
			Index: len(t.routes), ServiceId: sid, ApiId: a.ApiId, Environment: name, API: a,
			Kind: pt.kind, Pattern: pt.key, method: m, params: pt.params,
		}
		if err := compilePlan(r, &pt); err != nil {
			return nil, err
		}
		key := string(rune('0'+pt.kind)) + pt.key
		en := entries[key]
		if en == nil {
			en = &entry{kind: pt.kind, key: pt.key, order: math.MaxInt, re: pt.re, segs: pt.segs}
			if pt.lit != "" {
				en.lit = []byte(pt.lit)
			}
			entries[key] = en
			order = append(order, en)
		}
		if !en.add(r) {
			other := en.any
			if m != mANY {
				other = en.explicit[m]
			}
			return nil, compileErr(sid, a.ApiId, "RequestConfig", "duplicate method+path: %s %s is also API %s in environment %s",
				methodName(m), a.RequestConfig.Path, other.ApiId, name)
		}
		t.routes = append(t.routes, r)
	}
	var prio, plain tierKeys
	nre := 0
	for _, en := range order {
		if en.kind == KindRegex {
			nre++
		}
	}
	e.reBucket = max(1, (nre+63)/64)
	for _, en := range order {
		en.finish()
		switch en.kind {
		case KindExact:
			e.exact[en.key] = en
			n := min(len(en.key), 255)
			e.exactLen[n>>6] |= 1 << (n & 63)
		case KindPriority:
			prio.at(en.key).e = en
		case KindPrefix:
			plain.at(en.key).e = en
		case KindParam:
			if e.params == nil {
				e.params = &snode{}
			}
			e.params.insert(en.segs, en)
			e.paramSegs |= 1 << min(len(en.segs), 63)
		case KindRegex:
			// Creation order is definition order.
			x := reRef{order: int32(en.order), served: en.served, lit: uint32(len(e.reLits)), e: en}
			e.reLits = append(e.reLits, en.lit...)
			x.litEnd = uint32(len(e.reLits))
			prio.at(string(en.lit)).re |= 1 << (len(e.regex) / e.reBucket)
			e.regex = append(e.regex, x)
		}
	}
	e.buildSegs(&prio, &plain)
	return e, nil
}

func methodName(m int) string {
	if m == mANY {
		return "ANY"
	}
	return methodNames[m]
}
