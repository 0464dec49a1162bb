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

const errNoPlan = "ResourceNotFound.InvalidUsagePlan"

func getPlan(tx *buntdb.Tx, id string) (planRecord, error) {
	return getRecord[planRecord](tx, "UsagePlanId", id, planKey(id), errNoPlan, "usage plan "+id+" does not exist")
}

// checkPlanLimits: MaxRequestNum -1 or 1..999999999, MaxRequestNumPreSec
// -1 or 1..2000 (seed CreateUsagePlan; ModifyUsagePlan says 99999999, we
// take the larger bound for both so a created plan can be modified back).
func checkPlanLimits(total, qps *int64) error {
	if total != nil && *total != -1 && (*total < 1 || *total > 999999999) {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "MaxRequestNum %d: want -1 (no quota) or 1 to 999999999", *total)
	}
	if qps != nil && *qps != -1 && (*qps < 1 || *qps > 2000) {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "MaxRequestNumPreSec %d: want -1 (no limit) or 1 to 2000", *qps)
	}
	return nil
}

// usagePlanInfo is the seed's UsagePlanInfo. The seed names the creation
// time CreateTime, the SDK CreatedTime: both are sent.
type usagePlanInfo struct {
	UsagePlanId               string           `json:"UsagePlanId"`
	UsagePlanName             string           `json:"UsagePlanName"`
	UsagePlanDesc             string           `json:"UsagePlanDesc"`
	InitQuota                 int64            `json:"InitQuota"`
	MaxRequestNumPreSec       int64            `json:"MaxRequestNumPreSec"`
	MaxRequestNum             int64            `json:"MaxRequestNum"`
	IsHide                    int64            `json:"IsHide"`
	CreateTime                string           `json:"CreateTime"`
	CreatedTime               string           `json:"CreatedTime"`
	ModifiedTime              string           `json:"ModifiedTime"`
	BindSecretIdTotalCount    int              `json:"BindSecretIdTotalCount"`
	BindSecretIds             []string         `json:"BindSecretIds"`
	BindEnvironmentTotalCount int              `json:"BindEnvironmentTotalCount"`
	BindEnvironments          []planEnvSummary `json:"BindEnvironments"`
}

type planEnvSummary struct {
	EnvironmentName string `json:"EnvironmentName"`
	ServiceId       string `json:"ServiceId"`
}

func planInfo(p planRecord) usagePlanInfo {
	envs := []planEnvSummary{}
	for _, b := range p.Bindings {
		e := planEnvSummary{EnvironmentName: b.Environment, ServiceId: b.ServiceId}
		if !slices.Contains(envs, e) {
			envs = append(envs, e)
		}
	}
	ids := sortedCopy(p.SecretIds)
	if ids == nil {
		ids = []string{}
	}
	return usagePlanInfo{UsagePlanId: p.UsagePlanId, UsagePlanName: p.UsagePlanName, UsagePlanDesc: p.UsagePlanDesc,
		InitQuota: p.MaxRequestNum, MaxRequestNumPreSec: p.MaxRequestNumPreSec, MaxRequestNum: p.MaxRequestNum,
		CreateTime: p.CreatedTime, CreatedTime: p.CreatedTime, ModifiedTime: p.ModifiedTime,
		BindSecretIdTotalCount: len(ids), BindSecretIds: ids, BindEnvironmentTotalCount: len(envs), BindEnvironments: envs}
}

