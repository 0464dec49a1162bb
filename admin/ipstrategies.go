package admin

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/ipset"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// IP strategies (seed 000 IP策略相关接口, lines 3753-4100). Each is stored
// under ips:<ServiceId>:<StrategyId> with its bindings; an API is bound to
// at most one strategy per environment. Writes that change what the edge
// enforces (data of a bound strategy, bind, unbind, deleting a bound
// strategy) publish; the rest only commit. meta:ipsseq is the last
// creation sequence number.

// Limits on IP strategies. The seed names LimitExceeded.IpStrategyLimitExceeded
// without a number; these are Edgegate's (README "IP strategies").
const (
	maxIPStrategiesPerService = 50
	maxStrategyName           = 50 // characters, like plugin names
)

// Error codes of the IP strategy Actions (seed: each Action's 错误码).
const (
	errNoIPStrategy     = "ResourceNotFound.InvalidIPStrategy"
	errLengthExceeded   = "InvalidParameterValue.LengthExceeded"
	ipStrategyKeyPrefix = "ips:"
	ipsSeqKey           = "meta:ipsseq"
)

func ipsKey(svc, id string) string { return ipStrategyKeyPrefix + svc + ":" + id }
func ipsPrefix(svc string) string  { return ipStrategyKeyPrefix + svc + ":" }

// ipStrategyRecord is a stored IP strategy. Bindings are sorted by
// environment, then ApiId.
type ipStrategyRecord struct {
	Seq          int64  `json:"Seq"` // creation order
	StrategyId   string `json:"StrategyId"`
	StrategyName string `json:"StrategyName"`
	StrategyType string `json:"StrategyType"`
	StrategyData string `json:"StrategyData"`
	ServiceId    string `json:"ServiceId"`
	stamps
	Bindings []model.IPStrategyBinding `json:"Bindings,omitempty"`
	// BoundAt is when each binding was made ("<env>/<ApiId>" → time).
	BoundAt map[string]string `json:"BoundAt,omitempty"`
}

// listIPStrategies returns the strategies of svc (every service when svc
// is empty) in creation order.
func listIPStrategies(tx *buntdb.Tx, svc string) ([]ipStrategyRecord, error) {
	prefix := ipStrategyKeyPrefix
	if svc != "" {
		prefix = ipsPrefix(svc)
	}
	out, err := scan[ipStrategyRecord](tx, prefix)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].StrategyId < out[j].StrategyId
	})
	return out, err
}

func getIPStrategy(tx *buntdb.Tx, svc, id string) (ipStrategyRecord, error) {
	return getRecord[ipStrategyRecord](tx, "StrategyId", id, ipsKey(svc, id), errNoIPStrategy, "IP strategy "+id+" does not exist in service "+svc)
}

// serviceIPStrategy loads strategy id of service svc, which must exist.
func serviceIPStrategy(tx *buntdb.Tx, svc, id string) (ipStrategyRecord, error) {
	if _, err := getService(tx, svc); err != nil {
		return ipStrategyRecord{}, err
	}
	return getIPStrategy(tx, svc, id)
}

