package edge

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/cond"
	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/limiter"
	"github.com/edgegate/edgegate/router"
	"github.com/edgegate/edgegate/snapshot"
)

// trafficRT is the flow-control and CORS state of an installed snapshot:
// the compiled limits of snapshot.Traffic bound to limiter counters (kept
// by stable id in the Server's Registry, so a reload keeps every window
// and quota), and CORS (cors.go). README "Rate limiting".
type trafficRT struct {
	// cors is indexed by router.Route.Index; nil where a route has none.
	cors    []*corsRT
	anyCORS bool
	// routes is indexed by router.Route.Index; nil when nothing is limited.
	routes []routeLimits
	// plans holds the usage-plan limits of each key grant (SECRET routes).
	plans map[*snapshot.Grant]*planRT
	// tab is the process's key table (per-IP, per-app, per-value counts).
	tab *limiter.Table
	// perIP: some route counts per client address in tab (peek.go).
	perIP bool
	// quotaMax holds each usage-plan quota's maximum, applied by Swap once
	// this runtime is stored (the quotas are live objects shared across
	// reloads; a build that fails must not change them).
	quotaMax []quotaMax
}

type quotaMax struct {
	q   *limiter.Quota
	max int64
}

// commitQuotas applies rt's usage-plan maxima; Swap calls it after the
// pointer store.
func (rt *runtime) commitQuotas() {
	for _, m := range rt.traffic.quotaMax {
		m.q.SetMax(m.max)
	}
}

// limitInfo names a rule for its 429: a stable code and a message built
// once per snapshot, so a refusal allocates nothing.
type limitInfo struct {
	code string
	msg  string
	rule string // the rule's configured name, for the refusal counts (obs.go)
	idx  int32  // its refusal series (obsRegistry.limit)
}

// Refusal codes (README "Error codes").
const (
	codeRateLimit = "RateLimitExceeded"
	codeQuota     = "QuotaExceeded"
)

// routeLimits is what one route checks besides its caller's usage plan.
type routeLimits struct {
	any    bool
	static []limiter.Step // API windows and the service environment cap
	info   []*limitInfo   // parallel to static
	flow   *flowRT
	params []paramRT
}

type ruleRT struct {
	rule *limiter.TableRule
	info *limitInfo
}

type counterRT struct {
	c    *limiter.Counter
	info *limitInfo
}

// flowRT is a TrafficControl plugin's per-app and per-IP part. Generic
// limits count each app or IP in the shared Table; special apps and IPs
// (at most 30 each) get their own counters.
type flowRT struct {
	app, ip, user      *ruleRT
	specApps, specKeys map[string]counterRT
	specIPs            map[netip.Addr]counterRT
}

// paramRT is one TrafficControlByParameter strategy.
type paramRT struct {
	s *snapshot.ParamStrategy
	r ruleRT
}

// planRT is one (usage plan, key) pair: the plan's QPS per key and the
// plan's total quota.
type planRT struct {
	qps       *limiter.Counter
	qpsInfo   *limitInfo
	quota     *limiter.Quota
	quotaInfo *limitInfo
	// limitHdr is "X-RateLimit-Limit: <MaxRequestNumPreSec>\r\n" (seed
	// API调用 响应头: 使用计划中的限流配置), nil without a QPS cap.
	limitHdr []byte
}

// limLoop is one event loop's scratch for checkTraffic.
type limLoop struct {
	steps []limiter.Step
	info  []*limitInfo
	cr    condReq
	ip    [48]byte
}

// DefaultLimiterKeys is the default capacity of the key table that counts
// client IPs, apps and parameter values (84 bytes per key: ~88 MB,
// allocated on the first snapshot that needs it).
const DefaultLimiterKeys = 1 << 20

// limiterMarks is the table's marks per key (limiter.NewTable).
const limiterMarks = 4

func windowDur(w snapshot.Window) time.Duration { return time.Duration(w.Seconds()) * time.Second }

func (s *Server) limTable() (*limiter.Table, error) {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	if s.limTab == nil {
		t, err := limiter.NewTable(s.cfg.LimiterKeys, limiterMarks)
		if err != nil {
			return nil, err
		}
		s.limTab = t
	}
	return s.limTab, nil
}

