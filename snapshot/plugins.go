package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/cond"
)

// Plugin types (seed 000, 插件使用; TrafficControlByParameter is the public
// cloud's name for 参数流量控制插件, see spec §14).
const (
	PluginIPControl                 = "IPControl"
	PluginTrafficControl            = "TrafficControl"
	PluginTrafficControlByParameter = "TrafficControlByParameter"
	PluginCors                      = "Cors"
)

// Limits on plugin data (seed 基础流控插件: 30 special apps and 30 special
// IPs; 参数流量控制插件: at most 10 strategies).
const (
	MaxSpecialApps   = 30
	MaxSpecialIPs    = 30
	MaxStrategies    = 10
	maxStrategyName  = 50
	maxCorsListItems = 100
)

// IsFlowControl reports the plugin types of which an API may have only one
// (seed: 一个 API 只能绑定一个流控插件).
func IsFlowControl(pluginType string) bool {
	return pluginType == PluginTrafficControl || pluginType == PluginTrafficControlByParameter
}

// PluginError is bad PluginData. Code is the seed's error code the control
// plane answers with: InvalidParameterValue.InvalidPluginConfig,
// .InvalidCondition or .DuplicatePluginConfig, or UnsupportedOperation for
// a type Edgegate does not run.
type PluginError struct {
	Code string
	Msg  string
}

func (e *PluginError) Error() string { return e.Msg }

const (
	codeBadConfig   = "InvalidParameterValue.InvalidPluginConfig"
	codeBadCond     = "InvalidParameterValue.InvalidCondition"
	codeDupConfig   = "InvalidParameterValue.DuplicatePluginConfig"
	codeUnsupported = "UnsupportedOperation"
)

func badConfig(format string, args ...any) error {
	return &PluginError{Code: codeBadConfig, Msg: fmt.Sprintf(format, args...)}
}

// ValidatePluginData checks a plugin's type and data the way Compile
// will, so that the control plane refuses bad data at CreatePlugin with
// InvalidParameterValue instead of failing a later publish.
func ValidatePluginData(pluginType, data string) error {
	switch pluginType {
	case PluginIPControl:
		return validateIPControlPlugin(data)
	case PluginTrafficControl:
		_, err := parseTrafficControl(data)
		return err
	case PluginTrafficControlByParameter:
		_, err := parseParamControl(data)
		return err
	case PluginCors:
		_, err := parseCors(data)
		return err
	case PluginCompression:
		_, err := parseCompression(data)
		return err
	}
	return &PluginError{Code: codeUnsupported, Msg: fmt.Sprintf("PluginType %q is not supported: Edgegate runs IPControl, TrafficControl, TrafficControlByParameter and Cors plugins, and its own Compression", pluginType)}
}

// decodeStrict decodes one JSON object, refusing unknown keys (a typo must
// not silently drop a limit) and trailing data.
func decodeStrict(data string, v any) error {
	if strings.TrimSpace(data) == "" {
		return badConfig("PluginData is empty: want a JSON object")
	}
	d := json.NewDecoder(strings.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return badConfig("PluginData is not valid JSON: %v (at byte %d)", err, se.Offset)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return badConfig("PluginData is not valid JSON: it ends early")
		}
		return badConfig("PluginData: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if d.More() {
		return badConfig("PluginData: unexpected data after the JSON object")
	}
	return nil
}

// Window is a limit's window.
type Window uint8

// Windows (seed 控制时长: 秒/分/时/天).
const (
	Second Window = iota
	Minute
	Hour
	Day
	NumWindows
)

var windowNames = [...]string{"second", "minute", "hour", "day"}
var windowSeconds = [...]int64{1, 60, 3600, 86400}

func (w Window) String() string { return windowNames[w] }

// Seconds is the window's length.
func (w Window) Seconds() int64 { return windowSeconds[w] }

func windowFromSeconds(s int64) (Window, bool) {
	for w, n := range windowSeconds {
		if n == s {
			return Window(w), true
		}
	}
	return 0, false
}

