package router

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// The fuzz test checks Lookup against refLookup, a deliberately naive
// implementation of the same rules: strings instead of buffers, a token
// list instead of a one-pass normaliser, and a linear scan over every API
// instead of maps and trees.

// fuzzPool is the API pool of svc-a's release environment; the fuzzer's
// mask picks one of 256 subsets (no two entries share method and path, so
// every subset compiles). Few subsets keep compiles rare: each is compiled
// once and cached, also while the fuzzer minimises inputs.
var fuzzPool = []struct{ method, path string }{
	{"GET", "=/admin"}, {"GET", "^~/static/"}, {"ANY", "^~/static/img/"}, {"GET", "~/re/[0-9]+"},
	{"GET", "/user/{id}"}, {"GET", "/user/{id}/posts/{pid}"}, {"ANY", "~*/ci/x"}, {"ANY", "/user"},
	{"GET", "/apia/"}, {"GET", "/"}, {"POST", "=/submit"}, {"ANY", "=/submit"},
	{"GET", "=/both"}, {"HEAD", "=/both"}, {"ANY", "~/order/"}, {"GET", "/order/{id}"},
	{"GET", "/item/{id}"}, {"GET", "~/item/[0-9]+"}, {"GET", "=/static/x"}, {"ANY", "/usertest"},
	{"GET", "^~/re/1"}, {"PUT", "/put-only"}, {"GET", "=/café"}, {"GET", "^~/secret"},
	{"DELETE", "/v/{x}"}, {"POST", "/v/{y}"}, {"PATCH", "/{a}/{b}"}, {"ANY", "/user/{id}"},
	{"POST", "~/user/[a-z]+"}, {"GET", "/public"}, {"DELETE", "=/"}, {"PUT", "^~/user/"},
}

func fuzzModel(mask uint32) *model.Published {
	var release []model.API
	sel := (mask & 0xff) * 2654435761 // 0: the whole pool
	for i, pa := range fuzzPool {
		if sel != 0 && sel&(1<<i) == 0 {
			continue
		}
		a := api(fmt.Sprintf("p%d", i), pa.method, pa.path)
		for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(pa.path, -1) {
			a.RequestParameters = append(a.RequestParameters, model.RequestParameter{Name: m[1], Position: "path"})
		}
		release = append(release, a)
	}
	p := withServiceB(published("gw.test", "svc-a", map[string][]model.API{
		"release": release,
		"test":    {api("t0", "GET", "/only"), api("t1", "ANY", "=/x"), api("t2", "POST", "~/x")},
	}, "release", "test"), "b0")
	p.Services[0].Domains = []model.CustomDomain{
		{SubDomain: "a.example", IsDefaultMapping: true},
		{SubDomain: "m.example", PathMappingSet: []model.PathMapping{
			{Path: "/", Environment: "release"}, {Path: "/t", Environment: "test"},
			{Path: "/t/deep", Environment: "release"}, {Path: "/p", Environment: "prepub"}}},
	}
	return p
}

// ---- reference implementation ----

type refAPI struct {
	index  int
	id     string
	method string // upper case, "ANY"
	kind   Kind
	path   string   // canonical (exact, priority, prefix)
	segs   []string // param: canonical literals, "" for a variable
	names  []string
	re     *regexp.Regexp
	group  string // kind + pattern: APIs differing only by method
}

type refEnv struct {
	name string
	apis []refAPI
}

type refHost struct {
	svc      string
	envs     []refEnv
	def      bool
	mappings []model.PathMapping
}

type refTable struct{ hosts map[string]*refHost }

func refCompile(p *model.Published) *refTable {
	t := &refTable{hosts: map[string]*refHost{}}
	index := 0
	for _, ps := range p.Services {
		var envs []refEnv
		for _, pe := range ps.Environments {
			e := refEnv{name: pe.EnvironmentName}
			for _, a := range pe.Apis {
				e.apis = append(e.apis, refParse(index, a))
				index++
			}
			envs = append(envs, e)
		}
		t.hosts[strings.ToLower(ps.Service.ServiceId+"."+p.BaseDomain)] = &refHost{svc: ps.Service.ServiceId, envs: envs, def: true}
		for _, d := range ps.Domains {
			t.hosts[strings.ToLower(d.SubDomain)] = &refHost{svc: ps.Service.ServiceId, envs: envs, def: d.IsDefaultMapping, mappings: d.PathMappingSet}
		}
	}
	return t
}

