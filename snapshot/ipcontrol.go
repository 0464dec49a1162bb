package snapshot

import (
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// IPControl is the compiled form of IP strategies and IP-control plugins judged after routing (issue 7).
type IPControl struct{}

func compileIPControl(p *model.Published, t *router.Table) (*IPControl, error) {
	return &IPControl{}, nil
}

// validateIPControlPlugin checks the PluginData of an IPControl plugin;
// CreatePlugin and ModifyPlugin refuse what it refuses.
func validateIPControlPlugin(data string) error { return nil }
