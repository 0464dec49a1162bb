package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
)

// Environments and environment variables of the REST interface (seed 001,
// 环境管理: "API网关提供多环境管理功能"; the POST .../envs tables).
//
// A custom environment is stored under hwenv:<id> and is an environment
// like test, prepub and release everywhere: ReleaseService and every
// Action that names an environment accept its name (checked by
// checkEnvNames before the Action runs), and the edge serves it as the
// first path segment, like the others. An environment variable, stored
// under hwvar:<id>, belongs to one group (service) and environment; the
// paths and backend address of the APIs that environment runs may hold
// #name# (seed 001, req_uri: "支持环境变量"), substituted when the
// revision is compiled, so a change of value takes effect with the
// publish it makes. An API that names a variable its environment lacks
// is refused at release (the compile fails), and so is deleting a
// variable an environment still uses.

const (
	hwEnvPrefix     = "hwenv:"
	hwVarPrefix     = "hwvar:"
	maxCustomEnvs   = 10 // Huawei's default quota of environments
	maxVarsPerGroup = 50 // Huawei's default quota of variables per group
)

// hwEnvRecord is a custom environment (seed 001: id, name, remark,
// create_time).
type hwEnvRecord struct {
	Id          string `json:"id"`
	Name        string `json:"name"`
	Remark      string `json:"remark"`
	CreatedTime string `json:"create_time"`
}

// hwVarRecord is an environment variable.
type hwVarRecord struct {
	Id      string `json:"id"`
	GroupId string `json:"group_id"`
	EnvId   string `json:"env_id"`
	Name    string `json:"variable_name"`
	Value   string `json:"variable_value"`
}

var (
	// envNameRE: seed 001, name "支持英文,数字,下划线,且只能以英文字母开头", 3-64.
	envNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,63}$`)
	// varNameRE: seed 001, req_uri "每个变量名的长度为3 ~ 32位的字符串,字符串由英文字母、
	// 数字、中划线、下划线组成,且只能以英文开头".
	varNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{2,31}$`)
	varRefRE  = regexp.MustCompile(`#([A-Za-z][A-Za-z0-9_-]{2,31})#`)
)

// customEnvName reports the syntax of a custom environment's name.
func customEnvName(n string) bool { return envNameRE.MatchString(n) }

// knownEnvs are the custom environment names of the Admins of this
// process, counted by Admin, for the stateless checks (checkEnv and the
// Checks that call validEnvironment) which have no Admin at hand. A
// process runs one Admin (tests run several: a name another one has
// passes the stateless check, and checkEnvNames, which reads this
// Admin's store, refuses it before the Action runs).
var knownEnvs struct {
	sync.Mutex
	names map[string]int
}

func customEnvKnown(n string) bool {
	knownEnvs.Lock()
	defer knownEnvs.Unlock()
	return knownEnvs.names[n] > 0
}

// trackEnvs registers (+1) or unregisters (-1) names.
func trackEnvs(delta int, names ...string) {
	knownEnvs.Lock()
	defer knownEnvs.Unlock()
	if knownEnvs.names == nil {
		knownEnvs.names = map[string]int{}
	}
	for _, n := range names {
		if knownEnvs.names[n] += delta; knownEnvs.names[n] <= 0 {
			delete(knownEnvs.names, n)
		}
	}
}

// loadCustomEnvs registers the stored custom environments (at New) and
// returns them, for Close to unregister.
func (a *Admin) loadCustomEnvs() error {
	return a.db.View(func(tx *buntdb.Tx) error {
		all, err := scan[hwEnvRecord](tx, hwEnvPrefix)
		for _, e := range all {
			a.envNames = append(a.envNames, e.Name)
		}
		trackEnvs(1, a.envNames...)
		return err
	})
}

// renameEnv records in the registry that old became new ("" for none),
// once the write has committed.
func (a *Admin) renameEnv(old, new string) {
	a.envMu.Lock()
	defer a.envMu.Unlock()
	if old != "" {
		trackEnvs(-1, old)
		a.envNames = slices.DeleteFunc(a.envNames, func(n string) bool { return n == old })
	}
	if new != "" {
		trackEnvs(1, new)
		a.envNames = append(a.envNames, new)
	}
}