// tableRule returns the table rule of key with limit l. The limit is part
// of the rule's id: a changed limit starts fresh counts.
func (s *Server) tableRule(key string, l limiter.Limit, info *limitInfo) (*ruleRT, error) {
	t, err := s.limTable()
	if err != nil {
		return nil, err
	}
	id := limiter.HashString(0, key+"|"+strconv.FormatInt(l.N, 10)+"/"+l.Per.String())
	r, err := t.Rule(id, l)
	if err != nil {
		return nil, err
	}
	return &ruleRT{rule: r, info: info}, nil
}

// paramSrc names a strategy's parameter source in messages.
var paramSrc = map[cond.Source]string{cond.Header: "header", cond.Query: "query", cond.Path: "path"}

func perText(w snapshot.Window) string { return "per " + w.String() }

func (s *Server) installTraffic(rt *runtime) error {
	tr := rt.snap.Traffic
	if err := s.installPlans(rt); err != nil {
		return err
	}
	if tr == nil {
		return nil
	}
	rt.traffic.anyCORS = tr.AnyCORS
	if tr.AnyCORS {
		rt.traffic.cors = make([]*corsRT, len(tr.Routes))
		for i := range tr.Routes {
			if p := tr.Routes[i].CORS; p != nil {
				rt.traffic.cors[i] = newCorsRT(p)
			}
		}
	}
	routes := make([]routeLimits, len(tr.Routes))
	anyRoute := false
	for i := range tr.Routes {
		if err := s.installRoute(&routes[i], &tr.Routes[i]); err != nil {
			return err
		}
		anyRoute = anyRoute || routes[i].any
		if f := routes[i].flow; f != nil && f.ip != nil {
			rt.traffic.perIP = true // peek.go
		}
	}
	if anyRoute {
		rt.traffic.routes = routes
	}
	s.limMu.Lock()
	rt.traffic.tab = s.limTab
	s.limMu.Unlock()
	return nil
}

func (s *Server) installRoute(rl *routeLimits, t *snapshot.RouteTraffic) error {
	reg := s.lim
	for w := snapshot.Window(0); w < snapshot.NumWindows; w++ {
		n := t.API[w]
		if n <= 0 {
			continue
		}
		c, err := reg.Counter(t.APIKey+":"+w.String(), limiter.Limit{N: n, Per: windowDur(w)})
		if err != nil {
			return err
		}
		rl.static = append(rl.static, limiter.Step{Counter: c})
		rl.info = append(rl.info, s.newLimitInfo(codeRateLimit, t.APISource[w],
			fmt.Sprintf("API rate limit exceeded: %d requests %s (%s)", n, perText(w), t.APISource[w])))
	}
	if sh := t.Shared; sh.Limit > 0 {
		// One counter for every API of the plugin (same id, same counter).
		c, err := reg.Counter(t.SharedKey+":"+sh.Window.String(), limiter.Limit{N: sh.Limit, Per: windowDur(sh.Window)})
		if err != nil {
			return err
		}
		src := "plugin:" + strings.TrimSuffix(strings.TrimPrefix(t.SharedKey, "plugin:"), ":shared")
		rl.static = append(rl.static, limiter.Step{Counter: c})
		rl.info = append(rl.info, s.newLimitInfo(codeRateLimit, src,
			fmt.Sprintf("shared rate limit exceeded: %d requests %s for all the APIs of %s", sh.Limit, perText(sh.Window), src)))
	}
	if t.Service > 0 {
		c, err := reg.Counter(t.ServiceKey+":second", limiter.Limit{N: t.Service, Per: time.Second})
		if err != nil {
			return err
		}
		rl.static = append(rl.static, limiter.Step{Counter: c})
		rl.info = append(rl.info, s.newLimitInfo(codeRateLimit, "service-strategy",
			fmt.Sprintf("service environment rate limit exceeded: %d requests per second for all of its APIs (service-strategy)", t.Service)))
	}
	if f := t.Flow; f != nil {
		fr := &flowRT{}
		per, src := windowDur(f.Window), "plugin:"+f.PluginId
		var err error
		if f.App > 0 {
			info := s.newLimitInfo(codeRateLimit, src, fmt.Sprintf("per-app rate limit exceeded: %d requests %s for each app (%s)", f.App, perText(f.Window), src))
			if fr.app, err = s.tableRule(f.KeyPrefix+"app", limiter.Limit{N: f.App, Per: per}, info); err != nil {
				return err
			}
		}
		if f.IP > 0 {
			info := s.newLimitInfo(codeRateLimit, src, fmt.Sprintf("per-client-IP rate limit exceeded: %d requests %s for each client IP (%s)", f.IP, perText(f.Window), src))
			if fr.ip, err = s.tableRule(f.KeyPrefix+"ip", limiter.Limit{N: f.IP, Per: per}, info); err != nil {
				return err
			}
		}
		if f.User > 0 {
			info := s.newLimitInfo(codeRateLimit, src, fmt.Sprintf("per-key rate limit exceeded: %d requests %s for each API key (%s)", f.User, perText(f.Window), src))
			if fr.user, err = s.tableRule(f.KeyPrefix+"user", limiter.Limit{N: f.User, Per: per}, info); err != nil {
				return err
			}
		}
		if fr.specApps, err = s.specialCounters(f.KeyPrefix+"app:", "app", f.SpecialApps, per, f.Window, src); err != nil {
			return err
		}
		if fr.specKeys, err = s.specialCounters(f.KeyPrefix+"user:", "API key", f.SpecialUsers, per, f.Window, src); err != nil {
			return err
		}
		if len(f.SpecialIPs) > 0 {
			fr.specIPs = map[netip.Addr]counterRT{}
			for ip, n := range f.SpecialIPs {
				a, err := netip.ParseAddr(ip)
				if err != nil {
					return fmt.Errorf("edge: special IP %q: %w", ip, err)
				}
				c, err := reg.Counter(f.KeyPrefix+"ip:"+ip, limiter.Limit{N: n, Per: per})
				if err != nil {
					return err
				}
				fr.specIPs[a.Unmap()] = counterRT{c, s.newLimitInfo(codeRateLimit, src,
					fmt.Sprintf("rate limit of client IP %s exceeded: %d requests %s (%s)", ip, n, perText(f.Window), src))}
			}
		}
		rl.flow = fr
	}
	if p := t.Params; p != nil {
		for i := range p.Strategies {
			st := &p.Strategies[i]
			where := paramSrc[st.Param.Src] + "." + st.Param.Name
			if st.Param.Name == "" {
				where = "the API path"
			}
			info := s.newLimitInfo(codeRateLimit, "plugin:"+p.PluginId, fmt.Sprintf("parameter rate limit exceeded: strategy %q allows %d requests %s for each value of %s (plugin:%s)",
				st.Name, st.Limit.Limit, perText(st.Limit.Window), where, p.PluginId))
			r, err := s.tableRule(p.KeyPrefix+st.Name, limiter.Limit{N: st.Limit.Limit, Per: windowDur(st.Limit.Window)}, info)
			if err != nil {
				return err
			}
			rl.params = append(rl.params, paramRT{s: st, r: *r})
		}
	}
	rl.any = len(rl.static) > 0 || rl.flow != nil || len(rl.params) > 0
	return nil
}

