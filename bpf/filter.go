package bpf

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Mode selects how the prefilter runs (--xdp).
type Mode string

const (
	ModeAuto    Mode = "auto"    // native, else generic, else the twin alone
	ModeNative  Mode = "native"  // driver XDP or fail
	ModeGeneric Mode = "generic" // generic (skb) XDP or fail
	ModeOff     Mode = "off"     // the twin alone
)

// ParseMode parses an --xdp value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeAuto, ModeNative, ModeGeneric, ModeOff:
		return m, nil
	}
	return "", fmt.Errorf("--xdp must be auto, native, generic or off, not %q", s)
}

// DefaultPinDir is where the maps (and links) are pinned.
const DefaultPinDir = "/sys/fs/bpf/edgegate"

// Options configure Open.
type Options struct {
	Mode   Mode
	Ifaces []string // interfaces to attach to; none: the twin alone
	// PinDir is the bpffs directory for maps and links; "" means
	// DefaultPinDir, "-" disables pinning (tests).
	PinDir string
	Log    *slog.Logger
}

// Filter is the running prefilter: the XDP program on its interfaces (when
// attached) and the twin, both fed the same Policy. Admit is safe from any
// goroutine; Apply and Close are serialized.
type Filter struct {
	log    *slog.Logger
	pinDir string
	objs   *xdpObjects // nil: twin only
	links  []attached
	mode   string

	mu     sync.Mutex
	state  *mapState
	policy *Policy
	table  atomic.Pointer[Table]
	conns  []connCount // per rule, the twin's verdicts
}

type attached struct {
	iface, mode, pin string
	l                link.Link
}

type connCount struct{ passed, refused atomic.Uint64 }

// Open loads the program, writes p into its maps, then attaches it, so an
// attached program never sees partial lists. When XDP is unavailable and
// the mode allows it (auto, off, or no interfaces), the twin runs alone.
// The chosen mode is logged.
func Open(opts Options, p *Policy) (*Filter, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	pin := opts.PinDir
	switch pin {
	case "":
		pin = DefaultPinDir
	case "-":
		pin = ""
	}
	f := newFilter(opts.Log, pin, p)
	if opts.Mode == "" {
		opts.Mode = ModeAuto
	}
	if opts.Mode == ModeOff || len(opts.Ifaces) == 0 {
		why := "--xdp=off"
		if opts.Mode != ModeOff {
			why = "no --xdp-iface"
		}
		f.log.Info("ip prefilter: accept-time twin only", "mode", f.mode, "reason", why, "deny", len(p.Deny), "allow", len(p.Allow))
		return f, nil
	}
	for _, name := range opts.Ifaces {
		// A misspelt interface is a configuration error in every mode.
		if _, err := net.InterfaceByName(name); err != nil {
			return nil, fmt.Errorf("--xdp-iface %q: %w", name, err)
		}
	}
	err := f.openXDP(opts, p)
	if err == nil {
		f.log.Info("ip prefilter: XDP attached", "mode", f.mode, "ifaces", strings.Join(opts.Ifaces, ","),
			"pin", f.pinDir, "deny", len(p.Deny), "allow", len(p.Allow))
		return f, nil
	}
	f.closeXDP()
	if opts.Mode != ModeAuto {
		return nil, err
	}
	f.mode = "twin"
	f.log.Warn("ip prefilter: XDP unavailable, accept-time twin only", "mode", f.mode, "err", err)
	return f, nil
}

func (f *Filter) openXDP(opts Options, p *Policy) error {
	if err := f.load(p); err != nil {
		return err
	}
	var modes []string
	for _, name := range opts.Ifaces {
		a, err := f.attach(name, opts.Mode)
		if err != nil {
			return err
		}
		f.links = append(f.links, a)
		modes = append(modes, a.mode)
	}
	f.mode = "xdp-" + strings.Join(compactStrings(modes), "+")
	return nil
}

// newFilter is a Filter with no program yet (the twin alone).
func newFilter(log *slog.Logger, pinDir string, p *Policy) *Filter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Filter{log: log, pinDir: pinDir, conns: make([]connCount, MaxRules), mode: "twin", policy: p}
	f.table.Store(NewTable(p))
	return f
}

