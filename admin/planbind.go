package admin

import (
	"context"
	"slices"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// Bindings of usage plans, apps and plugins to service environments and
// APIs (seed: BindEnvironment, UnBindEnvironment, DemoteServiceUsagePlan,
// BindApiApp, UnbindApiApp, AttachPlugin, DetachPlugin and the Describe*
// that list them).

// target is what a binding reaches: one API of a service environment, or
// (usage plans bound at service level, ApiId empty) all of them.
type target struct {
	ServiceId   string `json:"ServiceId"`
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId"`
}

func (t target) String() string {
	if t.ApiId == "" {
		return t.ServiceId + "/" + t.Environment
	}
	return t.ServiceId + "/" + t.Environment + "/" + t.ApiId
}

func (t target) at() target { return t }

// bound is a binding record: planBindingRe, appBindingRe, pluginAttachment.
type bound interface{ at() target }

// findBinding returns the index of the binding of list that reaches t, or -1.
func findBinding[B bound](list []B, t target) int {
	return slices.IndexFunc(list, func(b B) bool { return b.at() == t })
}

// unbind removes the binding of *list that reaches t; when there is none
// it answers code: "<owner> is not bound to <t>".
func unbind[B bound](list *[]B, t target, code, owner string) error {
	i := findBinding(*list, t)
	if i < 0 {
		return tcapi.Errorf(code, "%s is not bound to %s", owner, t)
	}
	*list = slices.Delete(*list, i, i+1)
	return nil
}

// unbound refuses to delete owner while list holds a binding (code; how
// says how to remove it).
func unbound[B bound](list []B, code, owner, how string) error {
	if len(list) > 0 {
		return tcapi.Errorf(code, "%s is bound to %s; unbind it (%s) first", owner, list[0].at(), how)
	}
	return nil
}

type planEnvReq struct {
	UsagePlanIds                     []string `tcapi:"required"`
	BindType, Environment, ServiceId string
	ApiIds                           []string
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

// targets are the bindings a request names; mustExist: the service and
// APIs must exist.
func (in *planEnvReq) targets(tx *buntdb.Tx, mustExist bool) ([]target, error) {
	bt, err := bindType(in.BindType)
	if err != nil {
		return nil, err
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
		return []target{{in.ServiceId, in.Environment, ""}}, nil
	}
	if len(in.ApiIds) == 0 {
		return nil, tcapi.Errorf("InvalidParameterValue.InvalidApiIds", "BindType API needs ApiIds")
	}
	var out []target
	for i, id := range in.ApiIds {
		if slices.Contains(in.ApiIds[:i], id) {
			return nil, tcapi.Errorf("InvalidParameterValue.InvalidApiIds", "ApiIds names %s twice", id)
		}
		if mustExist {
			if _, err := getAPI(tx, in.ServiceId, id); err != nil {
				return nil, err
			}
		}
		out = append(out, target{in.ServiceId, in.Environment, id})
	}
	return out, nil
}

// eachPlan runs fn on every plan the request names, after its targets,
// and stores each; the change is published when one of them has keys.
func (a *Admin) eachPlan(in *planEnvReq, mustExist bool, fn func(tx *buntdb.Tx, p *planRecord, ts []target, i int) error) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		ts, err := in.targets(tx, mustExist)
		if err != nil {
			return false, err
		}
		publish := false
		for i, id := range in.UsagePlanIds {
			p, err := usagePlans.get(tx, id)
			if err != nil {
				return false, err
			}
			if err := fn(tx, &p, ts, i); err != nil {
				return false, err
			}
			p.ModifiedTime = a.now()
			if err := usagePlans.put(tx, &p); err != nil {
				return false, err
			}
			publish = publish || len(p.SecretIds) > 0
		}
		return publish, nil
	})
}

