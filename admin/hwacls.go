package admin

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/snapshot"
)

// ACL policies and ACL bindings of the REST interface (seed 001:
// acl-bindings/binded-apis and its tables). An ACL is an IP strategy
// (ipstrategies.go): acl_type PERMIT is WHITE, DENY is BLACK; acl_value,
// comma-separated, is StrategyData with ';'. An IP strategy belongs to a
// service, a Huawei ACL to the instance: an ACL created here belongs to no
// service (ServiceId "") until its first binding, which moves it into the
// service of the bound API; from then on it is that service's IP strategy,
// which DescribeIPStrategy shows, and binds APIs of that service only.
// Bindings go through the same bind/unbind code as BindIPStrategy; their
// IDs are bindID("acl", ...).

func init() { registerHW(hwACLRoutes) }

func hwACLRoutes(a *Admin) []hwapi.Route {
	in := hwapi.Instance
	return []hwapi.Route{
		{Method: "POST", Pattern: in + "/acls", Handle: a.hwCreateACL},
		{Method: "PUT", Pattern: in + "/acls", Handle: a.hwBatchDeleteACLs}, // ?action=delete
		{Method: "PUT", Pattern: in + "/acls/{acl_id}", Handle: a.hwUpdateACL},
		{Method: "DELETE", Pattern: in + "/acls/{acl_id}", Handle: a.hwDeleteACL},
		{Method: "GET", Pattern: in + "/acls/{acl_id}", Handle: a.hwShowACL},
		{Method: "GET", Pattern: in + "/acls", Handle: a.hwListACLs},
		{Method: "POST", Pattern: in + "/acl-bindings", Handle: a.hwBindACL},
		{Method: "PUT", Pattern: in + "/acl-bindings", Handle: a.hwBatchUnbindACLs}, // ?action=delete
		{Method: "DELETE", Pattern: in + "/acl-bindings/{acl_bindings_id}", Handle: a.hwUnbindACL},
		{Method: "GET", Pattern: in + "/acl-bindings/binded-apis", Handle: a.hwACLBoundAPIs},
		{Method: "GET", Pattern: in + "/acl-bindings/unbinded-apis", Handle: a.hwACLUnboundAPIs},
		{Method: "GET", Pattern: in + "/acl-bindings/binded-acls", Handle: a.hwAPIBoundACLs},
	}
}

var (
	aclTypes = map[string]string{"PERMIT": snapshot.StrategyWhite, "DENY": snapshot.StrategyBlack}
	// aclNameRE: Huawei's ACL names, 3-64 of letters, digits, _ and
	// Chinese, starting with a letter or a Chinese character.
	aclNameRE = regexp.MustCompile(`^[A-Za-z\p{Han}][A-Za-z0-9_\p{Han}]{2,63}$`)
)

func hwACLType(t string) string {
	if t == snapshot.StrategyWhite {
		return "PERMIT"
	}
	return "DENY"
}

// hwACLValue is StrategyData as acl_value: entries joined by ','.
func hwACLValue(data string) string {
	f := strings.FieldsFunc(data, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' || r == ',' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return strings.Join(f, ",")
}

func aclView(r *ipStrategyRecord) hwapi.ACL {
	return hwapi.ACL{Id: r.StrategyId, Name: r.StrategyName, Type: hwACLType(r.StrategyType), Value: hwACLValue(r.StrategyData),
		EntityType: "IP", UpdateTime: r.ModifiedTime, BindNum: int64(len(r.Bindings))}
}

type hwACLReq struct {
	Name       *string `json:"acl_name"`
	Type       *string `json:"acl_type"`
	Value      *string `json:"acl_value"`
	EntityType *string `json:"entity_type"`
}

// bindACLReq decodes an ACL's body and checks it (strategy).
func bindACLReq(c *hwapi.Call) (createIPStrategyReq, error) {
	var in hwACLReq
	if err := c.Bind(&in); err != nil {
		return createIPStrategyReq{}, err
	}
	return in.strategy()
}

// strategy checks the request as an IP strategy: the REST rules, then
// CreateIPStrategy's own Check.
func (in *hwACLReq) strategy() (createIPStrategyReq, error) {
	var out createIPStrategyReq
	switch {
	case in.Name == nil || *in.Name == "":
		return out, hwapi.BadParameter("acl_name", "the parameter is required")
	case !aclNameRE.MatchString(*in.Name):
		return out, hwapi.BadParameter("acl_name", "3-64 characters of letters, digits, _ and Chinese, starting with a letter or Chinese")
	case in.Type == nil || aclTypes[*in.Type] == "":
		return out, hwapi.BadParameter("acl_type", "want PERMIT or DENY")
	case in.Value == nil || strings.TrimSpace(*in.Value) == "":
		return out, hwapi.BadParameter("acl_value", "the parameter is required: IPs, CIDRs or a-b ranges separated by ','")
	case in.EntityType != nil && *in.EntityType == "DOMAIN":
		return out, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeUnsupportedValue, "entity_type DOMAIN (ACLs by account name) is not supported: Edgegate's ACLs are IP lists (entity_type IP)")
	case in.EntityType != nil && *in.EntityType != "IP":
		return out, hwapi.BadParameter("entity_type", "want IP or DOMAIN")
	}
	out = createIPStrategyReq{StrategyName: *in.Name, StrategyType: aclTypes[*in.Type],
		StrategyData: strings.ReplaceAll(*in.Value, ",", ";")}
	return out, hwError(out.Check())
}

