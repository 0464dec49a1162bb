package admin

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/snapshot"
)

// Plugins (seed 插件相关接口), stored under plugin:<PluginId> with their
// attachments; meta:pluginseq is the last creation sequence number.
var plugins = kind[pluginRecord]{prefix: "plugin:", field: "PluginId", notFound: "ResourceNotFound.InvalidPlugin",
	what: "plugin", id: func(p *pluginRecord) string { return p.PluginId }}

const pluginSeqKey = "meta:pluginseq"

// pluginRecord is a stored plugin.
type pluginRecord struct {
	// Seq orders plugins by creation (CreatedTime has whole seconds).
	Seq             int64  `json:"Seq"`
	PluginId        string `json:"PluginId"`
	PluginName      string `json:"PluginName"`
	PluginType      string `json:"PluginType"`
	PluginData      string `json:"PluginData"`
	Description     string `json:"Description,omitempty"`
	PluginAttribute string `json:"PluginAttribute,omitempty"`
	ProjectId       string `json:"ProjectId,omitempty"`
	Tags            []Tag  `json:"Tags,omitempty"`
	stamps
	Attachments []pluginAttachment `json:"Attachments,omitempty"`
	// SpecialTimes is when each special throttle of the REST interface
	// was set (hwthrottles.go: its ID → time).
	SpecialTimes map[string]string `json:"SpecialTimes,omitempty"`
}

// pluginAttachment is one API the plugin is bound to in one environment.
type pluginAttachment struct {
	target
	AttachedTime string `json:"AttachedTime"`
}

