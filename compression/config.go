package compression

import (
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/ascii"
)

// Defaults and bounds of Config.
const (
	// DefaultMinSize: bodies shorter than this (when their length is
	// known) are sent as they are. Below ~1 KiB a gzip member's 18 bytes of
	// header and trailer and the chunk framing eat much of the gain, and the
	// per-response CPU is the same (nginx's equivalent: gzip_min_length 1024).
	DefaultMinSize = 1024
	// DefaultGzipLevel is nginx's default gzip_comp_level, so that the
	// comparison with nginx is like for like.
	DefaultGzipLevel = 1
	// DefaultZstdLevel is klauspost's SpeedFastest (about zstd -1).
	DefaultZstdLevel = 1
	// MaxZstdLevel: levels 3 and 4 cost several times the CPU and memory
	// of 1-2 for a few percent on API bodies; not for on-the-fly use.
	MaxZstdLevel = 2
	// MaxTypes bounds Config.Types.
	MaxTypes = 64
)

// DefaultTypes are the media-type patterns compressed when Config.Types is
// empty: text, JSON, JavaScript, XML, SVG, and any +json/+xml structured
// syntax suffix (RFC 6839).
var DefaultTypes = []string{
	"text/*",
	"application/json",
	"application/javascript",
	"application/xml",
	"image/svg+xml",
	"*/*+json",
	"*/*+xml",
}

// DefaultCodings is the default offer, best first: zstd compresses API
// bodies better than gzip at the same speed (see doc.go); gzip is what
// every client has.
var DefaultCodings = []string{"zstd", "gzip"}

// Config is one API's compression setting, as the model and the snapshot
// carry it (field names in the model's Action-API style). The zero Config
// is "off".
type Config struct {
	// Enabled is the API's switch.
	Enabled bool `json:"Enabled"`
	// MinSize in bytes; 0 means DefaultMinSize.
	MinSize int64 `json:"MinSize,omitempty"`
	// Types are media-type patterns: "type/subtype", "type/*", or
	// "*/*+suffix". Empty means DefaultTypes. Media that are already
	// compressed (images but SVG, audio, video, archives) are refused.
	Types []string `json:"Types,omitempty"`
	// Codings are offered in this order of preference ("zstd", "gzip").
	// Empty means DefaultCodings.
	Codings []string `json:"Codings,omitempty"`
	// GzipLevel is 1 (fastest) to 9 (smallest); 0 means DefaultGzipLevel.
	GzipLevel int `json:"GzipLevel,omitempty"`
	// ZstdLevel is 1 (fastest) to MaxZstdLevel; 0 means DefaultZstdLevel.
	ZstdLevel int `json:"ZstdLevel,omitempty"`
}

// Policy is a compiled Config: what Decide reads on the hot path. It is
// immutable, so any number of loops may share it.
type Policy struct {
	enabled   bool
	minSize   int64
	types     []typePattern
	offer     Offer
	gzipLevel uint8
	zstdLevel uint8
}

// typePattern is one compiled media-type pattern, lower case.
type typePattern struct {
	typ, sub string // typ "" with sub "+json": a suffix pattern
	anySub   bool   // "type/*"
}

// Compile checks c and builds its Policy. Errors are *ConfigError.
func (c *Config) Compile() (*Policy, error) {
	p := &Policy{enabled: c.Enabled, minSize: c.MinSize, gzipLevel: DefaultGzipLevel, zstdLevel: DefaultZstdLevel}
	switch {
	case c.MinSize < 0:
		return nil, &ConfigError{Field: "MinSize", Code: CodeBadMinSize, Msg: "must not be negative"}
	case c.MinSize == 0:
		p.minSize = DefaultMinSize
	}
	if c.GzipLevel != 0 {
		if c.GzipLevel < 1 || c.GzipLevel > 9 {
			return nil, &ConfigError{Field: "GzipLevel", Code: CodeBadLevel, Msg: "must be 1 to 9"}
		}
		p.gzipLevel = uint8(c.GzipLevel)
	}
	if c.ZstdLevel != 0 {
		if c.ZstdLevel < 1 || c.ZstdLevel > MaxZstdLevel {
			return nil, &ConfigError{Field: "ZstdLevel", Code: CodeBadLevel, Msg: "must be 1 to " + strconv.Itoa(MaxZstdLevel)}
		}
		p.zstdLevel = uint8(c.ZstdLevel)
	}
	names := c.Codings
	if len(names) == 0 {
		names = DefaultCodings
	}
	var cs []Coding
	for _, n := range names {
		cd, ok := codingByName([]byte(strings.TrimSpace(n)))
		if !ok || !cd.offerable() {
			return nil, &ConfigError{Field: "Codings", Code: CodeUnsupportedCoding, Msg: strconv.Quote(n) + " is not one of zstd, gzip"}
		}
		cs = append(cs, cd)
	}
	var err error
	if p.offer, err = NewOffer(cs...); err != nil {
		return nil, err
	}
	types := c.Types
	if len(types) == 0 {
		types = DefaultTypes
	}
	if len(types) > MaxTypes {
		return nil, &ConfigError{Field: "Types", Code: CodeTooManyTypes, Msg: "at most " + strconv.Itoa(MaxTypes) + " patterns"}
	}
	for i, t := range types {
		tp, err := compileType(t)
		if err != nil {
			err.Field = "Types[" + strconv.Itoa(i) + "]"
			return nil, err
		}
		p.types = append(p.types, tp)
	}
	return p, nil
}