func (a *Admin) hwCreateACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	req, err := bindACLReq(c)
	if err != nil {
		return hwapi.Reply{}, err
	}
	rec := req.record(a)
	err = a.write(func(tx *buntdb.Tx) (bool, error) { return false, putNewIPStrategy(tx, &rec) })
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.Created(aclView(&rec)), nil
}

// findACL loads an IP strategy by ID alone (404 APIG.3006, the seed's
// "Access control policy ID does not exist").
func findACL(tx *buntdb.Tx, id string) (ipStrategyRecord, error) {
	all, err := listIPStrategies(tx, "")
	for _, r := range all {
		if r.StrategyId == id {
			return r, nil
		}
	}
	if err == nil {
		err = hwapi.NotFound(hwapi.CodeNoACL, "Access control policy %s does not exist", id)
	}
	return ipStrategyRecord{}, err
}

// hwUpdateACL changes name, type and list (ModifyIPStrategy changes the
// list; the REST interface, like Huawei's, also the name and the type),
// with the same checks; a bound ACL publishes.
func (a *Admin) hwUpdateACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	req, err := bindACLReq(c)
	if err != nil {
		return hwapi.Reply{}, err
	}
	var rec ipStrategyRecord
	err = a.write(func(tx *buntdb.Tx) (bool, error) {
		var err error
		if rec, err = findACL(tx, c.Path("acl_id")); err != nil {
			return false, err
		}
		rec.StrategyName, rec.StrategyType, rec.StrategyData, rec.ModifiedTime = req.StrategyName, req.StrategyType, req.StrategyData, a.now()
		return len(rec.Bindings) > 0, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(aclView(&rec)), nil
}

// deleteACL deletes an ACL and its bindings (as DeleteIPStrategy does).
func deleteACL(tx *buntdb.Tx, id string) (ipStrategyRecord, bool, error) {
	rec, err := findACL(tx, id)
	if err != nil {
		return rec, false, err
	}
	_, err = tx.Delete(ipsKey(rec.ServiceId, rec.StrategyId))
	return rec, len(rec.Bindings) > 0, err
}

func (a *Admin) hwDeleteACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		_, publish, err := deleteACL(tx, c.Path("acl_id"))
		return publish, err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

// hwBatchFailure is one item a batch operation did not do.
type hwBatchFailure struct {
	Id        string `json:"id,omitempty"`
	AclId     string `json:"acl_id,omitempty"`
	BindId    string `json:"bind_id,omitempty"`
	ApiId     string `json:"api_id,omitempty"`
	ApiName   string `json:"api_name,omitempty"`
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// failure describes err for the batch answer.
func failure(err error) hwBatchFailure {
	var he *hwapi.Error
	if errors.As(hwError(err), &he) {
		return hwBatchFailure{ErrorCode: he.Code, ErrorMsg: he.Msg}
	}
	return hwBatchFailure{ErrorCode: hwapi.CodeSystem, ErrorMsg: "System error"}
}

// batch answers PUT ...?action=delete {field: [ids]}: each of the IDs in
// one write; the ones that fail are reported, the others done
// (success_count).
func (a *Admin) batch(c *hwapi.Call, field string, each func(tx *buntdb.Tx, id string) (publish bool, f *hwBatchFailure, err error)) (hwapi.Reply, error) {
	if c.Query("action") != "delete" {
		return hwapi.Reply{}, hwapi.BadParameter("action", "want delete")
	}
	var in map[string][]string
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	for k := range in {
		if k != field {
			return hwapi.Reply{}, hwapi.BadParameter(k, "the operation has no such parameter")
		}
	}
	ids := in[field]
	if len(ids) == 0 {
		return hwapi.Reply{}, hwapi.BadParameter(field, "the parameter is required")
	}
	var failures []hwBatchFailure
	ok := 0
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		publish := false
		for _, id := range ids {
			p, f, err := each(tx, id)
			if err != nil {
				var he *hwapi.Error
				var te *tcapi.Error
				if !errors.As(err, &he) && !errors.As(err, &te) {
					return false, err
				}
				ff := failure(err)
				if f != nil {
					ff.Id, ff.AclId, ff.BindId, ff.ApiId, ff.ApiName = f.Id, f.AclId, f.BindId, f.ApiId, f.ApiName
				}
				failures = append(failures, ff)
				continue
			}
			ok++
			publish = publish || p
		}
		return publish, nil
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(map[string]any{"success_count": ok, "failure": orEmpty(failures)}), nil
}

// hwBatchDeleteACLs: PUT .../acls?action=delete {"acls": [ids]}.
func (a *Admin) hwBatchDeleteACLs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.batch(c, "acls", func(tx *buntdb.Tx, id string) (bool, *hwBatchFailure, error) {
		_, publish, err := deleteACL(tx, id)
		return publish, &hwBatchFailure{AclId: id}, err
	})
}

func (a *Admin) hwShowACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var rec ipStrategyRecord
	err := a.db.View(func(tx *buntdb.Tx) (err error) { rec, err = findACL(tx, c.Path("acl_id")); return })
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(aclView(&rec)), nil
}

