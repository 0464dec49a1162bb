package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"

	"github.com/edgegate/edgegate/edge"
)

// ipControlFlags registers the IP-control flags shared by run and edge.
func ipControlFlags(fs *flag.FlagSet, cfg *edge.Config) {
	fs.Func("trusted-proxies", "CIDRs or addresses (comma-separated) of proxies in front of the gateway whose X-Forwarded-For the IP strategies believe (default: none, the client is the socket peer)", func(v string) error {
		ps, err := parseTrustedProxies(v)
		if err != nil {
			return err
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, ps...)
		return nil
	})
}

// parseTrustedProxies reads "10.0.0.0/8,192.0.2.1,2001:db8::/32".
func parseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not a CIDR prefix", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