// listPlugins returns every plugin, oldest first.
func listPlugins(tx *buntdb.Tx) ([]pluginRecord, error) {
	out, err := plugins.all(tx)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

// checkPluginName: a-z A-Z 0-9 _, starting with a letter and ending with a
// letter or digit, 2-50 characters (seed: CreatePlugin PluginName).
func checkPluginName(n string) error {
	ok := len(n) >= 2 && len(n) <= 50
	for i := 0; ok && i < len(n); i++ {
		c := n[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		ok = (letter || digit || c == '_') && (i > 0 || letter) && (i < len(n)-1 || c != '_')
	}
	if !ok {
		return tcapi.Errorf(errInvalidValue, "PluginName %q: 2-50 characters of a-z A-Z 0-9 _, starting with a letter and ending with a letter or digit", n)
	}
	return nil
}

// checkPluginData validates PluginData for its type and maps the
// compiler's verdict to the seed's codes.
func checkPluginData(pluginType, data string) error {
	err := snapshot.ValidatePluginData(pluginType, data)
	if err == nil {
		return nil
	}
	var pe *snapshot.PluginError
	if errors.As(err, &pe) {
		return tcapi.Errorf(pe.Code, "%s", pe.Msg)
	}
	return tcapi.Errorf("InvalidParameterValue.InvalidPluginConfig", "PluginData: %v", err)
}

// pluginView is the seed's Plugin (SDK v1.0.162 field names).
type pluginView struct {
	PluginId, PluginName, PluginType, PluginData, Description, CreatedTime, ModifiedTime string
	AttachedApiTotalCount                                                                int
	AttachedApis                                                                         []attachedApiInfo
	Tags                                                                                 []Tag
	ProjectId                                                                            string
}

// attachedApiInfo is the seed's AttachedApiInfo.
type attachedApiInfo struct {
	ServiceId, ServiceName, ServiceDesc, ApiId, ApiName, ApiDesc, Environment, AttachedTime string
}

// attachedAPIs describes a plugin's live attachments (those whose service
// and API still exist), newest first (seed: default order is binding time,
// descending).
func attachedAPIs(tx *buntdb.Tx, p *pluginRecord) []attachedApiInfo {
	out := []attachedApiInfo{}
	for i := len(p.Attachments) - 1; i >= 0; i-- {
		at := p.Attachments[i]
		svc, api, err := serviceAPI(tx, at.ServiceId, at.ApiId)
		if err == nil {
			out = append(out, attachedApiInfo{svc.ServiceId, svc.ServiceName, svc.ServiceDesc, at.ApiId, api.Api.ApiName, api.Api.ApiDesc, at.Environment, at.AttachedTime})
		}
	}
	return out
}

func viewPlugin(tx *buntdb.Tx, p *pluginRecord, limit, offset int) pluginView {
	apis := attachedAPIs(tx, p)
	return pluginView{p.PluginId, p.PluginName, p.PluginType, p.PluginData, p.Description, p.CreatedTime, p.ModifiedTime,
		len(apis), page(apis, limit, offset), orEmpty(p.Tags), p.ProjectId}
}

// hiddenPaging are the reserved sort and filter fields several Describe
// Actions accept (seed: "(hidden)" rows); filters are reserved (seed: 暂不
// 支持过滤), so any is refused.
type hiddenPaging struct {
	listParams
	Order, OrderBy string
}

// hiddenList answers the list collect makes, checking the (reserved)
// filters and OrderBy, then paging.
func hiddenList[T any](a *Admin, h *hiddenPaging, collect func(tx *buntdb.Tx) ([]T, error)) (int, []T, error) {
	if _, err := parseFilters(h.Filters); err != nil {
		return 0, nil, err
	}
	switch strings.ToLower(h.OrderBy) {
	case "", "asc", "desc":
	default:
		return 0, nil, tcapi.Errorf(errNotInOptions, "OrderBy %q: want asc or desc", h.OrderBy)
	}
	return describeList(a, &h.pageParams, nil, nil, func(tx *buntdb.Tx, _ filters) ([]T, error) { return collect(tx) })
}

type createPluginReq struct {
	PluginName      string `tcapi:"required"`
	PluginType      string `tcapi:"required"`
	Description     string
	PluginData      string `tcapi:"required"`
	PluginAttribute string
	Tags            []Tag
	ProjectId       string
}

func (in *createPluginReq) Check() error {
	if err := checkPluginName(in.PluginName); err != nil {
		return err
	}
	if err := checkPluginDesc(&in.Description); err != nil {
		return err
	}
	switch in.PluginAttribute {
	case "", "System", "Custom":
	default:
		return tcapi.Errorf(errNotInOptions, "PluginAttribute %q: want System or Custom", in.PluginAttribute)
	}
	return checkPluginData(in.PluginType, in.PluginData)
}

func checkPluginDesc(d *string) error {
	if d != nil && len([]rune(*d)) > 200 {
		return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "Description: at most 200 characters")
	}
	return nil
}

func (a *Admin) createPlugin(_ context.Context, in *createPluginReq) (*result[pluginView], error) {
	rec := pluginRecord{PluginId: newID("plugin-"), PluginName: in.PluginName, PluginType: in.PluginType, PluginData: in.PluginData,
		Description: in.Description, PluginAttribute: in.PluginAttribute, ProjectId: in.ProjectId, Tags: in.Tags,
		stamps: a.stamped()}
	var view pluginView
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		seq, err := nextSeq(tx, pluginSeqKey)
		if err != nil {
			return false, err
		}
		rec.Seq = seq
		view = viewPlugin(tx, &rec, 20, 0)
		return false, plugins.put(tx, &rec)
	})
	return resultOf(view, err)
}

type modifyPluginReq struct {
	PluginId                                       string
	PluginName, Description, PluginData, ProjectId *string
}

func (in *modifyPluginReq) Check() error {
	if in.PluginName != nil {
		if err := checkPluginName(*in.PluginName); err != nil {
			return err
		}
	}
	return checkPluginDesc(in.Description)
}

func (a *Admin) modifyPlugin(_ context.Context, in *modifyPluginReq) (*result[bool], error) {
	return done(plugins.update(a, in.PluginId, func(_ *buntdb.Tx, p *pluginRecord) (bool, error) {
		publish := false
		if in.PluginData != nil && *in.PluginData != p.PluginData {
			if err := checkPluginData(p.PluginType, *in.PluginData); err != nil {
				return false, err
			}
			p.PluginData = *in.PluginData
			// New data changes traffic wherever the plugin is attached.
			publish = len(p.Attachments) > 0
		}
		setIf(&p.PluginName, in.PluginName)
		setIf(&p.Description, in.Description)
		setIf(&p.ProjectId, in.ProjectId)
		p.ModifiedTime = a.now()
		return publish, nil
	}))
}

