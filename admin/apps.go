package admin

import (
	"context"
	"slices"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// Applications (seed: 应用相关接口), for AuthType APP. An app has one key
// (ApiAppKey) and secret and may call the APIs it is bound to, per
// environment. Its secret is returned by CreateApiApp and DescribeApiApp
// (the app owner's lookup of one app, like DescribeApiKey for keys); the
// list DescribeApiAppsStatus answers ApiAppSecret "". SDK v1.0.162 has
// none of these Actions; they follow the seed.

const errNoApp = "ResourceNotFound.InvalidApiApp"

func getApp(tx *buntdb.Tx, id string) (appRecord, error) {
	return getRecord[appRecord](tx, "ApiAppId", id, apiAppKey(id), errNoApp, "application "+id+" does not exist")
}

// apiAppInfo is the seed's ApiAppInfo.
type apiAppInfo struct {
	ApiAppName   string `json:"ApiAppName"`
	ApiAppId     string `json:"ApiAppId"`
	ApiAppSecret string `json:"ApiAppSecret"`
	ApiAppDesc   string `json:"ApiAppDesc"`
	CreatedTime  string `json:"CreatedTime"`
	ModifiedTime string `json:"ModifiedTime"`
	ApiAppKey    string `json:"ApiAppKey"`
	Tags         []Tag  `json:"Tags"`
	ProjectId    string `json:"ProjectId"`
}

func appInfo(ap appRecord, secret string) apiAppInfo {
	tags := ap.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return apiAppInfo{ApiAppName: ap.ApiAppName, ApiAppId: ap.ApiAppId, ApiAppSecret: secret, ApiAppDesc: ap.ApiAppDesc,
		CreatedTime: ap.CreatedTime, ModifiedTime: ap.ModifiedTime, ApiAppKey: ap.ApiAppKey, Tags: tags, ProjectId: ap.ProjectId}
}

func (a *Admin) createApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ApiAppName string `json:"ApiAppName"`
		ApiAppDesc string `json:"ApiAppDesc"`
		Tags       []Tag  `json:"Tags"`
		ProjectId  string `json:"ProjectId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkName("ApiAppName", in.ApiAppName, 50); err != nil {
		return nil, err
	}
	if len([]rune(in.ApiAppDesc)) > 200 {
		return nil, tcapi.Errorf(errFormat, "ApiAppDesc: at most 200 characters")
	}
	now := isoTime(a.opts.Now())
	ap := appRecord{ApiAppId: newID("app-"), ApiAppName: in.ApiAppName, ApiAppDesc: in.ApiAppDesc,
		ApiAppKey: "APID" + randomString(28), ProjectId: in.ProjectId, Tags: in.Tags, CreatedTime: now, ModifiedTime: now}
	secret := randomString(40)
	ap.Secret = a.sealSecret(apiAppKey(ap.ApiAppId), secret)
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		n := 0
		tx.AscendKeys(apiAppPrefix+"*", func(string, string) bool { n++; return true })
		if n >= a.opts.Limits.ApiApps {
			return false, tcapi.Errorf("LimitExceeded.ApiAppCountLimitExceeded", "at most %d applications", a.opts.Limits.ApiApps)
		}
		// Published even unbound, as keys are (createApiKey).
		return true, store.SetJSON(tx, apiAppKey(ap.ApiAppId), ap)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": appInfo(ap, secret)}, nil
}

type appIDReq struct {
	ApiAppId string `json:"ApiAppId"`
}

// DeleteApiApp deletes an app bound to no API (seed:
// UnsupportedOperation.ResourceAssociated).
func (a *Admin) deleteApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in appIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		ap, err := getApp(tx, in.ApiAppId)
		if err != nil {
			return false, err
		}
		if len(ap.Apis) > 0 {
			b := ap.Apis[0]
			return false, tcapi.Errorf("UnsupportedOperation.ResourceAssociated", "application %s is bound to API %s of %s/%s; unbind it (UnbindApiApp) first",
				ap.ApiAppId, b.ApiId, b.ServiceId, b.Environment)
		}
		_, err = tx.Delete(apiAppKey(ap.ApiAppId))
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// DescribeApiApp searches one app by ID (seed 搜索应用: it lists no
// not-found code, so an unknown ID is an empty result).
func (a *Admin) describeApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in appIDReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiAppId == "" {
		return nil, tcapi.Errorf(errMissing, "ApiAppId is required")
	}
	set := []apiAppInfo{}
	err := a.db.View(func(tx *buntdb.Tx) error {
		var ap appRecord
		found, err := store.GetJSON(tx, apiAppKey(in.ApiAppId), &ap)
		if err != nil || !found {
			return err
		}
		secret, err := a.openSecret(apiAppKey(ap.ApiAppId), ap.Secret)
		if err != nil {
			return err
		}
		set = append(set, appInfo(ap, secret))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiAppSet": set}}, nil
}

func (a *Admin) describeApiAppsStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in describeServicesReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "ApiAppId", "ApiAppName", "KeyWord")
	if err != nil {
		return nil, err
	}
	set := []apiAppInfo{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		apps, err := scan[appRecord](tx, apiAppPrefix)
		for _, ap := range apps {
			if !fs.match("ApiAppId", ap.ApiAppId) || !fs.matchSub("ApiAppName", ap.ApiAppName) {
				continue
			}
			if vals, ok := fs["KeyWord"]; ok && !anySub(vals, ap.ApiAppName, ap.ApiAppId) {
				continue
			}
			set = append(set, appInfo(ap, ""))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiAppSet": page(set, limit, offset)}}, nil
}

func (a *Admin) modifyApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ApiAppId   string  `json:"ApiAppId"`
		ApiAppName *string `json:"ApiAppName"`
		ApiAppDesc *string `json:"ApiAppDesc"`
		ProjectId  *string `json:"ProjectId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiAppName != nil {
		if err := checkName("ApiAppName", *in.ApiAppName, 50); err != nil {
			return nil, err
		}
	}
	if in.ApiAppDesc != nil && len([]rune(*in.ApiAppDesc)) > 200 {
		return nil, tcapi.Errorf(errFormat, "ApiAppDesc: at most 200 characters")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		ap, err := getApp(tx, in.ApiAppId)
		if err != nil {
			return false, err
		}
		if in.ApiAppName != nil {
			ap.ApiAppName = *in.ApiAppName
		}
		if in.ApiAppDesc != nil {
			ap.ApiAppDesc = *in.ApiAppDesc
		}
		if in.ProjectId != nil {
			ap.ProjectId = *in.ProjectId
		}
		ap.ModifiedTime = isoTime(a.opts.Now())
		return false, store.SetJSON(tx, apiAppKey(ap.ApiAppId), ap)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

type appAPIReq struct {
	ApiAppId    string `json:"ApiAppId"`
	Environment string `json:"Environment"`
	ServiceId   string `json:"ServiceId"`
	ApiId       string `json:"ApiId"`
}

func checkAppEnv(env string) error {
	if env == "" {
		return tcapi.Errorf(errMissing, "Environment is required")
	}
	if !validEnvironment(env) {
		return tcapi.Errorf("InvalidParameterValue.InvalidEnv", "Environment %q: want test, prepub or release", env)
	}
	return nil
}

// BindApiApp lets an app call one API in one environment. The
// environment need not be released yet.
func (a *Admin) bindApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in appAPIReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkAppEnv(in.Environment); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		ap, err := getApp(tx, in.ApiAppId)
		if err != nil {
			return false, err
		}
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		if _, err := getAPI(tx, in.ServiceId, in.ApiId); err != nil {
			return false, err
		}
		b := appBindingRe{ServiceId: in.ServiceId, Environment: in.Environment, ApiId: in.ApiId}
		if slices.ContainsFunc(ap.Apis, func(x appBindingRe) bool { return sameAppTarget(x, b) }) {
			return false, tcapi.Errorf("UnsupportedOperation.ResourceAssociated", "application %s is already bound to API %s of %s/%s", ap.ApiAppId, in.ApiId, in.ServiceId, in.Environment)
		}
		b.AuthorizedTime = isoTime(a.opts.Now())
		ap.Apis = append(ap.Apis, b)
		return true, store.SetJSON(tx, apiAppKey(ap.ApiAppId), ap)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func sameAppTarget(x, y appBindingRe) bool {
	return x.ServiceId == y.ServiceId && x.Environment == y.Environment && x.ApiId == y.ApiId
}

// UnbindApiApp removes one binding; it works on a deleted API or service.
func (a *Admin) unbindApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in appAPIReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkAppEnv(in.Environment); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		ap, err := getApp(tx, in.ApiAppId)
		if err != nil {
			return false, err
		}
		if in.ServiceId == "" || in.ApiId == "" {
			return false, tcapi.Errorf(errMissing, "ServiceId and ApiId are required")
		}
		b := appBindingRe{ServiceId: in.ServiceId, Environment: in.Environment, ApiId: in.ApiId}
		i := slices.IndexFunc(ap.Apis, func(x appBindingRe) bool { return sameAppTarget(x, b) })
		if i < 0 {
			return false, tcapi.Errorf(errNoAPI, "application %s is not bound to API %s of %s/%s", ap.ApiAppId, in.ApiId, in.ServiceId, in.Environment)
		}
		ap.Apis = slices.Delete(ap.Apis, i, i+1)
		return true, store.SetJSON(tx, apiAppKey(ap.ApiAppId), ap)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// apiAppAPIInfo is the seed's ApiAppApiInfo.
type apiAppAPIInfo struct {
	ApiAppName      string `json:"ApiAppName"`
	ApiAppId        string `json:"ApiAppId"`
	ApiId           string `json:"ApiId"`
	ApiName         string `json:"ApiName"`
	ServiceId       string `json:"ServiceId"`
	AuthorizedTime  string `json:"AuthorizedTime"`
	ApiRegion       string `json:"ApiRegion"`
	EnvironmentName string `json:"EnvironmentName"`
}

func appAPIView(tx *buntdb.Tx, ap appRecord, b appBindingRe, region string) apiAppAPIInfo {
	v := apiAppAPIInfo{ApiAppName: ap.ApiAppName, ApiAppId: ap.ApiAppId, ApiId: b.ApiId, ServiceId: b.ServiceId,
		AuthorizedTime: b.AuthorizedTime, ApiRegion: region, EnvironmentName: b.Environment}
	var sa storedAPI
	if found, _ := store.GetJSON(tx, apiKey(b.ServiceId, b.ApiId), &sa); found {
		v.ApiName = sa.Api.ApiName
	}
	return v
}

// appBindingsPage lists bindings chosen by keep, filtered and paged.
func (a *Admin) appBindings(r *tcapi.Request, limitP, offsetP *int64, filters []Filter, allowed []string,
	keep func(ap appRecord, b appBindingRe) bool) (any, error) {
	limit, offset, err := paging(limitP, offsetP)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(filters, allowed...)
	if err != nil {
		return nil, err
	}
	set := []apiAppAPIInfo{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		apps, err := scan[appRecord](tx, apiAppPrefix)
		for _, ap := range apps {
			for _, b := range ap.Apis {
				if !keep(ap, b) {
					continue
				}
				v := appAPIView(tx, ap, b, r.Region)
				if !fs.match("ApiAppId", v.ApiAppId) || !fs.match("ApiId", v.ApiId) || !fs.matchSub("ApiName", v.ApiName) ||
					!fs.match("ServiceId", v.ServiceId) || !fs.match("Environment", v.EnvironmentName) {
					continue
				}
				if vals, ok := fs["Keyword"]; ok && !anySub(vals, v.ApiAppName, v.ApiAppId, v.ApiName, v.ApiId) {
					continue
				}
				set = append(set, v)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiAppApiSet": page(set, limit, offset)}}, nil
}

func (a *Admin) describeApiAppBindApisStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		Limit    *int64   `json:"Limit"`
		Offset   *int64   `json:"Offset"`
		Filters  []Filter `json:"Filters"`
		ApiAppId string   `json:"ApiAppId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiAppId == "" {
		return nil, tcapi.Errorf(errMissing, "ApiAppId is required")
	}
	return a.appBindings(r, in.Limit, in.Offset, in.Filters, []string{"ApiId", "ApiName", "ServiceId", "Environment", "Keyword"},
		func(ap appRecord, _ appBindingRe) bool { return ap.ApiAppId == in.ApiAppId })
}

func (a *Admin) describeApiBindApiAppsStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		Limit     *int64   `json:"Limit"`
		Offset    *int64   `json:"Offset"`
		Filters   []Filter `json:"Filters"`
		ServiceId string   `json:"ServiceId"`
		ApiIds    []string `json:"ApiIds"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ServiceId == "" {
		return nil, tcapi.Errorf(errMissing, "ServiceId is required")
	}
	if len(in.ApiIds) == 0 {
		return nil, tcapi.Errorf(errMissing, "ApiIds is required")
	}
	return a.appBindings(r, in.Limit, in.Offset, in.Filters, []string{"ApiAppId", "Environment", "Keyword"},
		func(_ appRecord, b appBindingRe) bool {
			return b.ServiceId == in.ServiceId && contains(in.ApiIds, b.ApiId)
		})
}

// UpdateApiAppKey replaces an app's secret (seed 更新应用密钥). ApiAppKey
// must be the app's key (compared in constant time); ApiAppSecret, when
// given, is the new secret (10-50 letters, digits or '_'), else one is
// generated; DescribeApiApp shows it. The old secret stops working with
// the revision this publishes.
func (a *Admin) updateApiAppKey(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ApiAppId     string `json:"ApiAppId"`
		ApiAppKey    string `json:"ApiAppKey"`
		ApiAppSecret string `json:"ApiAppSecret"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiAppKey == "" {
		return nil, tcapi.Errorf(errMissing, "ApiAppKey is required")
	}
	if in.ApiAppSecret != "" && !validKeyPart(in.ApiAppSecret, 10, 50) {
		return nil, tcapi.Errorf(errFormat, "ApiAppSecret: 10 to 50 letters, digits or '_'")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		ap, err := getApp(tx, in.ApiAppId)
		if err != nil {
			return false, err
		}
		if !sameSecret(in.ApiAppKey, ap.ApiAppKey) {
			return false, tcapi.Errorf(errInvalidValue, "ApiAppKey is not the key of application %s", ap.ApiAppId)
		}
		old, err := a.openSecret(apiAppKey(ap.ApiAppId), ap.Secret)
		if err != nil {
			return false, err
		}
		secret := in.ApiAppSecret
		if secret == "" {
			secret = randomString(40)
		} else if sameSecret(secret, old) {
			return false, tcapi.Errorf(errInvalidValue, "ApiAppSecret is the application's current secret; an update needs a new one")
		}
		ap.Secret = a.sealSecret(apiAppKey(ap.ApiAppId), secret)
		ap.ModifiedTime = isoTime(a.opts.Now())
		return true, store.SetJSON(tx, apiAppKey(ap.ApiAppId), ap)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// DescribeApiForApiApp is DescribeApi for an app's user; ApiRegion is
// required by the seed and otherwise unused (one region).
func (a *Admin) describeApiForApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId string `json:"ServiceId"`
		ApiId     string `json:"ApiId"`
		ApiRegion string `json:"ApiRegion"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiRegion == "" {
		return nil, tcapi.Errorf(errMissing, "ApiRegion is required")
	}
	var out apiInfo
	err := a.db.View(func(tx *buntdb.Tx) error {
		svc, err := getService(tx, in.ServiceId)
		if err != nil {
			return err
		}
		s, err := getAPI(tx, svc.ServiceId, in.ApiId)
		if err != nil {
			return err
		}
		out = apiInfo{apiRecord: s.Api, ServiceName: svc.ServiceName, ServiceDesc: svc.ServiceDesc,
			Environments: apiEnvironments(tx, svc.ServiceId, in.ApiId), MicroServicesInfo: []int64{}, Tags: []Tag{}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": out}, nil
}

// usagePlanSummary is the seed's UsagePlan (in service details).
type usagePlanSummary struct {
	Environment         string `json:"Environment"`
	UsagePlanId         string `json:"UsagePlanId"`
	UsagePlanName       string `json:"UsagePlanName"`
	UsagePlanDesc       string `json:"UsagePlanDesc"`
	MaxRequestNumPreSec int64  `json:"MaxRequestNumPreSec"`
	CreatedTime         string `json:"CreatedTime"`
	ModifiedTime        string `json:"ModifiedTime"`
}

// servicePlanList is the seed's UsagePlanList of a service's details: its
// service-level plans.
func servicePlanList(tx *buntdb.Tx, svc string) ([]usagePlanSummary, error) {
	plans, err := scan[planRecord](tx, planPrefix)
	ups := []usagePlanSummary{}
	for _, p := range plans {
		for _, b := range p.Bindings {
			if b.ServiceId == svc && b.ApiId == "" {
				ups = append(ups, usagePlanSummary{Environment: b.Environment, UsagePlanId: p.UsagePlanId, UsagePlanName: p.UsagePlanName,
					UsagePlanDesc: p.UsagePlanDesc, MaxRequestNumPreSec: p.MaxRequestNumPreSec, CreatedTime: p.CreatedTime, ModifiedTime: p.ModifiedTime})
			}
		}
	}
	return ups, err
}

// DescribeServiceForApiApp is DescribeService for an app's user: the
// fields at the top level of Response, with the service-level plans.
func (a *Admin) describeServiceForApiApp(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId string `json:"ServiceId"`
		ApiRegion string `json:"ApiRegion"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiRegion == "" {
		return nil, tcapi.Errorf(errMissing, "ApiRegion is required")
	}
	var out map[string]any
	err := a.db.View(func(tx *buntdb.Tx) error {
		s, err := getService(tx, in.ServiceId)
		if err != nil {
			return err
		}
		v := a.serviceView(tx, s)
		apis, err := listAPIs(tx, s.ServiceId)
		if err != nil {
			return err
		}
		set := make([]apiIdStatus, 0, len(apis))
		for i := range apis {
			set = append(set, apiIDStatus(&apis[i].Api))
		}
		ups, err := servicePlanList(tx, s.ServiceId)
		if err != nil {
			return err
		}
		out = map[string]any{
			"ServiceId": v.ServiceId, "AvailableEnvironments": v.AvailableEnvironments,
			"ServiceName": v.ServiceName, "ServiceDesc": v.ServiceDesc, "Protocol": v.Protocol,
			"CreatedTime": v.CreatedTime, "ModifiedTime": v.ModifiedTime,
			"ExclusiveSetName": v.ExclusiveSetName, "NetTypes": v.NetTypes,
			"InternalSubDomain": v.InnerSubDomain, "OuterSubDomain": v.OuterSubDomain,
			"InnerHttpPort": v.InnerHttpPort, "InnerHttpsPort": 0,
			"ApiTotalCount": len(set), "ApiIdStatusSet": set,
			"UsagePlanTotalCount": len(ups), "UsagePlanList": ups,
			"IpVersion": v.IpVersion, "UserType": "", "SetId": 0, "Tags": v.Tags,
		}
		return nil
	})
	return out, err
}
