package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/snapshot"
)

// Throttle policies, throttle bindings and special throttles of the REST
// interface (seed 001: the throttle tables, throttle-bindings/
// binded-throttles). A throttle is a TrafficControl plugin (plugins.go):
//
//	api_call_limits            api_rate_limit (each API; type 2: all together, "shared")
//	app_call_limits            app_rate_limit (each app)
//	ip_call_limits             ip_rate_limit (each client IP)
//	user_call_limits           user_rate_limit (each API key: Edgegate's callers that are users)
//	time_interval × time_unit  expire_type: one second, minute, hour or day
//	special throttle APP/USER  spec_app_rate_limits / spec_user_rate_limits
//
// A throttle binding is the plugin's attachment to an API in an
// environment (one flow-control plugin per API and environment, as
// AttachPlugin has it), written by the same code as AttachPlugin.

func init() { registerHW(hwThrottleRoutes) }

func hwThrottleRoutes(a *Admin) []hwapi.Route {
	in := hwapi.Instance
	sp := in + "/throttles/{throttle_id}/throttle-specials"
	return []hwapi.Route{
		{Method: "POST", Pattern: in + "/throttles", Handle: a.hwCreateThrottle},
		{Method: "PUT", Pattern: in + "/throttles/{throttle_id}", Handle: a.hwUpdateThrottle},
		{Method: "DELETE", Pattern: in + "/throttles/{throttle_id}", Handle: a.hwDeleteThrottle},
		{Method: "GET", Pattern: in + "/throttles/{throttle_id}", Handle: a.hwShowThrottle},
		{Method: "GET", Pattern: in + "/throttles", Handle: a.hwListThrottles},
		{Method: "POST", Pattern: in + "/throttle-bindings", Handle: a.hwBindThrottle},
		{Method: "PUT", Pattern: in + "/throttle-bindings", Handle: a.hwBatchUnbindThrottles}, // ?action=delete
		{Method: "DELETE", Pattern: in + "/throttle-bindings/{throttle_binding_id}", Handle: a.hwUnbindThrottle},
		{Method: "GET", Pattern: in + "/throttle-bindings/binded-apis", Handle: a.hwThrottleBoundAPIs},
		{Method: "GET", Pattern: in + "/throttle-bindings/unbinded-apis", Handle: a.hwThrottleUnboundAPIs},
		{Method: "GET", Pattern: in + "/throttle-bindings/binded-throttles", Handle: a.hwAPIBoundThrottles},
		{Method: "POST", Pattern: sp, Handle: a.hwCreateSpecial},
		{Method: "PUT", Pattern: sp + "/{strategy_id}", Handle: a.hwUpdateSpecial},
		{Method: "DELETE", Pattern: sp + "/{strategy_id}", Handle: a.hwDeleteSpecial},
		{Method: "GET", Pattern: sp, Handle: a.hwListSpecials},
	}
}

