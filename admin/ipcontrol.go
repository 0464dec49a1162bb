package admin

import (
	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
)

// ipActions are the Actions of IP strategies (issue 7).
func (a *Admin) ipActions() map[string]tcapi.Handler {
	return map[string]tcapi.Handler{}
}

// publishIPControl adds IP strategies (issue 7) to what is published.
func (a *Admin) publishIPControl(tx *buntdb.Tx, p *model.Published) error {
	return nil
}