// TrafficControlData is the PluginData of a TrafficControl plugin (seed
// 000 lines 1756-1782, with the missing "]," restored).
type TrafficControlData struct {
	ExpireType        string          `json:"expire_type"`
	Expire            *int64          `json:"expire,omitempty"`
	APIRateLimit      int64           `json:"api_rate_limit"`
	AppRateLimit      int64           `json:"app_rate_limit,omitempty"`
	IPRateLimit       int64           `json:"ip_rate_limit,omitempty"`
	SpecAppRateLimits []SpecAppLimit  `json:"spec_app_rate_limits,omitempty"`
	SpecIPRateLimits  []SpecIPLimitIn `json:"spec_ip_rate_limits,omitempty"`

	// Edgegate extensions for Huawei throttles (admin/hwthrottles.go):
	// UserRateLimit limits each API key (key-pair SecretId: Huawei's
	// user_call_limits, "each user"), SpecUserRateLimits gives single keys
	// their own (Huawei's special throttles of type USER), and Shared
	// (Huawei's type 2) makes api_rate_limit count the calls of all the
	// plugin's APIs together instead of each API's.
	UserRateLimit      int64           `json:"user_rate_limit,omitempty"`
	SpecUserRateLimits []SpecUserLimit `json:"spec_user_rate_limits,omitempty"`
	Shared             bool            `json:"shared,omitempty"`
}

// SpecUserLimit is one special API key's own limit.
type SpecUserLimit struct {
	UserID    string `json:"user_id"`
	RateLimit int64  `json:"rate_limit"`
}

// SpecAppLimit is one special app's own limit.
type SpecAppLimit struct {
	AppID     string `json:"app_id"`
	RateLimit int64  `json:"rate_limit"`
}

// SpecIPLimitIn is one special client IP's own limit.
type SpecIPLimitIn struct {
	IPKey     string `json:"ip_key"`
	RateLimit int64  `json:"rate_limit"`
}

// trafficPlugin is a parsed TrafficControl plugin.
type trafficPlugin struct {
	window                      Window
	api, app, ip, user          int64
	specApps, specIPs, specKeys map[string]int64
	shared                      bool
}

func parseTrafficControl(data string) (*trafficPlugin, error) {
	var d TrafficControlData
	if err := decodeStrict(data, &d); err != nil {
		return nil, err
	}
	w := -1
	for i, n := range windowNames {
		if strings.EqualFold(d.ExpireType, n) {
			w = i
		}
	}
	if w < 0 {
		return nil, badConfig("expire_type %q: want second, minute, hour or day", d.ExpireType)
	}
	if d.Expire != nil && *d.Expire != 1 {
		return nil, badConfig("expire %d: only 1 is supported (the limit counts per one %s)", *d.Expire, windowNames[w])
	}
	if d.APIRateLimit <= 0 {
		return nil, badConfig("api_rate_limit is required and must be a positive integer")
	}
	if d.AppRateLimit < 0 || d.IPRateLimit < 0 || d.UserRateLimit < 0 {
		return nil, badConfig("app_rate_limit, ip_rate_limit and user_rate_limit must be positive integers when set")
	}
	if len(d.SpecUserRateLimits) > MaxSpecialApps {
		return nil, badConfig("spec_user_rate_limits has %d entries: at most %d special keys", len(d.SpecUserRateLimits), MaxSpecialApps)
	}
	if len(d.SpecAppRateLimits) > MaxSpecialApps {
		return nil, badConfig("spec_app_rate_limits has %d entries: at most %d special apps", len(d.SpecAppRateLimits), MaxSpecialApps)
	}
	if len(d.SpecIPRateLimits) > MaxSpecialIPs {
		return nil, badConfig("spec_ip_rate_limits has %d entries: at most %d special IPs", len(d.SpecIPRateLimits), MaxSpecialIPs)
	}
	p := &trafficPlugin{window: Window(w), api: d.APIRateLimit, app: d.AppRateLimit, ip: d.IPRateLimit, user: d.UserRateLimit,
		specApps: map[string]int64{}, specIPs: map[string]int64{}, specKeys: map[string]int64{}, shared: d.Shared}
	for i, s := range d.SpecUserRateLimits {
		if err := addSpecial(p.specKeys, "spec_user_rate_limits", "user_id", "key", i, s.UserID, s.RateLimit); err != nil {
			return nil, err
		}
	}
	for i, s := range d.SpecAppRateLimits {
		if err := addSpecial(p.specApps, "spec_app_rate_limits", "app_id", "app", i, s.AppID, s.RateLimit); err != nil {
			return nil, err
		}
	}
	for i, s := range d.SpecIPRateLimits {
		a, err := netip.ParseAddr(s.IPKey)
		if err != nil {
			return nil, badConfig("spec_ip_rate_limits[%d].ip_key %q is not an IP address", i, s.IPKey)
		}
		if s.RateLimit <= 0 {
			return nil, badConfig("spec_ip_rate_limits[%d].rate_limit must be a positive integer", i)
		}
		k := a.Unmap().String()
		if _, dup := p.specIPs[k]; dup {
			return nil, &PluginError{Code: codeDupConfig, Msg: fmt.Sprintf("spec_ip_rate_limits: IP %s is listed twice", k)}
		}
		p.specIPs[k] = s.RateLimit
	}
	return p, nil
}