// timeUnits: time_unit (seed 001 枚举值 SECOND MINUTE HOUR DAY) in seconds.
var timeUnits = map[string]int64{"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}

// throttleNameRE: seed 001, name "支持汉字,英文,数字,下划线,且只能以英文和汉字开头,3 ~ 64字符".
var throttleNameRE = regexp.MustCompile(`^[A-Za-z\p{Han}][A-Za-z0-9_\p{Han}]{2,63}$`)

const maxCallLimit = 2147483647 // seed 001: "输入的值不超过2147483647"

// hwThrottle is the seed's throttle (表4 of the update operation) and,
// with the binding members, ThrottleForApi (表5 of binded-throttles).
type hwThrottle struct {
	Id                    string `json:"id"`
	Name                  string `json:"name"`
	ApiCallLimits         int64  `json:"api_call_limits"`
	UserCallLimits        int64  `json:"user_call_limits"`
	AppCallLimits         int64  `json:"app_call_limits"`
	IpCallLimits          int64  `json:"ip_call_limits"`
	TimeInterval          int64  `json:"time_interval"`
	TimeUnit              string `json:"time_unit"`
	Remark                string `json:"remark"`
	Type                  int    `json:"type"`
	EnableAdaptiveControl string `json:"enable_adaptive_control"`
	BindNum               int    `json:"bind_num"`
	IsIncluSpecial        int    `json:"is_inclu_special_throttle"`
	CreateTime            string `json:"create_time"`
}

// throttleData decodes a TrafficControl plugin's data (validated when
// written).
func throttleData(p *pluginRecord) snapshot.TrafficControlData {
	var d snapshot.TrafficControlData
	_ = json.Unmarshal([]byte(p.PluginData), &d)
	return d
}

func throttleView(p *pluginRecord) hwThrottle {
	d := throttleData(p)
	t := hwThrottle{Id: p.PluginId, Name: p.PluginName, ApiCallLimits: d.APIRateLimit, UserCallLimits: d.UserRateLimit,
		AppCallLimits: d.AppRateLimit, IpCallLimits: d.IPRateLimit, TimeInterval: 1, TimeUnit: strings.ToUpper(d.ExpireType),
		Remark: p.Description, Type: 1, EnableAdaptiveControl: "FALSE", BindNum: len(p.Attachments), IsIncluSpecial: 2, CreateTime: p.CreatedTime}
	if d.Shared {
		t.Type = 2
	}
	if len(d.SpecAppRateLimits) > 0 || len(d.SpecUserRateLimits) > 0 {
		t.IsIncluSpecial = 1
	}
	return t
}

type hwThrottleReq struct {
	Name           *string `json:"name"`
	TimeUnit       *string `json:"time_unit"`
	TimeInterval   *int64  `json:"time_interval"`
	ApiCallLimits  *int64  `json:"api_call_limits"`
	UserCallLimits *int64  `json:"user_call_limits"`
	AppCallLimits  *int64  `json:"app_call_limits"`
	IpCallLimits   *int64  `json:"ip_call_limits"`
	Remark         *string `json:"remark"`
	Type           *int    `json:"type"`
	Adaptive       *string `json:"enable_adaptive_control"`
}

// apply checks the request (seed 001's table: required members, ranges,
// enums; the user limit at most the API limit, the app limit at most the
// user limit, the IP limit at most the API limit) and writes it into d.
func (in *hwThrottleReq) apply(d *snapshot.TrafficControlData) error {
	val := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	switch {
	case in.Name == nil || *in.Name == "":
		return hwapi.BadParameter("name", "the parameter is required")
	case !throttleNameRE.MatchString(*in.Name):
		return hwapi.BadParameter("name", "3-64 characters of letters, digits, _ and Chinese, starting with a letter or Chinese")
	case in.TimeUnit == nil || timeUnits[*in.TimeUnit] == 0:
		return hwapi.BadParameter("time_unit", "want SECOND, MINUTE, HOUR or DAY")
	case in.TimeInterval == nil || *in.TimeInterval <= 0 || *in.TimeInterval > maxCallLimit:
		return hwapi.BadParameter("time_interval", "want a positive integer")
	case in.ApiCallLimits == nil || *in.ApiCallLimits <= 0 || *in.ApiCallLimits > maxCallLimit:
		return hwapi.BadParameter("api_call_limits", "want a positive integer up to 2147483647")
	case in.Remark != nil && utf8.RuneCountInString(*in.Remark) > 255:
		return hwapi.BadParameter("remark", "at most 255 characters")
	case in.Type != nil && *in.Type != 1 && *in.Type != 2:
		return hwapi.BadParameter("type", "want 1 (each API) or 2 (shared)")
	case in.Adaptive != nil && *in.Adaptive != "TRUE" && *in.Adaptive != "FALSE":
		return hwapi.BadParameter("enable_adaptive_control", "want TRUE or FALSE")
	case in.Adaptive != nil && *in.Adaptive == "TRUE":
		return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeUnsupportedValue, "enable_adaptive_control TRUE is not supported (the seed: 暂不支持)")
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"user_call_limits", in.UserCallLimits}, {"app_call_limits", in.AppCallLimits}, {"ip_call_limits", in.IpCallLimits}} {
		if f.v != nil && (*f.v < 0 || *f.v > maxCallLimit) {
			return hwapi.BadParameter(f.name, "want a positive integer up to 2147483647")
		}
	}
	api, user, app, ip := *in.ApiCallLimits, val(in.UserCallLimits), val(in.AppCallLimits), val(in.IpCallLimits)
	switch {
	case user > api:
		return hwapi.BadParameter("user_call_limits", "at most api_call_limits")
	case app > api || user > 0 && app > user:
		return hwapi.BadParameter("app_call_limits", "at most user_call_limits (and api_call_limits)")
	case ip > api:
		return hwapi.BadParameter("ip_call_limits", "at most api_call_limits")
	}
	window := *in.TimeInterval * timeUnits[*in.TimeUnit]
	expire := ""
	for unit, secs := range timeUnits {
		if secs == window {
			expire = strings.ToLower(unit)
		}
	}
	if expire == "" {
		return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeBadParameter,
			"Invalid parameter value,parameterName:time_interval. Please refer to the support documentation: Edgegate counts in windows of one second, minute, hour or day; %d %s is none of them", *in.TimeInterval, *in.TimeUnit)
	}
	d.ExpireType, d.APIRateLimit, d.UserRateLimit, d.AppRateLimit, d.IPRateLimit = expire, api, user, app, ip
	d.Shared = in.Type != nil && *in.Type == 2
	return nil
}