type pluginIDReq struct {
	PluginId string
}

// deletePlugin removes a plugin and, with it, its attachments (the seed
// lists no "still attached" error for DeletePlugin); the change is
// published at once.
func (a *Admin) deletePlugin(_ context.Context, in *pluginIDReq) (*result[bool], error) {
	return done(plugins.remove(a, in.PluginId, func(_ *buntdb.Tx, p *pluginRecord) (bool, error) {
		return len(p.Attachments) > 0, nil
	}))
}

type describePluginReq struct {
	pluginIDReq
	hiddenPaging
}

func (a *Admin) describePlugin(_ context.Context, in *describePluginReq) (*result[pluginView], error) {
	var view pluginView
	_, _, err := hiddenList(a, &in.hiddenPaging, func(tx *buntdb.Tx) ([]struct{}, error) {
		p, err := plugins.get(tx, in.PluginId)
		if err == nil {
			limit, offset, _ := in.bounds()
			view = viewPlugin(tx, &p, limit, offset)
		}
		return nil, err
	})
	return resultOf(view, err)
}

type describePluginsReq struct {
	PluginIds                               []string
	PluginName, PluginType, PluginAttribute string
	hiddenPaging
}

// pluginSummary is the seed's PluginSummary.
type pluginSummary struct {
	TotalCount int
	PluginSet  []pluginView
}

func (a *Admin) describePlugins(_ context.Context, in *describePluginsReq) (*result[pluginSummary], error) {
	n, set, err := hiddenList(a, &in.hiddenPaging, func(tx *buntdb.Tx) ([]pluginView, error) {
		all, err := listPlugins(tx)
		var set []pluginView
		for i := range all {
			p := &all[i]
			if (len(in.PluginIds) == 0 || slices.Contains(in.PluginIds, p.PluginId)) &&
				(in.PluginName == "" || anySub([]string{in.PluginName}, p.PluginName)) &&
				(in.PluginType == "" || p.PluginType == in.PluginType) &&
				(in.PluginAttribute == "" || or(p.PluginAttribute, "System") == in.PluginAttribute) {
				set = append(set, viewPlugin(tx, p, 100, 0))
			}
		}
		// Newest first (seed: default order is creation time, descending).
		if !strings.EqualFold(in.OrderBy, "asc") {
			slices.Reverse(set)
		}
		return set, err
	})
	return resultOf(pluginSummary{n, set}, err)
}

// attachConflict reports the plugin already attached to the API in env
// that p may not share it with: one flow-control plugin per API (seed
// 参数流量控制插件: 一个 API 只能绑定一个流控插件), one Cors plugin (two
// CORS policies cannot both answer a preflight), and one Compression plugin.
func attachConflict(all []pluginRecord, p *pluginRecord, t target) *pluginRecord {
	for i := range all {
		o := &all[i]
		kindClash := snapshot.IsFlowControl(p.PluginType) && snapshot.IsFlowControl(o.PluginType) ||
			p.PluginType == snapshot.PluginCors && o.PluginType == snapshot.PluginCors ||
			p.PluginType == snapshot.PluginCompression && o.PluginType == snapshot.PluginCompression
		if o.PluginId != p.PluginId && kindClash && findBinding(o.Attachments, t) >= 0 {
			return o
		}
	}
	return nil
}

type attachPluginReq struct {
	PluginId string
	envReq
	ApiIds []string `tcapi:"required"`
}

func (a *Admin) attachPlugin(_ context.Context, in *attachPluginReq) (*result[bool], error) {
	return done(plugins.update(a, in.PluginId, func(tx *buntdb.Tx, p *pluginRecord) (bool, error) {
		return a.attachPluginAPIs(tx, p, in.ServiceId, in.EnvironmentName, in.ApiIds)
	}))
}

