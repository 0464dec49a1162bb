package admin

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
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
// strategy) publish; the rest only commit.

// Keys: ips:<ServiceId>:<StrategyId> holds an ipStrategyRecord;
// meta:ipsseq the last creation sequence number.

// Limits on IP strategies. The seed names LimitExceeded.IpStrategyLimitExceeded
// without a number; these are Edgegate's (README "IP strategies").
const (
	maxIPStrategiesPerService = 50
	maxStrategyName           = 50 // characters, like plugin names
)

// Error codes of the IP strategy Actions (seed: each Action's 错误码).
const (
	errNoIPStrategy     = "ResourceNotFound.InvalidIPStrategy"
	errIPStrategyLimit  = "LimitExceeded.IpStrategyLimitExceeded"
	errLengthExceeded   = "InvalidParameterValue.LengthExceeded"
	errIPStrategyInUse  = "ResourceInUse"
	ipStrategyKeyPrefix = "ips:"
	ipsSeqKey           = "meta:ipsseq"
)

func ipsKey(svc, id string) string { return ipStrategyKeyPrefix + svc + ":" + id }
func ipsPrefix(svc string) string  { return ipStrategyKeyPrefix + svc + ":" }

// ipStrategyRecord is a stored IP strategy. Bindings are sorted by
// environment, then ApiId.
type ipStrategyRecord struct {
	Seq          int64                     `json:"Seq"` // creation order
	StrategyId   string                    `json:"StrategyId"`
	StrategyName string                    `json:"StrategyName"`
	StrategyType string                    `json:"StrategyType"`
	StrategyData string                    `json:"StrategyData"`
	ServiceId    string                    `json:"ServiceId"`
	CreatedTime  string                    `json:"CreatedTime"`
	ModifiedTime string                    `json:"ModifiedTime"`
	Bindings     []model.IPStrategyBinding `json:"Bindings,omitempty"`
}

// listIPStrategies returns the strategies of svc (every service when svc
// is empty) in creation order.
func listIPStrategies(tx *buntdb.Tx, svc string) ([]ipStrategyRecord, error) {
	pat := ipStrategyKeyPrefix + "*"
	if svc != "" {
		pat = ipsPrefix(svc) + "*"
	}
	var out []ipStrategyRecord
	var ferr error
	tx.AscendKeys(pat, func(k, v string) bool {
		var r ipStrategyRecord
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			ferr = errors.New("store: decode " + k + ": " + err.Error())
			return false
		}
		out = append(out, r)
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].StrategyId < out[j].StrategyId
	})
	return out, ferr
}

func getIPStrategy(tx *buntdb.Tx, svc, id string) (ipStrategyRecord, error) {
	return getRecord[ipStrategyRecord](tx, "StrategyId", id, ipsKey(svc, id), errNoIPStrategy, "IP strategy "+id+" does not exist in service "+svc)
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
	StrategyId        string        `json:"StrategyId"`
	StrategyName      string        `json:"StrategyName"`
	StrategyType      string        `json:"StrategyType"`
	StrategyData      string        `json:"StrategyData"`
	CreatedTime       string        `json:"CreatedTime"`
	ModifiedTime      string        `json:"ModifiedTime"`
	ServiceId         string        `json:"ServiceId"`
	BindApiTotalCount int           `json:"BindApiTotalCount"`
	BindApis          []apiIdStatus `json:"BindApis"`
}

func (r *ipStrategyRecord) view() ipStrategyView {
	return ipStrategyView{StrategyId: r.StrategyId, StrategyName: r.StrategyName, StrategyType: r.StrategyType,
		StrategyData: r.StrategyData, CreatedTime: r.CreatedTime, ModifiedTime: r.ModifiedTime, ServiceId: r.ServiceId,
		BindApiTotalCount: len(boundAPIs(r.Bindings, "")), BindApis: []apiIdStatus{}}
}

// boundAPIs lists the ApiIds bound in env (every environment when env is
// empty), each once, in binding order.
func boundAPIs(bs []model.IPStrategyBinding, env string) []string {
	var out []string
	seen := map[string]bool{}
	for _, b := range bs {
		if (env == "" || b.Environment == env) && !seen[b.ApiId] {
			seen[b.ApiId] = true
			out = append(out, b.ApiId)
		}
	}
	return out
}

