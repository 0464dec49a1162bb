package admin

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

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

func nextSeq(tx *buntdb.Tx) (int64, error) {
	n := int64(0)
	if v, err := tx.Get(apiSeqKey); err == nil {
		n, _ = strconv.ParseInt(v, 10, 64)
	}
	n++
	_, _, err := tx.Set(apiSeqKey, strconv.FormatInt(n, 10), nil)
	return n, err
}

// listAPIs returns a service's APIs in definition order.
func listAPIs(tx *buntdb.Tx, svc string) ([]storedAPI, error) {
	var out []storedAPI
	var ferr error
	tx.AscendKeys(apiPrefix(svc)+"*", func(_, v string) bool {
		var s storedAPI
		if ferr = json.Unmarshal([]byte(v), &s); ferr != nil {
			return false
		}
		out = append(out, s)
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, ferr
}

func getAPI(tx *buntdb.Tx, svc, id string) (storedAPI, error) {
	return getRecord[storedAPI](tx, "ApiId", id, apiKey(svc, id), errNoAPI, "API "+id+" does not exist in service "+svc)
}

// checkAPI validates an API's own fields (the ones the seed marks
// required, and their options).
func checkAPI(f *apiFields) error {
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

// validateAPIs compiles a service's working set of APIs as if released,
// so that a bad API is refused when it is written, not at release time.
func (a *Admin) validateAPIs(svc serviceRecord, apis []model.API) error {
	p := &model.Published{BaseDomain: a.opts.BaseDomain, Services: []model.PublishedService{{
		Service:      model.Service{ServiceId: svc.ServiceId, ServiceName: svc.ServiceName, Protocol: svc.Protocol},
		Environments: []model.PublishedEnvironment{{EnvironmentName: "validate", Apis: apis}},
	}}}
	_, err := snapshot.Compile(p)
	return compileError(err)
}

// workingSet returns the service's APIs as model values, with replace (by
// ApiId) swapped in or appended, and drop left out.
func workingSet(list []storedAPI, replace *model.API, drop string) []model.API {
	out := make([]model.API, 0, len(list)+1)
	placed := false
	for i := range list {
		api := list[i].Api.API
		switch {
		case api.ApiId == drop:
			continue
		case replace != nil && api.ApiId == replace.ApiId:
			out = append(out, *replace)
			placed = true
		default:
			out = append(out, api)
		}
	}
	if replace != nil && !placed {
		out = append(out, *replace)
	}
	return out
}

func (a *Admin) createAPI(_ context.Context, r *tcapi.Request) (any, error) {
	var in apiFields
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ApiId != "" {
		return nil, tcapi.Errorf("UnknownParameter", "ApiId is assigned by CreateApi")
	}
	if err := checkAPI(&in); err != nil {
		return nil, err
	}
	if in.ServiceTimeout == 0 {
		return nil, tcapi.Errorf(errMissing, "ServiceTimeout is required")
	}
	now := isoTime(a.opts.Now())
	in.ApiId = newID("api-")
	rec := apiRecord{apiFields: in, CreatedTime: now, ModifiedTime: now}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		svc, err := getService(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		list, err := listAPIs(tx, svc.ServiceId)
		if err != nil {
			return false, err
		}
		if len(list) >= a.opts.Limits.ApisPerService {
			return false, tcapi.Errorf("LimitExceeded.ApiCountLimitExceeded", "at most %d APIs per service", a.opts.Limits.ApisPerService)
		}
		if err := a.validateAPIs(svc, workingSet(list, &rec.API, "")); err != nil {
			return false, err
		}
		seq, err := nextSeq(tx)
		if err != nil {
			return false, err
		}
		return false, store.SetJSON(tx, apiKey(svc.ServiceId, rec.ApiId), storedAPI{Seq: seq, Api: rec})
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{
		"ApiId": rec.ApiId, "Path": rec.RequestConfig.Path, "Method": rec.RequestConfig.Method,
		"CreatedTime": rec.CreatedTime, "CreateTime": rec.CreatedTime,
	}}, nil
}

func (a *Admin) modifyAPI(_ context.Context, r *tcapi.Request) (any, error) {
	var in apiFields
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkAPI(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		svc, err := getService(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		old, err := getAPI(tx, svc.ServiceId, in.ApiId)
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
		rec := apiRecord{apiFields: in, CreatedTime: old.Api.CreatedTime, ModifiedTime: isoTime(a.opts.Now())}
		list, err := listAPIs(tx, svc.ServiceId)
		if err != nil {
			return false, err
		}
		if err := a.validateAPIs(svc, workingSet(list, &rec.API, "")); err != nil {
			return false, err
		}
		return false, store.SetJSON(tx, apiKey(svc.ServiceId, rec.ApiId), storedAPI{Seq: old.Seq, Api: rec})
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *Admin) modifyAPIIncrement(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId        string  `json:"ServiceId"`
		ApiId            string  `json:"ApiId"`
		BusinessType     string  `json:"BusinessType"`
		PublicKey        *string `json:"PublicKey"`
		LoginRedirectUrl *string `json:"LoginRedirectUrl"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.BusinessType == "" {
		return nil, tcapi.Errorf(errMissing, "BusinessType is required")
	}
	if !strings.EqualFold(in.BusinessType, "OAUTH") {
		return nil, tcapi.Errorf("InvalidParameterValue.InvalidApiBusinessType", "BusinessType %q: only OAUTH APIs can be modified incrementally", in.BusinessType)
	}
	if in.PublicKey == nil && in.LoginRedirectUrl == nil {
		return nil, tcapi.Errorf("InvalidParameterValue.NothingModifyForOauth", "give PublicKey or LoginRedirectUrl")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		s, err := getAPI(tx, in.ServiceId, in.ApiId)
		if err != nil {
			return false, err
		}
		if !strings.EqualFold(s.Api.ApiBusinessType, "OAUTH") {
			return false, tcapi.Errorf("InvalidParameterValue.InvalidApiBusinessType", "API %s is not an OAuth authorization API", in.ApiId)
		}
		if s.Api.OauthConfig == nil {
			s.Api.OauthConfig = &model.OauthConfig{}
		}
		if in.PublicKey != nil {
			s.Api.OauthConfig.PublicKey = *in.PublicKey
		}
		if in.LoginRedirectUrl != nil {
			s.Api.OauthConfig.LoginRedirectUrl = *in.LoginRedirectUrl
		}
		s.Api.ModifiedTime = isoTime(a.opts.Now())
		// The new key is checked as CreateApi checks it, so a bad one is
		// refused here (InvalidParameterValue.InvalidPublicKey), not at
		// the next release.
		svc, err := getService(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		list, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if err := a.validateAPIs(svc, workingSet(list, &s.Api.API, "")); err != nil {
			return false, err
		}
		return false, store.SetJSON(tx, apiKey(in.ServiceId, in.ApiId), s)
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *Admin) deleteAPI(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId         string `json:"ServiceId"`
		ApiId             string `json:"ApiId"`
		InternalReqSource string `json:"InternalReqSource"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		if _, err := getAPI(tx, in.ServiceId, in.ApiId); err != nil {
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
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// apiInfo is the seed's ApiInfo (DescribeApi).
type apiInfo struct {
	apiRecord
	ServiceName       string   `json:"ServiceName"`
	ServiceDesc       string   `json:"ServiceDesc"`
	Environments      []string `json:"Environments"`
	InternalDomain    string   `json:"InternalDomain"`
	MicroServicesInfo []int64  `json:"MicroServicesInfo"`
	Tags              []Tag    `json:"Tags"`
}

func (a *Admin) describeAPI(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId string `json:"ServiceId"`
		ApiId     string `json:"ApiId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
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

// apiIdStatus is the seed's ApiIdStatus / DesApisStatus.
type apiIdStatus struct {
	ServiceId             string             `json:"ServiceId"`
	ApiId                 string             `json:"ApiId"`
	ApiDesc               string             `json:"ApiDesc"`
	Path                  string             `json:"Path"`
	Method                string             `json:"Method"`
	CreatedTime           string             `json:"CreatedTime"`
	ModifiedTime          string             `json:"ModifiedTime"`
	ApiName               string             `json:"ApiName"`
	UniqVpcId             string             `json:"UniqVpcId"`
	ApiType               string             `json:"ApiType"`
	Protocol              string             `json:"Protocol"`
	IsDebugAfterCharge    bool               `json:"IsDebugAfterCharge"`
	AuthType              string             `json:"AuthType"`
	ApiBusinessType       string             `json:"ApiBusinessType"`
	AuthRelationApiId     string             `json:"AuthRelationApiId"`
	OauthConfig           *model.OauthConfig `json:"OauthConfig,omitempty"`
	RelationBuniessApiIds []string           `json:"RelationBuniessApiIds"`
	Tags                  []string           `json:"Tags"`
}

func apiIDStatus(r *apiRecord) apiIdStatus {
	authType := r.AuthType
	if authType == "" {
		authType = "NONE"
	}
	apiType := r.ApiType
	if apiType == "" {
		apiType = "NORMAL"
	}
	return apiIdStatus{
		ServiceId: r.ServiceId, ApiId: r.ApiId, ApiDesc: r.ApiDesc, Path: r.RequestConfig.Path,
		Method: r.RequestConfig.Method, CreatedTime: r.CreatedTime, ModifiedTime: r.ModifiedTime,
		ApiName: r.ApiName, UniqVpcId: r.ServiceConfig.UniqVpcId, ApiType: apiType, Protocol: r.Protocol,
		IsDebugAfterCharge: r.IsDebugAfterCharge, AuthType: authType, ApiBusinessType: r.ApiBusinessType,
		AuthRelationApiId: r.AuthRelationApiId, OauthConfig: r.OauthConfig,
		RelationBuniessApiIds: []string{}, Tags: []string{},
	}
}

func (a *Admin) describeAPIsStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId string   `json:"ServiceId"`
		Limit     *int64   `json:"Limit"`
		Offset    *int64   `json:"Offset"`
		Filters   []Filter `json:"Filters"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "ApiId", "ApiName", "ApiPath", "ApiType", "AuthRelationApiId",
		"AuthType", "ApiBuninessType", "ApiBusinessType", "NotUsagePlanId", "Environment", "Tags", "TagKeys")
	if err != nil {
		return nil, err
	}
	var set []apiIdStatus
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		list, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return err
		}
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
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiIdStatusSet": page(set, limit, offset)}}, nil
}