// remark is the plugin's Description.
func (in *hwThrottleReq) remark() string {
	if in.Remark == nil {
		return ""
	}
	return *in.Remark
}

func marshalData(d snapshot.TrafficControlData) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// hwCreateThrottle creates a TrafficControl plugin through CreatePlugin.
func (a *Admin) hwCreateThrottle(ctx context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwThrottleReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	var d snapshot.TrafficControlData
	if err := in.apply(&d); err != nil {
		return hwapi.Reply{}, err
	}
	req := createPluginReq{PluginName: *in.Name, PluginType: snapshot.PluginTrafficControl, Description: in.remark(), PluginData: marshalData(d)}
	if err := req.Check(); err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	res, err := a.createPlugin(ctx, &req)
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	var p pluginRecord
	err = a.db.View(func(tx *buntdb.Tx) (err error) { p, err = getThrottle(tx, res.Result.PluginId); return })
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.Created(throttleView(&p)), nil
}

// getThrottle loads a TrafficControl plugin (404 APIG.3005 for an ID
// that names none, or a plugin of another type).
func getThrottle(tx *buntdb.Tx, id string) (pluginRecord, error) {
	p, err := plugins.get(tx, id)
	if err != nil || p.PluginType != snapshot.PluginTrafficControl {
		return p, hwapi.NotFound(hwapi.CodeNoThrottle, "Request throttling policy %s does not exist", id)
	}
	return p, nil
}

// updateThrottle changes a throttle in one write, with ModifyPlugin's
// checks (name, description, data); it publishes when it is bound.
func (a *Admin) updateThrottle(id string, fn func(tx *buntdb.Tx, p *pluginRecord, d *snapshot.TrafficControlData) error) (pluginRecord, error) {
	var out pluginRecord
	err := plugins.update(a, id, func(tx *buntdb.Tx, p *pluginRecord) (bool, error) {
		if p.PluginType != snapshot.PluginTrafficControl {
			return false, hwapi.NotFound(hwapi.CodeNoThrottle, "Request throttling policy %s does not exist", id)
		}
		d := throttleData(p)
		if err := fn(tx, p, &d); err != nil {
			return false, err
		}
		data := marshalData(d)
		if err := checkPluginName(p.PluginName); err != nil {
			return false, err
		}
		if err := checkPluginDesc(&p.Description); err != nil {
			return false, err
		}
		if err := checkPluginData(p.PluginType, data); err != nil {
			return false, err
		}
		publish := data != p.PluginData && len(p.Attachments) > 0
		p.PluginData, p.ModifiedTime = data, a.now()
		out = *p
		return publish, nil
	})
	var te *tcapi.Error
	if errors.As(err, &te) && te.Code == plugins.notFound {
		err = hwapi.NotFound(hwapi.CodeNoThrottle, "Request throttling policy %s does not exist", id)
	}
	return out, err
}