func (a *Admin) createIPStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId    string `json:"ServiceId"`
		StrategyName string `json:"StrategyName"`
		StrategyType string `json:"StrategyType"`
		StrategyData string `json:"StrategyData"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.ServiceId == "" {
		return nil, tcapi.Errorf(errMissing, "ServiceId is required")
	}
	if strings.TrimSpace(in.StrategyName) == "" {
		return nil, tcapi.Errorf(errMissing, "StrategyName is required")
	}
	if utf8.RuneCountInString(in.StrategyName) > maxStrategyName {
		return nil, tcapi.Errorf(errLengthExceeded, "StrategyName is longer than %d characters", maxStrategyName)
	}
	if in.StrategyType == "" {
		return nil, tcapi.Errorf(errMissing, "StrategyType is required: WHITE or BLACK")
	}
	typ := strings.ToUpper(in.StrategyType)
	if typ != snapshot.StrategyWhite && typ != snapshot.StrategyBlack {
		return nil, tcapi.Errorf(errNotInOptions, "StrategyType %q: want WHITE or BLACK", in.StrategyType)
	}
	if err := checkStrategyData(typ, in.StrategyData); err != nil {
		return nil, err
	}
	now := isoTime(a.opts.Now())
	rec := ipStrategyRecord{StrategyId: newID("ipstrategy-"), StrategyName: in.StrategyName, StrategyType: typ,
		StrategyData: in.StrategyData, ServiceId: in.ServiceId, CreatedTime: now, ModifiedTime: now}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		list, err := listIPStrategies(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if len(list) >= maxIPStrategiesPerService {
			return false, tcapi.Errorf(errIPStrategyLimit, "a service has at most %d IP strategies", maxIPStrategiesPerService)
		}
		n := int64(0)
		if v, err := tx.Get(ipsSeqKey); err == nil {
			n, _ = strconv.ParseInt(v, 10, 64)
		}
		rec.Seq = n + 1
		if _, _, err := tx.Set(ipsSeqKey, strconv.FormatInt(rec.Seq, 10), nil); err != nil {
			return false, err
		}
		// Unbound, it changes no traffic: nothing to publish.
		return false, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": rec.view()}, nil
}

func (a *Admin) modifyIPStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId    string `json:"ServiceId"`
		StrategyId   string `json:"StrategyId"`
		StrategyData string `json:"StrategyData"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return false, err
		}
		if err := checkStrategyData(rec.StrategyType, in.StrategyData); err != nil {
			return false, err
		}
		rec.StrategyData, rec.ModifiedTime = in.StrategyData, isoTime(a.opts.Now())
		return len(rec.Bindings) > 0, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// deleteIPStrategy deletes a strategy with its bindings. The seed lists