func (a *Admin) createUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		UsagePlanName       string `json:"UsagePlanName"`
		UsagePlanDesc       string `json:"UsagePlanDesc"`
		MaxRequestNum       *int64 `json:"MaxRequestNum"`
		MaxRequestNumPreSec *int64 `json:"MaxRequestNumPreSec"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkName("UsagePlanName", in.UsagePlanName, 60); err != nil {
		return nil, err
	}
	if len([]rune(in.UsagePlanDesc)) > 200 {
		return nil, tcapi.Errorf(errFormat, "UsagePlanDesc: at most 200 characters")
	}
	if err := checkPlanLimits(in.MaxRequestNum, in.MaxRequestNumPreSec); err != nil {
		return nil, err
	}
	now := isoTime(a.opts.Now())
	p := planRecord{UsagePlanId: newID("usagePlan-"), UsagePlanName: in.UsagePlanName, UsagePlanDesc: in.UsagePlanDesc,
		MaxRequestNum: -1, MaxRequestNumPreSec: -1, CreatedTime: now, ModifiedTime: now}
	if in.MaxRequestNum != nil {
		p.MaxRequestNum = *in.MaxRequestNum
	}
	if in.MaxRequestNumPreSec != nil {
		p.MaxRequestNumPreSec = *in.MaxRequestNumPreSec
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		n := 0
		tx.AscendKeys(planPrefix+"*", func(string, string) bool { n++; return true })
		if n >= a.opts.Limits.UsagePlans {
			return false, tcapi.Errorf("LimitExceeded.UsagePlanLimitExceeded", "at most %d usage plans", a.opts.Limits.UsagePlans)
		}
		return false, store.SetJSON(tx, planKey(p.UsagePlanId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": planInfo(p)}, nil
}

type planIDReq struct {
	UsagePlanId string `json:"UsagePlanId"`
}

// DeleteUsagePlan deletes a plan bound to no environment (seed:
// UnsupportedOperation.UsagePlanInUse); its key bindings go with it.
func (a *Admin) deleteUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	var in planIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return false, err
		}
		if len(p.Bindings) > 0 {
			return false, tcapi.Errorf("UnsupportedOperation.UsagePlanInUse", "usage plan %s is bound to %s/%s; unbind it (UnBindEnvironment) first",
				p.UsagePlanId, p.Bindings[0].ServiceId, p.Bindings[0].Environment)
		}
		_, err = tx.Delete(planKey(p.UsagePlanId))
		return false, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) describeUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	var in planIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var out usagePlanInfo
	err := a.db.View(func(tx *buntdb.Tx) error {
		p, err := getPlan(tx, in.UsagePlanId)
		out = planInfo(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": out}, nil
}

// usagePlanStatusInfo is the seed's UsagePlanStatusInfo.
type usagePlanStatusInfo struct {
	UsagePlanId         string `json:"UsagePlanId"`
	UsagePlanName       string `json:"UsagePlanName"`
	UsagePlanDesc       string `json:"UsagePlanDesc"`
	MaxRequestNumPreSec int64  `json:"MaxRequestNumPreSec"`
	MaxRequestNum       int64  `json:"MaxRequestNum"`
	CreatedTime         string `json:"CreatedTime"`
	ModifiedTime        string `json:"ModifiedTime"`
}

func (a *Admin) describeUsagePlansStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in describeServicesReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "UsagePlanId", "UsagePlanName", "NotServiceId", "NotApiId", "Environment")
	if err != nil {
		return nil, err
	}
	set := []usagePlanStatusInfo{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		plans, err := scan[planRecord](tx, planPrefix)
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
			if !fs.matchAny("Environment", envs) {
				continue
			}
			set = append(set, usagePlanStatusInfo{UsagePlanId: p.UsagePlanId, UsagePlanName: p.UsagePlanName, UsagePlanDesc: p.UsagePlanDesc,
				MaxRequestNumPreSec: p.MaxRequestNumPreSec, MaxRequestNum: p.MaxRequestNum, CreatedTime: p.CreatedTime, ModifiedTime: p.ModifiedTime})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "UsagePlanStatusSet": page(set, limit, offset)}}, nil
}

func (a *Admin) modifyUsagePlan(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		UsagePlanId         string  `json:"UsagePlanId"`
		UsagePlanName       *string `json:"UsagePlanName"`
		UsagePlanDesc       *string `json:"UsagePlanDesc"`
		MaxRequestNum       *int64  `json:"MaxRequestNum"`
		MaxRequestNumPreSec *int64  `json:"MaxRequestNumPreSec"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.UsagePlanName != nil {
		if err := checkName("UsagePlanName", *in.UsagePlanName, 60); err != nil {
			return nil, err
		}
	}
	if in.UsagePlanDesc != nil && len([]rune(*in.UsagePlanDesc)) > 200 {
		return nil, tcapi.Errorf(errFormat, "UsagePlanDesc: at most 200 characters")
	}
	if err := checkPlanLimits(in.MaxRequestNum, in.MaxRequestNumPreSec); err != nil {
		return nil, err
	}
	var out usagePlanInfo
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return false, err
		}
		before := p
		if in.UsagePlanName != nil {
			p.UsagePlanName = *in.UsagePlanName
		}
		if in.UsagePlanDesc != nil {
			p.UsagePlanDesc = *in.UsagePlanDesc
		}
		if in.MaxRequestNum != nil {
			p.MaxRequestNum = *in.MaxRequestNum
		}
		if in.MaxRequestNumPreSec != nil {
			p.MaxRequestNumPreSec = *in.MaxRequestNumPreSec
		}
		p.ModifiedTime = isoTime(a.opts.Now())
		if err := store.SetJSON(tx, planKey(p.UsagePlanId), p); err != nil {
			return false, err
		}
		out = planInfo(p)
		// Names are not traffic; limits of a live plan are.
		limitsChanged := before.MaxRequestNum != p.MaxRequestNum || before.MaxRequestNumPreSec != p.MaxRequestNumPreSec
		return limitsChanged && p.live(), nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": out}, nil
}