// addSpecial checks entry i of a list of special callers (field list, id
// member idName, naming a what) and adds it to m.
func addSpecial(m map[string]int64, list, idName, what string, i int, id string, limit int64) error {
	if id == "" {
		return badConfig("%s[%d].%s is required", list, i, idName)
	}
	if limit <= 0 {
		return badConfig("%s[%d].rate_limit must be a positive integer", list, i)
	}
	if _, dup := m[id]; dup {
		return &PluginError{Code: codeDupConfig, Msg: fmt.Sprintf("%s: %s %s is listed twice", list, what, id)}
	}
	m[id] = limit
	return nil
}

// ParamControlData is the PluginData of a TrafficControlByParameter plugin
// (seed 000 lines 1913-1935).
type ParamControlData struct {
	DefaultWindow    int64             `json:"default_window"`
	DefaultRateLimit int64             `json:"default_rate_limit,omitempty"`
	Strategies       []ParamStrategyIn `json:"strategies"`
}

// ParamStrategyIn is one strategy as the operator writes it.
type ParamStrategyIn struct {
	Name           string       `json:"name"`
	StrategyWeight int64        `json:"strategy_weight"`
	Parameters     []ParamRefIn `json:"parameters"`
	RateLimit      int64        `json:"rate_limit"`
	Window         int64        `json:"window"`
	Condition      string       `json:"condition,omitempty"`
}

// ParamRefIn names the parameter a strategy counts by.
type ParamRefIn struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