func refParse(index int, a model.API) refAPI {
	r := refAPI{index: index, id: a.ApiId, method: strings.ToUpper(a.RequestConfig.Method)}
	p := a.RequestConfig.Path
	switch {
	case strings.HasPrefix(p, "="):
		r.kind, r.path = KindExact, refCanon(p[1:])
	case strings.HasPrefix(p, "^~"):
		r.kind, r.path = KindPriority, refCanon(strings.TrimSpace(p[2:]))
	case strings.HasPrefix(p, "~*"):
		r.kind, r.re = KindRegex, regexp.MustCompile("(?i)^(?:"+p[2:]+")")
		r.path = p
	case strings.HasPrefix(p, "~"):
		r.kind, r.re = KindRegex, regexp.MustCompile("^(?:"+p[1:]+")")
		r.path = p
	case strings.Contains(p, "{"):
		r.kind = KindParam
		for _, s := range strings.Split(p[1:], "/") {
			if strings.HasPrefix(s, "{") {
				r.names = append(r.names, s[1:len(s)-1])
				r.segs = append(r.segs, "")
			} else {
				r.segs = append(r.segs, refCanon("/" + s)[1:])
			}
		}
		r.path = strings.Join(r.segs, "/")
	default:
		r.kind, r.path = KindPrefix, refCanon(p)
	}
	r.group = fmt.Sprint(r.kind, " ", r.path)
	return r
}

func refCanon(p string) string {
	c, ok := refNormalize(p)
	if !ok {
		panic("bad API path " + p)
	}
	return c
}

type refToken struct {
	b   byte
	enc bool
}

// refNormalize is the normalisation of normalize.go written the slow way.
func refNormalize(raw string) (string, bool) {
	if !strings.HasPrefix(raw, "/") {
		return "", false
	}
	var toks []refToken
	for i := 0; i < len(raw); i++ {
		if raw[i] == '%' {
			if i+2 >= len(raw) {
				return "", false
			}
			var v byte
			if _, err := fmt.Sscanf(raw[i+1:i+3], "%02x", &v); err != nil || strings.ContainsAny(raw[i+1:i+3], "+- ") {
				return "", false
			}
			toks = append(toks, refToken{v, true})
			i += 2
			continue
		}
		toks = append(toks, refToken{raw[i], false})
	}
	for _, t := range toks {
		if t.b < 0x20 || t.b == 0x7f || t.b == '\\' || !t.enc && (t.b == ' ' || t.b == '#') {
			return "", false
		}
	}
	var segs []string
	var cur strings.Builder
	for _, t := range toks[1:] {
		switch {
		case t.b == '/' && !t.enc:
			segs = append(segs, cur.String())
			cur.Reset()
		case 'a' <= t.b && t.b <= 'z' || 'A' <= t.b && t.b <= 'Z' || '0' <= t.b && t.b <= '9' || strings.IndexByte("-._~", t.b) >= 0:
			cur.WriteByte(t.b)
		case !t.enc && strings.IndexByte("!$&'()*+,;=:@", t.b) >= 0:
			cur.WriteByte(t.b)
		default:
			fmt.Fprintf(&cur, "%%%02X", t.b)
		}
	}
	segs = append(segs, cur.String())
	var out []string
	trailing := false
	for i, s := range segs {
		last := i == len(segs)-1
		if s != "." && s != ".." {
			for _, piece := range strings.Split(s, "%2F") {
				piece, _, _ = strings.Cut(piece, ";")
				piece, _, _ = strings.Cut(piece, "%3B")
				if piece == "." || piece == ".." {
					return "", false
				}
			}
		}
		switch s {
		case "", ".":
			trailing = last
		case "..":
			if len(out) == 0 {
				return "", false
			}
			out = out[:len(out)-1]
			trailing = last
		default:
			out = append(out, s)
			trailing = false
		}
	}
	p := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		p += "/"
	}
	return p, true
}

type refResult struct {
	status             int
	code, env, allow   string
	index              int
	params             string
	path, apiPath, rem string
	head               bool
}

func (r refResult) String() string {
	return fmt.Sprintf("%d %s env=%q allow=%q route=%d params=%q path=%q api=%q rem=%q head=%v",
		r.status, r.code, r.env, r.allow, r.index, r.params, r.path, r.apiPath, r.rem, r.head)
}