type planKeysReq struct {
	UsagePlanId  string   `json:"UsagePlanId"`
	AccessKeyIds []string `json:"AccessKeyIds"`
}

func (a *Admin) bindSecretIds(_ context.Context, r *tcapi.Request) (any, error) {
	var in planKeysReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if len(in.AccessKeyIds) == 0 {
		return nil, tcapi.Errorf(errMissing, "AccessKeyIds is required")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return false, err
		}
		plans, err := scan[planRecord](tx, planPrefix)
		if err != nil {
			return false, err
		}
		for i, id := range in.AccessKeyIds {
			if slices.Contains(in.AccessKeyIds[:i], id) {
				return false, tcapi.Errorf("InvalidParameterValue.InvalidAccessKeyIds", "AccessKeyIds names %s twice", id)
			}
			k, err := getKey(tx, id)
			if err != nil {
				return false, err
			}
			if k.Status != 1 {
				return false, tcapi.Errorf("UnsupportedOperation.InvalidStatus", "API key %s is disabled; enable it before binding it", id)
			}
			if contains(p.SecretIds, id) {
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
		if k, q := keyConflict(plans, &p); k != "" {
			return false, tcapi.Errorf("UnsupportedOperation.UnsupportedBindApiKey",
				"API key %s is bound to usage plan %s, which is bound to the same environment as %s: two plans of one environment cannot share a key", k, q, p.UsagePlanId)
		}
		p.ModifiedTime = isoTime(a.opts.Now())
		return len(p.Bindings) > 0, store.SetJSON(tx, planKey(p.UsagePlanId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) unBindSecretIds(_ context.Context, r *tcapi.Request) (any, error) {
	var in planKeysReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if len(in.AccessKeyIds) == 0 {
		return nil, tcapi.Errorf(errMissing, "AccessKeyIds is required")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return false, err
		}
		for _, id := range in.AccessKeyIds {
			i := slices.Index(p.SecretIds, id)
			if i < 0 {
				return false, tcapi.Errorf("ResourceNotFound.InvalidAccessKeyId", "API key %s is not bound to usage plan %s", id, p.UsagePlanId)
			}
			p.SecretIds = slices.Delete(p.SecretIds, i, i+1)
		}
		p.ModifiedTime = isoTime(a.opts.Now())
		return len(p.Bindings) > 0, store.SetJSON(tx, planKey(p.UsagePlanId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// usagePlanBindSecret is the seed's UsagePlanBindSecret.
type usagePlanBindSecret struct {
	AccessKeyId string `json:"AccessKeyId"`
	SecretName  string `json:"SecretName"`
	Status      int    `json:"Status"`
}

func (a *Admin) describeUsagePlanSecretIds(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		UsagePlanId string `json:"UsagePlanId"`
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
	set := []usagePlanBindSecret{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		p, err := getPlan(tx, in.UsagePlanId)
		if err != nil {
			return err
		}
		for _, id := range sortedCopy(p.SecretIds) {
			var k keyRecord
			if found, err := store.GetJSON(tx, apiKeyKey(id), &k); err != nil || !found {
				continue
			}
			set = append(set, usagePlanBindSecret{AccessKeyId: k.AccessKeyId, SecretName: k.SecretName, Status: k.Status})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "AccessKeyList": page(set, limit, offset)}}, nil
}