// load loads the program and its maps (reusing pinned ones) and writes p.
func (f *Filter) load(p *Policy) error {
	spec, err := loadXdp()
	if err != nil {
		return err
	}
	copts := &ebpf.CollectionOptions{}
	reused := false
	if f.pinDir != "" {
		if err := ensureBPFFS(f.pinDir); err != nil {
			return err
		}
		copts.Maps.PinPath = f.pinDir
		_, err := os.Stat(filepath.Join(f.pinDir, "deny_v4"))
		reused = err == nil
	} else {
		for _, m := range spec.Maps {
			m.Pinning = ebpf.PinNone
		}
	}
	objs := &xdpObjects{}
	err = spec.LoadAndAssign(objs, copts)
	if errors.Is(err, ebpf.ErrMapIncompatible) {
		// A different build's maps: replace them (the lists are rewritten
		// below; only this upgrade has a gap).
		f.log.Warn("ip prefilter: pinned maps are from another build; replacing them", "err", err)
		for name := range spec.Maps {
			_ = os.Remove(filepath.Join(f.pinDir, name))
		}
		reused = false
		err = spec.LoadAndAssign(objs, copts)
	}
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return fmt.Errorf("xdp: load: %+v", ve)
		}
		return fmt.Errorf("xdp: load: %w", err)
	}
	f.objs = objs
	f.state = &mapState{deny4: map[k4]uint32{}, deny6: map[k6]uint32{}, allow4: map[pk4]uint32{}, allow6: map[pk6]uint32{}, ports: map[uint16]uint32{}}
	if reused {
		if f.state, err = readState(objs); err != nil {
			return err
		}
		f.log.Info("ip prefilter: reusing pinned maps", "pin", f.pinDir, "deny_v4", len(f.state.deny4), "deny_v6", len(f.state.deny6))
	}
	return f.writeMaps(p, nil)
}

func compactStrings(s []string) []string {
	var out []string
	for _, x := range s {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

// attach puts the program on one interface. A link pinned by a previous
// run (one that crashed, or a handover) gets the new program atomically
// (BPF_LINK_UPDATE): no moment without a filter.
func (f *Filter) attach(name string, mode Mode) (attached, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return attached{}, fmt.Errorf("xdp: interface %q: %w", name, err)
	}
	var tries []string
	switch mode {
	case ModeNative:
		tries = []string{"native"}
	case ModeGeneric:
		tries = []string{"generic"}
	default:
		tries = []string{"native", "generic"}
	}
	if f.pinDir != "" {
		for _, m := range []string{"native", "generic"} {
			pin := filepath.Join(f.pinDir, "link_"+name+"_"+m)
			l, err := link.LoadPinnedLink(pin, nil)
			if err != nil {
				continue
			}
			info, ierr := l.Info()
			ok := ierr == nil && info.XDP() != nil && int(info.XDP().Ifindex) == ifc.Index
			if ok && (mode == ModeAuto || string(mode) == m) && l.Update(f.objs.XdpFilter) == nil {
				f.log.Info("ip prefilter: replaced the program on the pinned link", "iface", name, "mode", m)
				return attached{iface: name, mode: m, pin: pin, l: l}, nil
			}
			_ = l.Unpin()
			_ = l.Close()
		}
	}
	var errs []error
	for _, m := range tries {
		flags := link.XDPDriverMode
		if m == "generic" {
			flags = link.XDPGenericMode
		}
		l, err := link.AttachXDP(link.XDPOptions{Program: f.objs.XdpFilter, Interface: ifc.Index, Flags: flags})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m, err))
			continue
		}
		a := attached{iface: name, mode: m, l: l}
		if f.pinDir != "" {
			a.pin = filepath.Join(f.pinDir, "link_"+name+"_"+m)
			if err := l.Pin(a.pin); err != nil {
				f.log.Warn("ip prefilter: cannot pin the link; a crash will detach it", "iface", name, "err", err)
				a.pin = ""
			}
		}
		return a, nil
	}
	return attached{}, fmt.Errorf("xdp: attach to %s: %w", name, errors.Join(errs...))
}

