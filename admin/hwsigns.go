package admin

import (
	"context"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/backendsign"
)

// Signature keys and sign bindings of the REST interface (seed 001:
// GET .../signs, GET .../sign-bindings/binded-signs and their tables; the
// other operations as Huawei APIG's CreateSignatureKeyV2,
// UpdateSignatureKeyV2, DeleteSignatureKeyV2, AssociateSignatureKeyV2,
// DisassociateSignatureKeyV2, ListApisBindedToSignatureKeyV2 and
// ListApisNotBoundWithSignatureKeyV2 define them). The records are
// signs.go's. Lists show secrets masked ("dc0************2b3", seed), and
// an aes key's sign_key too (it is the AES key); create and update answer
// them in clear.

func init() { registerHW(hwSignRoutes) }

func hwSignRoutes(a *Admin) []hwapi.Route {
	in := hwapi.Instance
	return []hwapi.Route{
		{Method: "POST", Pattern: in + "/signs", Handle: a.hwCreateSign},
		{Method: "GET", Pattern: in + "/signs", Handle: a.hwListSigns},
		{Method: "PUT", Pattern: in + "/signs/{sign_id}", Handle: a.hwUpdateSign},
		{Method: "DELETE", Pattern: in + "/signs/{sign_id}", Handle: a.hwDeleteSign},
		{Method: "POST", Pattern: in + "/sign-bindings", Handle: a.hwBindSign},
		{Method: "DELETE", Pattern: in + "/sign-bindings/{sign_bindings_id}", Handle: a.hwUnbindSign},
		{Method: "GET", Pattern: in + "/sign-bindings/binded-signs", Handle: a.hwAPIBoundSigns},
		{Method: "GET", Pattern: in + "/sign-bindings/binded-apis", Handle: a.hwSignBoundAPIs},
		{Method: "GET", Pattern: in + "/sign-bindings/unbinded-apis", Handle: a.hwSignUnboundAPIs},
	}
}

// hwSignView is Huawei's SignatureKey (the seed's signs[] items; create
// and update answer it too).
type hwSignView struct {
	Id            string `json:"id"`
	Name          string `json:"name"`
	SignType      string `json:"sign_type"`
	SignKey       string `json:"sign_key"`
	SignSecret    string `json:"sign_secret"`
	SignAlgorithm string `json:"sign_algorithm"`
	CreateTime    string `json:"create_time"`
	UpdateTime    string `json:"update_time"`
	BindNum       int    `json:"bind_num"`
	LdapiBindNum  int    `json:"ldapi_bind_num"` // no LDAPIs in Edgegate: 0
}

// signView shows r with s's key and secret, masked unless clear.
func signView(r *signRecord, s signSpec, clear bool) hwSignView {
	key, secret := s.Key, s.Secret
	if !clear {
		secret = maskSecret(secret)
		if r.SignType == backendsign.TypeAES {
			key = maskSecret(key)
		}
	}
	return hwSignView{r.Id, r.Name, r.SignType, key, secret, r.SignAlgorithm, r.CreateTime, r.UpdateTime, len(r.Bindings), 0}
}

// hwCreateSign: POST .../signs → 201 SignatureKey.
func (a *Admin) hwCreateSign(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in signIn
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	s, err := in.spec(nil)
	if err != nil {
		return hwapi.Reply{}, err
	}
	r, err := a.createSign(s)
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.Created(signView(&r, s, true)), nil
}

// hwUpdateSign: PUT .../signs/{sign_id} → 200 SignatureKey (Huawei's
// status for this one).
func (a *Admin) hwUpdateSign(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in signIn
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	r, s, err := a.updateSign(c.Path("sign_id"), &in)
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(signView(&r, s, true)), nil
}

