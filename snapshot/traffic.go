package snapshot

import (
	"fmt"
	"sort"

	"github.com/edgegate/edgegate/compression"
	"github.com/edgegate/edgegate/cond"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// Traffic is the compiled form of limits, flow-control plugins and CORS
// (issue 6): for every route, the rules that apply to it.
//
// The effective limit is the minimum of every limit that applies (seed
// 000, 基础流控插件: plugin 500 QPS, service 100 QPS, API 50 QPS → 50 QPS).
// Limits of one window that count the same thing (the API's own calls)
// are folded into one value here (RouteTraffic.API); limits that count
// different things (each app, each client IP, each parameter value, the
// whole service environment) stay separate and each must pass.
type Traffic struct {
	// Routes is indexed by router.Route.Index.
	Routes []RouteTraffic
	// AnyCORS reports that some route has a CORS policy (the edge skips
	// preflight detection otherwise).
	AnyCORS bool
}

// WindowLimit is a limit per window.
type WindowLimit struct {
	Window Window
	Limit  int64
}

// RouteTraffic is what applies to one route. Keys are stable across
// revisions (built from IDs), so limiter state survives a reload.
type RouteTraffic struct {
	// API caps the API's own calls per window (0: no cap in that window):
	// the minimum of the flow-control plugin's api_rate_limit, the API
	// environment strategy and, for Second, the service environment
	// strategy's value. APISource names the rule each value came from
	// ("plugin:<id>", "api-strategy", "service-strategy").
	API       [NumWindows]int64
	APISource [NumWindows]string
	// APIKey is the counter key of the API's own calls:
	// "api:<ServiceId>:<Environment>:<ApiId>".
	APIKey string
	// Service is the service environment's QPS cap shared by all of its
	// APIs (0: none), counted under ServiceKey "svc:<ServiceId>:<Env>".
	Service    int64
	ServiceKey string
	// Flow is the TrafficControl plugin's per-app and per-IP limits, nil
	// when none is attached.
	Flow *FlowControl
	// Params is the TrafficControlByParameter plugin, nil when none.
	Params *ParamPolicy
	// Shared is a TrafficControl plugin's api_rate_limit when the plugin
	// is shared (Huawei's throttle type 2): one count for every API it is
	// attached to, under SharedKey "plugin:<id>:shared"; Limit 0: none.
	Shared    WindowLimit
	SharedKey string
	// FlowPlugin is the ID of the flow-control plugin attached ("" none).
	FlowPlugin string
	// CORS is the route's cross-origin policy: the Cors plugin's, else the
	// API's EnableCORS default, else nil.
	CORS *CORS
	// Compression is the Compression plugin's policy (compression.go), nil
	// when none is attached.
	Compression *compression.Policy
}

// FlowControl is the per-caller part of a TrafficControl plugin, all in
// one Window. A special app, key or IP is judged by its own limit only;
// the generic app, key or IP limit does not apply to it (the API limit
// still does).
type FlowControl struct {
	PluginId string
	Window   Window
	// App and IP are the generic per-app and per-client-IP limits (0 none).
	App, IP int64
	// SpecialApps and SpecialIPs map an app ID or a canonical IP text to
	// its own limit.
	SpecialApps, SpecialIPs map[string]int64
	// User is the generic per-API-key limit (key-pair callers, by
	// SecretId; 0 none) and SpecialUsers the keys with their own.
	User         int64
	SpecialUsers map[string]int64
	// KeyPrefix starts the counter keys: KeyPrefix+"app:"+id, +"ip:"+addr,
	// +"user:"+SecretId.
	KeyPrefix string
}

// AppLimit is the limit for calls by app (0: none).
func (f *FlowControl) AppLimit(app string) int64 {
	if n, ok := f.SpecialApps[app]; ok {
		return n
	}
	return f.App
}

// IPLimit is the limit for calls from ip (canonical text; 0: none).
func (f *FlowControl) IPLimit(ip string) int64 {
	if n, ok := f.SpecialIPs[ip]; ok {
		return n
	}
	return f.IP
}

// ParamPolicy is a compiled TrafficControlByParameter plugin. Evaluation
// (seed 000 lines 1906-1911): Default (an API-wide limit) first, then
// Strategies in descending weight; a strategy whose condition holds
// limits each distinct value of its parameter; any refusal rejects.
type ParamPolicy struct {
	PluginId   string
	Default    *WindowLimit
	Strategies []ParamStrategy
	// KeyPrefix starts counter keys: KeyPrefix+"default",
	// KeyPrefix+<strategy name>+":"+<value>.
	KeyPrefix string
}

// ParamStrategy is one strategy, its condition compiled.
type ParamStrategy struct {
	Name   string
	Weight int
	Cond   *cond.Program // nil: always applies
	Param  ParamRef
	Limit  WindowLimit
}

// ParamRef is the parameter a strategy counts by. Src is cond.Header
// (Name lower case), cond.Query or cond.Path; a Path with no Name means
// the whole API path.
type ParamRef struct {
	Src  cond.Source
	Name string
}

func compileTraffic(p *model.Published, t *router.Table) (*Traffic, error) {
	routes := t.Routes()
	tr := &Traffic{Routes: make([]RouteTraffic, len(routes))}
	byKey := make(map[routeKey][]int, len(routes))
	for i, r := range routes {
		k := routeKey{r.ServiceId, r.Environment, r.ApiId}
		byKey[k] = append(byKey[k], i)
		rt := &tr.Routes[i]
		rt.APIKey = "api:" + r.ServiceId + ":" + r.Environment + ":" + r.ApiId
		rt.ServiceKey = "svc:" + r.ServiceId + ":" + r.Environment
		if r.API != nil && r.API.EnableCORS {
			rt.CORS = enableCORS(r.API.RequestConfig.Method)
		}
	}
	if p.Traffic != nil {
		// Environment strategies: service ones first so that an API's own
		// strategy is folded in after (the order does not change a minimum).
		strategies := append([]model.EnvStrategy(nil), p.Traffic.Strategies...)
		sort.SliceStable(strategies, func(i, j int) bool { return strategies[i].ApiId == "" && strategies[j].ApiId != "" })
		for _, s := range strategies {
			if s.Strategy <= 0 {
				continue // -1: no cap
			}
			for i, r := range routes {
				if r.ServiceId != s.ServiceId || r.Environment != s.Environment {
					continue
				}
				rt := &tr.Routes[i]
				if s.ApiId == "" {
					rt.Service = minPositive(rt.Service, s.Strategy)
					rt.foldAPI(Second, s.Strategy, "service-strategy")
				} else if s.ApiId == r.ApiId {
					rt.foldAPI(Second, s.Strategy, "api-strategy")
				}
			}
		}
		for pi := range p.Traffic.Plugins {
			pl := &p.Traffic.Plugins[pi]
			if pl.PluginType == PluginIPControl {
				continue // ipcontrol.go
			}
			if err := tr.attachPlugin(pl, byKey); err != nil {
				return nil, err
			}
		}
	}
	for i := range tr.Routes {
		if tr.Routes[i].CORS != nil {
			tr.AnyCORS = true
		}
	}
	return tr, nil
}

func (tr *Traffic) attachPlugin(pl *model.Plugin, byKey map[routeKey][]int) error {
	fail := func(err error) error {
		return &Error{Field: "Plugin " + pl.PluginId, Msg: err.Error(), Unsupported: isUnsupported(err)}
	}
	var (
		tc   *trafficPlugin
		pp   *ParamPolicy
		cors *CORS
		zp   *compression.Policy
		err  error
	)
	switch pl.PluginType {
	case PluginTrafficControl:
		tc, err = parseTrafficControl(pl.PluginData)
	case PluginTrafficControlByParameter:
		pp, err = parseParamControl(pl.PluginData)
	case PluginCors:
		cors, err = parseCors(pl.PluginData)
	case PluginCompression:
		zp, err = parseCompression(pl.PluginData)
	default:
		err = ValidatePluginData(pl.PluginType, pl.PluginData)
	}
	if err != nil {
		return fail(err)
	}
	for _, at := range pl.Attachments {
		// An attachment to an API that is not published in that
		// environment (not released, or deleted since) waits for it.
		for _, i := range byKey[routeKey{at.ServiceId, at.Environment, at.ApiId}] {
			rt := &tr.Routes[i]
			if IsFlowControl(pl.PluginType) {
				if rt.FlowPlugin != "" && rt.FlowPlugin != pl.PluginId {
					return &Error{ServiceId: at.ServiceId, ApiId: at.ApiId, Field: "Plugins",
						Msg: fmt.Sprintf("flow-control plugins %s and %s are both attached in %s; an API takes one", rt.FlowPlugin, pl.PluginId, at.Environment)}
				}
				rt.FlowPlugin = pl.PluginId
			}
			prefix := "plugin:" + pl.PluginId + ":" + at.ServiceId + ":" + at.Environment + ":" + at.ApiId + ":"
			switch {
			case tc != nil:
				if tc.shared {
					rt.Shared, rt.SharedKey = WindowLimit{tc.window, tc.api}, "plugin:"+pl.PluginId+":shared"
				} else {
					rt.foldAPI(tc.window, tc.api, "plugin:"+pl.PluginId)
				}
				if tc.app > 0 || tc.ip > 0 || tc.user > 0 || len(tc.specApps) > 0 || len(tc.specIPs) > 0 || len(tc.specKeys) > 0 {
					rt.Flow = &FlowControl{PluginId: pl.PluginId, Window: tc.window, App: tc.app, IP: tc.ip,
						SpecialApps: tc.specApps, SpecialIPs: tc.specIPs, User: tc.user, SpecialUsers: tc.specKeys, KeyPrefix: prefix}
				}
			case pp != nil:
				cp := *pp
				cp.PluginId, cp.KeyPrefix = pl.PluginId, prefix
				rt.Params = &cp
				if pp.Default != nil {
					// The default policy is an API-level limit (seed 1906).
					rt.foldAPI(pp.Default.Window, pp.Default.Limit, "plugin:"+pl.PluginId)
				}
			case cors != nil:
				// The plugin overrides the API's EnableCORS (seed 跨域访问控制).
				rt.CORS = cors
			case zp != nil:
				rt.Compression = zp
			}
		}
	}
	return nil
}

// foldAPI keeps the smaller of the current cap and n in window w.
func (rt *RouteTraffic) foldAPI(w Window, n int64, source string) {
	if rt.API[w] == 0 || n < rt.API[w] {
		rt.API[w], rt.APISource[w] = n, source
	}
}

func minPositive(a, b int64) int64 {
	if a == 0 || b < a {
		return b
	}
	return a
}

func isUnsupported(err error) bool {
	pe, ok := err.(*PluginError)
	return ok && pe.Code == codeUnsupported
}
