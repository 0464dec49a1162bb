package snapshot

import (
	"errors"

	"github.com/edgegate/edgegate/compression"
)

// PluginCompression is an Edgegate extension, not a seed plugin type: its
// PluginData is a compression.Config as JSON (README, "Plugins"), attached
// per API and environment like the seed's plugins. An API takes one.
const PluginCompression = "Compression"

// parseCompression decodes and compiles a Compression plugin's data. Its
// errors carry the seed's InvalidParameterValue.InvalidPluginConfig code
// with the compression package's stable code first in the message
// ("CompressionBadLevel: GzipLevel: must be 1 to 9").
func parseCompression(data string) (*compression.Policy, error) {
	var c compression.Config
	if err := decodeStrict(data, &c); err != nil {
		return nil, err
	}
	p, err := c.Compile()
	if err != nil {
		var ce *compression.ConfigError
		if errors.As(err, &ce) {
			return nil, badConfig("%s", ce.Error())
		}
		return nil, badConfig("%v", err)
	}
	return p, nil
}
