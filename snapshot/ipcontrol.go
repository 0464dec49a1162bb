package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/edgegate/edgegate/ipset"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/router"
)

// IPControl is the compiled form of IP strategies and IP-control plugins
// judged after routing (issue 7).
type IPControl struct {
	// Routes[i] are the rules of route i (router.Route.Index); nil or
	// shorter than the route table means no rule applies. Rules from one
	// strategy or plugin share one compiled set.
	Routes [][]IPRule
}

// IPRule is one white or black list that applies to a route.
type IPRule struct {
	Set *ipset.Set
	// White admits only members (seed: WHITE, white_list); otherwise the
	// list is black and refuses its members (BLACK, black_list).
	White bool
	// Source names the rule for operators: "IP strategy <id>" or
	// "IPControl plugin <id>".
	Source string
}

// Admit reports whether addr passes rule r.
func (r *IPRule) Admit(addr netip.Addr) bool {
	return r.Set.Contains(addr) == r.White
}

// Rules returns the rules of route i (nil when none applies).
func (c *IPControl) Rules(i int) []IPRule {
	if c == nil || i < 0 || i >= len(c.Routes) {
		return nil
	}
	return c.Routes[i]
}

// AdmitIP judges addr against every rule of a route: all must admit
// (seed 000 IP访问控制: a white list refuses what it does not list, a black
// list refuses what it lists). An unknown address (the zero Addr: an
// X-Forwarded-For entry that is not an address) is refused by any rule, so
// a rule never fails open. It returns the first refusing rule, or nil.
// It does not allocate.
func AdmitIP(rules []IPRule, addr netip.Addr) *IPRule {
	for i := range rules {
		if !addr.IsValid() || !rules[i].Admit(addr) {
			return &rules[i]
		}
	}
	return nil
}

// Strategy types (seed: CreateIPStrategy StrategyType).
const (
	StrategyWhite = "WHITE"
	StrategyBlack = "BLACK"
)

// ParseStrategy checks an IP strategy's type and data and compiles its
// list. The list is IPs, CIDR prefixes and a-b ranges separated by ';' or
// line breaks (ipset.Parse). n is the number of entries.
func ParseStrategy(strategyType, data string) (r IPRule, n int, err error) {
	switch strategyType {
	case StrategyWhite:
		r.White = true
	case StrategyBlack:
	default:
		return r, 0, fmt.Errorf("StrategyType %q: want WHITE or BLACK", strategyType)
	}
	if r.Set, n, err = ipset.Parse(data); err != nil {
		return r, 0, err
	}
	return r, n, nil
}

// IPControlPluginData is the PluginData of an IPControl plugin, the
// Tencent Cloud console's IP access control plugin (seed 000 插件使用 →
// IP访问控制; the seed does not print the schema):
//
//	{"type": "white_list", "blocks": "1.1.1.1\n10.0.0.0/8", "descriptions": {"1.1.1.1": "office"}}
//
// type is white_list (only listed addresses may call) or black_list
// (listed addresses may not). blocks lists IPs and CIDR prefixes (and
// a-b ranges) separated by ';' or line breaks; at least one entry, at most
// MaxIPEntries. descriptions is optional: a note per entry, kept but not
// interpreted. Unknown fields are refused, so a misspelt key can't
// silently turn a list off.
type IPControlPluginData struct {
	Type         string            `json:"type"`
	Blocks       string            `json:"blocks"`
	Descriptions map[string]string `json:"descriptions,omitempty"`
}

// MaxIPEntries bounds the entries of one IP list (strategy or plugin).
const MaxIPEntries = 10000

// parseIPControlPlugin checks PluginData and compiles its list.
func parseIPControlPlugin(data string) (IPRule, error) {
	var d IPControlPluginData
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return IPRule{}, fmt.Errorf("IPControl PluginData: %v", err)
	}
	if dec.More() {
		return IPRule{}, errors.New("IPControl PluginData: one JSON object expected")
	}
	var r IPRule
	switch strings.ToLower(d.Type) {
	case "white_list":
		r.White = true
	case "black_list":
	case "":
		return r, errors.New(`IPControl PluginData: "type" is required: white_list or black_list`)
	default:
		return r, fmt.Errorf(`IPControl PluginData: "type" %q: want white_list or black_list`, d.Type)
	}
	set, n, err := ipset.Parse(d.Blocks)
	if err != nil {
		return r, fmt.Errorf("IPControl PluginData blocks: %w", err)
	}
	if n == 0 {
		return r, errors.New(`IPControl PluginData: "blocks" must list at least one IP or CIDR`)
	}
	if n > MaxIPEntries {
		return r, fmt.Errorf("IPControl PluginData blocks: %d entries, at most %d", n, MaxIPEntries)
	}
	r.Set = set
	return r, nil
}

// validateIPControlPlugin checks the PluginData of an IPControl plugin;
// CreatePlugin and ModifyPlugin refuse what it refuses.
func validateIPControlPlugin(data string) error {
	_, err := parseIPControlPlugin(data)
	return err
}

// routeKey names the routes of one API in one environment.
type routeKey struct{ svc, env, api string }

func compileIPControl(p *model.Published, t *router.Table) (*IPControl, error) {
	c := &IPControl{}
	var plugins []model.Plugin
	if p.Traffic != nil {
		for _, pl := range p.Traffic.Plugins {
			if pl.PluginType == "IPControl" && len(pl.Attachments) > 0 {
				plugins = append(plugins, pl)
			}
		}
	}
	if (p.IPControl == nil || len(p.IPControl.Strategies) == 0) && len(plugins) == 0 {
		return c, nil
	}
	routes := t.Routes()
	byKey := map[routeKey][]int{}
	for _, r := range routes {
		k := routeKey{r.ServiceId, r.Environment, r.ApiId}
		byKey[k] = append(byKey[k], r.Index)
	}
	c.Routes = make([][]IPRule, len(routes))
	attach := func(rule IPRule, svc, env, api string) {
		for _, i := range byKey[routeKey{svc, env, api}] {
			c.Routes[i] = append(c.Routes[i], rule)
		}
	}
	if p.IPControl != nil {
		for _, s := range p.IPControl.Strategies {
			if len(s.Bindings) == 0 {
				continue
			}
			rule, _, err := ParseStrategy(s.StrategyType, s.StrategyData)
			if err != nil {
				return nil, &Error{ServiceId: s.ServiceId, Field: "IPStrategy " + s.StrategyId, Msg: err.Error()}
			}
			rule.Source = "IP strategy " + s.StrategyId
			for _, b := range s.Bindings {
				attach(rule, s.ServiceId, b.Environment, b.ApiId)
			}
		}
	}
	for _, pl := range plugins {
		rule, err := parseIPControlPlugin(pl.PluginData)
		if err != nil {
			return nil, &Error{Field: "Plugin " + pl.PluginId, Msg: err.Error()}
		}
		rule.Source = "IPControl plugin " + pl.PluginId
		for _, a := range pl.Attachments {
			attach(rule, a.ServiceId, a.Environment, a.ApiId)
		}
	}
	return c, nil
}
