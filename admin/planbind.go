package admin

import (
	"context"
	"slices"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// Usage plan bindings to service environments and APIs (seed:
// BindEnvironment, UnBindEnvironment, DemoteServiceUsagePlan and the
// Describe* that list them).

type planEnvReq struct {
	UsagePlanIds []string `json:"UsagePlanIds"`
	BindType     string   `json:"BindType"`
	Environment  string   `json:"Environment"`
	ServiceId    string   `json:"ServiceId"`
	ApiIds       []string `json:"ApiIds"`
}

// bindType: SERVICE (the default, seed BindEnvironment) or API.
func bindType(t string) (string, error) {
	switch t {
	case "", "SERVICE":
		return "SERVICE", nil
	case "API":
		return "API", nil
	}
	return "", tcapi.Errorf(errNotInOptions, "BindType %q: want SERVICE or API", t)
}

// targets are the bindings a request names.
func (in *planEnvReq) targets(tx *buntdb.Tx, mustExist bool) ([]planBindingRe, error) {
	bt, err := bindType(in.BindType)
	if err != nil {
		return nil, err
	}
	if len(in.UsagePlanIds) == 0 {
		return nil, tcapi.Errorf(errMissing, "UsagePlanIds is required")
	}
	if err := checkEnv(in.Environment); err != nil {
		return nil, err
	}
	if mustExist {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
	} else if in.ServiceId == "" {
		return nil, tcapi.Errorf(errMissing, "ServiceId is required")
	}
	if bt == "SERVICE" {
		if len(in.ApiIds) > 0 {
			return nil, tcapi.Errorf("InvalidParameterValue.InvalidApiIds", "ApiIds go with BindType API, not SERVICE")
		}
		return []planBindingRe{{ServiceId: in.ServiceId, Environment: in.Environment}}, nil
	}
	if len(in.ApiIds) == 0 {
		return nil, tcapi.Errorf("InvalidParameterValue.InvalidApiIds", "BindType API needs ApiIds")
	}
	var out []planBindingRe
	for i, id := range in.ApiIds {
		if slices.Contains(in.ApiIds[:i], id) {
			return nil, tcapi.Errorf("InvalidParameterValue.InvalidApiIds", "ApiIds names %s twice", id)
		}
		if mustExist {
			if _, err := getAPI(tx, in.ServiceId, id); err != nil {
				return nil, err
			}
		}
		out = append(out, planBindingRe{ServiceId: in.ServiceId, Environment: in.Environment, ApiId: id})
	}
	return out, nil
}

func sameTarget(x, y planBindingRe) bool {
	return x.ServiceId == y.ServiceId && x.Environment == y.Environment && x.ApiId == y.ApiId
}

// BindEnvironment binds plans to a service environment or to APIs in it.
// Binding what is already bound is a no-op; the environment need not be
// released yet (the binding takes effect when it is).
func (a *Admin) bindEnvironment(_ context.Context, r *tcapi.Request) (any, error) {
	var in planEnvReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		targets, err := in.targets(tx, true)
		if err != nil {
			return false, err
		}
		plans, err := scan[planRecord](tx, planPrefix)
		if err != nil {
			return false, err
		}
		serviceLevel := targets[0].ApiId == ""
		publish := false
		for i, id := range in.UsagePlanIds {
			if slices.Contains(in.UsagePlanIds[:i], id) {
				return false, tcapi.Errorf(errInvalidValue, "UsagePlanIds names %s twice", id)
			}
			p, err := getPlan(tx, id)
			if err != nil {
				return false, err
			}
			// One kind of binding per service environment (seed BindEnvironment).
			for _, q := range plans {
				for _, b := range q.Bindings {
					if b.ServiceId == in.ServiceId && b.Environment == in.Environment && (b.ApiId == "") != serviceLevel {
						kind := map[bool]string{true: "service-level", false: "API-level"}[b.ApiId == ""]
						return false, tcapi.Errorf("UnsupportedOperation.UnsupportedBindEnvironment",
							"%s/%s already has %s usage plan %s; a service environment cannot have service-level and API-level plans at once (demote with DemoteServiceUsagePlan, or unbind)",
							in.ServiceId, in.Environment, kind, q.UsagePlanId)
					}
				}
			}
			now := isoTime(a.opts.Now())
			for _, t := range targets {
				if !slices.ContainsFunc(p.Bindings, func(b planBindingRe) bool { return sameTarget(b, t) }) {
					t.CreatedTime = now
					p.Bindings = append(p.Bindings, t)
				}
			}
			if n := apisBound(p); n > a.opts.Limits.ApisPerPlan {
				return false, tcapi.Errorf(tcapi.CodeLimitExceeded, "a usage plan may be bound to at most %d APIs (使用限制); %s would have %d", a.opts.Limits.ApisPerPlan, p.UsagePlanId, n)
			}
			if k, q := keyConflict(plans, &p); k != "" {
				return false, tcapi.Errorf("UnsupportedOperation.UnsupportedBindEnvironment",
					"usage plans %s and %s share API key %s and would both be bound to %s/%s: two plans of one environment cannot share a key", p.UsagePlanId, q, k, in.ServiceId, in.Environment)
			}
			p.ModifiedTime = now
			if err := store.SetJSON(tx, planKey(p.UsagePlanId), p); err != nil {
				return false, err
			}
			// Later plans of the same request see this one as bound.
			for j := range plans {
				if plans[j].UsagePlanId == p.UsagePlanId {
					plans[j] = p
				}
			}
			publish = publish || len(p.SecretIds) > 0
		}
		return publish, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// apisBound counts API-level bindings of p.
func apisBound(p planRecord) int {
	n := 0
	for _, b := range p.Bindings {
		if b.ApiId != "" {
			n++
		}
	}
	return n
}

// UnBindEnvironment removes bindings; each named one must exist. The
// service may be gone (a plan bound to a deleted service can be unbound).
func (a *Admin) unBindEnvironment(_ context.Context, r *tcapi.Request) (any, error) {
	var in planEnvReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		targets, err := in.targets(tx, false)
		if err != nil {
			return false, err
		}
		publish := false
		for _, id := range in.UsagePlanIds {
			p, err := getPlan(tx, id)
			if err != nil {
				return false, err
			}
			for _, t := range targets {
				i := slices.IndexFunc(p.Bindings, func(b planBindingRe) bool { return sameTarget(b, t) })
				if i < 0 {
					where := t.ServiceId + "/" + t.Environment
					if t.ApiId != "" {
						where += "/" + t.ApiId
					}
					return false, tcapi.Errorf("UnsupportedOperation.UnsupportedUnBindEnvironment", "usage plan %s is not bound to %s", p.UsagePlanId, where)
				}
				p.Bindings = slices.Delete(p.Bindings, i, i+1)
			}
			p.ModifiedTime = isoTime(a.opts.Now())
			if err := store.SetJSON(tx, planKey(p.UsagePlanId), p); err != nil {
				return false, err
			}
			publish = publish || len(p.SecretIds) > 0
		}
		return publish, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// DemoteServiceUsagePlan turns a plan's service-level binding of one
// environment into API-level bindings of every API the service has (seed
// 服务级别使用计划降级: not without APIs, not on an unreleased environment).
// Only the named plan is demoted.
func (a *Admin) demoteServiceUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		UsagePlanId string `json:"UsagePlanId"`
		ServiceId   string `json:"ServiceId"`
		Environment string `json:"Environment"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return false, err
		}
		if err := checkEnv(in.Environment); err != nil {
			return false, err
		}
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		svcBinding := planBindingRe{ServiceId: in.ServiceId, Environment: in.Environment}
		i := slices.IndexFunc(p.Bindings, func(b planBindingRe) bool { return sameTarget(b, svcBinding) })
		if i < 0 {
			return false, tcapi.Errorf("UnsupportedOperation.NoUsagePlanEnv", "usage plan %s is not bound to %s/%s at service level", p.UsagePlanId, in.ServiceId, in.Environment)
		}
		released := slices.ContainsFunc(releasedEnvs(tx, in.ServiceId), func(e envRecord) bool { return e.EnvironmentName == in.Environment })
		if !released {
			return false, tcapi.Errorf(errUnsupported, "%s is not released to %s; a usage plan can be demoted only on a released environment", in.ServiceId, in.Environment)
		}
		apis, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if len(apis) == 0 {
			return false, tcapi.Errorf(errUnsupported, "%s has no API to demote usage plan %s to", in.ServiceId, p.UsagePlanId)
		}
		now := isoTime(a.opts.Now())
		p.Bindings = slices.Delete(p.Bindings, i, i+1)
		for _, s := range apis {
			p.Bindings = append(p.Bindings, planBindingRe{ServiceId: in.ServiceId, Environment: in.Environment, ApiId: s.Api.ApiId, CreatedTime: now})
		}
		if n := apisBound(p); n > a.opts.Limits.ApisPerPlan {
			return false, tcapi.Errorf(tcapi.CodeLimitExceeded, "a usage plan may be bound to at most %d APIs; %s would have %d", a.opts.Limits.ApisPerPlan, p.UsagePlanId, n)
		}
		p.ModifiedTime = now
		return len(p.SecretIds) > 0, store.SetJSON(tx, planKey(p.UsagePlanId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// apiUsagePlan is the seed's ApiUsagePlan and UsagePlanEnvironment (the
// latter has no UsagePlanId/Name/Desc; the extra fields are harmless).
type apiUsagePlan struct {
	ServiceId           string `json:"ServiceId"`
	ApiId               string `json:"ApiId"`
	ApiName             string `json:"ApiName"`
	Path                string `json:"Path"`
	Method              string `json:"Method"`
	UsagePlanId         string `json:"UsagePlanId,omitempty"`
	UsagePlanName       string `json:"UsagePlanName,omitempty"`
	UsagePlanDesc       string `json:"UsagePlanDesc,omitempty"`
	Environment         string `json:"Environment"`
	InUseRequestNum     int64  `json:"InUseRequestNum"`
	MaxRequestNum       int64  `json:"MaxRequestNum"`
	MaxRequestNumPreSec int64  `json:"MaxRequestNumPreSec"`
	CreatedTime         string `json:"CreatedTime"`
	ModifiedTime        string `json:"ModifiedTime"`
	ServiceName         string `json:"ServiceName"`
}

// bindingView describes binding b of plan p; used is the plan's quota use
// as the edges report it (quotaUsed).
func bindingView(tx *buntdb.Tx, p planRecord, b planBindingRe, withPlan bool, used int64) apiUsagePlan {
	v := apiUsagePlan{ServiceId: b.ServiceId, ApiId: b.ApiId, Environment: b.Environment, InUseRequestNum: used,
		MaxRequestNum: p.MaxRequestNum, MaxRequestNumPreSec: p.MaxRequestNumPreSec,
		CreatedTime: b.CreatedTime, ModifiedTime: p.ModifiedTime}
	if withPlan {
		v.UsagePlanId, v.UsagePlanName, v.UsagePlanDesc = p.UsagePlanId, p.UsagePlanName, p.UsagePlanDesc
		v.CreatedTime = p.CreatedTime
	}
	var s serviceRecord
	if found, _ := store.GetJSON(tx, svcKey(b.ServiceId), &s); found {
		v.ServiceName = s.ServiceName
	}
	if b.ApiId != "" {
		var sa storedAPI
		if found, _ := store.GetJSON(tx, apiKey(b.ServiceId, b.ApiId), &sa); found {
			v.ApiName, v.Path, v.Method = sa.Api.ApiName, sa.Api.RequestConfig.Path, sa.Api.RequestConfig.Method
		}
	}
	return v
}

func (a *Admin) describeUsagePlanEnvironments(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		UsagePlanId string `json:"UsagePlanId"`
		BindType    string `json:"BindType"`
		Limit       *int64 `json:"Limit"`
		Offset      *int64 `json:"Offset"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	bt, err := bindType(in.BindType)
	if err != nil {
		return nil, err
	}
	set := []apiUsagePlan{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return err
		}
		for _, b := range p.Bindings {
			if (b.ApiId == "") == (bt == "SERVICE") {
				set = append(set, bindingView(tx, p, b, false, a.quotaUsed(p.UsagePlanId)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "EnvironmentList": page(set, limit, offset)}}, nil
}

// servicePlans lists the bindings of every plan to service svc; apiLevel
// also includes the API-level ones.
func (a *Admin) servicePlans(r *tcapi.Request, apiLevel bool, listName string) (any, error) {
	var in struct {
		ServiceId string `json:"ServiceId"`
		Limit     *int64 `json:"Limit"`
		Offset    *int64 `json:"Offset"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	set := []apiUsagePlan{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		plans, err := scan[planRecord](tx, planPrefix)
		if err != nil {
			return err
		}
		for _, p := range plans {
			for _, b := range p.Bindings {
				if b.ServiceId == in.ServiceId && (apiLevel || b.ApiId == "") {
					set = append(set, bindingView(tx, p, b, true, a.quotaUsed(p.UsagePlanId)))
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), listName: page(set, limit, offset)}}, nil
}

// DescribeApiUsagePlan: the plans bound to a service and to its APIs
// (seed: 查询绑定到一个服务及其中 API 的所有使用计划).
func (a *Admin) describeApiUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	return a.servicePlans(r, true, "ApiUsagePlanList")
}

// DescribeServiceUsagePlan: the plans bound to a service (service level).
func (a *Admin) describeServiceUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	return a.servicePlans(r, false, "ServiceUsagePlanList")
}
