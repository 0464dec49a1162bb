package admin

import (
	"context"
	"slices"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// Usage plans (seed: 使用计划, 使用计划相关接口). A plan admits its keys on
// the service environments (BindType SERVICE) or APIs (BindType API) it is
// bound to, within its limits. The seed's rules enforced here:
//   - two plans that reach the same API of a service environment do not
//     share a key (创建使用计划及密钥); a service-level binding reaches every
//     API of its environment, so API-level plans on different APIs may share;
//   - a service environment has service-level or API-level plans, not both
//     (BindEnvironment; DemoteServiceUsagePlan turns one into the other);
//   - 200 plans, 50 keys per plan, 10 plans per key, 10000 APIs per plan
//     (使用限制).

// planFields are the fields CreateUsagePlan sets and ModifyUsagePlan may
// change.
type planFields struct {
	UsagePlanName, UsagePlanDesc       *string
	MaxRequestNum, MaxRequestNumPreSec *int64
}

// Check: MaxRequestNum -1 or 1..999999999, MaxRequestNumPreSec -1 or
// 1..2000 (seed CreateUsagePlan; ModifyUsagePlan says 99999999, we take
// the larger bound for both so a created plan can be modified back).
func (in *planFields) Check() error {
	if in.UsagePlanName != nil {
		if err := checkName("UsagePlanName", *in.UsagePlanName, 60); err != nil {
			return err
		}
	}
	if in.UsagePlanDesc != nil {
		if err := checkDesc("UsagePlanDesc", *in.UsagePlanDesc); err != nil {
			return err
		}
	}
	if t := in.MaxRequestNum; t != nil && *t != -1 && (*t < 1 || *t > 999999999) {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "MaxRequestNum %d: want -1 (no quota) or 1 to 999999999", *t)
	}
	if q := in.MaxRequestNumPreSec; q != nil && *q != -1 && (*q < 1 || *q > 2000) {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "MaxRequestNumPreSec %d: want -1 (no limit) or 1 to 2000", *q)
	}
	return nil
}

// apply sets what in gives on p.
func (in *planFields) apply(p *planRecord) {
	setIf(&p.UsagePlanName, in.UsagePlanName)
	setIf(&p.UsagePlanDesc, in.UsagePlanDesc)
	setIf(&p.MaxRequestNum, in.MaxRequestNum)
	setIf(&p.MaxRequestNumPreSec, in.MaxRequestNumPreSec)
}

// usagePlanInfo is the seed's UsagePlanInfo. The seed names the creation
// time CreateTime, the SDK CreatedTime: both are sent.
type usagePlanInfo struct {
	UsagePlanId, UsagePlanName, UsagePlanDesc             string
	InitQuota, MaxRequestNumPreSec, MaxRequestNum, IsHide int64
	CreateTime, CreatedTime, ModifiedTime                 string
	BindSecretIdTotalCount                                int
	BindSecretIds                                         []string
	BindEnvironmentTotalCount                             int
	BindEnvironments                                      []planEnvSummary
}

// planEnvSummary is the seed's UsagePlanBindEnvironment.
type planEnvSummary struct{ EnvironmentName, ServiceId string }

func planInfo(p planRecord) usagePlanInfo {
	envs := []planEnvSummary{}
	for _, b := range p.Bindings {
		e := planEnvSummary{b.Environment, b.ServiceId}
		if !slices.Contains(envs, e) {
			envs = append(envs, e)
		}
	}
	ids := orEmpty(sortedCopy(p.SecretIds))
	return usagePlanInfo{UsagePlanId: p.UsagePlanId, UsagePlanName: p.UsagePlanName, UsagePlanDesc: p.UsagePlanDesc,
		InitQuota: p.MaxRequestNum, MaxRequestNumPreSec: p.MaxRequestNumPreSec, MaxRequestNum: p.MaxRequestNum,
		CreateTime: p.CreatedTime, CreatedTime: p.CreatedTime, ModifiedTime: p.ModifiedTime,
		BindSecretIdTotalCount: len(ids), BindSecretIds: ids, BindEnvironmentTotalCount: len(envs), BindEnvironments: envs}
}

type createUsagePlanReq struct{ planFields }

func (in *createUsagePlanReq) Check() error {
	if in.UsagePlanName == nil {
		return tcapi.Errorf(errMissing, "UsagePlanName is required")
	}
	return in.planFields.Check()
}