func parseParamControl(data string) (*ParamPolicy, error) {
	var d ParamControlData
	if err := decodeStrict(data, &d); err != nil {
		return nil, err
	}
	pp := &ParamPolicy{}
	if d.DefaultWindow != 0 {
		w, ok := windowFromSeconds(d.DefaultWindow)
		if !ok {
			return nil, badConfig("default_window %d: want 0 (off), 1, 60, 3600 or 86400 seconds", d.DefaultWindow)
		}
		if d.DefaultRateLimit <= 0 {
			return nil, badConfig("default_rate_limit must be a positive integer when default_window is set")
		}
		pp.Default = &WindowLimit{Window: w, Limit: d.DefaultRateLimit}
	}
	if len(d.Strategies) == 0 {
		return nil, badConfig("strategies: at least one strategy is required")
	}
	if len(d.Strategies) > MaxStrategies {
		return nil, badConfig("strategies has %d entries: at most %d", len(d.Strategies), MaxStrategies)
	}
	names, weights := map[string]bool{}, map[int64]bool{}
	for i, s := range d.Strategies {
		at := fmt.Sprintf("strategies[%d]", i)
		if s.Name == "" || len(s.Name) > maxStrategyName {
			return nil, badConfig("%s.name is required, at most %d characters", at, maxStrategyName)
		}
		if names[s.Name] {
			return nil, &PluginError{Code: codeDupConfig, Msg: fmt.Sprintf("%s.name %q is used twice", at, s.Name)}
		}
		names[s.Name] = true
		if s.StrategyWeight < 0 || s.StrategyWeight > 100 {
			return nil, badConfig("%s.strategy_weight %d: want 0 to 100", at, s.StrategyWeight)
		}
		if weights[s.StrategyWeight] {
			return nil, &PluginError{Code: codeDupConfig, Msg: fmt.Sprintf("%s.strategy_weight %d is used twice (weights order the strategies and must be unique)", at, s.StrategyWeight)}
		}
		weights[s.StrategyWeight] = true
		if len(s.Parameters) != 1 {
			return nil, badConfig("%s.parameters: exactly one parameter is supported", at)
		}
		ref := ParamRef{Name: s.Parameters[0].Name}
		switch strings.ToLower(s.Parameters[0].Type) {
		case "header":
			ref.Src = cond.Header
			ref.Name = strings.ToLower(ref.Name)
		case "query":
			ref.Src = cond.Query
		case "path":
			ref.Src = cond.Path
		default:
			return nil, badConfig("%s.parameters[0].type %q: want header, query or path", at, s.Parameters[0].Type)
		}
		if ref.Name == "" && ref.Src != cond.Path {
			return nil, badConfig("%s.parameters[0].name is required for %s parameters", at, s.Parameters[0].Type)
		}
		if s.RateLimit <= 0 {
			return nil, badConfig("%s.rate_limit must be a positive integer", at)
		}
		w, ok := windowFromSeconds(s.Window)
		if !ok {
			return nil, badConfig("%s.window %d: want 1, 60, 3600 or 86400 seconds", at, s.Window)
		}
		prog, err := cond.Parse(s.Condition)
		if err != nil {
			return nil, &PluginError{Code: codeBadCond, Msg: fmt.Sprintf("%s.condition: %v", at, err)}
		}
		pp.Strategies = append(pp.Strategies, ParamStrategy{Name: s.Name, Weight: int(s.StrategyWeight), Param: ref,
			Limit: WindowLimit{Window: w, Limit: s.RateLimit}, Cond: prog})
	}
	// Higher weight first (seed: 按权重从高到低依次执行).
	sortStrategies(pp.Strategies)
	return pp, nil
}

func sortStrategies(s []ParamStrategy) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Weight > s[j-1].Weight; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// CorsData is the PluginData of a Cors plugin (seed 000 lines 1820-1846).
type CorsData struct {
	AllowOrigin      []string `json:"allow_origin"`
	AllowMethods     []string `json:"allow_methods"`
	AllowHeaders     []string `json:"allow_headers,omitempty"`
	ExposeHeaders    []string `json:"expose_headers,omitempty"`
	AllowCredentials bool     `json:"allow_credentials,omitempty"`
	MaxAge           int64    `json:"max_age"`
}

var corsMethods = []string{"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"}

func parseCors(data string) (*CORS, error) {
	var d CorsData
	if err := decodeStrict(data, &d); err != nil {
		return nil, err
	}
	c := &CORS{Credentials: d.AllowCredentials, FromPlugin: true}
	if len(d.AllowOrigin) == 0 {
		return nil, badConfig("allow_origin is required: a list of origins such as \"https://app.example.com\", or \"*\"")
	}
	if len(d.AllowOrigin) > maxCorsListItems || len(d.AllowHeaders) > maxCorsListItems || len(d.ExposeHeaders) > maxCorsListItems {
		return nil, badConfig("at most %d entries per list", maxCorsListItems)
	}
	for i, o := range d.AllowOrigin {
		o = strings.TrimSpace(o)
		// The seed's example prints "**" where its text says "*".
		if o == "*" || o == "**" {
			c.AnyOrigin = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, badConfig("allow_origin[%d] %q: want scheme://host[:port] (scheme http or https), scheme://*.domain, or *", i, o)
		}
		host := strings.ToLower(u.Host)
		if strings.HasPrefix(host, "*.") {
			if strings.Contains(host[2:], "*") || len(host) < 4 {
				return nil, badConfig("allow_origin[%d] %q: a wildcard is only allowed as the first label", i, o)
			}
			c.Wildcards = append(c.Wildcards, OriginWildcard{Prefix: u.Scheme + "://", Suffix: host[1:]})
			continue
		}
		if strings.Contains(host, "*") {
			return nil, badConfig("allow_origin[%d] %q: a wildcard is only allowed as the first label", i, o)
		}
		c.Origins = append(c.Origins, u.Scheme+"://"+host)
	}
	if len(d.AllowMethods) == 0 {
		return nil, badConfig("allow_methods is required: one or more of GET, PUT, POST, DELETE, HEAD, PATCH, OPTIONS")
	}
	var ms []string
	for i, m := range d.AllowMethods {
		m = strings.ToUpper(strings.TrimSpace(m))
		ok := m == "*"
		for _, x := range corsMethods {
			ok = ok || x == m
		}
		if !ok {
			return nil, badConfig("allow_methods[%d] %q: want GET, PUT, POST, DELETE, HEAD, PATCH, OPTIONS or *", i, d.AllowMethods[i])
		}
		if m == "*" {
			ms = append([]string(nil), corsMethods...)
			break
		}
		if !containsStr(ms, m) {
			ms = append(ms, m)
		}
	}
	c.Methods = ms
	hs, anyH, err := headerList("allow_headers", d.AllowHeaders)
	if err != nil {
		return nil, err
	}
	c.AllowHeaders, c.AnyHeader = hs, anyH
	ex, anyE, err := headerList("expose_headers", d.ExposeHeaders)
	if err != nil {
		return nil, err
	}
	c.ExposeHeaders = ex
	if anyE {
		c.ExposeHeaders = []string{"*"}
	}
	if d.MaxAge <= 0 || d.MaxAge > 86400*7 {
		return nil, badConfig("max_age is required: a positive number of seconds, at most 604800")
	}
	c.MaxAge = d.MaxAge
	return c, nil
}