// forgetEnvs unregisters this Admin's names (Close).
func (a *Admin) forgetEnvs() {
	a.envMu.Lock()
	defer a.envMu.Unlock()
	trackEnvs(-1, a.envNames...)
	a.envNames = nil
}

func init() { registerHW(hwEnvRoutes) }

func hwEnvRoutes(a *Admin) []hwapi.Route {
	in := hwapi.Instance
	return []hwapi.Route{
		{Method: "POST", Pattern: in + "/envs", Handle: a.hwCreateEnv},
		{Method: "PUT", Pattern: in + "/envs/{env_id}", Handle: a.hwUpdateEnv},
		{Method: "DELETE", Pattern: in + "/envs/{env_id}", Handle: a.hwDeleteEnv},
		{Method: "GET", Pattern: in + "/envs", Handle: a.hwListEnvs},
		{Method: "POST", Pattern: in + "/env-variables", Handle: a.hwCreateVar},
		{Method: "GET", Pattern: in + "/env-variables/{env_variable_id}", Handle: a.hwShowVar},
		{Method: "PUT", Pattern: in + "/env-variables/{env_variable_id}", Handle: a.hwUpdateVar},
		{Method: "DELETE", Pattern: in + "/env-variables/{env_variable_id}", Handle: a.hwDeleteVar},
		{Method: "GET", Pattern: in + "/env-variables", Handle: a.hwListVars},
	}
}

type hwEnvReq struct {
	Name   *string `json:"name"`
	Remark *string `json:"remark"`
}

// check validates the seed's table: name required, 3-64 of letters,
// digits and _ starting with a letter; remark at most 255 characters.
func (in *hwEnvReq) check() error {
	switch {
	case in.Name == nil || *in.Name == "":
		return hwapi.BadParameter("name", "the parameter is required")
	case !customEnvName(*in.Name):
		return hwapi.BadParameter("name", "3-64 characters of letters, digits and _, starting with a letter")
	case slices.ContainsFunc(environments, func(e string) bool { return strings.EqualFold(e, *in.Name) }):
		return hwapi.BadParameter("name", *in.Name+" is a fixed environment (test, prepub, RELEASE)")
	case in.Remark != nil && utf8.RuneCountInString(*in.Remark) > 255:
		return hwapi.BadParameter("remark", "at most 255 characters")
	}
	return nil
}

// envInUse reports a service that has environment name released.
func envInUse(tx *buntdb.Tx, name string) string {
	for _, svc := range serviceIDs(tx) {
		var e envRecord
		if found, _ := store.GetJSON(tx, envKey(svc, name), &e); found && e.Status == 1 {
			return svc
		}
	}
	return ""
}

func serviceIDs(tx *buntdb.Tx) []string {
	var ids []string
	tx.AscendKeys("svc:*", func(k, _ string) bool { ids = append(ids, strings.TrimPrefix(k, "svc:")); return true })
	return ids
}

// uniqueEnvName refuses a name another environment has, in any case.
func uniqueEnvName(tx *buntdb.Tx, name, self string) error {
	all, err := scan[hwEnvRecord](tx, hwEnvPrefix)
	for _, e := range all {
		if e.Id != self && strings.EqualFold(e.Name, name) {
			return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict, "The environment name %s already exists", e.Name)
		}
	}
	return err
}

func (a *Admin) hwCreateEnv(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwEnvReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := in.check(); err != nil {
		return hwapi.Reply{}, err
	}
	rec := hwEnvRecord{Id: randomHex(32), Name: *in.Name, CreatedTime: a.now()}
	setIf(&rec.Remark, in.Remark)
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if err := uniqueEnvName(tx, rec.Name, ""); err != nil {
			return false, err
		}
		l := limit{prefix: hwEnvPrefix, max: maxCustomEnvs, code: tcapi.CodeLimitExceeded, what: "custom environments"}
		if err := l.check(tx); err != nil {
			return false, err
		}
		return false, store.SetJSON(tx, hwEnvPrefix+rec.Id, rec)
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	a.renameEnv("", rec.Name)
	return hwapi.Created(rec), nil
}

