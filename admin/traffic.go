package admin

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/model"
)

// publishTraffic adds plugins (with their attachments) and environment
// strategies (issue 6) to what is published. Attachments and strategies
// of services that no longer exist are left out.
func (a *Admin) publishTraffic(tx *buntdb.Tx, p *model.Published) error {
	tr := &model.Traffic{}
	plugins, err := listPlugins(tx)
	if err != nil {
		return err
	}
	for i := range plugins {
		pl := &plugins[i]
		mp := model.Plugin{PluginId: pl.PluginId, PluginName: pl.PluginName, PluginType: pl.PluginType, PluginData: pl.PluginData}
		for _, at := range pl.Attachments {
			if !exists(tx, svcKey(at.ServiceId)) {
				continue
			}
			mp.Attachments = append(mp.Attachments, model.PluginAttachment{ServiceId: at.ServiceId, Environment: at.Environment, ApiId: at.ApiId})
		}
		tr.Plugins = append(tr.Plugins, mp)
	}
	var ferr error
	tx.AscendKeys("estrat:*", func(k, v string) bool {
		svc := strings.TrimPrefix(k, "estrat:")
		if !exists(tx, svcKey(svc)) {
			return true
		}
		var s strategyRecord
		if ferr = json.Unmarshal([]byte(v), &s); ferr != nil {
			return false
		}
		for _, env := range sortedKeys(s.Service) {
			tr.Strategies = append(tr.Strategies, model.EnvStrategy{ServiceId: svc, Environment: env, Strategy: s.Service[env]})
		}
		for _, env := range sortedKeys(s.Api) {
			for _, api := range sortedKeys(s.Api[env]) {
				tr.Strategies = append(tr.Strategies, model.EnvStrategy{ServiceId: svc, Environment: env, ApiId: api, Strategy: s.Api[env][api]})
			}
		}
		return true
	})
	if ferr != nil {
		return ferr
	}
	if len(tr.Plugins) > 0 || len(tr.Strategies) > 0 {
		p.Traffic = tr
	}
	return nil
}