// specialCounters gives each special caller (app or API key) of a
// TrafficControl plugin its own counter; nil when there is none.
func (s *Server) specialCounters(prefix, what string, limits map[string]int64, per time.Duration, w snapshot.Window, src string) (map[string]counterRT, error) {
	if len(limits) == 0 {
		return nil, nil
	}
	out := make(map[string]counterRT, len(limits))
	for id, n := range limits {
		c, err := s.lim.Counter(prefix+id, limiter.Limit{N: n, Per: per})
		if err != nil {
			return nil, err
		}
		out[id] = counterRT{c, s.newLimitInfo(codeRateLimit, src,
			fmt.Sprintf("rate limit of %s %s exceeded: %d requests %s (%s)", what, id, n, perText(w), src))}
	}
	return out, nil
}

// quotaPrefix starts the limiter id of a plan's quota counter.
const quotaPrefix = "quota:"

// installPlans binds every key grant of a SECRET route to its plan's
// limits. The QPS cap (MaxRequestNumPreSec) counts per key within the
// plan, counter "plan:<plan>:key:<SecretId>" (seed 000 lists it with each
// key-pair's plan; one key's burst must not starve the plan's other
// keys); the quota (MaxRequestNum) counts per plan, "quota:<plan>" (seed:
// InUseRequestNum is a field of the plan).
func (s *Server) installPlans(rt *runtime) error {
	acc := rt.snap.Access
	if acc == nil || rt.snap.Published == nil || rt.snap.Published.Access == nil {
		return nil
	}
	plans := map[string]*planDef{}
	for _, p := range rt.snap.Published.Access.Plans {
		if p.MaxRequestNum < 0 && p.MaxRequestNumPreSec <= 0 {
			continue
		}
		d := &planDef{qps: p.MaxRequestNumPreSec, max: p.MaxRequestNum}
		if p.MaxRequestNum >= 0 {
			d.quota = s.lim.Quota(quotaPrefix+p.UsagePlanId, p.MaxRequestNum)
			rt.traffic.quotaMax = append(rt.traffic.quotaMax, quotaMax{d.quota, p.MaxRequestNum})
			d.quotaInfo = s.newLimitInfo(codeQuota, "plan:"+p.UsagePlanId, fmt.Sprintf("usage plan quota exhausted: %s allows %d requests in total (MaxRequestNum)", p.UsagePlanId, p.MaxRequestNum))
		}
		plans[p.UsagePlanId] = d
	}
	if len(plans) == 0 {
		return nil
	}
	byPair := map[string]*planRT{}
	out := map[*snapshot.Grant]*planRT{}
	for i := range acc.Routes {
		for _, g := range acc.Routes[i].Grants {
			d := plans[g.PlanId]
			if d == nil {
				continue
			}
			pair := g.PlanId + ":key:" + g.Key.SecretId
			p := byPair[pair]
			if p == nil {
				p = &planRT{quota: d.quota, quotaInfo: d.quotaInfo}
				if d.qps > 0 {
					c, err := s.lim.Counter("plan:"+pair, limiter.Limit{N: d.qps, Per: time.Second})
					if err != nil {
						return err
					}
					p.qps = c
					p.qpsInfo = s.newLimitInfo(codeRateLimit, "plan:"+g.PlanId, fmt.Sprintf("usage plan rate limit exceeded: %s allows %d requests per second for each key (MaxRequestNumPreSec)", g.PlanId, d.qps))
					p.limitHdr = []byte("X-RateLimit-Limit: " + strconv.FormatInt(d.qps, 10) + "\r\n")
				}
				byPair[pair] = p
			}
			out[g] = p
		}
	}
	rt.traffic.plans = out
	return nil
}

