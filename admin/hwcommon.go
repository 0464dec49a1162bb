package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/store"
)

// What the REST interface's resources are in the Action API's model
// (README "For Huawei APIG users"): an API group is a service, an API an
// API, an environment an environment (env_id: the fixed ones below, or a
// custom environment's ID, hwenvs.go), a publish record an API in an
// environment (publish_id "<api_id>.<env_id>"), and a binding (ACL,
// throttle, plugin) a binding of the Action API, its ID derived from what
// it binds (bindID).

// The fixed environments' IDs; RELEASE's is Huawei's own.
var fixedEnvIDs = map[string]string{
	"release": "DEFAULT_ENVIRONMENT_RELEASE_ID",
	"test":    "DEFAULT_ENVIRONMENT_TEST_ID",
	"prepub":  "DEFAULT_ENVIRONMENT_PREPUB_ID",
}

// hwEnvName is an environment's REST name: release is RELEASE (Huawei's
// default environment), the others as they are.
func hwEnvName(env string) string {
	if env == "release" {
		return "RELEASE"
	}
	return env
}

// bindID is the REST ID of a binding: the first 32 hex digits of the
// SHA-256 of what it binds (stable, so nothing more is stored).
func bindID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

// envIndex resolves environments by ID and by name within one read.
type envIndex struct {
	byID   map[string]string // env_id → name
	byName map[string]hwEnvRecord
}

func loadEnvIndex(tx *buntdb.Tx) (envIndex, error) {
	ix := envIndex{byID: map[string]string{}, byName: map[string]hwEnvRecord{}}
	for name, id := range fixedEnvIDs {
		ix.byID[id] = name
		ix.byName[name] = hwEnvRecord{Id: id, Name: name}
	}
	custom, err := scan[hwEnvRecord](tx, hwEnvPrefix)
	for _, e := range custom {
		ix.byID[e.Id] = e.Name
		ix.byName[e.Name] = e
	}
	return ix, err
}

// name resolves env_id (404 APIG.3003 when unknown).
func (ix envIndex) name(id string) (string, error) {
	if n, ok := ix.byID[id]; ok {
		return n, nil
	}
	return "", hwapi.NotFound(hwapi.CodeNoEnv, "Environment %s does not exist", id)
}

// id is an environment's env_id ("" for one that no longer exists).
func (ix envIndex) id(name string) string { return ix.byName[name].Id }

// apiRef is an API with its service.
type apiRef struct {
	svc serviceRecord
	api *apiRecord
}

// apiIndex holds every API by ID, with its service, and what each
// environment runs, within one read.
type apiIndex struct {
	apis     map[string]apiRef
	order    []string                   // creation order
	released map[string]map[string]bool // "<svc>\x00<env>" → ApiIds it runs
}

func loadAPIIndex(tx *buntdb.Tx) (*apiIndex, error) {
	ix := &apiIndex{apis: map[string]apiRef{}, released: map[string]map[string]bool{}}
	svcs, err := scan[serviceRecord](tx, "svc:")
	if err != nil {
		return nil, err
	}
	for _, s := range svcs {
		list, err := listAPIs(tx, s.ServiceId)
		if err != nil {
			return nil, err
		}
		for i := range list {
			ix.apis[list[i].Api.ApiId] = apiRef{s, &list[i].Api}
			ix.order = append(ix.order, list[i].Api.ApiId)
		}
		for _, e := range releasedEnvs(tx, s.ServiceId) {
			var v versionRecord
			if found, err := store.GetJSON(tx, verKey(s.ServiceId, e.VersionName), &v); err != nil || !found {
				continue
			}
			ids := map[string]bool{}
			for _, api := range v.Apis {
				ids[api.ApiId] = true
			}
			ix.released[s.ServiceId+"\x00"+e.EnvironmentName] = ids
		}
	}
	return ix, nil
}

// get resolves api_id (404 APIG.3002, the seed's "API ID does not exist").
func (ix *apiIndex) get(id string) (apiRef, error) {
	if r, ok := ix.apis[id]; ok {
		return r, nil
	}
	return apiRef{}, hwapi.NotFound(hwapi.CodeNoAPI, "API %s does not exist", id)
}

// runs reports whether env of svc runs the API.
func (ix *apiIndex) runs(svc, env, api string) bool { return ix.released[svc+"\x00"+env][api] }

// publishID names an API in an environment.
func publishID(apiID, envID string) string { return apiID + "." + envID }

