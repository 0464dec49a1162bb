package admin

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// storedAPI is the value under api:<svc>:<id>. Seq keeps definition order,
// which decides between regex and {param} APIs (seed: first defined wins).
type storedAPI struct {
	Seq int64     `json:"Seq"`
	Api apiRecord `json:"Api"`
}

const apiSeqKey = "meta:apiseq"

// listAPIs returns a service's APIs in definition order.
func listAPIs(tx *buntdb.Tx, svc string) ([]storedAPI, error) {
	out, err := scan[storedAPI](tx, apiPrefix(svc))
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

func getAPI(tx *buntdb.Tx, svc, id string) (storedAPI, error) {
	return getRecord[storedAPI](tx, "ApiId", id, apiKey(svc, id), errNoAPI, "API "+id+" does not exist in service "+svc)
}

// serviceAPI loads an API and the service it belongs to.
func serviceAPI(tx *buntdb.Tx, svc, id string) (serviceRecord, storedAPI, error) {
	s, err := getService(tx, svc)
	if err != nil {
		return s, storedAPI{}, err
	}
	api, err := getAPI(tx, svc, id)
	return s, api, err
}

// The seed's defaults of an API's type and authentication (CreateApi,
// seed lines 3251-3252), which Describe* show for an API that set neither.
func (r *apiRecord) apiType() string  { return or(r.ApiType, "NORMAL") }
func (r *apiRecord) authType() string { return or(r.AuthType, "NONE") }

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// check validates an API's own fields (the ones the seed marks
// required, and their options).
func (f *apiFields) check() error {
	switch {
	case f.ServiceId == "":
		return tcapi.Errorf(errMissing, "ServiceId is required")
	case f.ServiceType == "":
		return tcapi.Errorf(errMissing, "ServiceType is required")
	case f.RequestConfig.Path == "":
		return tcapi.Errorf(errMissing, "RequestConfig.Path is required")
	case f.RequestConfig.Method == "":
		return tcapi.Errorf(errMissing, "RequestConfig.Method is required")
	}
	if f.ServiceTimeout < 0 {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "ServiceTimeout must not be negative")
	}
	switch strings.ToUpper(f.Protocol) {
	case "HTTP", "HTTPS", "WEBSOCKET", "":
	default:
		return tcapi.Errorf(errNotInOptions, "Protocol %q: want HTTP, HTTPS or WEBSOCKET", f.Protocol)
	}
	switch strings.ToUpper(f.ServiceType) {
	case "HTTP", "MOCK", "TSF", "SCF", "WEBSOCKET", "TARGET", "CLB":
	default:
		return tcapi.Errorf(errNotInOptions, "ServiceType %q: want HTTP, MOCK, TSF, SCF, WEBSOCKET or TARGET", f.ServiceType)
	}
	if strings.EqualFold(f.ServiceType, "CLB") {
		return tcapi.Errorf(errUnsupported, "CLB backends are not available in Edgegate; use HTTP or TARGET")
	}
	if strings.EqualFold(f.ServiceType, "WEBSOCKET") && !strings.EqualFold(f.Protocol, "WEBSOCKET") {
		return tcapi.Errorf("InvalidParameterValue.InvalidServiceType", "a WEBSOCKET backend needs Protocol WEBSOCKET")
	}
	switch strings.ToUpper(f.ApiType) {
	case "", "NORMAL", "TSF":
	default:
		return tcapi.Errorf("InvalidParameterValue.InvalidApiType", "ApiType %q: want NORMAL or TSF", f.ApiType)
	}
	switch strings.ToUpper(f.AuthType) {
	case "", "NONE", "SECRET", "OAUTH", "APP":
	default:
		return tcapi.Errorf(errNotInOptions, "AuthType %q: want SECRET, NONE, OAUTH or APP", f.AuthType)
	}
	if f.ApiBusinessType != "" && !strings.EqualFold(f.ApiBusinessType, "NORMAL") && !strings.EqualFold(f.ApiBusinessType, "OAUTH") {
		return tcapi.Errorf("InvalidParameterValue.InvalidApiBusinessType", "ApiBusinessType %q: want NORMAL or OAUTH", f.ApiBusinessType)
	}
	if strings.EqualFold(f.ServiceType, "MOCK") && f.ServiceMockReturnMessage == "" {
		return tcapi.Errorf("InvalidParameterValue.InvalidServiceMockReturnMessage", "ServiceMockReturnMessage is required for MOCK backends")
	}
	return nil
}

