package admin

import (
	"context"
	"net/http"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/snapshot"
)

// Plugin bindings of the REST interface (seed 001: GET .../plugins/
// {plugin_id}/attached-apis and PluginApiInfo), over plugins.go: a plugin
// is a plugin, attached to APIs per environment by the same code as
// AttachPlugin and DetachPlugin. Huawei binds published APIs only, and so
// does attach here; the IDs of the attachments are pluginBindID's.

func init() { registerHW(hwPluginRoutes) }

func hwPluginRoutes(a *Admin) []hwapi.Route {
	p := hwapi.Instance + "/plugins/{plugin_id}"
	return []hwapi.Route{
		{Method: "POST", Pattern: p + "/attach", Handle: a.hwAttachPlugin},
		{Method: "PUT", Pattern: p + "/detach", Handle: a.hwDetachPlugin},
		{Method: "GET", Pattern: p + "/attached-apis", Handle: a.hwPluginAttachedAPIs},
		{Method: "GET", Pattern: p + "/attachable-apis", Handle: a.hwPluginAttachableAPIs},
	}
}

// hwPluginTypes are Huawei's names of Edgegate's plugin types.
var hwPluginTypes = map[string]string{
	snapshot.PluginCors: "cors", snapshot.PluginTrafficControlByParameter: "rate_limit", snapshot.PluginTrafficControl: "rate_limit",
	snapshot.PluginIPControl: "ip_control", snapshot.PluginCompression: "compression",
}

type hwPluginAPIsReq struct {
	EnvId  string   `json:"env_id"`
	ApiIds []string `json:"api_ids"`
}

func (in *hwPluginAPIsReq) check() error {
	if in.EnvId == "" {
		return hwapi.BadParameter("env_id", "the parameter is required")
	}
	if len(in.ApiIds) == 0 {
		return hwapi.BadParameter("api_ids", "the parameter is required")
	}
	return nil
}

func getPlugin(tx *buntdb.Tx, id string) (pluginRecord, error) {
	p, err := plugins.get(tx, id)
	if err != nil {
		return p, hwapi.NotFound(hwapi.CodeNoPlugin, "Plugin %s does not exist", id)
	}
	return p, nil
}