// publication resolves a publish_id: the API and the environment, which
// must run it (Huawei binds published APIs only).
func (ix *apiIndex) publication(envs envIndex, pid string) (apiRef, string, error) {
	apiID, envID, ok := strings.Cut(pid, ".")
	if !ok || apiID == "" || envID == "" {
		return apiRef{}, "", hwapi.BadParameter("publish_ids", "publish_id "+pid+" is not <api_id>.<env_id>")
	}
	ref, err := ix.get(apiID)
	if err != nil {
		return ref, "", err
	}
	env, err := envs.name(envID)
	if err != nil {
		return ref, "", err
	}
	if !ix.runs(ref.svc.ServiceId, env, apiID) {
		return ref, "", hwapi.Errorf(http.StatusBadRequest, hwapi.CodeBadParameter,
			"Invalid parameter value,parameterName:publish_ids. Please refer to the support documentation: API %s is not published in environment %s (release its group there first)", apiID, hwEnvName(env))
	}
	return ref, env, nil
}

// hwMatchMode is Huawei's match_mode of a Tencent path: "=/x" and
// {param} paths match the whole path (NORMAL); plain and "^~" paths are
// prefixes (SWA); regex paths are reported NORMAL.
func hwMatchMode(path string) string {
	if strings.HasPrefix(path, "^~") || !strings.HasPrefix(path, "=") && !strings.HasPrefix(path, "~") && !strings.Contains(path, "{") {
		return "SWA"
	}
	return "NORMAL"
}

// hwReqURI is the path without its Tencent match prefix.
func hwReqURI(path string) string {
	for _, p := range []string{"^~", "=", "~*", "~"} {
		if rest, ok := strings.CutPrefix(path, p); ok {
			return rest
		}
	}
	return path
}

// hwReqProtocol is a service protocol as req_protocol: HTTP, HTTPS or
// BOTH (http&https).
func hwReqProtocol(p string) string {
	switch p {
	case "https":
		return "HTTPS"
	case "http&https":
		return "BOTH"
	}
	return "HTTP"
}

// hwAuthType maps AuthType: NONE and APP as they are, SECRET (key pairs,
// signed like Huawei's app AK/SK) is APP, OAUTH is AUTHORIZER.
func hwAuthType(t string) string {
	switch t {
	case "SECRET", "APP":
		return "APP"
	case "OAUTH":
		return "AUTHORIZER"
	}
	return "NONE"
}

// hwMethod is req_method: the Tencent ANY and methods as they are.
func hwMethod(m string) string { return strings.ToUpper(or(m, "ANY")) }

// hwView is one read: the transaction and the indexes of environments
// and APIs.
type hwView struct {
	tx   *buntdb.Tx
	envs envIndex
	apis *apiIndex
}

// hwList answers a list operation (seed 001: offset and limit, total,
// size and the page under key): the page, then the query parameter
// required (its value is collect's arg; "" for none), then what collect
// gathers in one read.
func hwList[T any](a *Admin, c *hwapi.Call, key, required string, collect func(v *hwView, arg string) ([]T, error)) (hwapi.Reply, error) {
	p, err := c.Page()
	if err != nil {
		return hwapi.Reply{}, err
	}
	arg := ""
	if required != "" {
		if arg, err = c.RequiredQuery(required); err != nil {
			return hwapi.Reply{}, err
		}
	}
	var out []T
	err = a.db.View(func(tx *buntdb.Tx) error {
		v, err := loadView(tx)
		if err == nil {
			out, err = collect(v, arg)
		}
		return err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(hwapi.List(key, out, p)), nil
}

func loadView(tx *buntdb.Tx) (*hwView, error) {
	envs, err := loadEnvIndex(tx)
	if err != nil {
		return nil, err
	}
	apis, err := loadAPIIndex(tx)
	return &hwView{tx, envs, apis}, err
}

// hwWrite is Admin.write with the indexes; its error is the REST one.
func (a *Admin) hwWrite(fn func(v *hwView) (publish bool, err error)) error {
	return hwError(a.write(func(tx *buntdb.Tx) (bool, error) {
		v, err := loadView(tx)
		if err != nil {
			return false, err
		}
		return fn(v)
	}))
}

// containsFold: want is empty or a case-insensitive substring of s.
func containsFold(s, want string) bool {
	return want == "" || strings.Contains(strings.ToLower(s), strings.ToLower(want))
}

// hwFilterAPI applies the common API filters of the binding lists:
// api_id, env_id and group_id exactly, api_name by substring.
func hwFilterAPI(c *hwapi.Call, ref apiRef, envID string) bool {
	return c.Exact("api_id", ref.api.ApiId) && c.Exact("env_id", envID) && c.Exact("group_id", ref.svc.ServiceId) &&
		containsFold(ref.api.ApiName, c.Query("api_name"))
}