type planDef struct {
	qps, max  int64
	quota     *limiter.Quota
	quotaInfo *limitInfo
}

// checkTraffic applies CORS, then every rate limit that applies to the
// request (README "Rate limiting"): the caller's usage plan (QPS per key,
// then the plan's quota), the flow-control plugin's per-IP and per-app
// limits, the parameter strategies whose condition holds, the API's
// windows and the service environment's cap. A refusal is a 429 counted
// in Stats.FrontendErrors. It does not allocate.
func (cl *client) checkTraffic(a *apiRT, req *http1.Request, rr *router.Request, res *router.Result) bool {
	t := &cl.rt.traffic
	if t.anyCORS {
		if c := t.cors[a.id]; c != nil {
			cl.corsActual(c, req)
		}
	}
	var pl *planRT
	if g := cl.l.auth.grant; g != nil && t.plans != nil {
		pl = t.plans[g]
	}
	var rl *routeLimits
	if t.routes != nil && t.routes[a.id].any {
		rl = &t.routes[a.id]
	}
	if rl == nil && pl == nil {
		return true
	}
	return cl.takeLimits(rl, pl, req, res)
}

// caller adds the limit of caller id: its special counter, else the
// generic rule (nil: none).
func (f *flowRT) caller(steps []limiter.Step, info []*limitInfo, tab *limiter.Table, special map[string]counterRT, generic *ruleRT, id string) ([]limiter.Step, []*limitInfo) {
	if c, ok := special[id]; ok {
		return append(steps, limiter.Step{Counter: c.c}), append(info, c.info)
	}
	if generic != nil {
		return append(steps, limiter.Step{Table: tab, Rule: generic.rule, Key: generic.rule.KeyString(id)}), append(info, generic.info)
	}
	return steps, info
}

// ipKey is the table key of client address a under a per-IP rule.
func ipKey(r *limiter.TableRule, a netip.Addr) uint64 {
	a16 := a.As16()
	return r.Key(a16[:])
}