// customEnv loads a custom environment; a fixed one cannot be changed.
func customEnv(tx *buntdb.Tx, id string) (hwEnvRecord, error) {
	var e hwEnvRecord
	for name, fid := range fixedEnvIDs {
		if id == fid {
			return e, hwapi.BadParameter("env_id", "environment "+hwEnvName(name)+" is fixed: it cannot be changed or deleted")
		}
	}
	found, err := store.GetJSON(tx, hwEnvPrefix+id, &e)
	if err == nil && !found {
		err = hwapi.NotFound(hwapi.CodeNoEnv, "Environment %s does not exist", id)
	}
	return e, err
}

// hwUpdateEnv renames an environment or changes its remark. A name is the
// URL segment its APIs are served under, so an environment something is
// released to keeps its name.
func (a *Admin) hwUpdateEnv(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwEnvReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := in.check(); err != nil {
		return hwapi.Reply{}, err
	}
	var rec hwEnvRecord
	old := ""
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		var err error
		if rec, err = customEnv(tx, c.Path("env_id")); err != nil {
			return false, err
		}
		old = rec.Name
		if *in.Name != rec.Name {
			if err := uniqueEnvName(tx, *in.Name, rec.Id); err != nil {
				return false, err
			}
			if svc := envHasRecords(tx, rec.Name); svc != "" {
				return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict,
					"Environment %s cannot be renamed: group %s has been released to it (its name is the path its APIs are served under)", rec.Name, svc)
			}
			rec.Name = *in.Name
		}
		setIf(&rec.Remark, in.Remark)
		return false, store.SetJSON(tx, hwEnvPrefix+rec.Id, rec)
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	if old != rec.Name {
		a.renameEnv(old, rec.Name)
	}
	return hwapi.OK(rec), nil
}

// envHasRecords reports a service with a release record of the
// environment, running or offline.
func envHasRecords(tx *buntdb.Tx, name string) string {
	for _, svc := range serviceIDs(tx) {
		if exists(tx, envKey(svc, name)) {
			return svc
		}
	}
	return ""
}

// hwDeleteEnv deletes an environment nothing runs in, with its variables
// and its offline release records (Huawei: an environment with published
// APIs cannot be deleted).
func (a *Admin) hwDeleteEnv(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	name := ""
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		rec, err := customEnv(tx, c.Path("env_id"))
		if err != nil {
			return false, err
		}
		name = rec.Name
		if svc := envInUse(tx, rec.Name); svc != "" {
			return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict,
				"Environment %s cannot be deleted: group %s is released to it (take it offline with UnReleaseService first)", rec.Name, svc)
		}
		vars, err := scan[hwVarRecord](tx, hwVarPrefix)
		if err != nil {
			return false, err
		}
		for _, v := range vars {
			if v.EnvId == rec.Id {
				if _, err := tx.Delete(hwVarPrefix + v.Id); err != nil {
					return false, err
				}
			}
		}
		for _, svc := range serviceIDs(tx) {
			if exists(tx, envKey(svc, rec.Name)) {
				if _, err := tx.Delete(envKey(svc, rec.Name)); err != nil {
					return false, err
				}
			}
		}
		_, err = tx.Delete(hwEnvPrefix + rec.Id)
		return false, err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	a.renameEnv(name, "")
	return hwapi.NoContent(), nil
}

func (a *Admin) hwListEnvs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "envs", "", func(v *hwView, _ string) ([]hwEnvRecord, error) {
		s, err := c.Search("name")
		if err != nil {
			return nil, err
		}
		// The fixed environments first (RELEASE, then test, prepub), then
		// the custom ones by creation.
		var out []hwEnvRecord
		for _, name := range []string{"release", "test", "prepub"} {
			if s.Match("name", hwEnvName(name)) {
				out = append(out, hwEnvRecord{Id: fixedEnvIDs[name], Name: hwEnvName(name), Remark: fixedEnvRemark[name]})
			}
		}
		custom, err := scan[hwEnvRecord](v.tx, hwEnvPrefix)
		sort.SliceStable(custom, func(i, j int) bool { return custom[i].CreatedTime < custom[j].CreatedTime })
		for _, e := range custom {
			if s.Match("name", e.Name) {
				out = append(out, e)
			}
		}
		return out, err
	})
}

var fixedEnvRemark = map[string]string{"release": "the release environment (Action API: release)",
	"test": "the Action API's test environment", "prepub": "the Action API's prepub (pre-release) environment"}