// Enabled reports the API's switch.
func (p *Policy) Enabled() bool { return p.enabled }

// Offer returns the codings offered, in preference order.
func (p *Policy) Offer() Offer { return p.offer }

// MinSize returns the minimum body size compressed.
func (p *Policy) MinSize() int64 { return p.minSize }

// Level returns the level used for coding c.
func (p *Policy) Level(c Coding) int {
	if c == Zstd {
		return int(p.zstdLevel)
	}
	return int(p.gzipLevel)
}

// compileType parses one pattern.
func compileType(s string) (typePattern, *ConfigError) {
	s = strings.ToLower(strings.TrimSpace(s))
	typ, sub, ok := strings.Cut(s, "/")
	bad := func(msg string) (typePattern, *ConfigError) {
		return typePattern{}, &ConfigError{Code: CodeBadType, Msg: strconv.Quote(s) + ": " + msg}
	}
	if !ok || !isToken(typ) || !isToken(sub) {
		return bad(`want "type/subtype", "type/*" or "*/*+suffix"`)
	}
	var tp typePattern
	switch {
	case typ == "*":
		plus := strings.LastIndexByte(sub, '+')
		if !strings.HasPrefix(sub, "*+") || plus != 1 || len(sub) == 2 {
			return bad(`a type wildcard needs a suffix: "*/*+json"`)
		}
		tp.sub = sub[1:]
	case sub == "*":
		tp.typ, tp.anySub = typ, true
	case strings.Contains(s, "*"):
		return bad(`"*" stands only for a whole subtype, or for both parts before a suffix`)
	default:
		tp.typ, tp.sub = typ, sub
	}
	// A pattern that can only ever name compressed media is a mistake.
	if tp.typ != "" && neverType([]byte(tp.typ), []byte(tp.sub)) {
		return typePattern{}, &ConfigError{Code: CodeIncompressible, Msg: strconv.Quote(s) + " names media that are already compressed"}
	}
	return tp, nil
}

// isToken reports whether s is a non-empty token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return s != ""
}

// compressible reports whether the Content-Type value v matches one of
// the policy's patterns and is not in the never list.
func (p *Policy) compressible(v []byte) bool {
	typ, sub, ok := splitMediaType(v)
	if !ok || neverType(typ, sub) {
		return false
	}
	for i := range p.types {
		tp := &p.types[i]
		switch {
		case tp.typ == "":
			if len(sub) > len(tp.sub) && ascii.EqualFold(sub[len(sub)-len(tp.sub):], tp.sub) {
				return true
			}
		case !ascii.EqualFold(typ, tp.typ):
		case tp.anySub || ascii.EqualFold(sub, tp.sub):
			return true
		}
	}
	return false
}

// splitMediaType returns the type and subtype of a Content-Type value
// (RFC 9110 §8.3.1: type "/" subtype *( OWS ";" OWS parameter )).
func splitMediaType(v []byte) (typ, sub []byte, ok bool) {
	end := len(v)
	for i, c := range v {
		if c == ';' {
			end = i
			break
		}
	}
	mt := ascii.TrimOWS(v[:end])
	for i, c := range mt {
		if c == '/' {
			typ, sub = mt[:i], mt[i+1:]
			return typ, sub, len(typ) > 0 && len(sub) > 0
		}
	}
	return nil, nil, false
}

// neverType reports media that must not be compressed whatever the
// configuration: already-compressed formats gain nothing and cost CPU
// (images but SVG, audio, video, WOFF fonts, archives), and event
// streams must reach the client event by event, which a compressor
// holding back a block would delay. A pattern's sub "*" counts as any
// subtype, so "image/*" is refused and "text/*" is not.
func neverType(typ, sub []byte) bool {
	switch {
	case ascii.EqualFold(typ, "image"):
		return !ascii.EqualFold(sub, "svg+xml")
	case ascii.EqualFold(typ, "audio"), ascii.EqualFold(typ, "video"):
		return true
	case ascii.EqualFold(typ, "font"):
		return ascii.EqualFold(sub, "woff") || ascii.EqualFold(sub, "woff2")
	case ascii.EqualFold(typ, "text"):
		return ascii.EqualFold(sub, "event-stream")
	case ascii.EqualFold(typ, "application"):
		for _, a := range archives {
			if ascii.EqualFold(sub, a) {
				return true
			}
		}
	}
	return false
}

// archives are application/ subtypes that are already compressed.
var archives = []string{
	"zip", "gzip", "x-gzip", "zstd", "x-bzip2", "x-xz", "x-7z-compressed",
	"vnd.rar", "x-rar-compressed", "x-compress", "x-lzip", "brotli",
}