// updateIPStrategy loads strategy id of svc, lets fn change it and stores
// it back; fn says whether the change reaches the edges.
func (a *Admin) updateIPStrategy(svc, id string, fn func(tx *buntdb.Tx, r *ipStrategyRecord) (bool, error)) error {
	return a.write(func(tx *buntdb.Tx) (bool, error) {
		rec, err := serviceIPStrategy(tx, svc, id)
		if err != nil {
			return false, err
		}
		publish, err := fn(tx, &rec)
		if err != nil {
			return false, err
		}
		return publish, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
}

// checkStrategyData validates every entry of a strategy's list (IPs, CIDR
// prefixes, a-b ranges; ';' or line breaks between them) and names the
// first bad one.
func checkStrategyData(typ, data string) error {
	if strings.TrimSpace(data) == "" {
		return tcapi.Errorf(errMissing, "StrategyData is required: IPs or CIDRs separated by ';' or line breaks")
	}
	_, n, err := snapshot.ParseStrategy(typ, data)
	var ee *ipset.EntryError
	switch {
	case errors.As(err, &ee):
		return tcapi.Errorf(errFormat, "StrategyData: %s", ee.Error())
	case err != nil:
		return tcapi.Errorf(errInvalidValue, "%s", err.Error())
	case n == 0:
		return tcapi.Errorf(errMissing, "StrategyData lists no IP or CIDR")
	case n > snapshot.MaxIPEntries:
		return tcapi.Errorf(errLengthExceeded, "StrategyData has %d entries, at most %d", n, snapshot.MaxIPEntries)
	}
	return nil
}

// ipStrategyView is the seed's IPStrategy.
type ipStrategyView struct {
	StrategyId, StrategyName, StrategyType, StrategyData, CreatedTime, ModifiedTime, ServiceId string
	BindApiTotalCount                                                                          int
	BindApis                                                                                   []apiIdStatus
}

func (r *ipStrategyRecord) view() ipStrategyView {
	return ipStrategyView{r.StrategyId, r.StrategyName, r.StrategyType, r.StrategyData, r.CreatedTime, r.ModifiedTime, r.ServiceId,
		len(boundAPIs(r.Bindings, "")), []apiIdStatus{}}
}

// boundAPIs lists the ApiIds bound in env (every environment when env is
// empty), each once, in binding order.
func boundAPIs(bs []model.IPStrategyBinding, env string) []string {
	var out []string
	for _, b := range bs {
		if (env == "" || b.Environment == env) && !slices.Contains(out, b.ApiId) {
			out = append(out, b.ApiId)
		}
	}
	return out
}

type createIPStrategyReq struct {
	ServiceId                                string `tcapi:"required"`
	StrategyName, StrategyType, StrategyData string
}

func (in *createIPStrategyReq) Check() error {
	switch {
	case strings.TrimSpace(in.StrategyName) == "":
		return tcapi.Errorf(errMissing, "StrategyName is required")
	case utf8.RuneCountInString(in.StrategyName) > maxStrategyName:
		return tcapi.Errorf(errLengthExceeded, "StrategyName is longer than %d characters", maxStrategyName)
	case in.StrategyType == "":
		return tcapi.Errorf(errMissing, "StrategyType is required: WHITE or BLACK")
	}
	typ := strings.ToUpper(in.StrategyType)
	if typ != snapshot.StrategyWhite && typ != snapshot.StrategyBlack {
		return tcapi.Errorf(errNotInOptions, "StrategyType %q: want WHITE or BLACK", in.StrategyType)
	}
	in.StrategyType = typ
	return checkStrategyData(typ, in.StrategyData)
}

func (a *Admin) createIPStrategy(_ context.Context, in *createIPStrategyReq) (*result[ipStrategyView], error) {
	rec := in.record(a)
	err := a.inService(in.ServiceId, func(tx *buntdb.Tx, _ serviceRecord) (bool, error) {
		return false, putNewIPStrategy(tx, &rec)
	})
	return resultOf(rec.view(), err)
}

// record is the new strategy in checked.
func (in *createIPStrategyReq) record(a *Admin) ipStrategyRecord {
	return ipStrategyRecord{StrategyId: newID("ipstrategy-"), StrategyName: in.StrategyName, StrategyType: in.StrategyType,
		StrategyData: in.StrategyData, ServiceId: in.ServiceId, stamps: a.stamped()}
}

// putNewIPStrategy stores a new strategy within the limit of its service
// (ServiceId "": an ACL of the REST interface not yet bound, hwacls.go,
// within the same limit among those). Unbound, it changes no traffic:
// nothing to publish.
func putNewIPStrategy(tx *buntdb.Tx, rec *ipStrategyRecord) error {
	l := limit{prefix: ipsPrefix(rec.ServiceId), max: maxIPStrategiesPerService, code: "LimitExceeded.IpStrategyLimitExceeded", what: "IP strategies in a service"}
	if err := l.check(tx); err != nil {
		return err
	}
	var err error
	if rec.Seq, err = nextSeq(tx, ipsSeqKey); err != nil {
		return err
	}
	return store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
}

type modifyIPStrategyReq struct {
	ServiceId, StrategyId, StrategyData string
}

func (a *Admin) modifyIPStrategy(_ context.Context, in *modifyIPStrategyReq) (*result[bool], error) {
	return done(a.updateIPStrategy(in.ServiceId, in.StrategyId, func(_ *buntdb.Tx, rec *ipStrategyRecord) (bool, error) {
		if err := checkStrategyData(rec.StrategyType, in.StrategyData); err != nil {
			return false, err
		}
		rec.StrategyData, rec.ModifiedTime = in.StrategyData, a.now()
		return len(rec.Bindings) > 0, nil
	}))
}

type ipStrategyIDReq struct {
	ServiceId  string `tcapi:"required"`
	StrategyId string `tcapi:"required"`
}

// deleteIPStrategy deletes a strategy with its bindings. The seed lists
// no "in use" error for DeleteIPStrategy (only InvalidIPStrategy), so a
// bound strategy is deleted too, and its APIs stop being filtered.
func (a *Admin) deleteIPStrategy(_ context.Context, in *ipStrategyIDReq) (*result[bool], error) {
	return done(a.write(func(tx *buntdb.Tx) (bool, error) {
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return false, err
		}
		_, err = tx.Delete(ipsKey(rec.ServiceId, rec.StrategyId))
		return len(rec.Bindings) > 0, err
	}))
}

// ipEnvReq names a strategy, an environment and a page.
type ipEnvReq struct {
	ipStrategyIDReq
	EnvironmentName string
	listParams
}

func (a *Admin) describeIPStrategy(_ context.Context, in *ipEnvReq) (*result[ipStrategyView], error) {
	var out ipStrategyView
	// Filters are reserved: "目前不支持过滤" (seed line 3916).
	_, _, err := describeList(a, &in.pageParams, in.Filters, nil, func(tx *buntdb.Tx, _ filters) ([]struct{}, error) {
		if in.EnvironmentName != "" {
			if err := checkEnv(in.EnvironmentName); err != nil {
				return nil, err
			}
		}
		rec, err := serviceIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return nil, err
		}
		out = rec.view()
		ids := boundAPIs(rec.Bindings, in.EnvironmentName)
		out.BindApiTotalCount = len(ids)
		limit, offset, _ := in.bounds()
		for _, id := range page(ids, limit, offset) {
			out.BindApis = append(out.BindApis, boundAPIStatus(tx, rec.ServiceId, id))
		}
		return nil, nil
	})
	return resultOf(out, err)
}

