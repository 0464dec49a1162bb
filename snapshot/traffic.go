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

// ValidatePluginData checks a plugin's type and data the way Compile
// will, so that the control plane refuses bad data at CreatePlugin with
// InvalidParameterValue instead of failing a later publish.
func ValidatePluginData(pluginType, data string) error {
	if pluginType == "IPControl" {
		return validateIPControlPlugin(data)
	}
	return nil
}