func (a *Admin) createUsagePlan(_ context.Context, in *createUsagePlanReq) (*result[usagePlanInfo], error) {
	// No quota and no rate limit unless given (seed CreateUsagePlan: -1).
	p := planRecord{UsagePlanId: newID("usagePlan-"), MaxRequestNum: -1, MaxRequestNumPreSec: -1, stamps: a.stamped()}
	in.apply(&p)
	l := limit{prefix: planPrefix, max: a.opts.Limits.UsagePlans, code: "LimitExceeded.UsagePlanLimitExceeded", what: "usage plans"}
	return resultOf(planInfo(p), a.insert(l, usagePlans.key(p.UsagePlanId), p, false))
}

type planIDReq struct {
	UsagePlanId string
}

// DeleteUsagePlan deletes a plan bound to no environment (seed:
// UnsupportedOperation.UsagePlanInUse); its key bindings go with it.
func (a *Admin) deleteUsagePlan(_ context.Context, in *planIDReq) (*result[bool], error) {
	return done(usagePlans.remove(a, in.UsagePlanId, func(_ *buntdb.Tx, p *planRecord) (bool, error) {
		return false, unbound(p.Bindings, "UnsupportedOperation.UsagePlanInUse", "usage plan "+p.UsagePlanId, "UnBindEnvironment")
	}))
}

func (a *Admin) describeUsagePlan(_ context.Context, in *planIDReq) (*result[usagePlanInfo], error) {
	var out usagePlanInfo
	err := a.db.View(func(tx *buntdb.Tx) error {
		p, err := usagePlans.get(tx, in.UsagePlanId)
		out = planInfo(p)
		return err
	})
	return resultOf(out, err)
}

// usagePlanStatusInfo is the seed's UsagePlanStatusInfo.
type usagePlanStatusInfo struct {
	UsagePlanId, UsagePlanName, UsagePlanDesc string
	MaxRequestNumPreSec, MaxRequestNum        int64
	CreatedTime, ModifiedTime                 string
}

// usagePlansStatus is the seed's UsagePlansStatus.
type usagePlansStatus struct {
	TotalCount         int
	UsagePlanStatusSet []usagePlanStatusInfo
}

func (a *Admin) describeUsagePlansStatus(_ context.Context, in *listParams) (*result[usagePlansStatus], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters, []string{"UsagePlanId", "UsagePlanName", "NotServiceId", "NotApiId", "Environment"},
		func(tx *buntdb.Tx, fs filters) ([]usagePlanStatusInfo, error) {
			plans, err := usagePlans.all(tx)
			var set []usagePlanStatusInfo
			for _, p := range plans {
				if !fs.match("UsagePlanId", p.UsagePlanId) || !fs.matchSub("UsagePlanName", p.UsagePlanName) {
					continue
				}
				var svcs, apis, envs []string
				for _, b := range p.Bindings {
					svcs, envs = append(svcs, b.ServiceId), append(envs, b.Environment)
					if b.ApiId != "" {
						apis = append(apis, b.ApiId)
					}
				}
				if _, ok := fs["NotServiceId"]; ok && fs.matchAny("NotServiceId", svcs) {
					continue
				}
				if _, ok := fs["NotApiId"]; ok && fs.matchAny("NotApiId", apis) {
					continue
				}
				if fs.matchAny("Environment", envs) {
					set = append(set, usagePlanStatusInfo{p.UsagePlanId, p.UsagePlanName, p.UsagePlanDesc,
						p.MaxRequestNumPreSec, p.MaxRequestNum, p.CreatedTime, p.ModifiedTime})
				}
			}
			return set, err
		})
	return resultOf(usagePlansStatus{n, set}, err)
}

type modifyUsagePlanReq struct {
	UsagePlanId string
	planFields
}

func (a *Admin) modifyUsagePlan(_ context.Context, in *modifyUsagePlanReq) (*result[usagePlanInfo], error) {
	var out usagePlanInfo
	err := usagePlans.update(a, in.UsagePlanId, func(_ *buntdb.Tx, p *planRecord) (bool, error) {
		before := *p
		in.apply(p)
		p.ModifiedTime = a.now()
		out = planInfo(*p)
		// Names are not traffic; limits of a live plan are.
		limitsChanged := before.MaxRequestNum != p.MaxRequestNum || before.MaxRequestNumPreSec != p.MaxRequestNumPreSec
		return limitsChanged && p.live(), nil
	})
	return resultOf(out, err)
}