func refScore(a *refAPI, m string) int {
	switch {
	case a.method == m:
		return 3
	case m == "HEAD" && a.method == "GET":
		return 2
	case a.method == "ANY":
		return 1
	}
	return 0
}

func (t *refTable) lookup(method, host, path string) refResult {
	res := refResult{index: -1}
	h := strings.ToLower(host)
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			h = h[:i+1]
		}
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	rh := t.hosts[h]
	if h == "" || rh == nil {
		res.status, res.code = 404, CodeHostNotFound
		return res
	}
	p, ok := refNormalize(path)
	if !ok {
		res.status, res.code = 400, CodeBadPath
		return res
	}
	res.path = p
	envName, apiPath, found := "", "", false
	if rh.def {
		first, rest, _ := strings.Cut(p[1:], "/")
		envName, apiPath, found = first, "/"+rest, true
	} else {
		best := -1
		for _, m := range rh.mappings {
			pre := strings.TrimSuffix(m.Path, "/")
			if strings.HasPrefix(p, pre) && (len(p) == len(pre) || p[len(pre)] == '/') && len(pre) > best {
				best, envName, apiPath, found = len(pre), m.Environment, p[len(pre):], true
			}
		}
		if apiPath == "" {
			apiPath = "/"
		}
	}
	var env *refEnv
	for i := range rh.envs {
		if found && rh.envs[i].name == envName {
			env = &rh.envs[i]
		}
	}
	if env == nil {
		res.status, res.code = 404, CodeEnvironmentNotFound
		return res
	}
	res.env, res.apiPath = env.name, apiPath
	choose := func(a *refAPI, rem int, params string) refResult {
		res.index, res.rem, res.params = a.index, apiPath[rem:], params
		res.head = method == "HEAD" && a.method == "GET"
		return res
	}
	// Tier 1.
	var best *refAPI
	for i := range env.apis {
		a := &env.apis[i]
		if a.kind == KindExact && a.path == apiPath && refScore(a, method) > 0 && (best == nil || refScore(a, method) > refScore(best, method)) {
			best = a
		}
	}
	if best != nil {
		return choose(best, len(apiPath), "")
	}
	// Tiers 2 and 4: longest prefix, then the best method.
	longest := func(k Kind) *refAPI {
		var best *refAPI
		for i := range env.apis {
			a := &env.apis[i]
			if a.kind != k || !strings.HasPrefix(apiPath, a.path) || refScore(a, method) == 0 {
				continue
			}
			if best == nil || len(a.path) > len(best.path) || len(a.path) == len(best.path) && refScore(a, method) > refScore(best, method) {
				best = a
			}
		}
		return best
	}
	if b := longest(KindPriority); b != nil {
		return choose(b, len(b.path), "")
	}
	// Tier 3: first-defined group, then the best method in it.
	groupOrder := map[string]int{}
	for i := range env.apis {
		if _, ok := groupOrder[env.apis[i].group]; !ok {
			groupOrder[env.apis[i].group] = env.apis[i].index
		}
	}
	paramMatch := func(a *refAPI) (string, bool) {
		segs := strings.Split(apiPath[1:], "/")
		if len(segs) != len(a.segs) {
			return "", false
		}
		var ps []string
		for i, s := range a.segs {
			if s == "" {
				if segs[i] == "" {
					return "", false
				}
				ps = append(ps, a.names[len(ps)]+"="+segs[i])
			} else if s != segs[i] {
				return "", false
			}
		}
		return strings.Join(ps, " "), true
	}
	var bestParams string
	for i := range env.apis {
		a := &env.apis[i]
		if refScore(a, method) == 0 {
			continue
		}
		var params string
		switch {
		case a.kind == KindRegex && a.re.MatchString(apiPath):
		case a.kind == KindParam:
			var ok bool
			if params, ok = paramMatch(a); !ok {
				continue
			}
		default:
			continue
		}
		if best == nil || groupOrder[a.group] < groupOrder[best.group] ||
			a.group == best.group && refScore(a, method) > refScore(best, method) {
			best, bestParams = a, params
		}
	}
	if best != nil {
		return choose(best, len(apiPath), bestParams)
	}
	if b := longest(KindPrefix); b != nil {
		return choose(b, len(b.path), "")
	}
	// 405 or 404.
	allowed := map[string]bool{}
	for i := range env.apis {
		a := &env.apis[i]
		var match bool
		switch a.kind {
		case KindExact:
			match = a.path == apiPath
		case KindPriority, KindPrefix:
			match = strings.HasPrefix(apiPath, a.path)
		case KindRegex:
			match = a.re.MatchString(apiPath)
		case KindParam:
			_, match = paramMatch(a)
		}
		if match {
			allowed[a.method] = true
			if a.method == "GET" {
				allowed["HEAD"] = true
			}
		}
	}
	if len(allowed) == 0 {
		res.status, res.code = 404, CodeAPINotFound
		return res
	}
	var list []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		if allowed[m] {
			list = append(list, m)
		}
	}
	res.status, res.code, res.allow = 405, CodeMethodNotAllowed, strings.Join(list, ", ")
	return res
}