// boundAPIStatus describes a bound API; one deleted since it was bound
// (its released copy may still serve) shows its IDs only.
func boundAPIStatus(tx *buntdb.Tx, svc, id string) apiIdStatus {
	var s storedAPI
	if found, err := store.GetJSON(tx, apiKey(svc, id), &s); err == nil && found {
		return apiIDStatus(&s.Api)
	}
	return apiIdStatus{ServiceId: svc, ApiId: id, RelationBuniessApiIds: []string{}, Tags: []string{}}
}

type ipStrategiesReq struct {
	ServiceId string
	Filters   []Filter
}

// ipStrategiesStatus is the seed's IPStrategysStatus.
type ipStrategiesStatus struct {
	TotalCount  int
	StrategySet []ipStrategyView
}

// describeIPStrategiesStatus lists every strategy of a service (the
// Action has no paging).
func (a *Admin) describeIPStrategiesStatus(_ context.Context, in *ipStrategiesReq) (*result[ipStrategiesStatus], error) {
	n, set, err := describeList(a, nil, in.Filters, []string{"StrategyName"}, func(tx *buntdb.Tx, fs filters) ([]ipStrategyView, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		list, err := listIPStrategies(tx, in.ServiceId)
		var set []ipStrategyView
		for i := range list {
			if fs.matchSub("StrategyName", list[i].StrategyName) {
				set = append(set, list[i].view())
			}
		}
		return set, err
	})
	return resultOf(ipStrategiesStatus{n, set}, err)
}