// putAPI stores s in svc once the service's working set of APIs, with s in
// it, compiles as if released: a bad API is refused when it is written,
// not at release time.
func (a *Admin) putAPI(tx *buntdb.Tx, svc serviceRecord, s storedAPI) error {
	list, err := listAPIs(tx, svc.ServiceId)
	if err != nil {
		return err
	}
	apis := make([]model.API, 0, len(list)+1)
	placed := false
	for i := range list {
		if list[i].Api.ApiId == s.Api.ApiId {
			apis, placed = append(apis, s.Api.API), true
		} else {
			apis = append(apis, list[i].Api.API)
		}
	}
	if !placed {
		apis = append(apis, s.Api.API)
	}
	p := &model.Published{BaseDomain: a.opts.BaseDomain, Services: []model.PublishedService{{
		Service:      model.Service{ServiceId: svc.ServiceId, ServiceName: svc.ServiceName, Protocol: svc.Protocol},
		Environments: []model.PublishedEnvironment{{EnvironmentName: "validate", Apis: apis}},
	}}}
	// The certificates an https:// backend names (backendcerts.go).
	certs, err := backendCertificates(tx, &s.Api.ServiceConfig, a.opts.Now())
	if err != nil {
		return err
	}
	for i := range apis {
		if apis[i].ApiId == s.Api.ApiId {
			continue
		}
		// The service's other APIs were judged when written: their
		// certificates are not judged for expiry again (zero time).
		more, err := backendCertificates(tx, &apis[i].ServiceConfig, time.Time{})
		if err != nil {
			return err
		}
		certs = append(certs, more...)
	}
	p.Certificates = dedupCerts(certs)
	for i := range apis {
		apis[i] = withVarPlaceholders(apis[i]) // valued per environment at release (hwenvs.go)
	}
	if _, err := snapshot.Compile(p); err != nil {
		return compileError(err)
	}
	return store.SetJSON(tx, apiKey(svc.ServiceId, s.Api.ApiId), s)
}

// createAPIReq is CreateApi's input: an API definition without ApiId.
type createAPIReq struct{ apiFields }

func (in *createAPIReq) Check() error {
	if in.ApiId != "" {
		return tcapi.Errorf(tcapi.CodeUnknownParameter, "ApiId is assigned by CreateApi")
	}
	if err := in.check(); err != nil {
		return err
	}
	if in.ServiceTimeout == 0 {
		return tcapi.Errorf(errMissing, "ServiceTimeout is required")
	}
	return nil
}

// createAPIRsp is the seed's CreateApiRsp. The seed names the creation
// time CreateTime, the SDK CreatedTime: both are sent.
type createAPIRsp struct{ ApiId, Path, Method, CreatedTime, CreateTime string }

func (a *Admin) createAPI(_ context.Context, in *createAPIReq) (*result[createAPIRsp], error) {
	in.ApiId = newID("api-")
	rec := apiRecord{apiFields: in.apiFields, stamps: a.stamped()}
	err := a.inService(in.ServiceId, func(tx *buntdb.Tx, svc serviceRecord) (bool, error) {
		l := limit{prefix: apiPrefix(svc.ServiceId), max: a.opts.Limits.ApisPerService, code: "LimitExceeded.ApiCountLimitExceeded", what: "APIs per service"}
		if err := l.check(tx); err != nil {
			return false, err
		}
		seq, err := nextSeq(tx, apiSeqKey)
		if err != nil {
			return false, err
		}
		return false, a.putAPI(tx, svc, storedAPI{Seq: seq, Api: rec})
	})
	return resultOf(createAPIRsp{ApiId: rec.ApiId, Path: rec.RequestConfig.Path, Method: rec.RequestConfig.Method,
		CreatedTime: rec.CreatedTime, CreateTime: rec.CreatedTime}, err)
}