type hwVarReq struct {
	GroupId *string `json:"group_id"`
	EnvId   *string `json:"env_id"`
	Name    *string `json:"variable_name"`
	Value   *string `json:"variable_value"`
}

// checkVarValue: 1-255 characters, no '#' (it delimits references) and
// no control character (the value goes into URLs).
func checkVarValue(v *string) error {
	if v == nil || *v == "" {
		return hwapi.BadParameter("variable_value", "the parameter is required")
	}
	if utf8.RuneCountInString(*v) > 255 || strings.ContainsAny(*v, "#") || strings.ContainsFunc(*v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return hwapi.BadParameter("variable_value", "1-255 characters, without '#' or control characters")
	}
	return nil
}

func (a *Admin) hwCreateVar(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwVarReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"group_id", in.GroupId}, {"env_id", in.EnvId}, {"variable_name", in.Name}} {
		if f.v == nil || *f.v == "" {
			return hwapi.Reply{}, hwapi.BadParameter(f.name, "the parameter is required")
		}
	}
	if !varNameRE.MatchString(*in.Name) {
		return hwapi.Reply{}, hwapi.BadParameter("variable_name", "3-32 characters of letters, digits, - and _, starting with a letter")
	}
	if err := checkVarValue(in.Value); err != nil {
		return hwapi.Reply{}, err
	}
	rec := hwVarRecord{Id: randomHex(32), GroupId: *in.GroupId, EnvId: *in.EnvId, Name: *in.Name, Value: *in.Value}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		if _, err := getService(tx, rec.GroupId); err != nil {
			return false, err
		}
		envs, err := loadEnvIndex(tx)
		if err != nil {
			return false, err
		}
		if _, err := envs.name(rec.EnvId); err != nil {
			return false, err
		}
		all, err := scan[hwVarRecord](tx, hwVarPrefix)
		n := 0
		for _, v := range all {
			if v.GroupId == rec.GroupId {
				n++
				if v.EnvId == rec.EnvId && v.Name == rec.Name {
					return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict, "The environment variable %s already exists in group %s, environment %s", v.Name, v.GroupId, v.EnvId)
				}
			}
		}
		if n >= maxVarsPerGroup {
			return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeQuota, "at most %d environment variables per group", maxVarsPerGroup)
		}
		// Published: a release that waited for it has none, but the
		// compile proves the value makes valid paths where it is used.
		return true, store.SetJSON(tx, hwVarPrefix+rec.Id, rec)
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.Created(rec), nil
}

func getVar(tx *buntdb.Tx, id string) (hwVarRecord, error) {
	var v hwVarRecord
	found, err := store.GetJSON(tx, hwVarPrefix+id, &v)
	if err == nil && !found {
		err = hwapi.NotFound(hwapi.CodeNoEnvVariable, "Environment variable %s does not exist", id)
	}
	return v, err
}

func (a *Admin) hwShowVar(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var v hwVarRecord
	err := a.db.View(func(tx *buntdb.Tx) (err error) { v, err = getVar(tx, c.Path("env_variable_id")); return })
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(v), nil
}

