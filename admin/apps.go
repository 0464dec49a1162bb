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

// apiAppInfo is the seed's ApiAppInfo.
type apiAppInfo struct {
	ApiAppName, ApiAppId, ApiAppSecret, ApiAppDesc, CreatedTime, ModifiedTime, ApiAppKey string
	Tags                                                                                 []Tag
	ProjectId                                                                            string
}

func appInfo(ap appRecord, secret string) apiAppInfo {
	return apiAppInfo{ap.ApiAppName, ap.ApiAppId, secret, ap.ApiAppDesc, ap.CreatedTime, ap.ModifiedTime, ap.ApiAppKey, orEmpty(ap.Tags), ap.ProjectId}
}

// apiAppInfos is the seed's ApiAppInfos.
type apiAppInfos struct {
	TotalCount int
	ApiAppSet  []apiAppInfo
}

type createApiAppReq struct {
	ApiAppName, ApiAppDesc string
	Tags                   []Tag
	ProjectId              string
}

func (in *createApiAppReq) Check() error {
	if err := checkName("ApiAppName", in.ApiAppName, 50); err != nil {
		return err
	}
	return checkDesc("ApiAppDesc", in.ApiAppDesc)
}

func (a *Admin) createApiApp(_ context.Context, in *createApiAppReq) (*result[apiAppInfo], error) {
	ap := appRecord{ApiAppId: newID("app-"), ApiAppName: in.ApiAppName, ApiAppDesc: in.ApiAppDesc,
		ApiAppKey: "APID" + randomString(28), ProjectId: in.ProjectId, Tags: in.Tags, stamps: a.stamped()}
	secret := randomString(40)
	ap.Secret = a.sealSecret(apiAppKey(ap.ApiAppId), secret)
	// Published even unbound, as keys are (createApiKey).
	l := limit{prefix: apiAppPrefix, max: a.opts.Limits.ApiApps, code: "LimitExceeded.ApiAppCountLimitExceeded", what: "applications"}
	return resultOf(appInfo(ap, secret), a.insert(l, apiAppKey(ap.ApiAppId), ap, true))
}

type appIDReq struct {
	ApiAppId string `tcapi:"required"`
}

// DeleteApiApp deletes an app bound to no API (seed:
// UnsupportedOperation.ResourceAssociated).
func (a *Admin) deleteApiApp(_ context.Context, in *appIDReq) (*result[bool], error) {
	return done(apiApps.remove(a, in.ApiAppId, func(_ *buntdb.Tx, ap *appRecord) (bool, error) {
		return true, unbound(ap.Apis, "UnsupportedOperation.ResourceAssociated", "application "+ap.ApiAppId, "UnbindApiApp")
	}))
}

// DescribeApiApp searches one app by ID (seed 搜索应用: it lists no
// not-found code, so an unknown ID is an empty result).
func (a *Admin) describeApiApp(_ context.Context, in *appIDReq) (*result[apiAppInfos], error) {
	set := []apiAppInfo{}
	err := a.db.View(func(tx *buntdb.Tx) error {
		var ap appRecord
		found, err := store.GetJSON(tx, apiAppKey(in.ApiAppId), &ap)
		if err != nil || !found {
			return err
		}
		secret, err := a.openSecret(apiAppKey(ap.ApiAppId), ap.Secret)
		set = append(set, appInfo(ap, secret))
		return err
	})
	return resultOf(apiAppInfos{len(set), set}, err)
}

func (a *Admin) describeApiAppsStatus(_ context.Context, in *listParams) (*result[apiAppInfos], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters, []string{"ApiAppId", "ApiAppName", "KeyWord"},
		func(tx *buntdb.Tx, fs filters) ([]apiAppInfo, error) {
			apps, err := apiApps.all(tx)
			var set []apiAppInfo
			for _, ap := range apps {
				if fs.match("ApiAppId", ap.ApiAppId) && fs.matchSub("ApiAppName", ap.ApiAppName) &&
					fs.matchSub("KeyWord", ap.ApiAppName, ap.ApiAppId) {
					set = append(set, appInfo(ap, ""))
				}
			}
			return set, err
		})
	return resultOf(apiAppInfos{n, set}, err)
}

type modifyApiAppReq struct {
	ApiAppId                          string
	ApiAppName, ApiAppDesc, ProjectId *string
}

func (in *modifyApiAppReq) Check() error {
	if in.ApiAppName != nil {
		if err := checkName("ApiAppName", *in.ApiAppName, 50); err != nil {
			return err
		}
	}
	if in.ApiAppDesc != nil {
		return checkDesc("ApiAppDesc", *in.ApiAppDesc)
	}
	return nil
}