type planKeysReq struct {
	UsagePlanId  string
	AccessKeyIds []string `tcapi:"required"`
}

func (a *Admin) bindSecretIds(_ context.Context, in *planKeysReq) (*result[bool], error) {
	return done(usagePlans.update(a, in.UsagePlanId, func(tx *buntdb.Tx, p *planRecord) (bool, error) {
		plans, err := usagePlans.all(tx)
		if err != nil {
			return false, err
		}
		for i, id := range in.AccessKeyIds {
			if slices.Contains(in.AccessKeyIds[:i], id) {
				return false, tcapi.Errorf("InvalidParameterValue.InvalidAccessKeyIds", "AccessKeyIds names %s twice", id)
			}
			k, err := apiKeys.get(tx, id)
			if err != nil {
				return false, err
			}
			if k.Status != 1 {
				return false, tcapi.Errorf("UnsupportedOperation.InvalidStatus", "API key %s is disabled; enable it before binding it", id)
			}
			if slices.Contains(p.SecretIds, id) {
				return false, tcapi.Errorf("UnsupportedOperation.AlreadyBindUsagePlan", "API key %s is already bound to usage plan %s", id, p.UsagePlanId)
			}
			if n := len(plansOfKey(plans, id)); n >= a.opts.Limits.PlansPerKey {
				return false, tcapi.Errorf(tcapi.CodeLimitExceeded, "API key %s is bound to %d usage plans, the most a key may be (使用限制)", id, n)
			}
			p.SecretIds = append(p.SecretIds, id)
		}
		if len(p.SecretIds) > a.opts.Limits.KeysPerPlan {
			return false, tcapi.Errorf(tcapi.CodeLimitExceeded, "a usage plan may have at most %d keys (使用限制); %s would have %d", a.opts.Limits.KeysPerPlan, p.UsagePlanId, len(p.SecretIds))
		}
		if k, q := keyConflict(plans, p); k != "" {
			return false, tcapi.Errorf("UnsupportedOperation.UnsupportedBindApiKey",
				"API key %s is bound to usage plan %s, which is bound to the same environment as %s: two plans of one environment cannot share a key", k, q, p.UsagePlanId)
		}
		p.ModifiedTime = a.now()
		return len(p.Bindings) > 0, nil
	}))
}

func (a *Admin) unBindSecretIds(_ context.Context, in *planKeysReq) (*result[bool], error) {
	return done(usagePlans.update(a, in.UsagePlanId, func(_ *buntdb.Tx, p *planRecord) (bool, error) {
		for _, id := range in.AccessKeyIds {
			i := slices.Index(p.SecretIds, id)
			if i < 0 {
				return false, tcapi.Errorf("ResourceNotFound.InvalidAccessKeyId", "API key %s is not bound to usage plan %s", id, p.UsagePlanId)
			}
			p.SecretIds = slices.Delete(p.SecretIds, i, i+1)
		}
		p.ModifiedTime = a.now()
		return len(p.Bindings) > 0, nil
	}))
}

// usagePlanBindSecret is the seed's UsagePlanBindSecret.
type usagePlanBindSecret struct {
	AccessKeyId, SecretName string
	Status                  int
}

// usagePlanBindSecretStatus is the seed's UsagePlanBindSecretStatus.
type usagePlanBindSecretStatus struct {
	TotalCount    int
	AccessKeyList []usagePlanBindSecret
}

type planPageReq struct {
	planIDReq
	pageParams
}

func (a *Admin) describeUsagePlanSecretIds(_ context.Context, in *planPageReq) (*result[usagePlanBindSecretStatus], error) {
	n, set, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]usagePlanBindSecret, error) {
		p, err := usagePlans.get(tx, in.UsagePlanId)
		var set []usagePlanBindSecret
		for _, id := range sortedCopy(p.SecretIds) {
			var k keyRecord
			if found, err := store.GetJSON(tx, apiKeyKey(id), &k); err == nil && found {
				set = append(set, usagePlanBindSecret{k.AccessKeyId, k.SecretName, k.Status})
			}
		}
		return set, err
	})
	return resultOf(usagePlanBindSecretStatus{n, set}, err)
}
