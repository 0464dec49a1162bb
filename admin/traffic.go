package admin

import (
	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
)

// trafficActions are the Actions of plugins and environment strategies (issue 6).
func (a *Admin) trafficActions() map[string]tcapi.Handler {
	return map[string]tcapi.Handler{}
}

// publishTraffic adds plugins and environment strategies (issue 6) to what is published.
func (a *Admin) publishTraffic(tx *buntdb.Tx, p *model.Published) error {
	return nil
}