// hwUpdateThrottle: PUT .../throttles/{id} (seed 001: the request example
// "修改一个流控策略"), keeping its special throttles.
func (a *Admin) hwUpdateThrottle(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwThrottleReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	var probe snapshot.TrafficControlData
	if err := in.apply(&probe); err != nil {
		return hwapi.Reply{}, err
	}
	p, err := a.updateThrottle(c.Path("throttle_id"), func(_ *buntdb.Tx, p *pluginRecord, d *snapshot.TrafficControlData) error {
		p.PluginName, p.Description = *in.Name, in.remark()
		return in.apply(d)
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(throttleView(&p)), nil
}

func (a *Admin) hwDeleteThrottle(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	id := c.Path("throttle_id")
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getThrottle(tx, id)
		if err != nil {
			return false, err
		}
		// As DeletePlugin: its attachments go with it.
		_, err = tx.Delete(plugins.key(id))
		return len(p.Attachments) > 0, err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

func (a *Admin) hwShowThrottle(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var p pluginRecord
	err := a.db.View(func(tx *buntdb.Tx) (err error) { p, err = getThrottle(tx, c.Path("throttle_id")); return })
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(throttleView(&p)), nil
}

// throttles lists the TrafficControl plugins, oldest first.
func throttles(tx *buntdb.Tx) ([]pluginRecord, error) {
	all, err := listPlugins(tx)
	out := all[:0]
	for _, p := range all {
		if p.PluginType == snapshot.PluginTrafficControl {
			out = append(out, p)
		}
	}
	return out, err
}

func (a *Admin) hwListThrottles(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "throttles", "", func(v *hwView, _ string) ([]hwThrottle, error) {
		s, err := c.Search("name")
		if err != nil {
			return nil, err
		}
		all, err := throttles(v.tx)
		var out []hwThrottle
		for i := range all {
			if c.Exact("id", all[i].PluginId) && s.Match("name", all[i].PluginName) {
				out = append(out, throttleView(&all[i]))
			}
		}
		return out, err
	})
}

// pluginBindID is the REST ID of a plugin's (or throttle's) attachment.
func pluginBindID(p *pluginRecord, t target) string {
	return bindID("plugin", p.PluginId, t.ServiceId, t.Environment, t.ApiId)
}

// hwBindThrottle: POST .../throttle-bindings {"strategy_id", "publish_ids"}.
func (a *Admin) hwBindThrottle(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in struct {
		StrategyId string   `json:"strategy_id"`
		PublishIds []string `json:"publish_ids"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if in.StrategyId == "" {
		return hwapi.Reply{}, hwapi.BadParameter("strategy_id", "the parameter is required")
	}
	if len(in.PublishIds) == 0 {
		return hwapi.Reply{}, hwapi.BadParameter("publish_ids", "the parameter is required")
	}
	type apply struct {
		Id         string `json:"id"`
		StrategyId string `json:"strategy_id"`
		PublishId  string `json:"publish_id"`
		Scope      int    `json:"scope"` // 1: the API
		ApplyTime  string `json:"apply_time"`
	}
	var out []apply
	err := a.hwWrite(func(v *hwView) (bool, error) {
		tx := v.tx
		p, err := getThrottle(tx, in.StrategyId)
		if err != nil {
			return false, err
		}
		changed := false
		for _, pid := range in.PublishIds {
			ref, env, err := v.apis.publication(v.envs, pid)
			if err != nil {
				return false, err
			}
			t := target{ref.svc.ServiceId, env, ref.api.ApiId}
			ch, err := a.attachPluginAPIs(tx, &p, t.ServiceId, env, []string{t.ApiId})
			if err != nil {
				return false, err
			}
			changed = changed || ch
			out = append(out, apply{pluginBindID(&p, t), p.PluginId, pid, 1, p.Attachments[findBinding(p.Attachments, t)].AttachedTime})
		}
		return changed, plugins.put(tx, &p)
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.Created(map[string]any{"throttle_applys": out}), nil
}

// detachByID removes the attachment id of a plugin that keep accepts
// (404 code when none has it).
func (a *Admin) detachByID(tx *buntdb.Tx, id string, keep func(*pluginRecord) bool, notFound *hwapi.Error) (target, error) {
	all, err := listPlugins(tx)
	if err != nil {
		return target{}, err
	}
	for i := range all {
		p := &all[i]
		if !keep(p) {
			continue
		}
		for _, at := range p.Attachments {
			if pluginBindID(p, at.target) == id {
				if err := unbind(&p.Attachments, at.target, "InvalidParameterValue.InvalidApiIds", "plugin "+p.PluginId); err != nil {
					return at.target, err
				}
				return at.target, plugins.put(tx, p)
			}
		}
	}
	return target{}, notFound
}

func isThrottle(p *pluginRecord) bool { return p.PluginType == snapshot.PluginTrafficControl }

func (a *Admin) hwUnbindThrottle(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	id := c.Path("throttle_binding_id")
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		_, err := a.detachByID(tx, id, isThrottle, hwapi.NotFound(hwapi.CodeNoThrottleBind, "The throttling policy binding %s does not exist", id))
		return true, err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

// hwBatchUnbindThrottles: PUT .../throttle-bindings?action=delete
// {"throttle_bindings": [ids]}.
func (a *Admin) hwBatchUnbindThrottles(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.batch(c, "throttle_bindings", func(tx *buntdb.Tx, id string) (bool, *hwBatchFailure, error) {
		t, err := a.detachByID(tx, id, isThrottle, hwapi.NotFound(hwapi.CodeNoThrottleBind, "The throttling policy binding %s does not exist", id))
		return true, &hwBatchFailure{Id: id, ApiId: t.ApiId}, err
	})
}

// pluginBindings lists the attachments of the plugins keep accepts, with
// their APIs (attachments of APIs deleted since are left out).
type pluginBinding struct {
	p   *pluginRecord
	at  pluginAttachment
	ref apiRef
}

func pluginBindings(tx *buntdb.Tx, apis *apiIndex, keep func(*pluginRecord) bool) ([]pluginBinding, error) {
	all, err := listPlugins(tx)
	var out []pluginBinding
	for i := range all {
		p := &all[i]
		if !keep(p) {
			continue
		}
		for _, at := range p.Attachments {
			if ref, ok := apis.apis[at.ApiId]; ok && ref.svc.ServiceId == at.ServiceId {
				out = append(out, pluginBinding{p, at, ref})
			}
		}
	}
	return out, err
}

// hwThrottleBoundAPIs: GET .../throttle-bindings/binded-apis: the APIs a
// throttle is bound to; throttle_id required; env_id, group_id, api_id,
// api_name.
func (a *Admin) hwThrottleBoundAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	type item struct {
		hwApiForBinding
		ThrottleApplyId string `json:"throttle_apply_id"`
		ApplyTime       string `json:"apply_time"`
		ThrottleName    string `json:"throttle_name"`
	}
	return hwList(a, c, "apis", "throttle_id", func(v *hwView, id string) ([]item, error) {
		p, err := getThrottle(v.tx, id)
		if err != nil {
			return nil, err
		}
		bs, err := pluginBindings(v.tx, v.apis, func(q *pluginRecord) bool { return q.PluginId == p.PluginId })
		var out []item
		for _, b := range bs {
			envID := v.envs.id(b.at.Environment)
			if hwFilterAPI(c, b.ref, envID) {
				out = append(out, item{apiForBinding(b.ref, b.at.Environment, envID), pluginBindID(b.p, b.at.target), b.at.AttachedTime, p.PluginName})
			}
		}
		return out, err
	})
}

// apiForBinding describes an API in an environment.
func apiForBinding(ref apiRef, env, envID string) hwApiForBinding {
	return hwApiForBinding{Id: ref.api.ApiId, Name: ref.api.ApiName, GroupId: ref.svc.ServiceId, GroupName: ref.svc.ServiceName, Type: 1,
		Remark: ref.api.ApiDesc, RunEnvName: hwEnvName(env), RunEnvId: envID, PublishId: publishID(ref.api.ApiId, envID),
		ReqURI: hwReqURI(ref.api.RequestConfig.Path), AuthType: hwAuthType(ref.api.authType()), ReqMethod: hwMethod(ref.api.RequestConfig.Method)}
}

// hwThrottleUnboundAPIs: GET .../throttle-bindings/unbinded-apis: the
// published APIs the throttle is not bound to.
func (a *Admin) hwThrottleUnboundAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "apis", "throttle_id", func(v *hwView, id string) ([]hwApiForBinding, error) {
		p, err := getThrottle(v.tx, id)
		var out []hwApiForBinding
		for _, pub := range publications(c, v.envs, v.apis) {
			if findBinding(p.Attachments, target{pub.GroupId, v.envs.byID[pub.RunEnvId], pub.Id}) < 0 {
				out = append(out, pub)
			}
		}
		return out, err
	})
}

// hwAPIBoundThrottles: GET .../throttle-bindings/binded-throttles (seed
// 001): the throttles bound to an API; api_id required; throttle_id,
// throttle_name, env_id. Each is the seed's ThrottleForApi.
func (a *Admin) hwAPIBoundThrottles(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	type item struct {
		hwThrottle
		EnvName  string `json:"env_name"`
		BindId   string `json:"bind_id"`
		BindTime string `json:"bind_time"`
	}
	return hwList(a, c, "throttles", "api_id", func(v *hwView, apiID string) ([]item, error) {
		if _, err := v.apis.get(apiID); err != nil {
			return nil, err
		}
		bs, err := pluginBindings(v.tx, v.apis, isThrottle)
		var out []item
		for _, b := range bs {
			if b.at.ApiId != apiID || !c.Exact("throttle_id", b.p.PluginId) || !c.Exact("env_id", v.envs.id(b.at.Environment)) ||
				!containsFold(b.p.PluginName, c.Query("throttle_name")) {
				continue
			}
			out = append(out, item{throttleView(b.p), hwEnvName(b.at.Environment), pluginBindID(b.p, b.at.target), b.at.AttachedTime})
		}
		return out, err
	})
}

func specialID(p *pluginRecord, typ, object string) string {
	return bindID("special", p.PluginId, typ, object)
}

// specials lists a throttle's special throttles, apps first.
func specials(tx *buntdb.Tx, p *pluginRecord) []hwapi.ThrottleSpecial {
	d := throttleData(p)
	var out []hwapi.ThrottleSpecial
	for _, s := range d.SpecAppRateLimits {
		sp := hwapi.ThrottleSpecial{Id: specialID(p, "APP", s.AppID), StrategyId: p.PluginId, ObjectId: s.AppID, ObjectType: "APP", CallLimits: s.RateLimit, AppId: s.AppID}
		if ap, err := apiApps.get(tx, s.AppID); err == nil {
			sp.ObjectName, sp.AppName = ap.ApiAppName, ap.ApiAppName
		}
		sp.ApplyTime = p.SpecialTimes[sp.Id]
		out = append(out, sp)
	}
	for _, s := range d.SpecUserRateLimits {
		sp := hwapi.ThrottleSpecial{Id: specialID(p, "USER", s.UserID), StrategyId: p.PluginId, ObjectId: s.UserID, ObjectType: "USER", CallLimits: s.RateLimit}
		if k, err := apiKeys.get(tx, s.UserID); err == nil {
			sp.ObjectName = k.SecretName
		}
		sp.ApplyTime = p.SpecialTimes[sp.Id]
		out = append(out, sp)
	}
	return out
}

func checkCallLimits(v *int64) error {
	if v == nil || *v <= 0 || *v > maxCallLimit {
		return hwapi.BadParameter("call_limits", "want a positive integer up to 2147483647")
	}
	return nil
}

// hwCreateSpecial gives an app (object_type APP, object_id an ApiAppId)
// or an API key (USER, object_id an AccessKeyId) its own limit.
func (a *Admin) hwCreateSpecial(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in struct {
		CallLimits *int64 `json:"call_limits"`
		ObjectId   string `json:"object_id"`
		ObjectType string `json:"object_type"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := checkCallLimits(in.CallLimits); err != nil {
		return hwapi.Reply{}, err
	}
	if in.ObjectId == "" {
		return hwapi.Reply{}, hwapi.BadParameter("object_id", "the parameter is required")
	}
	if in.ObjectType != "APP" && in.ObjectType != "USER" {
		return hwapi.Reply{}, hwapi.BadParameter("object_type", "want APP or USER")
	}
	var out hwapi.ThrottleSpecial
	_, err := a.updateThrottle(c.Path("throttle_id"), func(tx *buntdb.Tx, p *pluginRecord, d *snapshot.TrafficControlData) error {
		id := specialID(p, in.ObjectType, in.ObjectId)
		for _, s := range specials(tx, p) {
			if s.Id == id {
				return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict, "%s %s already has a special throttle in %s", in.ObjectType, in.ObjectId, p.PluginId)
			}
		}
		if in.ObjectType == "APP" {
			if _, err := apiApps.get(tx, in.ObjectId); err != nil {
				return hwapi.NotFound(hwapi.CodeNoApp, "App %s does not exist", in.ObjectId)
			}
			d.SpecAppRateLimits = append(d.SpecAppRateLimits, snapshot.SpecAppLimit{AppID: in.ObjectId, RateLimit: *in.CallLimits})
		} else {
			if _, err := apiKeys.get(tx, in.ObjectId); err != nil {
				return hwapi.NotFound(hwapi.CodeNoApp, "API key (user) %s does not exist", in.ObjectId)
			}
			d.SpecUserRateLimits = append(d.SpecUserRateLimits, snapshot.SpecUserLimit{UserID: in.ObjectId, RateLimit: *in.CallLimits})
		}
		out = a.stampSpecial(tx, p, d, id)
		return nil
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.Created(out), nil
}

// stampSpecial records that special throttle id of p was set now and
// describes it as d has it.
func (a *Admin) stampSpecial(tx *buntdb.Tx, p *pluginRecord, d *snapshot.TrafficControlData, id string) hwapi.ThrottleSpecial {
	if p.SpecialTimes == nil {
		p.SpecialTimes = map[string]string{}
	}
	p.SpecialTimes[id] = a.now()
	p2 := *p
	p2.PluginData = marshalData(*d)
	for _, s := range specials(tx, &p2) {
		if s.Id == id {
			return s
		}
	}
	return hwapi.ThrottleSpecial{}
}

// editSpecial sets the limit of the entry of list whose ID is id, or
// drops it (limit nil); found says whether there was one.
func editSpecial[T any](list []T, id string, limit *int64, at func(*T) (string, *int64)) (out []T, found bool) {
	for _, s := range list {
		sid, n := at(&s)
		if sid == id {
			found = true
			if limit == nil {
				continue
			}
			*n = *limit
		}
		out = append(out, s)
	}
	return out, found
}

// changeSpecial runs fn on the special throttle strategy_id of the
// throttle (404 APIG.3018 when it has none of that ID); limit nil
// deletes it.
func (a *Admin) changeSpecial(c *hwapi.Call, limit *int64) (hwapi.ThrottleSpecial, error) {
	var out hwapi.ThrottleSpecial
	id := c.Path("strategy_id")
	_, err := a.updateThrottle(c.Path("throttle_id"), func(tx *buntdb.Tx, p *pluginRecord, d *snapshot.TrafficControlData) error {
		var apps, users bool
		d.SpecAppRateLimits, apps = editSpecial(d.SpecAppRateLimits, id, limit, func(s *snapshot.SpecAppLimit) (string, *int64) {
			return specialID(p, "APP", s.AppID), &s.RateLimit
		})
		d.SpecUserRateLimits, users = editSpecial(d.SpecUserRateLimits, id, limit, func(s *snapshot.SpecUserLimit) (string, *int64) {
			return specialID(p, "USER", s.UserID), &s.RateLimit
		})
		switch {
		case !apps && !users:
			return hwapi.NotFound(hwapi.CodeNoSpecial, "The special throttle %s does not exist in %s", id, p.PluginId)
		case limit == nil:
			delete(p.SpecialTimes, id)
		default:
			out = a.stampSpecial(tx, p, d, id)
		}
		return nil
	})
	return out, hwError(err)
}

func (a *Admin) hwUpdateSpecial(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in struct {
		CallLimits *int64 `json:"call_limits"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := checkCallLimits(in.CallLimits); err != nil {
		return hwapi.Reply{}, err
	}
	out, err := a.changeSpecial(c, in.CallLimits)
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.OK(out), nil
}

func (a *Admin) hwDeleteSpecial(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	if _, err := a.changeSpecial(c, nil); err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.NoContent(), nil
}

// hwListSpecials: GET .../throttle-specials; object_type, app_name, user.
func (a *Admin) hwListSpecials(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "throttle_specials", "", func(v *hwView, _ string) ([]hwapi.ThrottleSpecial, error) {
		p, err := getThrottle(v.tx, c.Path("throttle_id"))
		var out []hwapi.ThrottleSpecial
		for _, s := range specials(v.tx, &p) {
			if c.Exact("object_type", s.ObjectType) &&
				(c.Query("app_name") == "" || s.ObjectType == "APP" && containsFold(s.AppName, c.Query("app_name"))) &&
				(c.Query("user") == "" || s.ObjectType == "USER" && strings.Contains(s.ObjectId, c.Query("user"))) {
				out = append(out, s)
			}
		}
		return out, err
	})
}