// no "in use" error for DeleteIPStrategy (only InvalidIPStrategy), so a
// bound strategy is deleted too, and its APIs stop being filtered.
func (a *Admin) deleteIPStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId  string `json:"ServiceId"`
		StrategyId string `json:"StrategyId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if in.ServiceId == "" {
			return false, tcapi.Errorf(errMissing, "ServiceId is required")
		}
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return false, err
		}
		_, err = tx.Delete(ipsKey(rec.ServiceId, rec.StrategyId))
		return len(rec.Bindings) > 0, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) describeIPStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		StrategyId      string   `json:"StrategyId"`
		EnvironmentName string   `json:"EnvironmentName"`
		Limit           *int64   `json:"Limit"`
		Offset          *int64   `json:"Offset"`
		Filters         []Filter `json:"Filters"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	// Filters are reserved: "目前不支持过滤" (seed line 3916).
	if _, err := parseFilters(in.Filters); err != nil {
		return nil, err
	}
	if in.EnvironmentName != "" {
		if err := checkEnv(in.EnvironmentName); err != nil {
			return nil, err
		}
	}
	var out ipStrategyView
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return err
		}
		out = rec.view()
		ids := boundAPIs(rec.Bindings, in.EnvironmentName)
		out.BindApiTotalCount = len(ids)
		for _, id := range page(ids, limit, offset) {
			out.BindApis = append(out.BindApis, boundAPIStatus(tx, rec.ServiceId, id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": out}, nil
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

func (a *Admin) describeIPStrategiesStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId string   `json:"ServiceId"`
		Filters   []Filter `json:"Filters"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "StrategyName")
	if err != nil {
		return nil, err
	}
	set := []ipStrategyView{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		list, err := listIPStrategies(tx, in.ServiceId)
		if err != nil {
			return err
		}
		for i := range list {
			if fs.matchSub("StrategyName", list[i].StrategyName) {
				set = append(set, list[i].view())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "StrategySet": set}}, nil
}

// bindInput checks the common input of BindIPStrategy and UnBindIPStrategy.
func bindInput(svc, id, env string, apis []string, field string) error {
	switch {
	case svc == "":
		return tcapi.Errorf(errMissing, "ServiceId is required")
	case id == "":
		return tcapi.Errorf(errMissing, "StrategyId is required")
	case len(apis) == 0:
		return tcapi.Errorf(errMissing, "%s is required", field)
	}
	for _, api := range apis {
		if api == "" {
			return tcapi.Errorf(errInvalidValue, "%s holds an empty ApiId", field)
		}
	}
	return checkEnv(env)
}

// bindIPStrategy binds APIs in one environment. An API takes one IP
// strategy per environment: binding it to a second one is refused with
// ResourceInUse (unbind the first); binding it again to the same one is
// a no-op. The APIs must exist in the service; they apply at the edge
// where the environment runs them.
func (a *Admin) bindIPStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		StrategyId      string   `json:"StrategyId"`
		EnvironmentName string   `json:"EnvironmentName"`
		BindApiIds      []string `json:"BindApiIds"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := bindInput(in.ServiceId, in.StrategyId, in.EnvironmentName, in.BindApiIds, "BindApiIds"); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return false, err
		}
		others, err := listIPStrategies(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		changed := false
		for _, api := range in.BindApiIds {
			if _, err := getAPI(tx, in.ServiceId, api); err != nil {
				return false, err
			}
			for i := range others {
				o := &others[i]
				if o.StrategyId != rec.StrategyId && hasBinding(o.Bindings, in.EnvironmentName, api) {
					return false, tcapi.Errorf(errIPStrategyInUse,
						"API %s is already bound to IP strategy %s in %s; an API takes one IP strategy per environment: unbind it first",
						api, o.StrategyId, in.EnvironmentName)
				}
			}
			if !hasBinding(rec.Bindings, in.EnvironmentName, api) {
				rec.Bindings = append(rec.Bindings, model.IPStrategyBinding{Environment: in.EnvironmentName, ApiId: api})
				changed = true
			}
		}
		if !changed {
			return false, nil
		}
		sortBindings(rec.Bindings)
		rec.ModifiedTime = isoTime(a.opts.Now())
		return true, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// unBindIPStrategy removes bindings. The seed lists no business error for
// it: an API that exists but is not bound is a no-op; an ApiId that is
// neither bound nor an API of the service is ResourceNotFound.InvalidApi
// (a binding of an API deleted since is still removed).
func (a *Admin) unBindIPStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		StrategyId      string   `json:"StrategyId"`
		EnvironmentName string   `json:"EnvironmentName"`
		UnBindApiIds    []string `json:"UnBindApiIds"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := bindInput(in.ServiceId, in.StrategyId, in.EnvironmentName, in.UnBindApiIds, "UnBindApiIds"); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return false, err
		}
		drop := map[string]bool{}
		for _, api := range in.UnBindApiIds {
			if !hasBinding(rec.Bindings, in.EnvironmentName, api) {
				if _, err := getAPI(tx, in.ServiceId, api); err != nil {
					return false, err
				}
				continue
			}
			drop[api] = true
		}
		if len(drop) == 0 {
			return false, nil
		}
		kept := rec.Bindings[:0]
		for _, b := range rec.Bindings {
			if !(b.Environment == in.EnvironmentName && drop[b.ApiId]) {
				kept = append(kept, b)
			}
		}
		rec.Bindings = kept
		rec.ModifiedTime = isoTime(a.opts.Now())
		return true, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
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
	ApiId                string `json:"ApiId"`
	ApiName              string `json:"ApiName"`
	ApiType              string `json:"ApiType"`
	Path                 string `json:"Path"`
	Method               string `json:"Method"`
	OtherIPStrategyId    string `json:"OtherIPStrategyId"`
	OtherEnvironmentName string `json:"OtherEnvironmentName"`
}

// describeIPStrategyApisStatus lists the APIs the strategy can still be
// bound to in an environment: the service's APIs minus those bound to it
// there (seed line 3942). An API bound to another strategy in that
// environment carries its ID in OtherIPStrategyId (binding it would be
// refused until it is unbound there).
func (a *Admin) describeIPStrategyApisStatus(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		StrategyId      string   `json:"StrategyId"`
		EnvironmentName string   `json:"EnvironmentName"`
		Limit           *int64   `json:"Limit"`
		Offset          *int64   `json:"Offset"`
		Filters         []Filter `json:"Filters"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(in.Filters, "ApiPath", "ApiName", "KeyWord")
	if err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	set := []ipStrategyAPI{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		rec, err := getIPStrategy(tx, in.ServiceId, in.StrategyId)
		if err != nil {
			return err
		}
		all, err := listIPStrategies(tx, in.ServiceId)
		if err != nil {
			return err
		}
		apis, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return err
		}
		for i := range apis {
			api := &apis[i].Api
			if hasBinding(rec.Bindings, in.EnvironmentName, api.ApiId) {
				continue
			}
			path, name := api.RequestConfig.Path, api.ApiName
			if !fs.matchSub("ApiPath", path) || !fs.matchSub("ApiName", name) ||
				!(fs.matchSub("KeyWord", path) || fs.matchSub("KeyWord", name)) {
				continue
			}
			st := apiIDStatus(api)
			item := ipStrategyAPI{ApiId: st.ApiId, ApiName: st.ApiName, ApiType: st.ApiType, Path: st.Path, Method: st.Method}
			for j := range all {
				if all[j].StrategyId != rec.StrategyId && hasBinding(all[j].Bindings, in.EnvironmentName, api.ApiId) {
					item.OtherIPStrategyId, item.OtherEnvironmentName = all[j].StrategyId, in.EnvironmentName
				}
			}
			set = append(set, item)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiIdStatusSet": page(set, limit, offset)}}, nil
}
