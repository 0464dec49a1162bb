package admin

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/snapshot"
)

// Store keys of plugins (seed 插件相关接口):
//
//	plugin:<PluginId>   pluginRecord, with its attachments
func pluginKey(id string) string { return "plugin:" + id }

const errNoPlugin = "ResourceNotFound.InvalidPlugin"

const pluginSeqKey = "meta:pluginseq"

func nextPluginSeq(tx *buntdb.Tx) (int64, error) {
	n := int64(0)
	if v, err := tx.Get(pluginSeqKey); err == nil {
		n, _ = strconv.ParseInt(v, 10, 64)
	}
	n++
	_, _, err := tx.Set(pluginSeqKey, strconv.FormatInt(n, 10), nil)
	return n, err
}

// pluginRecord is a stored plugin.
type pluginRecord struct {
	// Seq orders plugins by creation (CreatedTime has whole seconds).
	Seq             int64              `json:"Seq"`
	PluginId        string             `json:"PluginId"`
	PluginName      string             `json:"PluginName"`
	PluginType      string             `json:"PluginType"`
	PluginData      string             `json:"PluginData"`
	Description     string             `json:"Description,omitempty"`
	PluginAttribute string             `json:"PluginAttribute,omitempty"`
	ProjectId       string             `json:"ProjectId,omitempty"`
	Tags            []Tag              `json:"Tags,omitempty"`
	CreatedTime     string             `json:"CreatedTime"`
	ModifiedTime    string             `json:"ModifiedTime"`
	Attachments     []pluginAttachment `json:"Attachments,omitempty"`
}

// pluginAttachment is one API the plugin is bound to in one environment.
type pluginAttachment struct {
	ServiceId    string `json:"ServiceId"`
	Environment  string `json:"Environment"`
	ApiId        string `json:"ApiId"`
	AttachedTime string `json:"AttachedTime"`
}

func getPlugin(tx *buntdb.Tx, id string) (pluginRecord, error) {
	return getRecord[pluginRecord](tx, "PluginId", id, pluginKey(id), errNoPlugin, "plugin "+id+" does not exist")
}