// BindEnvironment binds plans to a service environment or to APIs in it.
// Binding what is already bound is a no-op; the environment need not be
// released yet (the binding takes effect when it is).
func (a *Admin) bindEnvironment(_ context.Context, in *planEnvReq) (*result[bool], error) {
	return done(a.eachPlan(in, true, func(tx *buntdb.Tx, p *planRecord, ts []target, i int) error {
		if slices.Contains(in.UsagePlanIds[:i], p.UsagePlanId) {
			return tcapi.Errorf(errInvalidValue, "UsagePlanIds names %s twice", p.UsagePlanId)
		}
		// Read per plan: later plans of the request see earlier ones bound.
		plans, err := usagePlans.all(tx)
		if err != nil {
			return err
		}
		// One kind of binding per service environment (seed BindEnvironment).
		serviceLevel := ts[0].ApiId == ""
		for _, q := range plans {
			for _, b := range q.Bindings {
				if b.ServiceId == in.ServiceId && b.Environment == in.Environment && (b.ApiId == "") != serviceLevel {
					kind := map[bool]string{true: "service-level", false: "API-level"}[b.ApiId == ""]
					return tcapi.Errorf("UnsupportedOperation.UnsupportedBindEnvironment",
						"%s/%s already has %s usage plan %s; a service environment cannot have service-level and API-level plans at once (demote with DemoteServiceUsagePlan, or unbind)",
						in.ServiceId, in.Environment, kind, q.UsagePlanId)
				}
			}
		}
		for _, t := range ts {
			if findBinding(p.Bindings, t) < 0 {
				p.Bindings = append(p.Bindings, planBindingRe{t, a.now()})
			}
		}
		if err := a.checkApisBound(p); err != nil {
			return err
		}
		if k, q := keyConflict(plans, p); k != "" {
			return tcapi.Errorf("UnsupportedOperation.UnsupportedBindEnvironment",
				"usage plans %s and %s share API key %s and would both be bound to %s/%s: two plans of one environment cannot share a key", p.UsagePlanId, q, k, in.ServiceId, in.Environment)
		}
		return nil
	}))
}

// checkApisBound: a plan has at most Limits.ApisPerPlan API-level
// bindings (使用限制).
func (a *Admin) checkApisBound(p *planRecord) error {
	n := 0
	for _, b := range p.Bindings {
		if b.ApiId != "" {
			n++
		}
	}
	if n > a.opts.Limits.ApisPerPlan {
		return tcapi.Errorf(tcapi.CodeLimitExceeded, "a usage plan may be bound to at most %d APIs (使用限制); %s would have %d", a.opts.Limits.ApisPerPlan, p.UsagePlanId, n)
	}
	return nil
}

// UnBindEnvironment removes bindings; each named one must exist. The
// service may be gone (a plan bound to a deleted service can be unbound).
func (a *Admin) unBindEnvironment(_ context.Context, in *planEnvReq) (*result[bool], error) {
	return done(a.eachPlan(in, false, func(_ *buntdb.Tx, p *planRecord, ts []target, _ int) error {
		for _, t := range ts {
			if err := unbind(&p.Bindings, t, "UnsupportedOperation.UnsupportedUnBindEnvironment", "usage plan "+p.UsagePlanId); err != nil {
				return err
			}
		}
		return nil
	}))
}

type demoteReq struct {
	UsagePlanId, ServiceId, Environment string
}

