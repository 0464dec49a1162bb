package snapshot

import (
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// Traffic is the compiled form of limits, flow-control plugins and CORS (issue 6).
type Traffic struct{}

func compileTraffic(p *model.Published, t *router.Table) (*Traffic, error) {
	return &Traffic{}, nil
}