func gotResult(res *Result) refResult {
	g := refResult{status: res.Status, code: res.Code, env: string(res.Env), allow: string(res.Allow), index: -1, path: string(res.Path), head: res.HeadFallback}
	if res.Status == 0 || res.Status == 404 && res.Code == CodeAPINotFound || res.Status == 405 {
		g.apiPath = string(res.APIPath)
	}
	if res.Status == 400 || res.Code == CodeHostNotFound {
		g.path = ""
	}
	if res.Route != nil {
		g.index = res.Route.Index
		g.rem = string(res.APIPath[res.Rem:])
		var ps []string
		for i := 0; i < res.NumParams(); i++ {
			n, v := res.ParamAt(i)
			ps = append(ps, n+"="+string(v))
		}
		g.params = strings.Join(ps, " ")
	}
	return g
}

var fuzzTables = struct {
	sync.Mutex
	m map[uint32]*[2]any
}{m: map[uint32]*[2]any{}}

func fuzzTablesFor(t testing.TB, mask uint32) (*Table, *refTable) {
	fuzzTables.Lock()
	defer fuzzTables.Unlock()
	if c := fuzzTables.m[mask]; c != nil {
		return c[0].(*Table), c[1].(*refTable)
	}
	p := fuzzModel(mask)
	tb, err := Compile(p)
	if err != nil {
		t.Fatalf("mask %#x: %v", mask, err)
	}
	ref := refCompile(p)
	fuzzTables.m[mask] = &[2]any{tb, ref}
	return tb, ref
}

func FuzzLookup(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzLookup.
	for _, c := range lookupCases {
		m, h := c.method, c.host
		if m == "" {
			m = "GET"
		}
		if h == "" || h == "-" {
			h = "svc-a.gw.test"
		}
		f.Add(m, h, c.path, uint32(0))
	}
	f.Add("GET", "m.example", "/t/deep/user/1", uint32(0))
	f.Add("HEAD", "A.example.:8080", "/release/user/%41/posts/..%2e/x", uint32(0x5555))
	var res Result
	f.Fuzz(func(t *testing.T, method, host, path string, mask uint32) {
		tb, ref := fuzzTablesFor(t, mask&0xff)
		tb.Lookup(&Request{Method: []byte(method), Host: []byte(host), Path: []byte(path)}, &res)
		got, want := gotResult(&res), ref.lookup(method, host, path)
		if got != want {
			t.Fatalf("%s %s %q mask %#x:\n got  %v\n want %v", method, host, path, mask, got, want)
		}
	})
}

// TestReference runs the reference over the table cases, so that a wrong
// reference is caught without fuzzing, and checks that the pool covers
// every kind of path.
func TestReference(t *testing.T) {
	tb, ref := fuzzTablesFor(t, 0)
	var res Result
	kinds := map[Kind]bool{}
	for _, r := range tb.Routes() {
		kinds[r.Kind] = true
	}
	if len(kinds) != 5 {
		t.Fatalf("fuzz pool kinds %v", kinds)
	}
	for _, c := range lookupCases {
		m := c.method
		if m == "" {
			m = "GET"
		}
		host := "svc-a.gw.test"
		tb.Lookup(&Request{Method: []byte(m), Host: []byte(host), Path: []byte(c.path)}, &res)
		got, want := gotResult(&res), ref.lookup(m, host, c.path)
		if got != want {
			t.Errorf("%s %q:\n got  %v\n want %v", m, c.path, got, want)
		}
	}
}