func (a *Admin) modifyApiApp(_ context.Context, in *modifyApiAppReq) (*result[bool], error) {
	return done(apiApps.update(a, in.ApiAppId, func(_ *buntdb.Tx, ap *appRecord) (bool, error) {
		setIf(&ap.ApiAppName, in.ApiAppName)
		setIf(&ap.ApiAppDesc, in.ApiAppDesc)
		setIf(&ap.ProjectId, in.ProjectId)
		ap.ModifiedTime = a.now()
		return false, nil
	}))
}

type appAPIReq struct {
	ApiAppId, Environment string
	ServiceId, ApiId      string `tcapi:"required"`
}

func (in *appAPIReq) Check() error {
	if in.Environment == "" {
		return tcapi.Errorf(errMissing, "Environment is required")
	}
	if !validEnvironment(in.Environment) {
		return tcapi.Errorf("InvalidParameterValue.InvalidEnv", "Environment %q: want test, prepub or release", in.Environment)
	}
	return nil
}

func (in *appAPIReq) target() target { return target{in.ServiceId, in.Environment, in.ApiId} }

// BindApiApp lets an app call one API in one environment. The
// environment need not be released yet.
func (a *Admin) bindApiApp(_ context.Context, in *appAPIReq) (*result[bool], error) {
	return done(apiApps.update(a, in.ApiAppId, func(tx *buntdb.Tx, ap *appRecord) (bool, error) {
		if _, _, err := serviceAPI(tx, in.ServiceId, in.ApiId); err != nil {
			return false, err
		}
		if findBinding(ap.Apis, in.target()) >= 0 {
			return false, tcapi.Errorf("UnsupportedOperation.ResourceAssociated", "application %s is already bound to %s", ap.ApiAppId, in.target())
		}
		ap.Apis = append(ap.Apis, appBindingRe{in.target(), a.now()})
		return true, nil
	}))
}

// UnbindApiApp removes one binding; it works on a deleted API or service.
func (a *Admin) unbindApiApp(_ context.Context, in *appAPIReq) (*result[bool], error) {
	return done(apiApps.update(a, in.ApiAppId, func(_ *buntdb.Tx, ap *appRecord) (bool, error) {
		return true, unbind(&ap.Apis, in.target(), errNoAPI, "application "+ap.ApiAppId)
	}))
}

// apiAppAPIInfo is the seed's ApiAppApiInfo.
type apiAppAPIInfo struct {
	ApiAppName, ApiAppId, ApiId, ApiName, ServiceId, AuthorizedTime, ApiRegion, EnvironmentName string
}

// apiAppApiInfos is the seed's ApiAppApiInfos.
type apiAppApiInfos struct {
	TotalCount   int
	ApiAppApiSet []apiAppAPIInfo
}

// appBindings lists the app bindings keep chooses, filtered and paged.
func (a *Admin) appBindings(ctx context.Context, in *listParams, allowed []string, keep func(ap appRecord, b appBindingRe) bool) (*result[apiAppApiInfos], error) {
	region := tcapi.RequestFrom(ctx).Region
	n, set, err := describeList(a, &in.pageParams, in.Filters, allowed, func(tx *buntdb.Tx, fs filters) ([]apiAppAPIInfo, error) {
		apps, err := apiApps.all(tx)
		var set []apiAppAPIInfo
		for _, ap := range apps {
			for _, b := range ap.Apis {
				if !keep(ap, b) {
					continue
				}
				v := apiAppAPIInfo{ApiAppName: ap.ApiAppName, ApiAppId: ap.ApiAppId, ApiId: b.ApiId, ServiceId: b.ServiceId,
					AuthorizedTime: b.AuthorizedTime, ApiRegion: region, EnvironmentName: b.Environment}
				var sa storedAPI
				if found, _ := store.GetJSON(tx, apiKey(b.ServiceId, b.ApiId), &sa); found {
					v.ApiName = sa.Api.ApiName
				}
				if fs.match("ApiAppId", v.ApiAppId) && fs.match("ApiId", v.ApiId) && fs.matchSub("ApiName", v.ApiName) &&
					fs.match("ServiceId", v.ServiceId) && fs.match("Environment", v.EnvironmentName) &&
					fs.matchSub("Keyword", v.ApiAppName, v.ApiAppId, v.ApiName, v.ApiId) {
					set = append(set, v)
				}
			}
		}
		return set, err
	})
	return resultOf(apiAppApiInfos{n, set}, err)
}

