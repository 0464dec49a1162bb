package admin

import (
	"slices"
	"sort"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/model"
)

// Keys, usage plans and apps in the store (issue 5). IDs never hold ':'.
//
//	apikey:<AccessKeyId>   keyRecord
//	plan:<UsagePlanId>     planRecord (its keys and bindings)
//	apiapp:<ApiAppId>      appRecord (its API bindings)
//	meta:secretcheck       sealed check value (secrets.go)
const (
	apiKeyPrefix = "apikey:"
	planPrefix   = "plan:"
	apiAppPrefix = "apiapp:"
)

func apiKeyKey(id string) string { return apiKeyPrefix + id }
func apiAppKey(id string) string { return apiAppPrefix + id }

var (
	apiKeys = kind[keyRecord]{prefix: apiKeyPrefix, field: "AccessKeyId", notFound: "ResourceNotFound.InvalidAccessKeyId",
		what: "API key", id: func(k *keyRecord) string { return k.AccessKeyId }}
	usagePlans = kind[planRecord]{prefix: planPrefix, field: "UsagePlanId", notFound: "ResourceNotFound.InvalidUsagePlan",
		what: "usage plan", id: func(p *planRecord) string { return p.UsagePlanId }}
	apiApps = kind[appRecord]{prefix: apiAppPrefix, field: "ApiAppId", notFound: "ResourceNotFound.InvalidApiApp",
		what: "application", id: func(a *appRecord) string { return a.ApiAppId }}
)

// keyRecord is a stored API key (seed: ApiKey). Secret is its stored form
// (secrets.go).
type keyRecord struct {
	AccessKeyId   string `json:"AccessKeyId"`
	SecretName    string `json:"SecretName"`
	AccessKeyType string `json:"AccessKeyType"`
	Status        int    `json:"Status"`
	Secret        string `json:"Secret"`
	stamps
}

// planRecord is a stored usage plan with its keys and bindings.
type planRecord struct {
	UsagePlanId         string          `json:"UsagePlanId"`
	UsagePlanName       string          `json:"UsagePlanName"`
	UsagePlanDesc       string          `json:"UsagePlanDesc,omitempty"`
	MaxRequestNum       int64           `json:"MaxRequestNum"`
	MaxRequestNumPreSec int64           `json:"MaxRequestNumPreSec"`
	SecretIds           []string        `json:"SecretIds,omitempty"`
	Bindings            []planBindingRe `json:"Bindings,omitempty"`
	stamps
}

// planBindingRe binds a plan to a service environment (ApiId empty) or to
// one API in it.
type planBindingRe struct {
	target
	CreatedTime string `json:"CreatedTime"`
}

// live: the plan can admit traffic (it has keys and somewhere to use them).
func (p *planRecord) live() bool { return len(p.SecretIds) > 0 && len(p.Bindings) > 0 }

// appRecord is a stored application (seed: ApiAppInfo) and its bindings.
type appRecord struct {
	ApiAppId   string         `json:"ApiAppId"`
	ApiAppName string         `json:"ApiAppName"`
	ApiAppDesc string         `json:"ApiAppDesc,omitempty"`
	ApiAppKey  string         `json:"ApiAppKey"`
	Secret     string         `json:"Secret"`
	ProjectId  string         `json:"ProjectId,omitempty"`
	Tags       []Tag          `json:"Tags,omitempty"`
	Apis       []appBindingRe `json:"Apis,omitempty"`
	stamps
	// AclType and AclData are the app ACL (hwappacl.go): WHITE/BLACK and
	// the list, as an IP strategy's.
	AclType string `json:"AclType,omitempty"`
	AclData string `json:"AclData,omitempty"`
}

type appBindingRe struct {
	target
	AuthorizedTime string `json:"AuthorizedTime"`
}

