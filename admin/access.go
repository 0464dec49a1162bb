package admin

import (
	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
)

// accessActions are the Actions of keys, usage plans and apps (issue 5).
func (a *Admin) accessActions() map[string]tcapi.Handler {
	return map[string]tcapi.Handler{}
}

// publishAccess adds keys, usage plans and apps (issue 5) to what is published.
func (a *Admin) publishAccess(tx *buntdb.Tx, p *model.Published) error {
	return nil
}