// hwListACLs lists every IP strategy, of every service, as ACLs.
func (a *Admin) hwListACLs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "acls", "", func(v *hwView, _ string) ([]hwapi.ACL, error) {
		s, err := c.Search("name")
		if err != nil {
			return nil, err
		}
		all, err := listIPStrategies(v.tx, "")
		var out []hwapi.ACL
		for i := range all {
			x := aclView(&all[i])
			if c.Exact("id", x.Id) && s.Match("name", x.Name) && c.Exact("acl_type", x.Type) && c.Exact("entity_type", x.EntityType) {
				out = append(out, x)
			}
		}
		return out, err
	})
}

// hwACLBinding is the seed's ACL binding record (create).
type hwACLBinding struct {
	Id         string `json:"id"`
	ApiId      string `json:"api_id"`
	EnvId      string `json:"env_id"`
	AclId      string `json:"acl_id"`
	CreateTime string `json:"create_time"`
}

// hwBindACL binds an ACL to published APIs (POST .../acl-bindings
// {"acl_id", "publish_ids"}). An ACL of no service joins the service of
// the first API; every API must be of its service.
func (a *Admin) hwBindACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in struct {
		AclId      string   `json:"acl_id"`
		PublishIds []string `json:"publish_ids"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if in.AclId == "" {
		return hwapi.Reply{}, hwapi.BadParameter("acl_id", "the parameter is required")
	}
	if len(in.PublishIds) == 0 {
		return hwapi.Reply{}, hwapi.BadParameter("publish_ids", "the parameter is required")
	}
	var out []hwACLBinding
	err := a.hwWrite(func(v *hwView) (bool, error) {
		tx := v.tx
		rec, err := findACL(tx, in.AclId)
		if err != nil {
			return false, err
		}
		oldKey := ipsKey(rec.ServiceId, rec.StrategyId)
		changed := false
		for _, pid := range in.PublishIds {
			ref, env, err := v.apis.publication(v.envs, pid)
			if err != nil {
				return false, err
			}
			svc := ref.svc.ServiceId
			if rec.ServiceId == "" {
				// Its first binding: the ACL becomes an IP strategy of svc.
				rec.ServiceId = svc
				if err := (limit{prefix: ipsPrefix(svc), max: maxIPStrategiesPerService, code: "LimitExceeded.IpStrategyLimitExceeded", what: "IP strategies in a service"}).check(tx); err != nil {
					return false, err
				}
			}
			if svc != rec.ServiceId {
				return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict,
					"ACL %s is an IP strategy of group %s and binds APIs of that group only; API %s is in group %s (create another ACL for it)", rec.StrategyId, rec.ServiceId, ref.api.ApiId, svc)
			}
			ch, err := a.bindIPStrategyAPIs(tx, &rec, env, []string{ref.api.ApiId})
			if err != nil {
				return false, err
			}
			changed = changed || ch
			out = append(out, hwACLBinding{bindID("acl", rec.StrategyId, svc, env, ref.api.ApiId), ref.api.ApiId, v.envs.id(env), rec.StrategyId, rec.BoundAt[env+"/"+ref.api.ApiId]})
		}
		if newKey := ipsKey(rec.ServiceId, rec.StrategyId); newKey != oldKey {
			if _, err := tx.Delete(oldKey); err != nil {
				return false, err
			}
		}
		return changed, store.SetJSON(tx, ipsKey(rec.ServiceId, rec.StrategyId), rec)
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.Created(map[string]any{"acl_bindings": out}), nil
}

// aclBinding is one binding of an IP strategy, as the REST interface
// sees it.
type aclBinding struct {
	rec      *ipStrategyRecord
	env, api string
	id       string
}

// allACLBindings lists every binding of every IP strategy.
func allACLBindings(tx *buntdb.Tx) ([]aclBinding, error) {
	all, err := listIPStrategies(tx, "")
	var out []aclBinding
	for i := range all {
		r := &all[i]
		for _, b := range r.Bindings {
			out = append(out, aclBinding{r, b.Environment, b.ApiId, bindID("acl", r.StrategyId, r.ServiceId, b.Environment, b.ApiId)})
		}
	}
	return out, err
}

// unbindACL removes the binding id (404 APIG.3010 when none has it).
func (a *Admin) unbindACL(tx *buntdb.Tx, id string) (aclBinding, error) {
	all, err := allACLBindings(tx)
	if err != nil {
		return aclBinding{}, err
	}
	for _, b := range all {
		if b.id == id {
			if _, err := a.unbindIPStrategyAPIs(tx, b.rec, b.env, []string{b.api}); err != nil {
				return b, err
			}
			return b, store.SetJSON(tx, ipsKey(b.rec.ServiceId, b.rec.StrategyId), b.rec)
		}
	}
	return aclBinding{}, hwapi.NotFound(hwapi.CodeNoACLBinding, "The access control policy binding %s does not exist", id)
}

func (a *Admin) hwUnbindACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		_, err := a.unbindACL(tx, c.Path("acl_bindings_id"))
		return true, err
	})
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

// hwBatchUnbindACLs: PUT .../acl-bindings?action=delete {"acl_bindings": [ids]}.
func (a *Admin) hwBatchUnbindACLs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return a.batch(c, "acl_bindings", func(tx *buntdb.Tx, id string) (bool, *hwBatchFailure, error) {
		b, err := a.unbindACL(tx, id)
		return true, &hwBatchFailure{BindId: id, ApiId: b.api}, err
	})
}

// hwACLBoundAPIs: GET .../acl-bindings/binded-apis (seed 001): the APIs an
// ACL is bound to; acl_id required; api_id, api_name, env_id, group_id.
func (a *Admin) hwACLBoundAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "apis", "acl_id", func(v *hwView, aclID string) ([]hwapi.AclBindApiInfo, error) {
		rec, err := findACL(v.tx, aclID)
		var out []hwapi.AclBindApiInfo
		for _, b := range rec.Bindings {
			ref, ok := v.apis.apis[b.ApiId]
			envID := v.envs.id(b.Environment)
			if !ok || !hwFilterAPI(c, ref, envID) {
				continue
			}
			out = append(out, hwapi.AclBindApiInfo{ApiId: b.ApiId, ApiName: ref.api.ApiName, ApiType: 1, ApiRemark: ref.api.ApiDesc,
				EnvId: envID, EnvName: hwEnvName(b.Environment), BindId: bindID("acl", rec.StrategyId, rec.ServiceId, b.Environment, b.ApiId),
				GroupName: ref.svc.ServiceName, BindTime: rec.BoundAt[b.Environment+"/"+b.ApiId], PublishId: publishID(b.ApiId, envID),
				ReqMethod: hwMethod(ref.api.RequestConfig.Method)})
		}
		return out, err
	})
}

// hwApiForBinding is an API published in an environment that a policy
// can be bound to (Huawei's unbinded-apis lists).
type hwApiForBinding struct {
	Id         string `json:"id"`
	Name       string `json:"name"`
	GroupId    string `json:"group_id"`
	GroupName  string `json:"group_name"`
	Type       int    `json:"type"`
	Remark     string `json:"remark"`
	RunEnvName string `json:"run_env_name"`
	RunEnvId   string `json:"run_env_id"`
	PublishId  string `json:"publish_id"`
	ReqURI     string `json:"req_uri"`
	AuthType   string `json:"auth_type"`
	ReqMethod  string `json:"req_method"`
}

// publications lists every API published in an environment, in creation
// order, then environment name, with the common filters.
func publications(c *hwapi.Call, envs envIndex, apis *apiIndex) []hwApiForBinding {
	var out []hwApiForBinding
	names := make([]string, 0, len(envs.byName))
	for n := range envs.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, id := range apis.order {
		ref := apis.apis[id]
		for _, env := range names {
			envID := envs.id(env)
			if !apis.runs(ref.svc.ServiceId, env, id) || !hwFilterAPI(c, ref, envID) {
				continue
			}
			out = append(out, hwApiForBinding{Id: id, Name: ref.api.ApiName, GroupId: ref.svc.ServiceId, GroupName: ref.svc.ServiceName, Type: 1,
				Remark: ref.api.ApiDesc, RunEnvName: hwEnvName(env), RunEnvId: envID, PublishId: publishID(id, envID),
				ReqURI: hwReqURI(ref.api.RequestConfig.Path), AuthType: hwAuthType(ref.api.authType()), ReqMethod: hwMethod(ref.api.RequestConfig.Method)})
		}
	}
	return out
}

// hwACLUnboundAPIs: GET .../acl-bindings/unbinded-apis: the published
// APIs the ACL can still be bound to (those of its service once it has
// one); acl_name is the ACL bound to the API there instead, if any.
func (a *Admin) hwACLUnboundAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	type item struct {
		hwApiForBinding
		AclName string `json:"acl_name"`
	}
	return hwList(a, c, "apis", "acl_id", func(v *hwView, aclID string) ([]item, error) {
		rec, err := findACL(v.tx, aclID)
		if err != nil {
			return nil, err
		}
		all, err := listIPStrategies(v.tx, "")
		var out []item
		for _, pub := range publications(c, v.envs, v.apis) {
			env := v.envs.byID[pub.RunEnvId]
			if rec.ServiceId != "" && pub.GroupId != rec.ServiceId || hasBinding(rec.Bindings, env, pub.Id) {
				continue
			}
			it := item{hwApiForBinding: pub}
			if o := boundElsewhere(all, &rec, env, pub.Id); o != "" {
				for _, r := range all {
					if r.StrategyId == o {
						it.AclName = r.StrategyName
					}
				}
			}
			out = append(out, it)
		}
		return out, err
	})
}

// hwAPIBoundACLs: GET .../acl-bindings/binded-acls: the ACLs bound to an
// API; api_id required; env_id, env_name, acl_id, acl_name.
func (a *Admin) hwAPIBoundACLs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	type item struct {
		AclId      string `json:"acl_id"`
		AclName    string `json:"acl_name"`
		EntityType string `json:"entity_type"`
		AclType    string `json:"acl_type"`
		AclValue   string `json:"acl_value"`
		EnvId      string `json:"env_id"`
		EnvName    string `json:"env_name"`
		BindId     string `json:"bind_id"`
		BindTime   string `json:"bind_time"`
	}
	return hwList(a, c, "acls", "api_id", func(v *hwView, apiID string) ([]item, error) {
		if _, err := v.apis.get(apiID); err != nil {
			return nil, err
		}
		all, err := allACLBindings(v.tx)
		var out []item
		for _, b := range all {
			envID := v.envs.id(b.env)
			if b.api != apiID || !c.Exact("env_id", envID) || !c.Exact("env_name", hwEnvName(b.env)) || !c.Exact("acl_id", b.rec.StrategyId) ||
				!containsFold(b.rec.StrategyName, c.Query("acl_name")) {
				continue
			}
			out = append(out, item{b.rec.StrategyId, b.rec.StrategyName, "IP", hwACLType(b.rec.StrategyType), hwACLValue(b.rec.StrategyData),
				envID, hwEnvName(b.env), b.id, b.rec.BoundAt[b.env+"/"+b.api]})
		}
		return out, err
	})
}
