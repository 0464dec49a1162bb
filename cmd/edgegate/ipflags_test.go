package main

import (
	"flag"
	"io"
	"net/netip"
	"reflect"
	"testing"

	"github.com/edgegate/edgegate/edge"
)

func TestTrustedProxiesFlag(t *testing.T) {
	var cfg edge.Config
	var u string
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	edgeFlags(fs, &cfg, &u)
	if err := fs.Parse([]string{"--trusted-proxies", "10.1.2.3/8, 192.0.2.1,::ffff:198.51.100.1", "--trusted-proxies", "2001:db8::/32"}); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("198.51.100.1/32"), netip.MustParsePrefix("2001:db8::/32")}
	if !reflect.DeepEqual(cfg.TrustedProxies, want) {
		t.Errorf("got %v, want %v", cfg.TrustedProxies, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "fe80::1%eth0", "10.0.0.1/"} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		edgeFlags(fs, &cfg, &u)
		if err := fs.Parse([]string{"--trusted-proxies", bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
