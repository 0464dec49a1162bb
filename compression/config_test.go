package compression

import (
	"errors"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct {
		cfg   Config
		code  string
		field string
	}{
		{Config{Codings: []string{"br"}}, CodeUnsupportedCoding, "Codings"},
		{Config{Codings: []string{"deflate"}}, CodeUnsupportedCoding, "Codings"},
		{Config{Codings: []string{"identity"}}, CodeUnsupportedCoding, "Codings"},
		{Config{Codings: []string{"gzip", "x-gzip"}}, CodeDuplicateCoding, "Codings"},
		{Config{GzipLevel: 10}, CodeBadLevel, "GzipLevel"},
		{Config{GzipLevel: -1}, CodeBadLevel, "GzipLevel"},
		{Config{ZstdLevel: 3}, CodeBadLevel, "ZstdLevel"},
		{Config{MinSize: -1}, CodeBadMinSize, "MinSize"},
		{Config{Types: []string{"json"}}, CodeBadType, "Types[0]"},
		{Config{Types: []string{"text/plain", "*/*"}}, CodeBadType, "Types[1]"},
		{Config{Types: []string{"*/json"}}, CodeBadType, "Types[0]"},
		{Config{Types: []string{"application/*json"}}, CodeBadType, "Types[0]"},
		{Config{Types: []string{"*/*+"}}, CodeBadType, "Types[0]"},
		{Config{Types: []string{"text/ plain"}}, CodeBadType, "Types[0]"},
		{Config{Types: []string{"image/*"}}, CodeIncompressible, "Types[0]"},
		{Config{Types: []string{"image/png"}}, CodeIncompressible, "Types[0]"},
		{Config{Types: []string{"video/*"}}, CodeIncompressible, "Types[0]"},
		{Config{Types: []string{"Application/ZIP"}}, CodeIncompressible, "Types[0]"},
		{Config{Types: []string{"font/woff2"}}, CodeIncompressible, "Types[0]"},
		{Config{Types: []string{"text/event-stream"}}, CodeIncompressible, "Types[0]"},
		{Config{Types: make([]string, MaxTypes+1)}, CodeTooManyTypes, "Types"},
	} {
		_, err := c.cfg.Compile()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Code != c.code || ce.Field != c.field {
			t.Errorf("%+v: got %v, want %s at %s", c.cfg, err, c.code, c.field)
		}
	}
	for _, ok := range []Config{
		{},
		{Enabled: true, MinSize: 1, GzipLevel: 9, ZstdLevel: 2, Codings: []string{"GZIP", "zstd"}},
		{Types: []string{"text/*", "image/svg+xml", "*/*+json", "application/*", "font/ttf"}},
	} {
		if _, err := ok.Compile(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

func TestTypes(t *testing.T) {
	def := mustPolicy(t, Config{Enabled: true})
	app := mustPolicy(t, Config{Enabled: true, Types: []string{"application/*"}})
	for _, c := range []struct {
		ct       string
		def, app bool
	}{
		{"text/plain", true, false},
		{"TEXT/CSV;charset=utf-8", true, false},
		{"text/event-stream", false, false},
		{"application/json", true, true},
		{"application/json ; charset=utf-8", true, true},
		{"application/vnd.api+json", true, true},
		{"application/vnd.api+JSON", true, true},
		{"application/soap+xml", true, true},
		{"application/javascript", true, true},
		{"application/xml", true, true},
		{"application/octet-stream", false, true},
		{"application/zip", false, false},
		{"application/gzip", false, false},
		{"image/svg+xml", true, false},
		{"image/png", false, false},
		{"image/x+json", false, false}, // an image, whatever its suffix
		{"video/mp4", false, false},
		{"audio/ogg", false, false},
		{"application/+json", false, true}, // no subtype before the suffix
		{"json", false, false},
		{"/json", false, false},
		{"", false, false},
	} {
		if got := def.compressible([]byte(c.ct)); got != c.def {
			t.Errorf("default %q = %v", c.ct, got)
		}
		if got := app.compressible([]byte(c.ct)); got != c.app {
			t.Errorf("application/* %q = %v", c.ct, got)
		}
	}
}