// ipBindReq is the common input of BindIPStrategy and UnBindIPStrategy.
type ipBindReq struct {
	ipStrategyIDReq
	EnvironmentName string
}

func (in *ipBindReq) check(apis []string, field string) error {
	if slices.Contains(apis, "") {
		return tcapi.Errorf(errInvalidValue, "%s holds an empty ApiId", field)
	}
	return checkEnv(in.EnvironmentName)
}

type bindIPStrategyReq struct {
	ipBindReq
	BindApiIds []string `tcapi:"required"`
}

func (in *bindIPStrategyReq) Check() error { return in.check(in.BindApiIds, "BindApiIds") }

type unBindIPStrategyReq struct {
	ipBindReq
	UnBindApiIds []string `tcapi:"required"`
}

func (in *unBindIPStrategyReq) Check() error { return in.check(in.UnBindApiIds, "UnBindApiIds") }

// bindIPStrategy binds APIs in one environment. An API takes one IP
// strategy per environment: binding it to a second one is refused with
// ResourceInUse (unbind the first); binding it again to the same one is
// a no-op. The APIs must exist in the service; they apply at the edge
// where the environment runs them.
func (a *Admin) bindIPStrategy(_ context.Context, in *bindIPStrategyReq) (*result[bool], error) {
	return done(a.updateIPStrategy(in.ServiceId, in.StrategyId, func(tx *buntdb.Tx, rec *ipStrategyRecord) (bool, error) {
		return a.bindIPStrategyAPIs(tx, rec, in.EnvironmentName, in.BindApiIds)
	}))
}

// bindIPStrategyAPIs binds apis of rec's service in env (BindIPStrategy,
// and ACL bindings of the REST interface, hwacls.go).
func (a *Admin) bindIPStrategyAPIs(tx *buntdb.Tx, rec *ipStrategyRecord, env string, apis []string) (bool, error) {
	others, err := listIPStrategies(tx, rec.ServiceId)
	if err != nil {
		return false, err
	}
	now := a.now()
	changed, err := eachAPI(tx, rec.ServiceId, apis, func(api string) (bool, error) {
		if o := boundElsewhere(others, rec, env, api); o != "" {
			return false, tcapi.Errorf(tcapi.CodeResourceInUse,
				"API %s is already bound to IP strategy %s in %s; an API takes one IP strategy per environment: unbind it first",
				api, o, env)
		}
		if hasBinding(rec.Bindings, env, api) {
			return false, nil
		}
		rec.Bindings = append(rec.Bindings, model.IPStrategyBinding{Environment: env, ApiId: api})
		rec.stampBinding(env, api, now)
		return true, nil
	})
	if changed {
		sortBindings(rec.Bindings)
		rec.ModifiedTime = now
	}
	return changed, err
}

// stampBinding records when api was bound in env (the REST interface's
// bind_time), forgetting the times of bindings that are gone.
func (r *ipStrategyRecord) stampBinding(env, api, now string) {
	kept := map[string]string{}
	for _, b := range r.Bindings {
		if t, ok := r.BoundAt[b.Environment+"/"+b.ApiId]; ok {
			kept[b.Environment+"/"+b.ApiId] = t
		}
	}
	kept[env+"/"+api] = now
	r.BoundAt = kept
}

// boundElsewhere returns the strategy other than rec that api is bound to
// in env, or "".
func boundElsewhere(all []ipStrategyRecord, rec *ipStrategyRecord, env, api string) string {
	for i := range all {
		if all[i].StrategyId != rec.StrategyId && hasBinding(all[i].Bindings, env, api) {
			return all[i].StrategyId
		}
	}
	return ""
}

// unBindIPStrategy removes bindings. The seed lists no business error for
// it: an API that exists but is not bound is a no-op; an ApiId that is
// neither bound nor an API of the service is ResourceNotFound.InvalidApi
// (a binding of an API deleted since is still removed).
func (a *Admin) unBindIPStrategy(_ context.Context, in *unBindIPStrategyReq) (*result[bool], error) {
	return done(a.updateIPStrategy(in.ServiceId, in.StrategyId, func(tx *buntdb.Tx, rec *ipStrategyRecord) (bool, error) {
		return a.unbindIPStrategyAPIs(tx, rec, in.EnvironmentName, in.UnBindApiIds)
	}))
}