func headerList(field string, in []string) ([]string, bool, error) {
	var out []string
	for i, h := range in {
		h = strings.TrimSpace(h)
		if h == "*" {
			return nil, true, nil
		}
		if !validHeaderName(h) {
			return nil, false, badConfig("%s[%d] %q is not a header name", field, i, in[i])
		}
		out = append(out, h)
	}
	return out, false, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CORS is the compiled cross-origin policy of a route.
type CORS struct {
	// FromPlugin is false for the API's EnableCORS default.
	FromPlugin bool
	AnyOrigin  bool
	Origins    []string // "scheme://host[:port]", lower case
	Wildcards  []OriginWildcard
	// Methods is what preflights may ask for and what the gateway lists.
	Methods       []string
	AllowHeaders  []string
	AnyHeader     bool // "*": echo Access-Control-Request-Headers
	ExposeHeaders []string
	Credentials   bool
	MaxAge        int64
}

// OriginWildcard matches Prefix + <one or more labels> + Suffix
// ("https://" + "a.b" + ".example.com").
type OriginWildcard struct {
	Prefix, Suffix string
}

// AllowsOrigin reports whether origin (the request's Origin value) may
// read responses. It does not allocate.
func (c *CORS) AllowsOrigin(origin []byte) bool {
	if c.AnyOrigin {
		return len(origin) > 0
	}
	for _, o := range c.Origins {
		if ascii.EqualFoldString(origin, o) {
			return true
		}
	}
	for _, w := range c.Wildcards {
		if len(origin) > len(w.Prefix)+len(w.Suffix) && ascii.EqualFoldString(origin[:len(w.Prefix)], w.Prefix) &&
			ascii.EqualFoldString(origin[len(origin)-len(w.Suffix):], w.Suffix) &&
			bytes.IndexByte(origin[len(w.Prefix):len(origin)-len(w.Suffix)], '/') < 0 {
			return true
		}
	}
	return false
}

// AllowsMethod reports whether a preflight may ask for method.
func (c *CORS) AllowsMethod(method []byte) bool {
	for _, m := range c.Methods {
		if string(method) == m {
			return true
		}
	}
	return false
}

// enableCORS is the policy of an API's EnableCORS switch without a Cors
// plugin: any origin, the API's own method (every method for ANY), the
// requested headers, ten minutes of preflight caching, no credentials.
func enableCORS(method string) *CORS {
	ms := []string{strings.ToUpper(method)}
	if strings.EqualFold(method, "ANY") || method == "" {
		ms = append([]string(nil), corsMethods...)
	}
	return &CORS{AnyOrigin: true, Methods: ms, AnyHeader: true, MaxAge: 600}
}