// modifyAPIReq is ModifyApi's input: the API's whole new definition.
type modifyAPIReq struct{ apiFields }

func (in *modifyAPIReq) Check() error { return in.check() }

func (a *Admin) modifyAPI(_ context.Context, in *modifyAPIReq) (*none, error) {
	return nil, a.write(func(tx *buntdb.Tx) (bool, error) {
		svc, old, err := serviceAPI(tx, in.ServiceId, in.ApiId)
		if err != nil {
			return false, err
		}
		// ModifyApi replaces the definition (seed); the error codes are kept
		// unless new ones are given or IsDeleteResponseErrorCodes says so.
		if in.ResponseErrorCodes == nil && !in.IsDeleteResponseErrorCodes {
			in.ResponseErrorCodes = old.Api.ResponseErrorCodes
		}
		if in.IsDeleteResponseErrorCodes {
			in.ResponseErrorCodes = nil
		}
		if in.ServiceTimeout == 0 {
			in.ServiceTimeout = old.Api.ServiceTimeout
		}
		rec := apiRecord{apiFields: in.apiFields, stamps: stamps{old.Api.CreatedTime, a.now()}}
		return false, a.putAPI(tx, svc, storedAPI{Seq: old.Seq, Api: rec})
	})
}

type modifyAPIIncrementReq struct {
	ServiceId, ApiId            string
	BusinessType                string `tcapi:"required"`
	PublicKey, LoginRedirectUrl *string
}

func (in *modifyAPIIncrementReq) Check() error {
	if !strings.EqualFold(in.BusinessType, "OAUTH") {
		return tcapi.Errorf("InvalidParameterValue.InvalidApiBusinessType", "BusinessType %q: only OAUTH APIs can be modified incrementally", in.BusinessType)
	}
	if in.PublicKey == nil && in.LoginRedirectUrl == nil {
		return tcapi.Errorf("InvalidParameterValue.NothingModifyForOauth", "give PublicKey or LoginRedirectUrl")
	}
	return nil
}

func (a *Admin) modifyAPIIncrement(_ context.Context, in *modifyAPIIncrementReq) (*none, error) {
	return nil, a.write(func(tx *buntdb.Tx) (bool, error) {
		svc, s, err := serviceAPI(tx, in.ServiceId, in.ApiId)
		if err != nil {
			return false, err
		}
		if !strings.EqualFold(s.Api.ApiBusinessType, "OAUTH") {
			return false, tcapi.Errorf("InvalidParameterValue.InvalidApiBusinessType", "API %s is not an OAuth authorization API", in.ApiId)
		}
		if s.Api.OauthConfig == nil {
			s.Api.OauthConfig = &model.OauthConfig{}
		}
		setIf(&s.Api.OauthConfig.PublicKey, in.PublicKey)
		setIf(&s.Api.OauthConfig.LoginRedirectUrl, in.LoginRedirectUrl)
		s.Api.ModifiedTime = a.now()
		// The new key is checked as CreateApi checks it, so a bad one is
		// refused here (InvalidParameterValue.InvalidPublicKey), not at
		// the next release.
		return false, a.putAPI(tx, svc, s)
	})
}

type deleteAPIReq struct {
	ServiceId, ApiId, InternalReqSource string
}

func (a *Admin) deleteAPI(_ context.Context, in *deleteAPIReq) (*result[bool], error) {
	return done(a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, _, err := serviceAPI(tx, in.ServiceId, in.ApiId); err != nil {
			return false, err
		}
		// An authorization API still named by a business API's
		// AuthRelationApiId stays: without it the service would not
		// compile at its next release.
		list, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		for i := range list {
			if b := list[i].Api; b.ApiId != in.ApiId && b.AuthRelationApiId == in.ApiId &&
				strings.EqualFold(b.AuthType, "OAUTH") && !strings.EqualFold(b.ApiBusinessType, "OAUTH") {
				return false, tcapi.Errorf("UnsupportedOperation.UnsupportedDeleteApi",
					"API %s is the authorization API of business API %s (AuthRelationApiId); change or delete that one first", in.ApiId, b.ApiId)
			}
		}
		// Released versions keep their frozen copy: the API keeps serving
		// until the next release, like every other edit.
		_, err = tx.Delete(apiKey(in.ServiceId, in.ApiId))
		return false, err
	}))
}