// attachPluginAPIs attaches p to apis of svc in env (AttachPlugin, and the
// REST interface's throttle and plugin bindings).
func (a *Admin) attachPluginAPIs(tx *buntdb.Tx, p *pluginRecord, svc, env string, apis []string) (bool, error) {
	if _, err := getService(tx, svc); err != nil {
		return false, err
	}
	all, err := listPlugins(tx)
	if err != nil {
		return false, err
	}
	return eachAPI(tx, svc, apis, func(id string) (bool, error) {
		t := target{svc, env, id}
		if o := attachConflict(all, p, t); o != nil {
			return false, tcapi.Errorf("UnsupportedOperation.AttachPlugin",
				"API %s already has %s plugin %s in %s; an API takes one flow-control plugin, one Cors plugin and one Compression plugin (detach %s first)",
				id, o.PluginType, o.PluginId, env, o.PluginId)
		}
		if findBinding(p.Attachments, t) >= 0 {
			return false, nil
		}
		p.Attachments = append(p.Attachments, pluginAttachment{t, a.now()})
		return true, nil
	})
}

type detachPluginReq struct {
	PluginId string
	envReq
	ApiId string `tcapi:"required"`
}

func (a *Admin) detachPlugin(_ context.Context, in *detachPluginReq) (*result[bool], error) {
	return done(plugins.update(a, in.PluginId, func(tx *buntdb.Tx, p *pluginRecord) (bool, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		return true, unbind(&p.Attachments, target{in.ServiceId, in.EnvironmentName, in.ApiId}, "InvalidParameterValue.InvalidApiIds", "plugin "+p.PluginId)
	}))
}

// attachedApiSummary is the seed's AttachedApiSummary.
type attachedApiSummary struct {
	TotalCount   int
	AttachedApis []attachedApiInfo
}

func (a *Admin) describePluginApis(_ context.Context, in *describePluginReq) (*result[attachedApiSummary], error) {
	n, apis, err := hiddenList(a, &in.hiddenPaging, func(tx *buntdb.Tx) ([]attachedApiInfo, error) {
		p, err := plugins.get(tx, in.PluginId)
		return attachedAPIs(tx, &p), err
	})
	return resultOf(attachedApiSummary{n, apis}, err)
}

// availableApiInfo is the seed's AvailableApiInfo.
type availableApiInfo struct {
	ApiId, ApiName, ApiType, Path, Method string
	AttachedOtherPlugin, IsAttached       bool
}

// apiInfoSummary is the seed's ApiInfoSummary.
type apiInfoSummary struct {
	TotalCount int
	ApiSet     []availableApiInfo
}

type allPluginApisReq struct {
	PluginId string
	envReq
	hiddenPaging
}

func (a *Admin) describeAllPluginApis(_ context.Context, in *allPluginApisReq) (*result[apiInfoSummary], error) {
	n, set, err := hiddenList(a, &in.hiddenPaging, func(tx *buntdb.Tx) ([]availableApiInfo, error) {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return nil, err
		}
		p, err := plugins.get(tx, in.PluginId)
		if err != nil {
			return nil, err
		}
		all, err := listPlugins(tx)
		if err != nil {
			return nil, err
		}
		list, err := listAPIs(tx, in.ServiceId)
		var set []availableApiInfo
		for i := range list {
			api := &list[i].Api
			info := availableApiInfo{ApiId: api.ApiId, ApiName: api.ApiName, ApiType: api.apiType(), Path: api.RequestConfig.Path, Method: api.RequestConfig.Method}
			t := target{in.ServiceId, in.EnvironmentName, api.ApiId}
			for j := range all {
				if findBinding(all[j].Attachments, t) >= 0 {
					info.IsAttached = info.IsAttached || all[j].PluginId == p.PluginId
					info.AttachedOtherPlugin = info.AttachedOtherPlugin || all[j].PluginId != p.PluginId
				}
			}
			set = append(set, info)
		}
		return set, err
	})
	return resultOf(apiInfoSummary{n, set}, err)
}