func (cl *client) takeLimits(rl *routeLimits, pl *planRT, req *http1.Request, res *router.Result) bool {
	l := cl.l
	lm := &l.lim
	tab := cl.rt.traffic.tab
	steps, info := lm.steps[:0], lm.info[:0]
	now := l.now()
	// Most likely to refuse first (limiter.TakeAll): per-caller limits,
	// then the API's, the quota last so refusals by others never touch it.
	if pl != nil && pl.qps != nil {
		steps, info = append(steps, limiter.Step{Counter: pl.qps}), append(info, pl.qpsInfo)
	}
	if rl != nil {
		cl.peekRule = nil
		if f := rl.flow; f != nil {
			if f.ip != nil || f.specIPs != nil {
				ip := cl.clientIP(req)
				if c, ok := f.specIPs[ip]; ok {
					steps, info = append(steps, limiter.Step{Counter: c.c}), append(info, c.info)
				} else if f.ip != nil {
					steps = append(steps, limiter.Step{Table: tab, Rule: f.ip.rule, Key: ipKey(f.ip.rule, ip)})
					info = append(info, f.ip.info)
					if ip != cl.peer {
						// Only a forwarded caller changes from request to
						// request on a connection (the peer's key stays
						// warm): peek.go guesses the next one's key by it.
						cl.peekRule = f.ip.rule
					}
				}
			}
			// Apps are the callers of APP routes (seed 基础流控: 应用流控值).
			if app := l.auth.app; app != nil {
				steps, info = f.caller(steps, info, tab, f.specApps, f.app, app.ApiAppId)
			}
			// API keys are the callers of SECRET routes (Huawei's users).
			if g := l.auth.grant; g != nil && g.Key != nil {
				steps, info = f.caller(steps, info, tab, f.specKeys, f.user, g.Key.SecretId)
			}
		}
		if len(rl.params) > 0 {
			// Every strategy whose condition holds applies, by descending
			// weight; any refusal rejects (seed 参数流量控制 原理详解).
			ipText := cl.clientIP(req).AppendTo(lm.ip[:0])
			lm.cr.reset(req, res, ipText)
			for i := range rl.params {
				p := &rl.params[i]
				if !p.s.Cond.Eval(&lm.cr) {
					continue
				}
				v, ok := lm.cr.param(p.s.Param)
				if !ok {
					continue // the request lacks the parameter: nothing to count by
				}
				steps = append(steps, limiter.Step{Table: tab, Rule: p.r.rule, Key: p.r.rule.Key(v)})
				info = append(info, p.r.info)
			}
			lm.cr.reset(nil, nil, nil)
		}
		steps, info = append(steps, rl.static...), append(info, rl.info...)
	}
	if pl != nil && pl.quota != nil {
		steps, info = append(steps, limiter.Step{Quota: pl.quota}), append(info, pl.quotaInfo)
	}
	r, i := limiter.TakeAll(steps, l.idx, now)
	var refused *limitInfo
	if i >= 0 {
		refused = info[i]
	}
	lm.steps, lm.info = steps[:0], info[:0]
	if refused == nil {
		cl.ob.limPass = true
		if pl != nil {
			cl.planHeaders(pl)
		}
		return true
	}
	cl.refuseLimit(refused, r)
	return false
}

// planHeaders adds the seed's usage-plan headers to an admitted call (seed
// API调用 响应头): X-RateLimit-Limit is the plan's QPS cap
// (使用计划中的限流配置), X-RateLimit-Used is "<used>/<MaxRequestNum>" of
// the plan's quota (使用计划中的限流使用情况, e.g. 100/125), this request
// included.
func (cl *client) planHeaders(pl *planRT) {
	b := append(cl.respExtra, pl.limitHdr...)
	if q := pl.quota; q != nil {
		b = append(b, "X-RateLimit-Used: "...)
		b = strconv.AppendInt(b, q.Used(), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, q.Max(), 10)
		b = append(b, "\r\n"...)
	}
	cl.respExtra = b
}

// refuseLimit answers 429 (RFC 6585 §4) with Retry-After (RFC 9110
// §10.2.3) and the X-RateLimit-Limit/-Remaining/-Reset headers (Reset in
// seconds until an admission frees up). A lifetime quota never frees up
// with time: QuotaExceeded carries no Retry-After or Reset.
func (cl *client) refuseLimit(li *limitInfo, r limiter.Result) {
	b := cl.respExtra
	if li.code != codeQuota {
		b = append(b, "Retry-After: "...)
		b = strconv.AppendInt(b, r.RetryAfter(), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "X-RateLimit-Limit: "...)
	b = strconv.AppendInt(b, r.Limit, 10)
	b = append(b, "\r\nX-RateLimit-Remaining: "...)
	b = strconv.AppendInt(b, max(r.Remaining, 0), 10)
	b = append(b, "\r\n"...)
	if li.code != codeQuota {
		b = append(b, "X-RateLimit-Reset: "...)
		b = strconv.AppendInt(b, r.RetryAfter(), 10)
		b = append(b, "\r\n"...)
	}
	cl.respExtra = b
	cl.l.ctr.add(cFrontendErrors, 1)
	cl.ob.refused, cl.ob.limit = refLimit, li
	cl.failParts(429, li.code, li.msg, nil)
}
