package main

import (
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/bpf"
	"github.com/edgegate/edgegate/edge"
)

// firewallFlags are the IP prefilter flags shared by run and edge.
type firewallFlags struct {
	file, xdp, ifaces, pin string
}

func addFirewallFlags(fs *flag.FlagSet, ff *firewallFlags) {
	fs.StringVar(&ff.file, "firewall", "", "gateway-wide IP lists (YAML or JSON: deny, allow_only, ports); SIGHUP reloads it")
	fs.StringVar(&ff.xdp, "xdp", "auto", "IP prefilter: auto (native XDP, else generic, else the accept-time check), native, generic or off")
	fs.StringVar(&ff.ifaces, "xdp-iface", "", "interfaces to attach the XDP prefilter to, comma-separated (none: accept-time check only)")
	fs.StringVar(&ff.pin, "xdp-pin", bpf.DefaultPinDir, "bpffs directory where the XDP maps and links are pinned")
}

// firewall runs the prefilter for the process; a nil *firewall (nothing
// configured) is valid and does nothing.
type firewall struct {
	ff    firewallFlags
	ports [2]uint16 // the gateway's listen ports, plain and HTTPS (0: none)
	f     *bpf.Filter
	log   *slog.Logger
}

// firewallStats serves the per-rule counters on the admin listener
// (GET /stats/firewall) once a firewall runs.
var firewallStats http.Handler

// startFirewall opens the prefilter before the edge listens (so the port
// is never exposed unfiltered) and sets cfg.AdmitConn to its accept-time
// check. With neither --firewall nor --xdp-iface it does nothing.
func startFirewall(ff *firewallFlags, cfg *edge.Config, log *slog.Logger) (*firewall, error) {
	mode, err := bpf.ParseMode(ff.xdp)
	if err != nil {
		return nil, err
	}
	if ff.file == "" && ff.ifaces == "" {
		return nil, nil
	}
	fw := &firewall{ff: *ff, ports: [2]uint16{uint16(listenPort(cfg.Listen)), uint16(listenPort(cfg.TLSListen))}, log: log}
	p, err := fw.compile()
	if err != nil {
		return nil, err
	}
	var ifaces []string
	for _, s := range strings.Split(ff.ifaces, ",") {
		if s = strings.TrimSpace(s); s != "" {
			ifaces = append(ifaces, s)
		}
	}
	if fw.f, err = bpf.Open(bpf.Options{Mode: mode, Ifaces: ifaces, PinDir: ff.pin, Log: log}, p); err != nil {
		return nil, err
	}
	cfg.AdmitConn = fw.f.Admit
	firewallStats = http.HandlerFunc(fw.serveStats)
	return fw, nil
}

func (fw *firewall) compile() (*bpf.Policy, error) {
	var file *bpf.File
	if fw.ff.file != "" {
		var err error
		if file, err = bpf.LoadFile(fw.ff.file); err != nil {
			return nil, err
		}
	}
	return bpf.Compile(file, fw.ports[0], fw.ports[1]) // Compile passes over a 0
}

// listening learns the real ports when --listen or --tls-listen asked for
// port 0: the HTTPS listener is judged like the plain one.
func (fw *firewall) listening(addr, tlsAddr string) {
	if fw == nil {
		return
	}
	changed := false
	for i, a := range []string{addr, tlsAddr} {
		if p := uint16(listenPort(a)); p != 0 && p != fw.ports[i] {
			fw.ports[i], changed = p, true
		}
	}
	if changed {
		fw.reload()
	}
}

// reload re-reads the firewall file and updates the lists in place; a bad
// file keeps the previous lists.
func (fw *firewall) reload() {
	p, err := fw.compile()
	if err == nil {
		err = fw.f.Apply(p)
	}
	if err != nil {
		fw.log.Error("firewall reload failed; keeping the previous lists", "err", err)
		return
	}
	fw.log.Info("firewall reloaded", "mode", fw.f.Mode(), "deny", len(p.Deny), "allow", len(p.Allow), "rules", len(p.Rules))
}

// onHUP chains the firewall reload before next (either may be nil).
func (fw *firewall) onHUP(next func()) func() {
	if fw == nil {
		return next
	}
	return func() {
		fw.reload()
		if next != nil {
			next()
		}
	}
}

func (fw *firewall) close() {
	if fw == nil {
		return
	}
	if err := fw.f.Close(); err != nil {
		fw.log.Warn("ip prefilter: detach", "err", err)
	}
}

func (fw *firewall) serveStats(w http.ResponseWriter, _ *http.Request) {
	cs, err := fw.f.Counters()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"mode": fw.f.Mode(), "rules": cs})
}
