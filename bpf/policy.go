package bpf

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Sizes shared with xdp_filter.c.
const (
	// MaxRules is the number of per-rule counter slots. Rule ids past
	// MaxRules-1 share the last slot (the per-CPU array costs
	// MaxRules*16 bytes per CPU).
	MaxRules = 16384
	// MaxPrefixes bounds each LPM trie.
	MaxPrefixes = 1 << 20

	portJudged    = 1
	portAllowOnly = 2
)

// File is the firewall file (--firewall): gateway-wide lists, enforced
// before routing (XDP, or the accept-time twin).
//
//	deny: ["203.0.113.0/24", "198.51.100.7", "10.0.0.1-10.0.0.50"]
//	allow_only:
//	  "9000": ["10.0.0.0/8", "2001:db8::/32"]
//	ports: [9443]
//
// Deny applies to every judged port: the gateway's listen port, each
// allow_only port and the extra Ports. An allow_only port admits only the
// sources in its list. Deny wins over allow.
type File struct {
	Deny      []string            `json:"deny"`
	AllowOnly map[string][]string `json:"allow_only"`
	Ports     []uint16            `json:"ports"`
}

// LoadFile reads a firewall file (YAML or JSON).
func LoadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("firewall file: %w", err)
	}
	f, err := ParseFile(b)
	if err != nil {
		return nil, fmt.Errorf("firewall file %s: %w", path, err)
	}
	return f, nil
}

// ParseFile parses a firewall file's bytes; unknown fields are errors.
func ParseFile(b []byte) (*File, error) {
	var f File
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Entry is one prefix of a rule. Port is 0 for the deny list.
type Entry struct {
	Port   uint16
	Prefix netip.Prefix
	Rule   uint32
}

// Rule names a counter slot: Rules[id] of a Policy.
type Rule struct {
	Name string // e.g. `deny[2] 10.0.0.1-10.0.0.50`
	Drop bool   // a deny rule (counts drops) or an allow rule (counts passes)
}

// Policy is a compiled firewall: what both the XDP maps and the twin hold.
type Policy struct {
	Deny  []Entry           // Port 0
	Allow []Entry           // per allow-only port
	Ports map[uint16]uint32 // judged ports and their flags
	Rules []Rule            // by id; Rules[0] is the default (no list matched)
}

// Compile turns a file (nil: no lists) into a Policy judging the gateway's
// ports plus the file's. Every entry is parsed; errors name the entry.
func Compile(f *File, gatewayPorts ...uint16) (*Policy, error) {
	if f == nil {
		f = &File{}
	}
	p := &Policy{Ports: map[uint16]uint32{}, Rules: []Rule{{Name: "default"}}}
	judge := func(port uint16) {
		if port != 0 {
			p.Ports[port] |= portJudged
		}
	}
	for _, port := range gatewayPorts {
		judge(port)
	}
	for _, port := range f.Ports {
		if port == 0 {
			return nil, fmt.Errorf("ports: 0 is not a port")
		}
		judge(port)
	}
	addRule := func(name string, drop bool) uint32 {
		id := uint32(len(p.Rules))
		if id >= MaxRules {
			return MaxRules - 1 // shared counter slot (doc on MaxRules)
		}
		p.Rules = append(p.Rules, Rule{Name: name, Drop: drop})
		return id
	}
	seenDeny := map[netip.Prefix]bool{}
	for i, s := range f.Deny {
		pfx, err := ParseSource(s)
		if err != nil {
			return nil, fmt.Errorf("deny[%d]: %w", i, err)
		}
		id := addRule(fmt.Sprintf("deny[%d] %s", i, strings.TrimSpace(s)), true)
		for _, x := range pfx {
			if !seenDeny[x] { // the first rule listing a prefix owns it
				seenDeny[x] = true
				p.Deny = append(p.Deny, Entry{Prefix: x, Rule: id})
			}
		}
	}
	ports := make([]string, 0, len(f.AllowOnly))
	for k := range f.AllowOnly {
		ports = append(ports, k)
	}
	slices.Sort(ports) // stable rule ids
	for _, k := range ports {
		n, err := strconv.ParseUint(strings.TrimSpace(k), 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("allow_only: %q is not a port (1-65535)", k)
		}
		port := uint16(n)
		judge(port)
		p.Ports[port] |= portAllowOnly
		seen := map[netip.Prefix]bool{}
		for i, s := range f.AllowOnly[k] {
			pfx, err := ParseSource(s)
			if err != nil {
				return nil, fmt.Errorf("allow_only[%s][%d]: %w", k, i, err)
			}
			id := addRule(fmt.Sprintf("allow_only[%d][%d] %s", port, i, strings.TrimSpace(s)), false)
			for _, x := range pfx {
				if !seen[x] {
					seen[x] = true
					p.Allow = append(p.Allow, Entry{Port: port, Prefix: x, Rule: id})
				}
			}
		}
	}
	return p, nil
}

// ParseSource parses an IP, a CIDR (host bits are cleared, as iptables
// does) or an inclusive range "a-b" (seed 001 ACL entries) into prefixes.
// IPv4-mapped IPv6 addresses are taken as IPv4.
func ParseSource(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty address")
	}
	if a, b, ok := strings.Cut(s, "-"); ok {
		lo, err1 := netip.ParseAddr(strings.TrimSpace(a))
		hi, err2 := netip.ParseAddr(strings.TrimSpace(b))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q: a range is two addresses a-b", s)
		}
		lo, hi = lo.Unmap(), hi.Unmap()
		if lo.Is4() != hi.Is4() {
			return nil, fmt.Errorf("%q: range mixes IPv4 and IPv6", s)
		}
		if lo.Zone() != "" || hi.Zone() != "" {
			return nil, fmt.Errorf("%q: zones are not allowed", s)
		}
		if hi.Less(lo) {
			return nil, fmt.Errorf("%q: range end is before its start", s)
		}
		return RangePrefixes(lo, hi), nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q: not an IP, CIDR or range a-b", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return []netip.Prefix{p.Masked()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return nil, fmt.Errorf("%q: not an IP, CIDR or range a-b", s)
	}
	a = a.Unmap()
	return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}, nil
}

// RangePrefixes decomposes the inclusive range lo..hi (same family, lo<=hi)
// into the fewest CIDR blocks, lowest first.
func RangePrefixes(lo, hi netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for {
		// The shortest prefix that starts at lo and ends at or before hi.
		bits := lo.BitLen()
		for b := 0; b <= lo.BitLen(); b++ {
			p := netip.PrefixFrom(lo, b)
			if p.Masked().Addr() == lo && !hi.Less(lastAddr(p)) {
				bits = b
				break
			}
		}
		p := netip.PrefixFrom(lo, bits)
		out = append(out, p)
		last := lastAddr(p)
		if last == hi {
			return out
		}
		lo = last.Next()
	}
}

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := range a {
		hostBits := len(a)*8 - p.Bits() - (len(a)-1-i)*8 // host bits in byte i
		switch {
		case hostBits >= 8:
			a[i] = 0xff
		case hostBits > 0:
			a[i] |= byte(1<<hostBits - 1)
		}
	}
	r, _ := netip.AddrFromSlice(a)
	return r
}