// apiInfo is the seed's ApiInfo (DescribeApi, DescribeApiForApiApp; seed
// lines 8049-8117), where every member is required (必选 是): each one is
// sent, with the seed's default for what the API never set (apiType,
// authType; TokenTimeout 7200, seed line 3303) and the zero value
// otherwise (Bool false: EnableCORS, IsDebugAfterCharge, ... are off
// unless set, seed lines 3257, 3282-3283, 3297). The last members are what
// Edgegate's APIs carry beyond ApiInfo (TARGET backends, mock status and
// headers), so that a ModifyApi can send back what DescribeApi read.
type apiInfo struct {
	ServiceId, ServiceName, ServiceDesc, ApiId, ApiDesc, CreatedTime, ModifiedTime string
	ApiName, ApiType, Protocol, AuthType, ApiBusinessType, AuthRelationApiId       string
	OauthConfig                                                                    *model.OauthConfig
	IsDebugAfterCharge                                                             bool
	RequestConfig                                                                  model.RequestConfig
	ResponseType, ResponseSuccessExample, ResponseFailExample                      string
	ResponseErrorCodes                                                             []ErrorCode
	RequestParameters                                                              []model.RequestParameter
	ServiceTimeout                                                                 int64
	ServiceType                                                                    string
	ServiceConfig                                                                  model.ServiceConfig
	ServiceParameters                                                              []model.ServiceParameter
	ConstantParameters                                                             []model.ConstantParameter
	ServiceMockReturnMessage                                                       string

	ServiceScfFunctionName, ServiceScfFunctionNamespace, ServiceScfFunctionQualifier string
	// The SDK's spelling and the seed's (line 8088).
	ServiceScfIsIntegratedResponse, ServiceScfsIntegratedResponse bool

	ServiceWebsocketRegisterFunctionName, ServiceWebsocketRegisterFunctionNamespace, ServiceWebsocketRegisterFunctionQualifier    string
	ServiceWebsocketCleanupFunctionName, ServiceWebsocketCleanupFunctionNamespace, ServiceWebsocketCleanupFunctionQualifier       string
	InternalDomain                                                                                                                string
	ServiceWebsocketTransportFunctionName, ServiceWebsocketTransportFunctionNamespace, ServiceWebsocketTransportFunctionQualifier string

	MicroServices                                                            []model.MicroServiceReq
	MicroServicesInfo                                                        []int64
	ServiceTsfLoadBalanceConf                                                *model.TsfLoadBalanceConf
	ServiceTsfHealthCheckConf                                                *model.HealthCheckConf
	EnableCORS                                                               bool
	Tags                                                                     []Tag
	Environments                                                             []string
	IsBase64Encoded, IsBase64Trigger                                         bool
	Base64EncodedTriggerRules                                                []Base64TriggerRule
	EventBusId, ServiceScfFunctionType, EIAMAppId, EIAMAppType, EIAMAuthType string
	TokenTimeout                                                             int64

	TargetServices                []model.TargetServicesReq
	TargetServicesLoadBalanceConf int64
	TargetServicesHealthCheckConf *model.HealthCheckConf
	ServiceMockStatusCode         int
	ServiceMockHeaders            []model.KV
}

// describeAPIReq names an API.
type describeAPIReq struct {
	ServiceId, ApiId string
}

