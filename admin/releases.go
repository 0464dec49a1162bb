package admin

import (
	"context"
	"fmt"
	"slices"
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
		return tcapi.Errorf(errInvalidValue, "EnvironmentName %q: want test, prepub, release or a custom environment", env)
	}
	return nil
}

// envReq names a service environment (EnvironmentName required).
type envReq struct {
	ServiceId, EnvironmentName string
}

func (in *envReq) Check() error { return checkEnv(in.EnvironmentName) }

// switchEnv puts environment env of svc on version ver and records it in
// the environment's history.
func switchEnv(tx *buntdb.Tx, svc, env string, h historyRecord) error {
	err := store.SetJSON(tx, envKey(svc, env), envRecord{EnvironmentName: env, VersionName: h.VersionName, Status: 1})
	if err != nil {
		return err
	}
	n := 0
	tx.AscendKeys(histPrefix(svc, env)+"*", func(string, string) bool { n++; return true })
	return store.SetJSON(tx, histPrefix(svc, env)+fmt.Sprintf("%012d", n+1), h)
}

type releaseServiceReq struct {
	envReq
	ApiIds      []string
	ReleaseDesc string `tcapi:"required"`
}

// releaseInfo is the seed's ReleaseService structure.
type releaseInfo struct{ ReleaseDesc, ReleaseVersion string }

// ReleaseService freezes the service's current APIs into a new version and
// puts the environment on it (seed: ReleaseService). Edits made afterwards
// change nothing on the edge until the next release.
func (a *Admin) releaseService(_ context.Context, in *releaseServiceReq) (*result[releaseInfo], error) {
	var version string
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		list, err := serviceAPIs(tx, in.ServiceId)
		if err != nil {
			return false, err
		}
		v := versionRecord{VersionDesc: in.ReleaseDesc, ReleaseTime: a.now(), Apis: []apiRecord{}}
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
			return false, tcapi.Errorf(errNoAPI, "API %s does not exist in service %s", id, in.ServiceId)
		}
		// Versions are named by release time (seed: ReleaseVersion), made
		// unique within the service.
		base := a.opts.Now().UTC().Format("20060102150405")
		version = base
		for n := 2; exists(tx, verKey(in.ServiceId, version)); n++ {
			version = fmt.Sprintf("%s-%d", base, n)
		}
		v.VersionName = version
		if err := store.SetJSON(tx, verKey(in.ServiceId, version), v); err != nil {
			return false, err
		}
		return true, switchEnv(tx, in.ServiceId, in.EnvironmentName, historyRecord{VersionName: version, VersionDesc: in.ReleaseDesc, ReleaseTime: v.ReleaseTime})
	})
	return resultOf(releaseInfo{in.ReleaseDesc, version}, err)
}

type unReleaseServiceReq struct {
	envReq
	ApiIds []string
}

func (in *unReleaseServiceReq) Check() error {
	if err := in.envReq.Check(); err != nil {
		return err
	}
	if len(in.ApiIds) > 0 {
		return tcapi.Errorf(errUnsupported, "taking single APIs offline is not supported; release a version without them instead")
	}
	return nil
}

// UnReleaseService takes an environment offline.
func (a *Admin) unReleaseService(_ context.Context, in *unReleaseServiceReq) (*result[bool], error) {
	return done(a.inService(in.ServiceId, func(tx *buntdb.Tx, _ serviceRecord) (bool, error) {
		var e envRecord
		found, err := store.GetJSON(tx, envKey(in.ServiceId, in.EnvironmentName), &e)
		if err != nil {
			return false, err
		}
		if !found || e.Status != 1 {
			return false, tcapi.Errorf(tcapi.CodeResourceNotFound, "service %s is not released to %s", in.ServiceId, in.EnvironmentName)
		}
		e.Status = 0
		return true, store.SetJSON(tx, envKey(in.ServiceId, in.EnvironmentName), e)
	}))
}

type updateServiceReq struct {
	envReq
	VersionName string `tcapi:"required"`
	UpdateDesc  string
}

// UpdateService switches an environment to a released version (rollback
// or forward).
func (a *Admin) updateService(_ context.Context, in *updateServiceReq) (*result[bool], error) {
	return done(a.inService(in.ServiceId, func(tx *buntdb.Tx, _ serviceRecord) (bool, error) {
		var v versionRecord
		found, err := store.GetJSON(tx, verKey(in.ServiceId, in.VersionName), &v)
		if err != nil {
			return false, err
		}
		if !found {
			return false, tcapi.Errorf(tcapi.CodeResourceNotFound, "service %s has no version %s", in.ServiceId, in.VersionName)
		}
		return true, switchEnv(tx, in.ServiceId, in.EnvironmentName, historyRecord{VersionName: in.VersionName, VersionDesc: or(in.UpdateDesc, v.VersionDesc), ReleaseTime: a.now()})
	}))
}

// servicePageReq names a service and a page of one of its lists.
type servicePageReq struct {
	ServiceId string
	pageParams
}

// environmentView is the seed's Environment.
type environmentView struct {
	EnvironmentName, Url string
	Status               int
	VersionName          string
}

// serviceEnvironmentSet is the seed's ServiceEnvironmentSet.
type serviceEnvironmentSet struct {
	TotalCount      int
	EnvironmentList []environmentView
}

func (a *Admin) describeServiceEnvironmentList(_ context.Context, in *servicePageReq) (*result[serviceEnvironmentSet], error) {
	n, list, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]environmentView, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		var list []environmentView
		custom, err := scan[hwEnvRecord](tx, hwEnvPrefix)
		if err != nil {
			return nil, err
		}
		names := slices.Clone(environments)
		for _, c := range custom { // custom environments (hwenvs.go)
			names = append(names, c.Name)
		}
		for _, name := range names {
			var e envRecord
			if _, err := store.GetJSON(tx, envKey(in.ServiceId, name), &e); err != nil {
				return nil, err
			}
			list = append(list, environmentView{name, a.envURL(in.ServiceId, name), e.Status, e.VersionName})
		}
		return list, nil
	})
	return resultOf(serviceEnvironmentSet{n, list}, err)
}

// versionList is the seed's ServiceReleaseHistory and
// ServiceReleaseVersion.
type versionList struct {
	TotalCount  int
	VersionList []historyRecord
}

type releaseHistoryReq struct {
	envReq
	pageParams
}

func (a *Admin) describeServiceEnvironmentReleaseHistory(_ context.Context, in *releaseHistoryReq) (*result[versionList], error) {
	n, list, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]historyRecord, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		list, err := scan[historyRecord](tx, histPrefix(in.ServiceId, in.EnvironmentName))
		// Newest first.
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
		return list, err
	})
	return resultOf(versionList{n, list}, err)
}

func (a *Admin) describeServiceReleaseVersion(_ context.Context, in *servicePageReq) (*result[versionList], error) {
	n, list, err := describeList(a, &in.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]historyRecord, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		vers, err := scan[versionRecord](tx, verPrefix(in.ServiceId))
		var list []historyRecord
		for _, v := range vers {
			list = append(list, historyRecord{VersionName: v.VersionName, VersionDesc: v.VersionDesc, ReleaseTime: v.ReleaseTime})
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].VersionName > list[j].VersionName })
		return list, err
	})
	return resultOf(versionList{n, list}, err)
}
