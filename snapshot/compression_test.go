package snapshot

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/compression"
)

// The Compression plugin compiles into a policy on the routes it is
// attached to, in that environment only.
func TestCompressionPluginCompiles(t *testing.T) {
	s := compiled(t, onePlugin("plugin-z", PluginCompression, `{"Enabled":true,"GzipLevel":1,"Codings":["gzip"],"MinSize":10}`))
	p := route(t, s, "release", "api-a").Compression
	if p == nil || !p.Enabled() || p.MinSize() != 10 || p.Level(compression.Gzip) != 1 || p.Offer().Len() != 1 || p.Offer().At(0) != compression.Gzip {
		t.Fatalf("policy %+v", p)
	}
	if route(t, s, "test", "api-a").Compression != nil || route(t, s, "release", "api-b").Compression != nil {
		t.Fatal("the plugin is attached to release/api-a only")
	}
	// Defaults: zstd then gzip, 1 KiB.
	p = route(t, compiled(t, onePlugin("plugin-z", PluginCompression, `{"Enabled":true}`)), "release", "api-a").Compression
	if p.MinSize() != compression.DefaultMinSize || p.Offer().Len() != 2 || p.Offer().At(0) != compression.Zstd {
		t.Fatalf("defaults %+v", p)
	}
}

// Bad Compression data is refused with the seed's InvalidPluginConfig
// code and the compression package's stable code in the message.
func TestCompressionPluginValidation(t *testing.T) {
	for _, c := range []struct{ data, frag string }{
		{`{"Enabled":true,"GzipLevel":10}`, compression.CodeBadLevel + ": GzipLevel"},
		{`{"Enabled":true,"ZstdLevel":3}`, compression.CodeBadLevel + ": ZstdLevel"},
		{`{"Enabled":true,"MinSize":-1}`, compression.CodeBadMinSize},
		{`{"Enabled":true,"Codings":["br"]}`, compression.CodeUnsupportedCoding},
		{`{"Enabled":true,"Codings":["gzip","gzip"]}`, compression.CodeDuplicateCoding},
		{`{"Enabled":true,"Types":["json"]}`, compression.CodeBadType + ": Types[0]"},
		{`{"Enabled":true,"Types":["image/png"]}`, compression.CodeIncompressible},
		{`{"Enabled":true,"Types":[` + strings.Repeat(`"text/a",`, compression.MaxTypes) + `"text/b"]}`, compression.CodeTooManyTypes},
		{`{"Enabled":true,"Level":1}`, `unknown field "Level"`},
		{`{"Enabled":"yes"}`, "Enabled"},
		{``, "empty"},
	} {
		err := ValidatePluginData(PluginCompression, c.data)
		var pe *PluginError
		if !errors.As(err, &pe) || pe.Code != codeBadConfig || !strings.Contains(pe.Msg, c.frag) {
			t.Errorf("%.60s: %v (want %s with %q)", c.data, err, codeBadConfig, c.frag)
		}
	}
	if err := ValidatePluginData(PluginCompression, `{"Enabled":false}`); err != nil {
		t.Errorf("a switched-off plugin is valid: %v", err)
	}
}