// listPlugins returns every plugin, oldest first.
func listPlugins(tx *buntdb.Tx) ([]pluginRecord, error) {
	var out []pluginRecord
	var ferr error
	tx.AscendKeys("plugin:*", func(_, v string) bool {
		var p pluginRecord
		if ferr = json.Unmarshal([]byte(v), &p); ferr != nil {
			return false
		}
		out = append(out, p)
		return true
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, ferr
}

// validPluginName: a-z A-Z 0-9 _, starting with a letter and ending with a
// letter or digit, 2-50 characters (seed: CreatePlugin PluginName).
func validPluginName(n string) bool {
	if len(n) < 2 || len(n) > 50 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if !letter && !digit && c != '_' || i == 0 && !letter || i == len(n)-1 && c == '_' {
			return false
		}
	}
	return true
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
	PluginId              string            `json:"PluginId"`
	PluginName            string            `json:"PluginName"`
	PluginType            string            `json:"PluginType"`
	PluginData            string            `json:"PluginData"`
	Description           string            `json:"Description"`
	CreatedTime           string            `json:"CreatedTime"`
	ModifiedTime          string            `json:"ModifiedTime"`
	AttachedApiTotalCount int               `json:"AttachedApiTotalCount"`
	AttachedApis          []attachedApiInfo `json:"AttachedApis"`
	Tags                  []Tag             `json:"Tags"`
	ProjectId             string            `json:"ProjectId"`
}

// attachedApiInfo is the seed's AttachedApiInfo.
type attachedApiInfo struct {
	ServiceId    string `json:"ServiceId"`
	ServiceName  string `json:"ServiceName"`
	ServiceDesc  string `json:"ServiceDesc"`
	ApiId        string `json:"ApiId"`
	ApiName      string `json:"ApiName"`
	ApiDesc      string `json:"ApiDesc"`
	Environment  string `json:"Environment"`
	AttachedTime string `json:"AttachedTime"`
}

// attachedAPIs describes a plugin's live attachments (those whose service
// and API still exist), newest first (seed: default order is binding time,
// descending).
func attachedAPIs(tx *buntdb.Tx, p *pluginRecord) []attachedApiInfo {
	out := []attachedApiInfo{}
	for i := len(p.Attachments) - 1; i >= 0; i-- {
		at := p.Attachments[i]
		svc, err := getService(tx, at.ServiceId)
		if err != nil {
			continue
		}
		api, err := getAPI(tx, at.ServiceId, at.ApiId)
		if err != nil {
			continue
		}
		out = append(out, attachedApiInfo{ServiceId: svc.ServiceId, ServiceName: svc.ServiceName, ServiceDesc: svc.ServiceDesc,
			ApiId: at.ApiId, ApiName: api.Api.ApiName, ApiDesc: api.Api.ApiDesc, Environment: at.Environment, AttachedTime: at.AttachedTime})
	}
	return out
}

func viewPlugin(tx *buntdb.Tx, p *pluginRecord, limit, offset int) pluginView {
	apis := attachedAPIs(tx, p)
	tags := p.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return pluginView{PluginId: p.PluginId, PluginName: p.PluginName, PluginType: p.PluginType, PluginData: p.PluginData,
		Description: p.Description, CreatedTime: p.CreatedTime, ModifiedTime: p.ModifiedTime,
		AttachedApiTotalCount: len(apis), AttachedApis: page(apis, limit, offset), Tags: tags, ProjectId: p.ProjectId}
}

// hiddenPaging are the reserved sort and filter fields several Describe
// Actions accept (seed: "(hidden)" rows).
type hiddenPaging struct {
	Limit   *int64   `json:"Limit"`
	Offset  *int64   `json:"Offset"`
	Filters []Filter `json:"Filters"`
	Order   string   `json:"Order"`
	OrderBy string   `json:"OrderBy"`
}

// check validates paging; filters are reserved (seed: 暂不支持过滤).
func (h *hiddenPaging) check() (int, int, error) {
	if _, err := parseFilters(h.Filters); err != nil {
		return 0, 0, err
	}
	switch strings.ToLower(h.OrderBy) {
	case "", "asc", "desc":
	default:
		return 0, 0, tcapi.Errorf(errNotInOptions, "OrderBy %q: want asc or desc", h.OrderBy)
	}
	return paging(h.Limit, h.Offset)
}

func (a *Admin) createPlugin(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginName      string `json:"PluginName"`
		PluginType      string `json:"PluginType"`
		Description     string `json:"Description"`
		PluginData      string `json:"PluginData"`
		PluginAttribute string `json:"PluginAttribute"`
		Tags            []Tag  `json:"Tags"`
		ProjectId       string `json:"ProjectId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	switch {
	case in.PluginName == "":
		return nil, tcapi.Errorf(errMissing, "PluginName is required")
	case in.PluginType == "":
		return nil, tcapi.Errorf(errMissing, "PluginType is required (IPControl, TrafficControl, TrafficControlByParameter or Cors)")
	case in.PluginData == "":
		return nil, tcapi.Errorf(errMissing, "PluginData is required: the plugin's JSON definition")
	case !validPluginName(in.PluginName):
		return nil, tcapi.Errorf(errInvalidValue, "PluginName %q: 2-50 characters of a-z A-Z 0-9 _, starting with a letter and ending with a letter or digit", in.PluginName)
	case len([]rune(in.Description)) > 200:
		return nil, tcapi.Errorf("InvalidParameterValue.RangeExceeded", "Description: at most 200 characters")
	}
	switch in.PluginAttribute {
	case "", "System", "Custom":
	default:
		return nil, tcapi.Errorf(errNotInOptions, "PluginAttribute %q: want System or Custom", in.PluginAttribute)
	}
	if err := checkPluginData(in.PluginType, in.PluginData); err != nil {
		return nil, err
	}
	now := isoTime(a.opts.Now())
	rec := pluginRecord{PluginId: newID("plugin-"), PluginName: in.PluginName, PluginType: in.PluginType, PluginData: in.PluginData,
		Description: in.Description, PluginAttribute: in.PluginAttribute, ProjectId: in.ProjectId, Tags: in.Tags,
		CreatedTime: now, ModifiedTime: now}
	var view pluginView
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		seq, err := nextPluginSeq(tx)
		if err != nil {
			return false, err
		}
		rec.Seq = seq
		view = viewPlugin(tx, &rec, 20, 0)
		return false, store.SetJSON(tx, pluginKey(rec.PluginId), rec)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": view}, nil
}

func (a *Admin) modifyPlugin(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginId    string  `json:"PluginId"`
		PluginName  *string `json:"PluginName"`
		Description *string `json:"Description"`
		PluginData  *string `json:"PluginData"`
		ProjectId   *string `json:"ProjectId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.PluginName != nil && !validPluginName(*in.PluginName) {
		return nil, tcapi.Errorf(errInvalidValue, "PluginName %q: 2-50 characters of a-z A-Z 0-9 _, starting with a letter and ending with a letter or digit", *in.PluginName)
	}
	if in.Description != nil && len([]rune(*in.Description)) > 200 {
		return nil, tcapi.Errorf("InvalidParameterValue.RangeExceeded", "Description: at most 200 characters")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return false, err
		}
		publish := false
		if in.PluginData != nil && *in.PluginData != p.PluginData {
			if err := checkPluginData(p.PluginType, *in.PluginData); err != nil {
				return false, err
			}
			p.PluginData = *in.PluginData
			// New data changes traffic wherever the plugin is attached.
			publish = len(p.Attachments) > 0
		}
		if in.PluginName != nil {
			p.PluginName = *in.PluginName
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.ProjectId != nil {
			p.ProjectId = *in.ProjectId
		}
		p.ModifiedTime = isoTime(a.opts.Now())
		return publish, store.SetJSON(tx, pluginKey(p.PluginId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

// deletePlugin removes a plugin and, with it, its attachments (the seed
// lists no "still attached" error for DeletePlugin); the change is
// published at once.
func (a *Admin) deletePlugin(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginId string `json:"PluginId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return false, err
		}
		_, err = tx.Delete(pluginKey(p.PluginId))
		return len(p.Attachments) > 0, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) describePlugin(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginId string `json:"PluginId"`
		hiddenPaging
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := in.check()
	if err != nil {
		return nil, err
	}
	var view pluginView
	err = a.db.View(func(tx *buntdb.Tx) error {
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return err
		}
		view = viewPlugin(tx, &p, limit, offset)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": view}, nil
}

func (a *Admin) describePlugins(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginIds       []string `json:"PluginIds"`
		PluginName      string   `json:"PluginName"`
		PluginType      string   `json:"PluginType"`
		PluginAttribute string   `json:"PluginAttribute"`
		hiddenPaging
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := in.check()
	if err != nil {
		return nil, err
	}
	set := []pluginView{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		all, err := listPlugins(tx)
		if err != nil {
			return err
		}
		// Newest first (seed: default order is creation time, descending).
		for i := len(all) - 1; i >= 0; i-- {
			p := &all[i]
			if len(in.PluginIds) > 0 && !contains(in.PluginIds, p.PluginId) ||
				in.PluginName != "" && !strings.Contains(strings.ToLower(p.PluginName), strings.ToLower(in.PluginName)) ||
				in.PluginType != "" && p.PluginType != in.PluginType ||
				in.PluginAttribute != "" && attributeOf(p) != in.PluginAttribute {
				continue
			}
			set = append(set, viewPlugin(tx, p, 100, 0))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(in.OrderBy, "asc") {
		for i, j := 0, len(set)-1; i < j; i, j = i+1, j-1 {
			set[i], set[j] = set[j], set[i]
		}
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "PluginSet": page(set, limit, offset)}}, nil
}

func attributeOf(p *pluginRecord) string {
	if p.PluginAttribute == "" {
		return "System"
	}
	return p.PluginAttribute
}

// attachConflict reports the plugin already attached to the API in env
// that p may not share it with: one flow-control plugin per API (seed
// 参数流量控制插件: 一个 API 只能绑定一个流控插件), and one Cors plugin (two
// CORS policies cannot both answer a preflight).
func attachConflict(all []pluginRecord, p *pluginRecord, svc, env, api string) *pluginRecord {
	for i := range all {
		o := &all[i]
		if o.PluginId == p.PluginId {
			continue
		}
		kindClash := snapshot.IsFlowControl(p.PluginType) && snapshot.IsFlowControl(o.PluginType) ||
			p.PluginType == snapshot.PluginCors && o.PluginType == snapshot.PluginCors
		if !kindClash {
			continue
		}
		for _, at := range o.Attachments {
			if at.ServiceId == svc && at.Environment == env && at.ApiId == api {
				return o
			}
		}
	}
	return nil
}

func (a *Admin) attachPlugin(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginId        string   `json:"PluginId"`
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
	if len(in.ApiIds) == 0 {
		return nil, tcapi.Errorf(errMissing, "ApiIds is required")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return false, err
		}
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		all, err := listPlugins(tx)
		if err != nil {
			return false, err
		}
		now := isoTime(a.opts.Now())
		changed := false
		for _, id := range in.ApiIds {
			if _, err := getAPI(tx, in.ServiceId, id); err != nil {
				return false, err
			}
			if o := attachConflict(all, &p, in.ServiceId, in.EnvironmentName, id); o != nil {
				return false, tcapi.Errorf("UnsupportedOperation.AttachPlugin",
					"API %s already has %s plugin %s in %s; an API takes one flow-control plugin and one Cors plugin (detach %s first)",
					id, o.PluginType, o.PluginId, in.EnvironmentName, o.PluginId)
			}
			dup := false
			for _, at := range p.Attachments {
				dup = dup || at.ServiceId == in.ServiceId && at.Environment == in.EnvironmentName && at.ApiId == id
			}
			if !dup {
				p.Attachments = append(p.Attachments, pluginAttachment{ServiceId: in.ServiceId, Environment: in.EnvironmentName, ApiId: id, AttachedTime: now})
				changed = true
			}
		}
		if !changed {
			return false, nil
		}
		return true, store.SetJSON(tx, pluginKey(p.PluginId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) detachPlugin(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginId        string `json:"PluginId"`
		ServiceId       string `json:"ServiceId"`
		EnvironmentName string `json:"EnvironmentName"`
		ApiId           string `json:"ApiId"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	if in.ApiId == "" {
		return nil, tcapi.Errorf(errMissing, "ApiId is required")
	}
	err := a.write(func(tx *buntdb.Tx) (bool, error) {
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return false, err
		}
		if _, err := getService(tx, in.ServiceId); err != nil {
			return false, err
		}
		kept := p.Attachments[:0]
		for _, at := range p.Attachments {
			if !(at.ServiceId == in.ServiceId && at.Environment == in.EnvironmentName && at.ApiId == in.ApiId) {
				kept = append(kept, at)
			}
		}
		if len(kept) == len(p.Attachments) {
			return false, tcapi.Errorf("InvalidParameterValue.InvalidApiIds", "plugin %s is not attached to API %s in %s", p.PluginId, in.ApiId, in.EnvironmentName)
		}
		p.Attachments = kept
		return true, store.SetJSON(tx, pluginKey(p.PluginId), p)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": true}, nil
}

func (a *Admin) describePluginApis(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		PluginId string `json:"PluginId"`
		hiddenPaging
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	limit, offset, err := in.check()
	if err != nil {
		return nil, err
	}
	var apis []attachedApiInfo
	err = a.db.View(func(tx *buntdb.Tx) error {
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return err
		}
		apis = attachedAPIs(tx, &p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(apis), "AttachedApis": page(apis, limit, offset)}}, nil
}

// availableApiInfo is the seed's AvailableApiInfo.
type availableApiInfo struct {
	ApiId               string `json:"ApiId"`
	ApiName             string `json:"ApiName"`
	ApiType             string `json:"ApiType"`
	Path                string `json:"Path"`
	Method              string `json:"Method"`
	AttachedOtherPlugin bool   `json:"AttachedOtherPlugin"`
	IsAttached          bool   `json:"IsAttached"`
}

func (a *Admin) describeAllPluginApis(_ context.Context, r *tcapi.Request) (any, error) {
	var in struct {
		ServiceId       string `json:"ServiceId"`
		PluginId        string `json:"PluginId"`
		EnvironmentName string `json:"EnvironmentName"`
		hiddenPaging
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if err := checkEnv(in.EnvironmentName); err != nil {
		return nil, err
	}
	limit, offset, err := in.check()
	if err != nil {
		return nil, err
	}
	set := []availableApiInfo{}
	err = a.db.View(func(tx *buntdb.Tx) error {
		if _, err := getService(tx, in.ServiceId); err != nil {
			return err
		}
		p, err := getPlugin(tx, in.PluginId)
		if err != nil {
			return err
		}
		all, err := listPlugins(tx)
		if err != nil {
			return err
		}
		list, err := listAPIs(tx, in.ServiceId)
		if err != nil {
			return err
		}
		for i := range list {
			api := &list[i].Api
			st := apiIDStatus(api)
			info := availableApiInfo{ApiId: api.ApiId, ApiName: api.ApiName, ApiType: st.ApiType, Path: st.Path, Method: st.Method}
			for j := range all {
				for _, at := range all[j].Attachments {
					if at.ServiceId == in.ServiceId && at.Environment == in.EnvironmentName && at.ApiId == api.ApiId {
						if all[j].PluginId == p.PluginId {
							info.IsAttached = true
						} else {
							info.AttachedOtherPlugin = true
						}
					}
				}
			}
			set = append(set, info)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Result": map[string]any{"TotalCount": len(set), "ApiSet": page(set, limit, offset)}}, nil
}