// hwAttachPlugin: POST .../plugins/{plugin_id}/attach {"env_id", "api_ids"}.
func (a *Admin) hwAttachPlugin(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwPluginAPIsReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := in.check(); err != nil {
		return hwapi.Reply{}, err
	}
	type attached struct {
		AttachId     string `json:"plugin_attach_id"`
		PluginId     string `json:"plugin_id"`
		PluginName   string `json:"plugin_name"`
		PluginType   string `json:"plugin_type"`
		PluginScope  string `json:"plugin_scope"`
		EnvId        string `json:"env_id"`
		EnvName      string `json:"env_name"`
		ApiId        string `json:"api_id"`
		ApiName      string `json:"api_name"`
		AttachedTime string `json:"attached_time"`
	}
	var out []attached
	err := a.hwWrite(func(v *hwView) (bool, error) {
		tx := v.tx
		p, err := getPlugin(tx, c.Path("plugin_id"))
		if err != nil {
			return false, err
		}
		changed := false
		for _, id := range in.ApiIds {
			ref, env, err := v.apis.publication(v.envs, publishID(id, in.EnvId))
			if err != nil {
				return false, err
			}
			t := target{ref.svc.ServiceId, env, id}
			ch, err := a.attachPluginAPIs(tx, &p, t.ServiceId, env, []string{id})
			if err != nil {
				return false, err
			}
			changed = changed || ch
			out = append(out, attached{pluginBindID(&p, t), p.PluginId, p.PluginName, or(hwPluginTypes[p.PluginType], p.PluginType), "global",
				in.EnvId, hwEnvName(env), id, ref.api.ApiName, p.Attachments[findBinding(p.Attachments, t)].AttachedTime})
		}
		return changed, plugins.put(tx, &p)
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.Created(map[string]any{"attached_plugins": out}), nil
}

// hwDetachPlugin: PUT .../plugins/{plugin_id}/detach {"env_id", "api_ids"};
// every API named must be attached.
func (a *Admin) hwDetachPlugin(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in hwPluginAPIsReq
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	if err := in.check(); err != nil {
		return hwapi.Reply{}, err
	}
	err := a.hwWrite(func(v *hwView) (bool, error) {
		p, err := getPlugin(v.tx, c.Path("plugin_id"))
		if err != nil {
			return false, err
		}
		env, err := v.envs.name(in.EnvId)
		if err != nil {
			return false, err
		}
		for _, id := range in.ApiIds {
			i := -1
			for j, at := range p.Attachments {
				if at.ApiId == id && at.Environment == env {
					i = j
				}
			}
			if i < 0 {
				return false, hwapi.Errorf(http.StatusBadRequest, hwapi.CodeBadParameter,
					"Invalid parameter value,parameterName:api_ids. Please refer to the support documentation: plugin %s is not attached to API %s in %s", p.PluginId, id, hwEnvName(env))
			}
			if err := unbind(&p.Attachments, p.Attachments[i].target, "InvalidParameterValue.InvalidApiIds", "plugin "+p.PluginId); err != nil {
				return false, err
			}
		}
		return true, plugins.put(v.tx, &p)
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.NoContent(), nil
}

func pluginAPIInfo(ref apiRef, env, envID string) hwapi.PluginApiInfo {
	api := ref.api
	return hwapi.PluginApiInfo{ApiId: api.ApiId, ApiName: api.ApiName, Type: 1, ReqProtocol: hwReqProtocol(ref.svc.Protocol),
		ReqMethod: hwMethod(api.RequestConfig.Method), ReqUri: hwReqURI(api.RequestConfig.Path), AuthType: hwAuthType(api.authType()),
		MatchMode: hwMatchMode(api.RequestConfig.Path), Remark: api.ApiDesc, GroupId: ref.svc.ServiceId, GroupName: ref.svc.ServiceName,
		EnvId: envID, EnvName: hwEnvName(env), PublishId: publishID(api.ApiId, envID)}
}

// pluginAPIFilter: the query of attached-apis and attachable-apis (env_id,
// api_name, api_id, group_id, req_method, req_uri).
func pluginAPIFilter(c *hwapi.Call, v *hwapi.PluginApiInfo) bool {
	return c.Exact("env_id", v.EnvId) && c.Exact("api_id", v.ApiId) && c.Exact("group_id", v.GroupId) && c.Exact("req_method", v.ReqMethod) &&
		containsFold(v.ApiName, c.Query("api_name")) && strings.Contains(v.ReqUri, c.Query("req_uri"))
}

// hwPluginAttachedAPIs: GET .../plugins/{plugin_id}/attached-apis (seed 001).
func (a *Admin) hwPluginAttachedAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "apis", "", func(v *hwView, _ string) ([]hwapi.PluginApiInfo, error) {
		p, err := getPlugin(v.tx, c.Path("plugin_id"))
		if err != nil {
			return nil, err
		}
		bs, err := pluginBindings(v.tx, v.apis, func(q *pluginRecord) bool { return q.PluginId == p.PluginId })
		var out []hwapi.PluginApiInfo
		for _, b := range bs {
			x := pluginAPIInfo(b.ref, b.at.Environment, v.envs.id(b.at.Environment))
			x.PluginAttachId, x.AttachedTime = pluginBindID(b.p, b.at.target), b.at.AttachedTime
			if pluginAPIFilter(c, &x) {
				out = append(out, x)
			}
		}
		return out, err
	})
}

// hwPluginAttachableAPIs: GET .../plugins/{plugin_id}/attachable-apis:
// the APIs published in env_id (required) the plugin is not attached to.
func (a *Admin) hwPluginAttachableAPIs(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	return hwList(a, c, "apis", "env_id", func(v *hwView, envID string) ([]hwapi.PluginApiInfo, error) {
		p, err := getPlugin(v.tx, c.Path("plugin_id"))
		if err != nil {
			return nil, err
		}
		env, err := v.envs.name(envID)
		if err != nil {
			return nil, err
		}
		var out []hwapi.PluginApiInfo
		for _, id := range v.apis.order {
			ref := v.apis.apis[id]
			if !v.apis.runs(ref.svc.ServiceId, env, id) || findBinding(p.Attachments, target{ref.svc.ServiceId, env, id}) >= 0 {
				continue
			}
			if x := pluginAPIInfo(ref, env, envID); pluginAPIFilter(c, &x) {
				out = append(out, x)
			}
		}
		return out, nil
	})
}