type appBindApisReq struct {
	listParams
	ApiAppId string `tcapi:"required"`
}

func (a *Admin) describeApiAppBindApisStatus(ctx context.Context, in *appBindApisReq) (*result[apiAppApiInfos], error) {
	return a.appBindings(ctx, &in.listParams, []string{"ApiId", "ApiName", "ServiceId", "Environment", "Keyword"},
		func(ap appRecord, _ appBindingRe) bool { return ap.ApiAppId == in.ApiAppId })
}

type apiBindAppsReq struct {
	listParams
	ServiceId string   `tcapi:"required"`
	ApiIds    []string `tcapi:"required"`
}

func (a *Admin) describeApiBindApiAppsStatus(ctx context.Context, in *apiBindAppsReq) (*result[apiAppApiInfos], error) {
	return a.appBindings(ctx, &in.listParams, []string{"ApiAppId", "Environment", "Keyword"},
		func(_ appRecord, b appBindingRe) bool {
			return b.ServiceId == in.ServiceId && slices.Contains(in.ApiIds, b.ApiId)
		})
}

type updateApiAppKeyReq struct {
	ApiAppId     string
	ApiAppKey    string `tcapi:"required"`
	ApiAppSecret string
}

func (in *updateApiAppKeyReq) Check() error {
	if in.ApiAppSecret != "" {
		return checkKeyPart("ApiAppSecret", in.ApiAppSecret, 10, 50)
	}
	return nil
}

// UpdateApiAppKey replaces an app's secret (seed 更新应用密钥). ApiAppKey
// must be the app's key (compared in constant time); ApiAppSecret, when
// given, is the new secret (10-50 letters, digits or '_'), else one is
// generated; DescribeApiApp shows it. The old secret stops working with
// the revision this publishes.
func (a *Admin) updateApiAppKey(_ context.Context, in *updateApiAppKeyReq) (*result[bool], error) {
	return done(apiApps.update(a, in.ApiAppId, func(_ *buntdb.Tx, ap *appRecord) (bool, error) {
		if !sameSecret(in.ApiAppKey, ap.ApiAppKey) {
			return false, tcapi.Errorf(errInvalidValue, "ApiAppKey is not the key of application %s", ap.ApiAppId)
		}
		old, err := a.openSecret(apiAppKey(ap.ApiAppId), ap.Secret)
		if err != nil {
			return false, err
		}
		if err := a.rotate(&ap.Secret, apiAppKey(ap.ApiAppId), or(in.ApiAppSecret, randomString(40)), old, "ApiAppSecret"); err != nil {
			return false, err
		}
		ap.ModifiedTime = a.now()
		return true, nil
	}))
}

// apiRegion is the ApiRegion of the *ForApiApp Actions: required by the
// seed, and otherwise unused (one region).
type apiRegion struct {
	ApiRegion string `tcapi:"required"`
}

type apiForAppReq struct {
	describeAPIReq
	apiRegion
}

// DescribeApiForApiApp is DescribeApi for an app's user.
func (a *Admin) describeApiForApiApp(ctx context.Context, in *apiForAppReq) (*result[apiInfo], error) {
	return a.describeAPI(ctx, &in.describeAPIReq)
}

// usagePlanSummary is the seed's UsagePlan (in service details).
type usagePlanSummary struct {
	Environment, UsagePlanId, UsagePlanName, UsagePlanDesc string
	MaxRequestNumPreSec                                    int64
	CreatedTime, ModifiedTime                              string
}

// servicePlanList is the seed's UsagePlanList of a service's details: its
// service-level plans.
func servicePlanList(tx *buntdb.Tx, svc string) ([]usagePlanSummary, error) {
	plans, err := usagePlans.all(tx)
	ups := []usagePlanSummary{}
	for _, p := range plans {
		for _, b := range p.Bindings {
			if b.ServiceId == svc && b.ApiId == "" {
				ups = append(ups, usagePlanSummary{b.Environment, p.UsagePlanId, p.UsagePlanName, p.UsagePlanDesc,
					p.MaxRequestNumPreSec, p.CreatedTime, p.ModifiedTime})
			}
		}
	}
	return ups, err
}

type serviceForAppReq struct {
	serviceIDReq
	apiRegion
}

// DescribeServiceForApiApp is DescribeService for an app's user: the
// fields at the top level of Response, with the service-level plans.
func (a *Admin) describeServiceForApiApp(_ context.Context, in *serviceForAppReq) (*serviceDetail, error) {
	d, err := a.serviceDetails(in.ServiceId)
	if err != nil {
		return nil, err
	}
	return &d.serviceDetail, nil
}