func (a *Admin) describeAPI(_ context.Context, in *describeAPIReq) (*result[apiInfo], error) {
	var out apiInfo
	err := a.db.View(func(tx *buntdb.Tx) error {
		svc, s, err := serviceAPI(tx, in.ServiceId, in.ApiId)
		if err != nil {
			return err
		}
		r := &s.Api
		tokenTimeout := r.TokenTimeout
		if tokenTimeout == 0 {
			tokenTimeout = 7200
		}
		out = apiInfo{
			ServiceId: svc.ServiceId, ServiceName: svc.ServiceName, ServiceDesc: svc.ServiceDesc, ApiId: r.ApiId, ApiDesc: r.ApiDesc,
			CreatedTime: r.CreatedTime, ModifiedTime: r.ModifiedTime, ApiName: r.ApiName, ApiType: r.apiType(), Protocol: r.Protocol,
			AuthType: r.authType(), ApiBusinessType: r.ApiBusinessType, AuthRelationApiId: r.AuthRelationApiId, OauthConfig: r.OauthConfig,
			IsDebugAfterCharge: r.IsDebugAfterCharge, RequestConfig: r.RequestConfig, ResponseType: r.ResponseType,
			ResponseSuccessExample: r.ResponseSuccessExample, ResponseFailExample: r.ResponseFailExample,
			ResponseErrorCodes: orEmpty(r.ResponseErrorCodes), RequestParameters: orEmpty(r.RequestParameters),
			ServiceTimeout: r.ServiceTimeout, ServiceType: r.ServiceType, ServiceConfig: r.ServiceConfig,
			ServiceParameters: orEmpty(r.ServiceParameters), ConstantParameters: orEmpty(r.ConstantParameters),
			ServiceMockReturnMessage: r.ServiceMockReturnMessage, ServiceScfFunctionName: r.ServiceScfFunctionName,
			ServiceScfFunctionNamespace: r.ServiceScfFunctionNamespace, ServiceScfFunctionQualifier: r.ServiceScfFunctionQualifier,
			ServiceScfIsIntegratedResponse: r.ServiceScfIsIntegratedResponse, ServiceScfsIntegratedResponse: r.ServiceScfIsIntegratedResponse,
			ServiceWebsocketRegisterFunctionName:       r.ServiceWebsocketRegisterFunctionName,
			ServiceWebsocketRegisterFunctionNamespace:  r.ServiceWebsocketRegisterFunctionNamespace,
			ServiceWebsocketRegisterFunctionQualifier:  r.ServiceWebsocketRegisterFunctionQualifier,
			ServiceWebsocketCleanupFunctionName:        r.ServiceWebsocketCleanupFunctionName,
			ServiceWebsocketCleanupFunctionNamespace:   r.ServiceWebsocketCleanupFunctionNamespace,
			ServiceWebsocketCleanupFunctionQualifier:   r.ServiceWebsocketCleanupFunctionQualifier,
			ServiceWebsocketTransportFunctionName:      r.ServiceWebsocketTransportFunctionName,
			ServiceWebsocketTransportFunctionNamespace: r.ServiceWebsocketTransportFunctionNamespace,
			ServiceWebsocketTransportFunctionQualifier: r.ServiceWebsocketTransportFunctionQualifier,
			MicroServices: orEmpty(r.MicroServices), MicroServicesInfo: []int64{},
			ServiceTsfLoadBalanceConf: r.ServiceTsfLoadBalanceConf, ServiceTsfHealthCheckConf: r.ServiceTsfHealthCheckConf,
			EnableCORS: r.EnableCORS, Tags: []Tag{}, Environments: apiEnvironments(tx, svc.ServiceId, r.ApiId),
			IsBase64Encoded: r.IsBase64Encoded, IsBase64Trigger: r.IsBase64Trigger,
			Base64EncodedTriggerRules: orEmpty(r.Base64EncodedTriggerRules), EventBusId: r.EventBusId,
			ServiceScfFunctionType: r.ServiceScfFunctionType, EIAMAppId: r.EIAMAppId, EIAMAppType: r.EIAMAppType,
			EIAMAuthType: r.EIAMAuthType, TokenTimeout: tokenTimeout,
			TargetServices: orEmpty(r.TargetServices), TargetServicesLoadBalanceConf: r.TargetServicesLoadBalanceConf,
			TargetServicesHealthCheckConf: r.TargetServicesHealthCheckConf,
			ServiceMockStatusCode:         r.ServiceMockStatusCode, ServiceMockHeaders: orEmpty(r.ServiceMockHeaders),
		}
		return nil
	})
	return resultOf(out, err)
}

// apiEnvironments lists the environments whose running version has the API.
func apiEnvironments(tx *buntdb.Tx, svc, apiID string) []string {
	envs := []string{}
	for _, e := range releasedEnvs(tx, svc) {
		var v versionRecord
		if found, _ := store.GetJSON(tx, verKey(svc, e.VersionName), &v); !found {
			continue
		}
		for i := range v.Apis {
			if v.Apis[i].ApiId == apiID {
				envs = append(envs, e.EnvironmentName)
				break
			}
		}
	}
	return envs
}