// hwDeleteSign: DELETE .../signs/{sign_id} → 204; its bindings go too.
func (a *Admin) hwDeleteSign(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	if err := a.deleteSign(c.Path("sign_id")); err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

// hwListSigns: GET .../signs (seed 001): id exactly, name by substring
// unless precise_search=name; creation order.
func (a *Admin) hwListSigns(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	search, err := c.Search("name")
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwList(a, c, "signs", "", func(v *hwView, _ string) ([]hwSignView, error) {
		rs, err := allSigns(v.tx)
		var out []hwSignView
		for i := range rs {
			r := &rs[i]
			if !c.Exact("id", r.Id) || !search.Match("name", r.Name) {
				continue
			}
			s, err := a.openSign(r)
			if err != nil {
				return nil, err
			}
			out = append(out, signView(r, s, false))
		}
		return out, err
	})
}

// hwSignBinding is Huawei's SignApiBindingInfo: the bind answer, the
// seed's binded-signs items and the binded-apis items (which add
// req_method).
type hwSignBinding struct {
	Id          string `json:"id"`
	PublishId   string `json:"publish_id"`
	ApiId       string `json:"api_id"`
	ApiName     string `json:"api_name"`
	ApiType     int    `json:"api_type"`
	ApiRemark   string `json:"api_remark"`
	ReqMethod   string `json:"req_method"`
	GroupName   string `json:"group_name"`
	EnvId       string `json:"env_id"`
	EnvName     string `json:"env_name"`
	BindingTime string `json:"binding_time"`
	SignId      string `json:"sign_id"`
	SignName    string `json:"sign_name"`
	SignType    string `json:"sign_type"`
	SignKey     string `json:"sign_key"`
	SignSecret  string `json:"sign_secret"`
}

// signBindingView shows binding b of key r (s its secrets, masked) on ref.
func signBindingView(r *signRecord, s signSpec, b signBindingRe, ref apiRef, envs envIndex) hwSignBinding {
	v := signView(r, s, false)
	envID := envs.id(b.Environment)
	return hwSignBinding{Id: b.Id, PublishId: publishID(b.ApiId, envID), ApiId: b.ApiId, ApiName: ref.api.ApiName, ApiType: 1,
		ApiRemark: ref.api.ApiDesc, ReqMethod: hwMethod(ref.api.RequestConfig.Method), GroupName: ref.svc.ServiceName,
		EnvId: envID, EnvName: hwEnvName(b.Environment), BindingTime: b.BindingTime,
		SignId: r.Id, SignName: r.Name, SignType: r.SignType, SignKey: v.SignKey, SignSecret: v.SignSecret}
}

// signBindIn is the body of POST .../sign-bindings.
type signBindIn struct {
	SignId     string   `json:"sign_id"`
	PublishIds []string `json:"publish_ids"`
}

func (in *signBindIn) check() error {
	switch {
	case in.SignId == "":
		return hwapi.BadParameter("sign_id", "the parameter is required")
	case len(in.PublishIds) == 0:
		return hwapi.BadParameter("publish_ids", "the parameter is required")
	}
	return nil
}

// hwBindSign: POST .../sign-bindings {"sign_id", "publish_ids"} → 201
// {"bindings": [...]}, one per publish_id.
func (a *Admin) hwBindSign(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in signBindIn
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := in.check(); err != nil {
		return hwapi.Reply{}, err
	}
	var out []hwSignBinding
	err := a.hwWrite(func(v *hwView) (bool, error) {
		r, err := getSign(v.tx, in.SignId)
		if err != nil {
			return false, err
		}
		var ts []target
		var refs []apiRef
		for _, pid := range in.PublishIds {
			ref, env, err := v.apis.publication(v.envs, pid)
			if err != nil {
				return false, err
			}
			ts, refs = append(ts, target{ref.svc.ServiceId, env, ref.api.ApiId}), append(refs, ref)
		}
		bs, changed, err := a.bindSignTx(v.tx, &r, ts)
		if err != nil {
			return false, err
		}
		s, err := a.openSign(&r)
		for i, b := range bs {
			out = append(out, signBindingView(&r, s, b, refs[i], v.envs))
		}
		return changed, err
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.Created(map[string]any{"bindings": out}), nil
}

// hwUnbindSign: DELETE .../sign-bindings/{sign_bindings_id} → 204.
func (a *Admin) hwUnbindSign(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	if err := a.unbindSign(c.Path("sign_bindings_id")); err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.NoContent(), nil
}

// signBindings lists the bindings keep chooses, of APIs that exist, as
// views.
func (a *Admin) signBindings(v *hwView, keep func(sb signBound, ref apiRef) bool) ([]hwSignBinding, error) {
	rs, err := allSigns(v.tx)
	if err != nil {
		return nil, err
	}
	var out []hwSignBinding
	opened := map[string]signSpec{}
	for _, sb := range allSignBindings(rs) {
		ref, ok := v.apis.apis[sb.b.ApiId]
		if !ok || !keep(sb, ref) {
			continue
		}
		s, ok := opened[sb.key.Id]
		if !ok {
			if s, err = a.openSign(sb.key); err != nil {
				return nil, err
			}
			opened[sb.key.Id] = s
		}
		out = append(out, signBindingView(sb.key, s, sb.b, ref, v.envs))
	}
	return out, nil
}

// hwAPIBoundSigns: GET .../sign-bindings/binded-signs (seed 001): the keys
// bound to an API; api_id required (404 APIG.3002 when it names none);
// sign_id and env_id exactly, sign_name by substring.
func (a *Admin) hwAPIBoundSigns(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "bindings", "api_id", func(v *hwView, apiID string) ([]hwSignBinding, error) {
		if _, err := v.apis.get(apiID); err != nil {
			return nil, err
		}
		return a.signBindings(v, func(sb signBound, _ apiRef) bool {
			return sb.b.ApiId == apiID && c.Exact("sign_id", sb.key.Id) && c.Exact("env_id", v.envs.id(sb.b.Environment)) &&
				containsFold(sb.key.Name, c.Query("sign_name"))
		})
	})
}

// hwSignBoundAPIs: GET .../sign-bindings/binded-apis: the APIs a key is
// bound to; sign_id required (404 APIG.3017); api_id, env_id and
// group_id exactly, api_name by substring.
func (a *Admin) hwSignBoundAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "bindings", "sign_id", func(v *hwView, signID string) ([]hwSignBinding, error) {
		if _, err := getSign(v.tx, signID); err != nil {
			return nil, err
		}
		return a.signBindings(v, func(sb signBound, ref apiRef) bool {
			return sb.key.Id == signID && hwFilterAPI(c, ref, v.envs.id(sb.b.Environment))
		})
	})
}

// hwSignUnboundAPIs: GET .../sign-bindings/unbinded-apis: the published
// APIs the key is not bound to (sign_id required, 404 APIG.3017; the
// filters of binded-apis); signature_name names the key bound there
// instead, if any (the key cannot be bound there until it is unbound).
func (a *Admin) hwSignUnboundAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	type item struct {
		hwApiForBinding
		SignatureName string `json:"signature_name"`
	}
	return hwList(a, c, "apis", "sign_id", func(v *hwView, signID string) ([]item, error) {
		if _, err := getSign(v.tx, signID); err != nil {
			return nil, err
		}
		rs, err := allSigns(v.tx)
		bound := map[target]*signRecord{}
		for _, sb := range allSignBindings(rs) {
			bound[sb.b.target] = sb.key
		}
		var out []item
		for _, pub := range publications(c, v.envs, v.apis) {
			k := bound[target{pub.GroupId, v.envs.byID[pub.RunEnvId], pub.Id}]
			if k != nil && k.Id == signID {
				continue
			}
			it := item{hwApiForBinding: pub}
			if k != nil {
				it.SignatureName = k.Name
			}
			out = append(out, it)
		}
		return out, err
	})
}