// ensureBPFFS makes dir's parent a bpf filesystem, mounting one at
// /sys/fs/bpf when absent (as systemd and iproute2 do), then creates dir.
func ensureBPFFS(dir string) error {
	parent := filepath.Dir(dir)
	var st unix.Statfs_t
	if err := unix.Statfs(parent, &st); err != nil || st.Type != unix.BPF_FS_MAGIC {
		if parent != filepath.Dir(DefaultPinDir) {
			return fmt.Errorf("xdp: %s is not on a bpf filesystem", dir)
		}
		if err := os.MkdirAll(parent, 0o700); err != nil {
			return fmt.Errorf("xdp: %w", err)
		}
		if err := unix.Mount("bpf", parent, "bpf", 0, "mode=0700"); err != nil {
			return fmt.Errorf("xdp: mount bpffs at %s: %w", parent, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("xdp: %w", err)
	}
	return nil
}

// Mode reports what runs: "xdp-native", "xdp-generic" (or both joined by
// "+") or "twin".
func (f *Filter) Mode() string { return f.mode }

// Admit is the accept-time check (edge.Config.AdmitConn). It runs in every
// mode: with XDP attached it still catches what XDP passes unjudged
// (fragments, IPv6 extension headers). No allocation, no lock.
func (f *Filter) Admit(peer netip.Addr, port uint16) bool {
	v := f.table.Load().Lookup(peer, port)
	if v.Judged {
		c := &f.conns[min(v.Rule, MaxRules-1)]
		if v.Pass {
			c.passed.Add(1)
		} else {
			c.refused.Add(1)
		}
	}
	return v.Pass
}

// Apply installs a new policy in place: map entries are added, changed
// and removed by difference (no reattach), then the twin is swapped.
// Counters of rules whose definition changed start from zero.
func (f *Filter) Apply(p *Policy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.policy
	if f.objs != nil {
		if err := f.writeMaps(p, old); err != nil {
			return err
		}
	}
	for id := range p.Rules {
		if id >= len(old.Rules) || old.Rules[id] != p.Rules[id] {
			f.conns[id].passed.Store(0)
			f.conns[id].refused.Store(0)
		}
	}
	f.policy = p
	f.table.Store(NewTable(p))
	return nil
}

// writeMaps brings the maps to p (old: the policy they hold, nil at open).
func (f *Filter) writeMaps(p, old *Policy) error {
	want := keysOf(p)
	if old == nil {
		f.state.ports = nil // rewrite the whole ports array once
	}
	if err := writeState(f.objs, f.state, want); err != nil {
		// Partly written: learn what the maps hold so the next update's
		// difference is exact (ports are rewritten whole).
		if st, rerr := readState(f.objs); rerr == nil {
			f.state = st
		}
		return err
	}
	f.state = want
	var ids []uint32
	for id := range p.Rules {
		if old == nil || id >= len(old.Rules) || old.Rules[id] != p.Rules[id] {
			ids = append(ids, uint32(id))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// Per-CPU batch values are flat: one per CPU per key.
	ncpu := ebpf.MustPossibleCPU()
	if _, err := f.objs.Counters.BatchUpdate(ids, make([]xdpCounter, len(ids)*ncpu), nil); err == nil {
		return nil
	}
	zero := make([]xdpCounter, ncpu)
	for _, id := range ids {
		if err := f.objs.Counters.Put(id, zero); err != nil {
			return fmt.Errorf("xdp: reset counters: %w", err)
		}
	}
	return nil
}

// RuleCounter is one rule's counts: packets seen by XDP (summed over CPUs)
// and connections judged by the twin at accept.
type RuleCounter struct {
	Rule         uint32 `json:"rule"`
	Name         string `json:"name"`
	Passed       uint64 `json:"xdp_passed"` // XDP packets
	Dropped      uint64 `json:"xdp_dropped"`
	ConnsPassed  uint64 `json:"conns_passed"` // twin, at accept
	ConnsRefused uint64 `json:"conns_refused"`
}

// Counters returns the per-rule counters of the current policy; rule 0
// counts what no list matched.
func (f *Filter) Counters() ([]RuleCounter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]RuleCounter, len(f.policy.Rules))
	var per []xdpCounter
	for id, r := range f.policy.Rules {
		c := &out[id]
		c.Rule, c.Name = uint32(id), r.Name
		c.ConnsPassed, c.ConnsRefused = f.conns[id].passed.Load(), f.conns[id].refused.Load()
		if f.objs == nil {
			continue
		}
		if err := f.objs.Counters.Lookup(uint32(id), &per); err != nil {
			return nil, fmt.Errorf("xdp: read counters: %w", err)
		}
		for _, x := range per {
			c.Passed += x.Passed
			c.Dropped += x.Dropped
		}
	}
	return out, nil
}

// Close detaches the program (unpinning its links) and closes the maps,
// which stay pinned so the next start reuses the lists.
func (f *Filter) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closeXDP()
}

func (f *Filter) closeXDP() error {
	var errs []error
	for _, a := range f.links {
		if a.pin != "" {
			if err := a.l.Unpin(); err != nil {
				errs = append(errs, err)
			}
		}
		errs = append(errs, a.l.Close())
	}
	f.links = nil
	if f.objs != nil {
		errs = append(errs, f.objs.Close())
		f.objs = nil
	}
	return errors.Join(errs...)
}

// Probe loads the program (unpinned, unattached) and unloads it: nil when
// this kernel and these privileges run it; errors wrap ebpf.ErrNotSupported
// or EPERM when the kernel refuses BPF.
func Probe() error {
	f := newFilter(nil, "", &Policy{Rules: []Rule{{Name: "default"}}})
	err := f.load(f.policy)
	f.closeXDP()
	return err
}
