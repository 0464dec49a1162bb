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

// strategyReq is the cap every Modify*EnvironmentStrategy sets.
type strategyReq struct {
	ServiceId string
	Strategy  *int64
}

func (in *strategyReq) Check() error {
	v := in.Strategy
	if v == nil {
		return tcapi.Errorf(errMissing, "Strategy is required: the QPS cap, or -1 for none")
	}
	if *v != noStrategy && (*v < 1 || *v > MaxStrategy) {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "Strategy %d: want 1 to %d requests per second, or -1 for no cap", *v, MaxStrategy)
	}
	return nil
}

// set caps m[k] (noStrategy: removes the cap).
func (in *strategyReq) set(m map[string]int64, k string) {
	if *in.Strategy == noStrategy {
		delete(m, k)
	} else {
		m[k] = *in.Strategy
	}
}

// updateStrategies loads the strategies of service in.ServiceId, lets fn
// change them and stores them back; a change is always published.
func (a *Admin) updateStrategies(in *strategyReq, fn func(tx *buntdb.Tx, s *strategyRecord) error) error {
	return a.inService(in.ServiceId, func(tx *buntdb.Tx, _ serviceRecord) (bool, error) {
		s, err := getStrategies(tx, in.ServiceId)
		if err == nil {
			err = fn(tx, &s)
		}
		if err != nil {
			return false, err
		}
		return true, store.SetJSON(tx, strategyKey(in.ServiceId), s)
	})
}

type serviceStrategyReq struct {
	strategyReq
	EnvironmentNames []string `tcapi:"required"`
}

func (in *serviceStrategyReq) Check() error {
	if err := in.strategyReq.Check(); err != nil {
		return err
	}
	return checkEnvs(in.EnvironmentNames)
}

func checkEnvs(envs []string) error {
	for _, e := range envs {
		if err := checkEnv(e); err != nil {
			return err
		}
	}
	return nil
}

func (a *Admin) modifyServiceEnvironmentStrategy(_ context.Context, in *serviceStrategyReq) (*result[bool], error) {
	return done(a.updateStrategies(&in.strategyReq, func(_ *buntdb.Tx, s *strategyRecord) error {
		if s.Service == nil {
			s.Service = map[string]int64{}
		}
		for _, e := range in.EnvironmentNames {
			in.set(s.Service, e)
		}
		return nil
	}))
}

type apiStrategyReq struct {
	strategyReq
	EnvironmentName string
	ApiIds          []string `tcapi:"required"`
}

func (in *apiStrategyReq) Check() error {
	if err := in.strategyReq.Check(); err != nil {
		return err
	}
	return checkEnv(in.EnvironmentName)
}

func (a *Admin) modifyApiEnvironmentStrategy(_ context.Context, in *apiStrategyReq) (*result[bool], error) {
	return done(a.updateStrategies(&in.strategyReq, func(tx *buntdb.Tx, s *strategyRecord) error {
		if s.Api == nil {
			s.Api = map[string]map[string]int64{}
		}
		m := s.Api[in.EnvironmentName]
		if m == nil {
			m = map[string]int64{}
			s.Api[in.EnvironmentName] = m
		}
		_, err := eachAPI(tx, in.ServiceId, in.ApiIds, func(id string) (bool, error) {
			in.set(m, id)
			return true, nil
		})
		return err
	}))
}

// serviceEnvironmentStrategy is the seed's ServiceEnvironmentStrategy.
type serviceEnvironmentStrategy struct {
	EnvironmentName, Url  string
	Status                int64
	VersionName           string
	Strategy, MaxStrategy int64
}

// serviceEnvironmentStrategyStatus is the seed's
// ServiceEnvironmentStrategyStatus.
type serviceEnvironmentStrategyStatus struct {
	TotalCount      int
	EnvironmentList []serviceEnvironmentStrategy
}

func valueOr(m map[string]int64, k string) int64 {
	if v, ok := m[k]; ok {
		return v
	}
	return noStrategy
}

func (a *Admin) describeServiceEnvironmentStrategy(_ context.Context, in *servicePageReq) (*result[serviceEnvironmentStrategyStatus], error) {
	n, list, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]serviceEnvironmentStrategy, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		s, err := getStrategies(tx, in.ServiceId)
		released := map[string]envRecord{}
		for _, e := range releasedEnvs(tx, in.ServiceId) {
			released[e.EnvironmentName] = e
		}
		var list []serviceEnvironmentStrategy
		for _, env := range environments {
			st := serviceEnvironmentStrategy{EnvironmentName: env, Url: a.envURL(in.ServiceId, env),
				Strategy: valueOr(s.Service, env), MaxStrategy: MaxStrategy}
			if e, ok := released[env]; ok {
				st.Status, st.VersionName = 1, e.VersionName
			}
			list = append(list, st)
		}
		return list, err
	})
	return resultOf(serviceEnvironmentStrategyStatus{n, list}, err)
}

// environmentStrategy is the seed's EnvironmentStrategy.
type environmentStrategy struct {
	EnvironmentName string
	Quota, MaxQuota int64
}

// apiEnvironmentStrategy is the seed's ApiEnvironmentStrategy.
type apiEnvironmentStrategy struct {
	ApiId, ApiName, Path, Method string
	EnvironmentStrategySet       []environmentStrategy
}

// apiEnvironmentStrategyStatus is the seed's ApiEnvironmentStrategyStataus
// (sic).
type apiEnvironmentStrategyStatus struct {
	TotalCount                int
	ApiEnvironmentStrategySet []apiEnvironmentStrategy
}

type apiStrategiesReq struct {
	servicePageReq
	EnvironmentNames []string
	ApiId            string
}

func (a *Admin) describeApiEnvironmentStrategy(_ context.Context, in *apiStrategiesReq) (*result[apiEnvironmentStrategyStatus], error) {
	n, set, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]apiEnvironmentStrategy, error) {
		envs := in.EnvironmentNames
		if len(envs) == 0 {
			envs = environments
		}
		if err := checkEnvs(envs); err != nil {
			return nil, err
		}
		list, err := serviceAPIs(tx, in.ServiceId)
		if err != nil {
			return nil, err
		}
		if in.ApiId != "" {
			if _, err := getAPI(tx, in.ServiceId, in.ApiId); err != nil {
				return nil, err
			}
		}
		s, err := getStrategies(tx, in.ServiceId)
		var set []apiEnvironmentStrategy
		for i := range list {
			api := &list[i].Api
			if in.ApiId != "" && api.ApiId != in.ApiId {
				continue
			}
			out := apiEnvironmentStrategy{ApiId: api.ApiId, ApiName: api.ApiName, Path: api.RequestConfig.Path, Method: api.RequestConfig.Method}
			for _, e := range envs {
				out.EnvironmentStrategySet = append(out.EnvironmentStrategySet, environmentStrategy{e, valueOr(s.Api[e], api.ApiId), MaxStrategy})
			}
			set = append(set, out)
		}
		return set, err
	})
	return resultOf(apiEnvironmentStrategyStatus{n, set}, err)
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
