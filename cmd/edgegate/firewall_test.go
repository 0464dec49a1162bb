package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirewallFlags(t *testing.T) {
	log := newLogger()
	f, err := parseRunFlags([]string{"--listen", "127.0.0.1:18080", "--xdp", "fast"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := startFirewall(&f.fw, &f.cfg, log); err == nil || !strings.Contains(err.Error(), "--xdp must be") {
		t.Fatalf("bad --xdp: %v", err)
	}

	f, _ = parseRunFlags([]string{"--listen", "127.0.0.1:18080"})
	fw, err := startFirewall(&f.fw, &f.cfg, log)
	if fw != nil || err != nil || f.cfg.AdmitConn != nil {
		t.Fatal("a firewall without --firewall or --xdp-iface")
	}
	fw.close()                // nil-safe
	if fw.onHUP(nil) != nil { // no reload hook
		t.Fatal("nil firewall adds a SIGHUP hook")
	}

	path := filepath.Join(t.TempDir(), "fw.yaml")
	os.WriteFile(path, []byte("deny: [10.0.0.1, 10.0.0.999]\n"), 0o600)
	f, _ = parseRunFlags([]string{"--listen", "127.0.0.1:18080", "--firewall", path, "--xdp", "off"})
	if _, err := startFirewall(&f.fw, &f.cfg, log); err == nil || !strings.Contains(err.Error(), "deny[1]") {
		t.Fatalf("bad file: %v", err)
	}

	os.WriteFile(path, []byte("deny: [10.0.0.1]\n"), 0o600)
	fw, err = startFirewall(&f.fw, &f.cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.close()
	peer := netip.MustParseAddr("10.0.0.1")
	if f.cfg.AdmitConn == nil || f.cfg.AdmitConn(peer, 18080) || !f.cfg.AdmitConn(peer, 22) {
		t.Fatal("AdmitConn does not judge the listen port")
	}
	// SIGHUP: a bad file keeps the lists, a good one replaces them.
	os.WriteFile(path, []byte("deny: [nope]\n"), 0o600)
	fw.onHUP(nil)()
	if f.cfg.AdmitConn(peer, 18080) {
		t.Fatal("a bad file dropped the lists")
	}
	os.WriteFile(path, []byte("deny: [10.0.0.2]\n"), 0o600)
	fw.onHUP(nil)()
	if !f.cfg.AdmitConn(peer, 18080) {
		t.Fatal("reload not applied")
	}
	// --listen :0: the real port is judged once known.
	fw.listening("127.0.0.1:18081", "")
	if f.cfg.AdmitConn(netip.MustParseAddr("10.0.0.2"), 18081) {
		t.Fatal("the learned port is not judged")
	}
	// The HTTPS listener's port is judged like the plain one.
	if !f.cfg.AdmitConn(netip.MustParseAddr("10.0.0.2"), 18443) {
		t.Fatal("a port the gateway does not listen on is judged")
	}
	fw.listening("127.0.0.1:18081", "127.0.0.1:18443")
	if f.cfg.AdmitConn(netip.MustParseAddr("10.0.0.2"), 18443) {
		t.Fatal("the HTTPS listener's port is not judged")
	}
}