// DemoteServiceUsagePlan turns a plan's service-level binding of one
// environment into API-level bindings of every API the service has (seed
// 服务级别使用计划降级: not without APIs, not on an unreleased environment).
// Only the named plan is demoted.
func (a *Admin) demoteServiceUsagePlan(_ context.Context, in *demoteReq) (*result[bool], error) {
	return done(usagePlans.update(a, in.UsagePlanId, func(tx *buntdb.Tx, p *planRecord) (bool, error) {
		if err := checkEnv(in.Environment); err != nil {
			return false, err
		}
		apis, err := serviceAPIs(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if err := unbind(&p.Bindings, target{in.ServiceId, in.Environment, ""}, "UnsupportedOperation.NoUsagePlanEnv", "usage plan "+p.UsagePlanId+" at service level"); err != nil {
			return false, err
		}
		released := slices.ContainsFunc(releasedEnvs(tx, in.ServiceId), func(e envRecord) bool { return e.EnvironmentName == in.Environment })
		if !released {
			return false, tcapi.Errorf(errUnsupported, "%s is not released to %s; a usage plan can be demoted only on a released environment", in.ServiceId, in.Environment)
		}
		if len(apis) == 0 {
			return false, tcapi.Errorf(errUnsupported, "%s has no API to demote usage plan %s to", in.ServiceId, p.UsagePlanId)
		}
		now := a.now()
		for _, s := range apis {
			p.Bindings = append(p.Bindings, planBindingRe{target{in.ServiceId, in.Environment, s.Api.ApiId}, now})
		}
		if err := a.checkApisBound(p); err != nil {
			return false, err
		}
		p.ModifiedTime = now
		return len(p.SecretIds) > 0, nil
	}))
}

// usagePlanEnvironment is the seed's UsagePlanEnvironment.
type usagePlanEnvironment struct {
	ServiceId, ApiId, ApiName, Path, Method, Environment string
	InUseRequestNum, MaxRequestNum, MaxRequestNumPreSec  int64
	CreatedTime, ModifiedTime, ServiceName               string
}

// apiUsagePlan is the seed's ApiUsagePlan: a binding with its plan.
type apiUsagePlan struct {
	usagePlanEnvironment
	UsagePlanId, UsagePlanName, UsagePlanDesc string
}

// bindingView describes binding b of plan p; used is the plan's quota use
// as the edges report it (quotaUsed).
func bindingView(tx *buntdb.Tx, p planRecord, b planBindingRe, used int64) usagePlanEnvironment {
	v := usagePlanEnvironment{ServiceId: b.ServiceId, ApiId: b.ApiId, Environment: b.Environment, InUseRequestNum: used,
		MaxRequestNum: p.MaxRequestNum, MaxRequestNumPreSec: p.MaxRequestNumPreSec,
		CreatedTime: b.CreatedTime, ModifiedTime: p.ModifiedTime}
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

// usagePlanEnvironmentStatus is the seed's UsagePlanEnvironmentStatus.
type usagePlanEnvironmentStatus struct {
	TotalCount      int
	EnvironmentList []usagePlanEnvironment
}

type planEnvsReq struct {
	planPageReq
	BindType string
}

func (a *Admin) describeUsagePlanEnvironments(_ context.Context, in *planEnvsReq) (*result[usagePlanEnvironmentStatus], error) {
	n, set, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]usagePlanEnvironment, error) {
		bt, err := bindType(in.BindType)
		if err != nil {
			return nil, err
		}
		p, err := usagePlans.get(tx, in.UsagePlanId)
		var set []usagePlanEnvironment
		for _, b := range p.Bindings {
			if (b.ApiId == "") == (bt == "SERVICE") {
				set = append(set, bindingView(tx, p, b, a.quotaUsed(p.UsagePlanId)))
			}
		}
		return set, err
	})
	return resultOf(usagePlanEnvironmentStatus{n, set}, err)
}

// servicePlans lists the bindings of every plan to service svc; apiLevel
// also includes the API-level ones.
func (a *Admin) servicePlans(in *servicePageReq, apiLevel bool) (int, []apiUsagePlan, error) {
	return describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]apiUsagePlan, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		plans, err := usagePlans.all(tx)
		var set []apiUsagePlan
		for _, p := range plans {
			for _, b := range p.Bindings {
				if b.ServiceId == in.ServiceId && (apiLevel || b.ApiId == "") {
					v := apiUsagePlan{bindingView(tx, p, b, a.quotaUsed(p.UsagePlanId)), p.UsagePlanId, p.UsagePlanName, p.UsagePlanDesc}
					v.CreatedTime = p.CreatedTime
					set = append(set, v)
				}
			}
		}
		return set, err
	})
}

// apiUsagePlanSet is the seed's ApiUsagePlanSet.
type apiUsagePlanSet struct {
	TotalCount       int
	ApiUsagePlanList []apiUsagePlan
}

// DescribeApiUsagePlan: the plans bound to a service and to its APIs
// (seed: 查询绑定到一个服务及其中 API 的所有使用计划).
func (a *Admin) describeApiUsagePlan(_ context.Context, in *servicePageReq) (*result[apiUsagePlanSet], error) {
	n, set, err := a.servicePlans(in, true)
	return resultOf(apiUsagePlanSet{n, set}, err)
}

// serviceUsagePlanSet is the seed's ServiceUsagePlanSet.
type serviceUsagePlanSet struct {
	TotalCount           int
	ServiceUsagePlanList []apiUsagePlan
}

// DescribeServiceUsagePlan: the plans bound to a service (service level).
func (a *Admin) describeServiceUsagePlan(_ context.Context, in *servicePageReq) (*result[serviceUsagePlanSet], error) {
	n, set, err := a.servicePlans(in, false)
	return resultOf(serviceUsagePlanSet{n, set}, err)
}