// apiIdStatus is the seed's ApiIdStatus (lines 8993-9018) and, with
// VpcId and Tags, DesApisStatus: one view serves both.
type apiIdStatus struct {
	ServiceId, ApiId, ApiDesc, Path, Method, CreatedTime, ModifiedTime string
	ApiName                                                            string
	VpcId                                                              int64
	UniqVpcId, ApiType, Protocol                                       string
	IsDebugAfterCharge                                                 bool
	AuthType, ApiBusinessType, AuthRelationApiId                       string
	OauthConfig                                                        *model.OauthConfig
	RelationBuniessApiIds, Tags                                        []string
	TokenLocation                                                      string
}

func apiIDStatus(r *apiRecord) apiIdStatus {
	st := apiIdStatus{
		ServiceId: r.ServiceId, ApiId: r.ApiId, ApiDesc: r.ApiDesc, Path: r.RequestConfig.Path,
		Method: r.RequestConfig.Method, CreatedTime: r.CreatedTime, ModifiedTime: r.ModifiedTime,
		ApiName: r.ApiName, UniqVpcId: r.ServiceConfig.UniqVpcId, ApiType: r.apiType(), Protocol: r.Protocol,
		IsDebugAfterCharge: r.IsDebugAfterCharge, AuthType: r.authType(), ApiBusinessType: r.ApiBusinessType,
		AuthRelationApiId: r.AuthRelationApiId, OauthConfig: r.OauthConfig,
		RelationBuniessApiIds: []string{}, Tags: []string{},
	}
	if r.OauthConfig != nil {
		st.TokenLocation = r.OauthConfig.TokenLocation
	}
	return st
}

// apisStatus is the seed's ApisStatus.
type apisStatus struct {
	TotalCount     int
	ApiIdStatusSet []apiIdStatus
}

type describeAPIsReq struct {
	ServiceId string
	listParams
}

func (a *Admin) describeAPIsStatus(_ context.Context, in *describeAPIsReq) (*result[apisStatus], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters, []string{"ApiId", "ApiName", "ApiPath", "ApiType", "AuthRelationApiId",
		"AuthType", "ApiBuninessType", "ApiBusinessType", "NotUsagePlanId", "Environment", "Tags", "TagKeys"},
		func(tx *buntdb.Tx, fs filters) ([]apiIdStatus, error) {
			list, err := serviceAPIs(tx, in.ServiceId)
			var set []apiIdStatus
			for i := range list {
				st := apiIDStatus(&list[i].Api)
				if fs.match("ApiId", st.ApiId) && fs.matchSub("ApiName", st.ApiName) && fs.matchSub("ApiPath", st.Path) &&
					fs.match("ApiType", st.ApiType) && fs.match("AuthRelationApiId", st.AuthRelationApiId) &&
					fs.match("AuthType", st.AuthType) && fs.match("ApiBuninessType", st.ApiBusinessType) &&
					fs.match("ApiBusinessType", st.ApiBusinessType) &&
					fs.matchAny("Environment", apiEnvironments(tx, in.ServiceId, st.ApiId)) &&
					fs.matchAny("Tags", nil) && fs.matchAny("TagKeys", nil) {
					set = append(set, st)
				}
			}
			return set, err
		})
	return resultOf(apisStatus{n, set}, err)
}

// eachAPI runs fn on each of ids, which must be APIs of service svc;
// changed: fn changed something for one of them.
func eachAPI(tx *buntdb.Tx, svc string, ids []string, fn func(id string) (bool, error)) (changed bool, err error) {
	for _, id := range ids {
		if _, err := getAPI(tx, svc, id); err != nil {
			return false, err
		}
		c, err := fn(id)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	return changed, nil
}

// serviceAPIs checks that the service exists and lists its APIs.
func serviceAPIs(tx *buntdb.Tx, svc string) ([]storedAPI, error) {
	if _, err := getService(tx, svc); err != nil {
		return nil, err
	}
	return listAPIs(tx, svc)
}
