package cluster

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/limiter"
)

// DefaultPolicy is the Redis-down policy when --redis-down is not given:
// rate limits fail open (each edge enforces the full limit alone, as
// without Redis), usage-plan quotas fail closed (a quota is a total the
// cluster must never exceed; QuotaExceeded until Redis is back).
const DefaultPolicy = "open,quota:=closed"

// Policy is the per-limit Redis-down choice: a default and overrides by
// limit id prefix (the longest matching prefix wins). Limit ids are the
// edge's stable counter ids: "quota:<UsagePlanId>",
// "plan:<UsagePlanId>:key:<SecretId>" (plan QPS per key),
// "api:<service>:<env>:<api>:<window>" (API limits, folded from the
// flow-control plugin and API strategies), "svc:<service>:<env>:second"
// (environment strategies) and "plugin:<PluginId>:...:app:<ApiAppId>" /
// "...:ip:<addr>" (a plugin's special apps and IPs).
type Policy struct {
	def   int32
	rules []policyRule
}

type policyRule struct {
	prefix string
	state  int32
}

// ParsePolicy parses "open|closed[,<id prefix>=open|closed]...", e.g.
// "open,quota:=closed,plan:usagePlan-abc=closed".
func ParsePolicy(s string) (Policy, error) {
	p := Policy{def: limiter.GlobalOpen}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		prefix, v, has := strings.Cut(f, "=")
		if !has {
			prefix, v = "", f
		}
		var st int32
		switch v {
		case "open":
			st = limiter.GlobalOpen
		case "closed":
			st = limiter.GlobalClosed
		default:
			return Policy{}, fmt.Errorf("redis-down policy %q: want open or closed, or <limit id prefix>=open|closed", f)
		}
		if !has {
			p.def = st
			continue
		}
		if prefix == "" {
			return Policy{}, fmt.Errorf("redis-down policy %q: empty limit id prefix", f)
		}
		p.rules = append(p.rules, policyRule{prefix, st})
	}
	return p, nil
}

// For is the state limit id takes while Redis is down.
func (p Policy) For(id string) int32 {
	st, best := p.def, -1
	for _, r := range p.rules {
		if strings.HasPrefix(id, r.prefix) && len(r.prefix) > best {
			st, best = r.state, len(r.prefix)
		}
	}
	return st
}