// hwUpdateVar changes a value; the APIs that use it serve the new value
// once the write's revision is published.
func (a *Admin) hwUpdateVar(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in struct {
		Value *string `json:"variable_value"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := checkVarValue(in.Value); err != nil {
		return hwapi.Reply{}, err
	}
	var v hwVarRecord
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		var err error
		if v, err = getVar(tx, c.Path("env_variable_id")); err != nil {
			return false, err
		}
		v.Value = *in.Value
		return true, store.SetJSON(tx, hwVarPrefix+v.Id, v)
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(v), nil
}

func (a *Admin) hwDeleteVar(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		v, err := getVar(tx, c.Path("env_variable_id"))
		if err != nil {
			return false, err
		}
		// The compile refuses it while a running API still uses it.
		_, err = tx.Delete(hwVarPrefix + v.Id)
		return true, err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

func (a *Admin) hwListVars(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "variables", "group_id", func(v *hwView, group string) ([]hwVarRecord, error) {
		s, err := c.Search("variable_name")
		if err != nil {
			return nil, err
		}
		if _, err := getService(v.tx, group); err != nil {
			return nil, err
		}
		all, err := scan[hwVarRecord](v.tx, hwVarPrefix)
		var out []hwVarRecord
		for _, x := range all {
			if x.GroupId == group && c.Exact("env_id", x.EnvId) && s.Match("variable_name", x.Name) {
				out = append(out, x)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].EnvId+out[i].Name < out[j].EnvId+out[j].Name })
		return out, err
	})
}

// envVars are the variables by service and environment name, for the
// compile.
type envVars map[string]map[string]string // "<svc>\x00<env>" → name → value

func loadEnvVars(tx *buntdb.Tx) (envVars, error) {
	all, err := scan[hwVarRecord](tx, hwVarPrefix)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	envs, err := loadEnvIndex(tx)
	if err != nil {
		return nil, err
	}
	out := envVars{}
	for _, v := range all {
		name, ok := envs.byID[v.EnvId]
		if !ok {
			continue
		}
		k := v.GroupId + "\x00" + name
		if out[k] == nil {
			out[k] = map[string]string{}
		}
		out[k][v.Name] = v.Value
	}
	return out, nil
}

// apply substitutes #name# in the API's path and backend address with the
// values of svc's environment env; a name it lacks is an error.
func (vs envVars) apply(svc, env string, api model.API) (model.API, error) {
	var missing string
	sub := func(s string) string {
		if !strings.Contains(s, "#") {
			return s
		}
		return varRefRE.ReplaceAllStringFunc(s, func(ref string) string {
			name := ref[1 : len(ref)-1]
			if v, ok := vs[svc+"\x00"+env][name]; ok {
				return v
			}
			missing = name
			return ref
		})
	}
	api.RequestConfig.Path = sub(api.RequestConfig.Path)
	api.ServiceConfig.Url = sub(api.ServiceConfig.Url)
	api.ServiceConfig.Path = sub(api.ServiceConfig.Path)
	if missing != "" {
		return api, tcapi.Errorf(errInvalidValue, "API %s of service %s uses the environment variable #%s#, which environment %s does not define (create it: POST .../env-variables)", api.ApiId, svc, missing, hwEnvName(env))
	}
	return api, nil
}

// withVarPlaceholders replaces each #name# by name, for judging an API
// before any environment gives the variables values (putAPI).
func withVarPlaceholders(api model.API) model.API {
	sub := func(s string) string { return varRefRE.ReplaceAllString(s, "$1") }
	api.RequestConfig.Path = sub(api.RequestConfig.Path)
	api.ServiceConfig.Url = sub(api.ServiceConfig.Url)
	api.ServiceConfig.Path = sub(api.ServiceConfig.Path)
	return api
}

// checkEnvNames refuses an Action whose request names an environment
// that is neither fixed nor a custom one that exists: the stateless
// checks (checkEnv) accept any name of a custom environment's shape.
func (a *Admin) checkEnvNames(in any) error {
	var names []string
	collectEnvNames(reflect.ValueOf(in), "", &names)
	if len(names) == 0 {
		return nil
	}
	return a.db.View(func(tx *buntdb.Tx) error {
		envs, err := loadEnvIndex(tx)
		if err != nil {
			return err
		}
		for _, n := range names {
			if _, ok := envs.byName[n]; !ok {
				return tcapi.Errorf(errInvalidValue, "environment %q does not exist: want test, prepub, release or a custom environment (created with POST /v2/{project_id}/apigw/instances/{instance_id}/envs)", n)
			}
		}
		return nil
	})
}

// envFields are the request members that name environments.
var envFields = map[string]bool{"EnvironmentName": true, "Environment": true, "EnvironmentNames": true, "GenEnvironment": true}

// collectEnvNames gathers the custom environment names of v (and of the
// structs it holds).
func collectEnvNames(v reflect.Value, field string, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectEnvNames(v.Elem(), field, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				collectEnvNames(v.Field(i), f.Name, out)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			collectEnvNames(v.Index(i), field, out)
		}
	case reflect.String:
		// Names no Admin knows are the Action's own checks' to refuse,
		// with its codes.
		if s := v.String(); envFields[field] && customEnvKnown(s) {
			*out = append(*out, s)
		}
	}
}

// randomHex is n (even) random lower-case hex digits: Huawei-shaped IDs.
func randomHex(n int) string {
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		panic("admin: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}
