package admin

import (
	"context"
	"sort"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// Store key of a service's environment strategies (seed 限流策略相关接口):
//
//	estrat:<ServiceId>   strategyRecord
func strategyKey(svc string) string { return "estrat:" + svc }

// MaxStrategy is the highest QPS an environment strategy accepts: the
// seed's ceiling for one service on a dedicated cluster (使用限制: 350000).
const MaxStrategy = 350000

// noStrategy is the value Describe reports, and Modify accepts, for "no
// cap".
const noStrategy = -1

// strategyRecord holds a service's QPS caps: per environment, and per
// environment and API.
type strategyRecord struct {
	Service map[string]int64            `json:"Service,omitempty"`
	Api     map[string]map[string]int64 `json:"Api,omitempty"`
}

func getStrategies(tx *buntdb.Tx, svc string) (strategyRecord, error) {
	var s strategyRecord
	_, err := store.GetJSON(tx, strategyKey(svc), &s)
	return s, err
}

func checkStrategy(v *int64) error {
	if v == nil {
		return tcapi.Errorf(errMissing, "Strategy is required: the QPS cap, or -1 for none")
	}
	if *v != noStrategy && (*v < 1 || *v > MaxStrategy) {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "Strategy %d: want 1 to %d requests per second, or -1 for no cap", *v, MaxStrategy)
	}
	return nil
}

func (a *Admin) modifyServiceEnvironmentStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId        string   `json:"ServiceId"`
		Strategy         *int64   `json:"Strategy"`
		EnvironmentNames []string `json:"EnvironmentNames"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkStrategy(in.Strategy); err != nil {
		return nil, err
	}
	if len(in.EnvironmentNames) == 0 {
		return nil, tcapi.Errorf(errMissing, "EnvironmentNames is required")
	}
	for _, e := range in.EnvironmentNames {
		if err := checkEnv(e); err != nil {
			return nil, err
		}
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		s, err := getStrategies(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if s.Service == nil {
			s.Service = map[string]int64{}
		}
		for _, e := range in.EnvironmentNames {
			if *in.Strategy == noStrategy {
				delete(s.Service, e)
			} else {
				s.Service[e] = *in.Strategy
			}
		}
		return true, store.SetJSON(tx, strategyKey(in.ServiceId), s)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) modifyApiEnvironmentStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		Strategy        *int64   `json:"Strategy"`
		EnvironmentName string   `json:"EnvironmentName"`
		ApiIds          []string `json:"ApiIds"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkStrategy(in.Strategy); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	if len(in.ApiIds) == 0 {
		return nil, tcapi.Errorf(errMissing, "ApiIds is required")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		for _, id := range in.ApiIds {
			if _, err := getAPI(tx, in.ServiceId, id); err != nil {
				return false, err
			}
		}
		s, err := getStrategies(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		if s.Api == nil {
			s.Api = map[string]map[string]int64{}
		}
		m := s.Api[in.EnvironmentName]
		if m == nil {
			m = map[string]int64{}
			s.Api[in.EnvironmentName] = m
		}
		for _, id := range in.ApiIds {
			if *in.Strategy == noStrategy {
				delete(m, id)
			} else {
				m[id] = *in.Strategy
			}
		}
		return true, store.SetJSON(tx, strategyKey(in.ServiceId), s)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// serviceEnvironmentStrategy is the seed's ServiceEnvironmentStrategy.
type serviceEnvironmentStrategy struct {
	EnvironmentName string `json:"EnvironmentName"`
	Url             string `json:"Url"`
	Status          int64  `json:"Status"`
	VersionName     string `json:"VersionName"`
	Strategy        int64  `json:"Strategy"`
	MaxStrategy     int64  `json:"MaxStrategy"`
}

func valueOr(m map[string]int64, k string) int64 {
	if v, ok := m[k]; ok {
		return v
	}
	return noStrategy
}

func (a *Admin) describeServiceEnvironmentStrategy(_ context.Context, r *tcapi.Request) (any, error) {
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
	var list []serviceEnvironmentStrategy
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		s, err := getStrategies(tx, in.ServiceId)
		if err != nil {
			return err
		}
		released := map[string]envRecord{}
		for _, e := range releasedEnvs(tx, in.ServiceId) {
			released[e.EnvironmentName] = e
		}
		for _, env := range environments {
			e, ok := released[env]
			st := serviceEnvironmentStrategy{EnvironmentName: env, Url: a.envURL(in.ServiceId, env),
				Strategy: valueOr(s.Service, env), MaxStrategy: MaxStrategy}
			if ok {
				st.Status, st.VersionName = 1, e.VersionName
			}
			list = append(list, st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(list), "EnvironmentList": page(list, limit, offset)}}, nil
}

type environmentStrategy struct {
	EnvironmentName string `json:"EnvironmentName"`
	Quota           int64  `json:"Quota"`
	MaxQuota        int64  `json:"MaxQuota"`
}

type apiEnvironmentStrategy struct {
	ApiId                  string                `json:"ApiId"`
	ApiName                string                `json:"ApiName"`
	Path                   string                `json:"Path"`
	Method                 string                `json:"Method"`
	EnvironmentStrategySet []environmentStrategy `json:"EnvironmentStrategySet"`
}

func (a *Admin) describeApiEnvironmentStrategy(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId        string   `json:"ServiceId"`
		EnvironmentNames []string `json:"EnvironmentNames"`
		ApiId            string   `json:"ApiId"`
		Limit            *int64   `json:"Limit"`
		Offset           *int64   `json:"Offset"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	envs := in.EnvironmentNames
	if len(envs) == 0 {
		envs = environments
	}
	for _, e := range envs {
		if err := checkEnv(e); err != nil {
			return nil, err
		}
	}
	set := []apiEnvironmentStrategy{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		if in.ApiId != "" {
			if _, err := getAPI(tx, in.ServiceId, in.ApiId); err != nil {
				return err
			}
		}
		s, err := getStrategies(tx, in.ServiceId)
		if err != nil {
			return err
		}
		list, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return err
		}
		for i := range list {
			api := &list[i].Api
			if in.ApiId != "" && api.ApiId != in.ApiId {
				continue
			}
			out := apiEnvironmentStrategy{ApiId: api.ApiId, ApiName: api.ApiName, Path: api.RequestConfig.Path, Method: api.RequestConfig.Method}
			for _, e := range envs {
				out.EnvironmentStrategySet = append(out.EnvironmentStrategySet, environmentStrategy{EnvironmentName: e, Quota: valueOr(s.Api[e], api.ApiId), MaxQuota: MaxStrategy})
			}
			set = append(set, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiEnvironmentStrategySet": page(set, limit, offset)}}, nil
}

// sortedKeys returns m's keys in order (stable published documents).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