func accessLimitDefaults(l *Limits) {
	for _, d := range []struct {
		v   *int
		def int
	}{{&l.UsagePlans, 200}, {&l.ApiKeys, 400}, {&l.KeysPerPlan, 50}, {&l.PlansPerKey, 10}, {&l.ApisPerPlan, 10000}, {&l.ApiApps, 400}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
}

// publishAccess adds every key (secret in clear), every usage plan with
// its keys and bindings, and every app with its bound APIs to what is
// published; the edge verifies callers against them (model.Access). It
// runs after the services are filled in (Admin.compile).
func (a *Admin) publishAccess(tx *buntdb.Tx, p *model.Published) error {
	keys, err := apiKeys.all(tx)
	if err != nil {
		return err
	}
	plans, err := usagePlans.all(tx)
	if err != nil {
		return err
	}
	apps, err := apiApps.all(tx)
	if err != nil {
		return err
	}
	// Only bindings that can apply are published: to a released service
	// environment, and for an API to one its running version has. Others
	// (not yet released, or left by a deleted API or service) admit
	// nothing, and the edge never sees a reference it can't resolve.
	live := map[string]bool{}
	for _, s := range p.Services {
		for _, e := range s.Environments {
			live[s.Service.ServiceId+"/"+e.EnvironmentName] = true
			for _, api := range e.Apis {
				live[s.Service.ServiceId+"/"+e.EnvironmentName+"/"+api.ApiId] = true
			}
		}
	}
	applies := func(svc, env, api string) bool {
		if api == "" {
			return live[svc+"/"+env]
		}
		return live[svc+"/"+env+"/"+api]
	}
	var acc model.Access
	for _, k := range keys {
		secret, err := a.openSecret(apiKeyKey(k.AccessKeyId), k.Secret)
		if err != nil {
			return err
		}
		acc.Keys = append(acc.Keys, model.Key{SecretId: k.AccessKeyId, SecretKey: secret, Status: k.Status})
	}
	for _, pl := range plans {
		mp := model.UsagePlan{UsagePlanId: pl.UsagePlanId, MaxRequestNum: pl.MaxRequestNum, MaxRequestNumPreSec: pl.MaxRequestNumPreSec,
			SecretIds: append([]string(nil), pl.SecretIds...)}
		for _, b := range pl.Bindings {
			if !applies(b.ServiceId, b.Environment, b.ApiId) {
				continue
			}
			mp.Bindings = append(mp.Bindings, model.PlanBinding{ServiceId: b.ServiceId, Environment: b.Environment, ApiId: b.ApiId})
		}
		acc.Plans = append(acc.Plans, mp)
	}
	for _, ap := range apps {
		secret, err := a.openSecret(apiAppKey(ap.ApiAppId), ap.Secret)
		if err != nil {
			return err
		}
		ma := model.App{ApiAppId: ap.ApiAppId, ApiAppKey: ap.ApiAppKey, ApiAppSecret: secret, Status: 1, AclType: ap.AclType, AclData: ap.AclData}
		for _, b := range ap.Apis {
			if !applies(b.ServiceId, b.Environment, b.ApiId) {
				continue
			}
			ma.Apis = append(ma.Apis, model.AppBinding{ServiceId: b.ServiceId, Environment: b.Environment, ApiId: b.ApiId})
		}
		acc.Apps = append(acc.Apps, ma)
	}
	// Nil when nothing of it exists (model.Published).
	if len(acc.Keys)+len(acc.Plans)+len(acc.Apps) > 0 {
		p.Access = &acc
	}
	return nil
}

// plansOfKey lists the plans a key is bound to.
func plansOfKey(plans []planRecord, id string) []planRecord {
	var out []planRecord
	for _, p := range plans {
		if slices.Contains(p.SecretIds, id) {
			out = append(out, p)
		}
	}
	return out
}

// overlap: two bindings reach the same API of the same service
// environment (a service-level binding reaches every API in it).
func overlap(x, y planBindingRe) bool {
	if x.ServiceId != y.ServiceId || x.Environment != y.Environment {
		return false
	}
	return x.ApiId == "" || y.ApiId == "" || x.ApiId == y.ApiId
}

// keyConflict checks the seed's rule (创建使用计划及密钥: 若两个使用计划将绑定到同一个
// 环境，则这两个使用计划不能绑定相同的密钥) for plan p as it would be: no other
// plan may share a key with p and reach an API p reaches. It returns the
// shared key and the other plan, or "".
func keyConflict(plans []planRecord, p *planRecord) (key, other string) {
	for _, q := range plans {
		if q.UsagePlanId == p.UsagePlanId {
			continue
		}
		for _, k := range p.SecretIds {
			if !slices.Contains(q.SecretIds, k) {
				continue
			}
			for _, bp := range p.Bindings {
				for _, bq := range q.Bindings {
					if overlap(bp, bq) {
						return k, q.UsagePlanId
					}
				}
			}
		}
	}
	return "", ""
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