// unbindIPStrategyAPIs removes the bindings of apis in env
// (UnBindIPStrategy, and the REST interface's unbinding).
func (a *Admin) unbindIPStrategyAPIs(tx *buntdb.Tx, rec *ipStrategyRecord, env string, apis []string) (bool, error) {
	var drop []string
	for _, api := range apis {
		if hasBinding(rec.Bindings, env, api) {
			drop = append(drop, api)
		} else if _, err := getAPI(tx, rec.ServiceId, api); err != nil {
			return false, err
		}
	}
	if len(drop) == 0 {
		return false, nil
	}
	kept := rec.Bindings[:0]
	for _, b := range rec.Bindings {
		if b.Environment != env || !slices.Contains(drop, b.ApiId) {
			kept = append(kept, b)
		} else {
			delete(rec.BoundAt, b.Environment+"/"+b.ApiId)
		}
	}
	rec.Bindings = kept
	rec.ModifiedTime = a.now()
	return true, nil
}

func hasBinding(bs []model.IPStrategyBinding, env, api string) bool {
	for _, b := range bs {
		if b.Environment == env && b.ApiId == api {
			return true
		}
	}
	return false
}

func sortBindings(bs []model.IPStrategyBinding) {
	sort.Slice(bs, func(i, j int) bool {
		if bs[i].Environment != bs[j].Environment {
			return bs[i].Environment < bs[j].Environment
		}
		return bs[i].ApiId < bs[j].ApiId
	})
}

// ipStrategyAPI is the seed's IPStrategyApi.
type ipStrategyAPI struct {
	ApiId, ApiName, ApiType, Path, Method, OtherIPStrategyId, OtherEnvironmentName string
}

// ipStrategyApiStatus is the seed's IPStrategyApiStatus.
type ipStrategyApiStatus struct {
	TotalCount     int
	ApiIdStatusSet []ipStrategyAPI
}

// describeIPStrategyApisStatus lists the APIs the strategy can still be
// bound to in an environment: the service's APIs minus those bound to it
// there (seed line 3942). An API bound to another strategy in that
// environment carries its ID in OtherIPStrategyId (binding it would be
// refused until it is unbound there).
func (a *Admin) describeIPStrategyApisStatus(_ context.Context, in *ipEnvReq) (*result[ipStrategyApiStatus], error) {
	n, set, err := describeList(a, &in.pageParams, in.Filters, []string{"ApiPath", "ApiName", "KeyWord"}, func(tx *buntdb.Tx, fs filters) ([]ipStrategyAPI, error) {
		if err := checkEnv(in.EnvironmentName); err != nil {
			return nil, err
		}
		rec, err := serviceIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return nil, err
		}
		all, err := listIPStrategies(tx, in.ServiceId)
		if err != nil {
			return nil, err
		}
		apis, err := listAPIs(tx, in.ServiceId)
		var set []ipStrategyAPI
		for i := range apis {
			api := &apis[i].Api
			path, name := api.RequestConfig.Path, api.ApiName
			if hasBinding(rec.Bindings, in.EnvironmentName, api.ApiId) || !fs.matchSub("ApiPath", path) || !fs.matchSub("ApiName", name) ||
				!fs.matchSub("KeyWord", path, name) {
				continue
			}
			item := ipStrategyAPI{ApiId: api.ApiId, ApiName: name, ApiType: api.apiType(), Path: path, Method: api.RequestConfig.Method}
			if o := boundElsewhere(all, &rec, in.EnvironmentName, api.ApiId); o != "" {
				item.OtherIPStrategyId, item.OtherEnvironmentName = o, in.EnvironmentName
			}
			set = append(set, item)
		}
		return set, err
	})
	return resultOf(ipStrategyApiStatus{n, set}, err)
}
