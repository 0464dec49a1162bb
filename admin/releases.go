package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
)

func checkEnv(env string) error {
	if env == "" {
		return tcapi.Errorf(errMissing, "EnvironmentName is required")
	}
	if !validEnvironment(env) {
		return tcapi.Errorf(errInvalidValue, "EnvironmentName %q: want test, prepub or release", env)
	}
	return nil
}

// addHistory appends a release or switch to an environment's history.
func addHistory(tx *buntdb.Tx, svc, env string, h historyRecord) error {
	n := 0
	tx.AscendKeys(histPrefix(svc, env)+"*", func(string, string) bool { n++; return true })
	return store.SetJSON(tx, histPrefix(svc, env)+fmt.Sprintf("%012d", n+1), h)
}

// ReleaseService freezes the service's current APIs into a new version and
// puts the environment on it (seed: ReleaseService). Edits made afterwards
// change nothing on the edge until the next release.
func (a *Admin) releaseService(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		ApiIds          []string `json:"ApiIds"`
		EnvironmentName string   `json:"EnvironmentName"`
		ReleaseDesc     string   `json:"ReleaseDesc"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	if in.ReleaseDesc == "" {
		return nil, tcapi.Errorf(errMissing, "ReleaseDesc is required")
	}
	var version string
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		svc, err := getService(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		list, err := listAPIs(tx, svc.ServiceId)
		if err != nil {
			return false, err
		}
		v := versionRecord{VersionDesc: in.ReleaseDesc, ReleaseTime: isoTime(a.opts.Now())}
		want := map[string]bool{}
		for _, id := range in.ApiIds {
			want[id] = true
		}
		for i := range list {
			if len(want) == 0 || want[list[i].Api.ApiId] {
				v.Apis = append(v.Apis, list[i].Api)
				delete(want, list[i].Api.ApiId)
			}
		}
		for id := range want {
			return false, tcapi.Errorf(errNoAPI, "API %s does not exist in service %s", id, svc.ServiceId)
		}
		// Versions are named by release time (seed: ReleaseVersion), made
		// unique within the service.
		base := a.opts.Now().UTC().Format("20060102150405")
		version = base
		for n := 2; ; n++ {
			if _, err := tx.Get(verKey(svc.ServiceId, version)); err == buntdb.ErrNotFound {
				break
			}
			version = fmt.Sprintf("%s-%d", base, n)
		}
		v.VersionName = version
		if v.Apis == nil {
			v.Apis = []apiRecord{}
		}
		if err := store.SetJSON(tx, verKey(svc.ServiceId, version), v); err != nil {
			return false, err
		}
		if err := store.SetJSON(tx, envKey(svc.ServiceId, in.EnvironmentName),
			envRecord{EnvironmentName: in.EnvironmentName, VersionName: version, Status: 1}); err != nil {
			return false, err
		}
		if err := addHistory(tx, svc.ServiceId, in.EnvironmentName, historyRecord{VersionName: version, VersionDesc: in.ReleaseDesc, ReleaseTime: v.ReleaseTime}); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"ReleaseDesc": in.ReleaseDesc, "ReleaseVersion": version}}, nil
}

// UnReleaseService takes an environment offline.
func (a *Admin) unReleaseService(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string   `json:"ServiceId"`
		EnvironmentName string   `json:"EnvironmentName"`
		ApiIds          []string `json:"ApiIds"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	if len(in.ApiIds) > 0 {
		return nil, tcapi.Errorf(errUnsupported, "taking single APIs offline is not supported; release a version without them instead")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		var e envRecord
		found, err := store.GetJSON(tx, envKey(in.ServiceId, in.EnvironmentName), &e)
		if err != nil {
			return false, err
		}
		if !found || e.Status != 1 {
			return false, tcapi.Errorf("ResourceNotFound", "service %s is not released to %s", in.ServiceId, in.EnvironmentName)
		}
		e.Status = 0
		if err := store.SetJSON(tx, envKey(in.ServiceId, in.EnvironmentName), e); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// UpdateService switches an environment to a released version (rollback
// or forward).
func (a *Admin) updateService(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string `json:"ServiceId"`
		EnvironmentName string `json:"EnvironmentName"`
		VersionName     string `json:"VersionName"`
		UpdateDesc      string `json:"UpdateDesc"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	if in.VersionName == "" {
		return nil, tcapi.Errorf(errMissing, "VersionName is required")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		var v versionRecord
		found, err := store.GetJSON(tx, verKey(in.ServiceId, in.VersionName), &v)
		if err != nil {
			return false, err
		}
		if !found {
			return false, tcapi.Errorf("ResourceNotFound", "service %s has no version %s", in.ServiceId, in.VersionName)
		}
		if err := store.SetJSON(tx, envKey(in.ServiceId, in.EnvironmentName),
			envRecord{EnvironmentName: in.EnvironmentName, VersionName: in.VersionName, Status: 1}); err != nil {
			return false, err
		}
		desc := in.UpdateDesc
		if desc == "" {
			desc = v.VersionDesc
		}
		if err := addHistory(tx, in.ServiceId, in.EnvironmentName, historyRecord{VersionName: in.VersionName, VersionDesc: desc, ReleaseTime: isoTime(a.opts.Now())}); err != nil {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

type pageReq struct {
	ServiceId string `json:"ServiceId"`
	Limit     *int64 `json:"Limit"`
	Offset    *int64 `json:"Offset"`
}

// environmentView is the seed's Environment.
type environmentView struct {
	EnvironmentName string `json:"EnvironmentName"`
	Url             string `json:"Url"`
	Status          int    `json:"Status"`
	VersionName     string `json:"VersionName"`
}

func (a *Admin) describeServiceEnvironmentList(_ context.Context, r *tcapi.Request) (any, error) {
	var in pageReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	var list []environmentView
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		for _, name := range environments {
			var e envRecord
			if _, err := store.GetJSON(tx, envKey(in.ServiceId, name), &e); err != nil {
				return err
			}
			list = append(list, environmentView{EnvironmentName: name, Url: a.envURL(in.ServiceId, name), Status: e.Status, VersionName: e.VersionName})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(list), "EnvironmentList": page(list, limit, offset)}}, nil
}

func (a *Admin) describeServiceEnvironmentReleaseHistory(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string `json:"ServiceId"`
		EnvironmentName string `json:"EnvironmentName"`
		Limit           *int64 `json:"Limit"`
		Offset          *int64 `json:"Offset"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	var list []historyRecord
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		var ferr error
		tx.DescendKeys(histPrefix(in.ServiceId, in.EnvironmentName)+"*", func(_, v string) bool {
			var h historyRecord
			if ferr = json.Unmarshal([]byte(v), &h); ferr != nil {
				return false
			}
			list = append(list, h)
			return true
		})
		return ferr
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(list), "VersionList": page(list, limit, offset)}}, nil
}

func (a *Admin) describeServiceReleaseVersion(_ context.Context, r *tcapi.Request) (any, error) {
	var in pageReq
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := paging(in.Limit, in.Offset)
	if err != nil {
		return nil, err
	}
	var list []historyRecord
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		var ferr error
		tx.AscendKeys(verPrefix(in.ServiceId)+"*", func(_, v string) bool {
			var vr versionRecord
			if ferr = json.Unmarshal([]byte(v), &vr); ferr != nil {
				return false
			}
			list = append(list, historyRecord{VersionName: vr.VersionName, VersionDesc: vr.VersionDesc, ReleaseTime: vr.ReleaseTime})
			return true
		})
		return ferr
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].VersionName > list[j].VersionName })
	return map[string]any{"Result": map[string]any{"TotalCount": len(list), "VersionList": page(list, limit, offset)}}, nil
}
