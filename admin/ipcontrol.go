package admin

import (
	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/model"
)

// publishIPControl adds IP strategies (issue 7) to what is published: the
// bound ones of services that exist, with their bindings.
func (a *Admin) publishIPControl(tx *buntdb.Tx, p *model.Published) error {
	recs, err := listIPStrategies(tx, "")
	if err != nil {
		return err
	}
	var ipc model.IPControl
	exists := map[string]bool{}
	for _, r := range recs {
		if len(r.Bindings) == 0 {
			continue
		}
		ok, seen := exists[r.ServiceId]
		if !seen {
			var s serviceRecord
			ok, err = store.GetJSON(tx, svcKey(r.ServiceId), &s)
			if err != nil {
				return err
			}
			exists[r.ServiceId] = ok
		}
		if !ok {
			continue
		}
		ipc.Strategies = append(ipc.Strategies, model.IPStrategy{StrategyId: r.StrategyId, ServiceId: r.ServiceId,
			StrategyType: r.StrategyType, StrategyData: r.StrategyData, Bindings: r.Bindings})
	}
	if len(ipc.Strategies) > 0 {
		p.IPControl = &ipc
	}
	return nil
}
