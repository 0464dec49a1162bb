package bpf

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

const (
	xdpDrop = 1
	xdpPass = 2
)

// skipIfNoBPF skips only when the kernel refuses BPF itself.
func skipIfNoBPF(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, unix.EPERM) {
		t.Skipf("kernel refuses BPF here (needs CAP_BPF and CAP_NET_ADMIN, Linux 5.x+): %v", err)
	}
}

// loadTest loads the program with p in its maps, unpinned.
func loadTest(t testing.TB, p *Policy) *Filter {
	t.Helper()
	f := newFilter(nil, "", p)
	if err := f.load(p); err != nil {
		skipIfNoBPF(t, err)
		t.Fatalf("load (verifier): %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func run(t testing.TB, f *Filter, frame []byte) uint32 {
	t.Helper()
	ret, _, err := f.objs.XdpFilter.Test(frame)
	if err != nil {
		t.Fatalf("BPF_PROG_TEST_RUN: %v", err)
	}
	return ret
}

func verdict(pass bool) uint32 {
	if pass {
		return xdpPass
	}
	return xdpDrop
}

// TestXDPDecisions runs the shared decision table through the kernel, as
// plain, 802.1Q-, 802.1ad-tagged frames and (IPv4) with options, then
// checks the per-CPU counters.
func TestXDPDecisions(t *testing.T) {
	f := loadTest(t, testPolicy(t))
	for _, d := range decisions {
		src := netip.MustParseAddr(d.src)
		frame := tcpFrame(src, d.port)
		if got := run(t, f, frame); got != verdict(d.pass) {
			t.Errorf("%s: %s:%d = %d, want %d", d.name, d.src, d.port, got, verdict(d.pass))
		}
	}
	cs, err := f.Counters()
	if err != nil {
		t.Fatal(err)
	}
	checkCounters(t, cs, func(c RuleCounter) (uint64, uint64) { return c.Passed, c.Dropped })

	variants := map[string]func(src netip.Addr, port uint16) []byte{
		"802.1Q": func(src netip.Addr, port uint16) []byte { return vlan(0x8100, tcpFrame(src, port)) },
		"802.1ad": func(src netip.Addr, port uint16) []byte {
			return vlan(0x88a8, tcpFrame(src, port))
		},
		"ip options": func(src netip.Addr, port uint16) []byte {
			if src.Is6() {
				return tcpFrame(src, port)
			}
			return ether(0x0800, ipv4(src, 6, 40, 0, tcpHeader(port))) // IHL 15
		},
	}
	for name, build := range variants {
		for _, d := range decisions {
			if got := run(t, f, build(netip.MustParseAddr(d.src), d.port)); got != verdict(d.pass) {
				t.Errorf("%s %s: %d, want %d", name, d.name, got, verdict(d.pass))
			}
		}
	}
}

// TestXDPPassesWhatItCannotJudge: a denied source is never dropped when
// the frame is not a complete TCP packet to a judged port.
func TestXDPPassesWhatItCannotJudge(t *testing.T) {
	f := loadTest(t, testPolicy(t))
	bad4 := netip.MustParseAddr("203.0.113.9")
	bad6 := netip.MustParseAddr("2001:db8:bad::1")
	if run(t, f, tcpFrame(bad4, gwPort)) != xdpDrop || run(t, f, tcpFrame(bad6, gwPort)) != xdpDrop {
		t.Fatal("the complete frames must be dropped for the cases below to mean anything")
	}
	cases := map[string][]byte{
		"arp":                 arpFrame(),
		"icmp":                ether(0x0800, ipv4(bad4, 1, 0, 0, make([]byte, 8))),
		"udp to gateway port": ether(0x0800, ipv4(bad4, 17, 0, 0, tcpHeader(gwPort))),
		"icmpv6":              ether(0x86dd, ipv6(bad6, 58, make([]byte, 8))),
		"v6 hop-by-hop ext":   ether(0x86dd, ipv6(bad6, 0, append([]byte{6, 0, 1, 4, 0, 0, 0, 0}, tcpHeader(gwPort)...))),
		"v4 more fragments":   ether(0x0800, ipv4(bad4, 6, 0, 0x2000, tcpHeader(gwPort))),
		"v4 fragment offset":  ether(0x0800, ipv4(bad4, 6, 0, 0x0003, tcpHeader(gwPort))),
		"v4 IHL 4":            func() []byte { b := tcpFrame(bad4, gwPort); b[14] = 0x44; return b }(),
		"v4 IHL 0":            func() []byte { b := tcpFrame(bad4, gwPort); b[14] = 0x40; return b }(),
		"v4 version 6":        func() []byte { b := tcpFrame(bad4, gwPort); b[14] = 0x65; return b }(),
		"v4 IHL 15 no room":   func() []byte { b := tcpFrame(bad4, gwPort); b[14] = 0x4f; return b }(),
		"v6 version 4":        func() []byte { b := tcpFrame(bad6, gwPort); b[14] = 0x40; return b }(),
		"vlan then arp":       vlan(0x8100, arpFrame()),
		"double vlan":         vlan(0x88a8, vlan(0x8100, tcpFrame(bad4, gwPort))),
		"unknown ethertype":   ether(0x88b5, make([]byte, 64)),
		"ether only":          ether(0x0800, nil),
	}
	// Every truncation of complete denied frames, plain and tagged.
	for i, full := range [][]byte{tcpFrame(bad4, gwPort), tcpFrame(bad6, gwPort), vlan(0x8100, tcpFrame(bad4, gwPort)),
		ether(0x0800, ipv4(bad4, 6, 40, 0, tcpHeader(gwPort)))} {
		for n := 14; n < len(full); n++ {
			cases[fmt.Sprintf("frame %d truncated to %d", i, n)] = full[:n]
		}
	}
	for name, frame := range cases {
		if got := run(t, f, frame); got != xdpPass {
			t.Errorf("%s (%d bytes): %d, want XDP_PASS", name, len(frame), got)
		}
	}
}

// TestXDPApplyInPlace: an update changes the entries by difference and
// the running program (same maps, no reload) flips at once.
func TestXDPApplyInPlace(t *testing.T) {
	f := loadTest(t, testPolicy(t))
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("203.0.113.9")
	if run(t, f, tcpFrame(a, gwPort)) != xdpPass || run(t, f, tcpFrame(b, gwPort)) != xdpDrop {
		t.Fatal("initial verdicts")
	}
	p, err := Compile(&File{Deny: []string{"192.0.2.0/28", "2001:db8::/32"}}, gwPort)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Apply(p); err != nil {
		t.Fatal(err)
	}
	if run(t, f, tcpFrame(a, gwPort)) != xdpDrop || run(t, f, tcpFrame(b, gwPort)) != xdpPass {
		t.Fatal("verdicts did not flip")
	}
	if run(t, f, tcpFrame(netip.MustParseAddr("10.1.2.3"), 9000)) != xdpPass {
		t.Fatal("port 9000 is no longer judged, yet dropped")
	}
	got, err := readState(f.objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.deny4) != 1 || len(got.deny6) != 1 || len(got.allow4) != 0 || len(got.allow6) != 0 {
		t.Fatalf("maps hold stale entries: deny4 %d deny6 %d allow4 %d allow6 %d",
			len(got.deny4), len(got.deny6), len(got.allow4), len(got.allow6))
	}
}

// TestXDPPinnedMapsSurviveRestart: maps pinned on a private bpffs keep the
// lists after the loader closes; the next load reuses them and converges
// on the new policy by difference.
func TestXDPPinnedMapsSurviveRestart(t *testing.T) {
	root := t.TempDir()
	if err := unix.Mount("bpf", root, "bpf", 0, "mode=0700"); err != nil {
		skipIfNoBPF(t, err)
		t.Fatalf("mount bpffs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	pin := filepath.Join(root, "edgegate")
	if err := ensureBPFFS(pin); err != nil {
		t.Fatal(err)
	}
	f1 := newFilter(nil, pin, testPolicy(t))
	if err := f1.load(f1.policy); err != nil {
		skipIfNoBPF(t, err)
		t.Fatal(err)
	}
	want := len(f1.state.deny4)
	f1.Close()
	m, err := ebpf.LoadPinnedMap(filepath.Join(pin, "deny_v4"), nil)
	if err != nil {
		t.Fatalf("deny_v4 not pinned: %v", err)
	}
	held, err := readLPM[k4](m)
	m.Close()
	if err != nil || len(held) != want || want == 0 {
		t.Fatalf("pinned deny_v4 holds %d entries (%v), want %d", len(held), err, want)
	}

	p2, err := Compile(&File{Deny: []string{"192.0.2.0/28"}}, gwPort)
	if err != nil {
		t.Fatal(err)
	}
	f2 := newFilter(nil, pin, p2)
	if err := f2.load(p2); err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	got, err := readState(f2.objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.deny4) != 1 || len(got.deny6) != 0 || len(got.allow4) != 0 {
		t.Fatalf("after reuse: deny4 %d deny6 %d allow4 %d", len(got.deny4), len(got.deny6), len(got.allow4))
	}
	if run(t, f2, tcpFrame(netip.MustParseAddr("203.0.113.9"), gwPort)) != xdpPass ||
		run(t, f2, tcpFrame(netip.MustParseAddr("192.0.2.3"), gwPort)) != xdpDrop {
		t.Fatal("verdicts after reuse")
	}
	if _, err := os.Stat(filepath.Join(pin, "counters")); err != nil {
		t.Fatal("counters map not pinned")
	}
}

// TestXDPVerifierAccepts loads the committed object through the verifier.
func TestXDPVerifierAccepts(t *testing.T) {
	if err := Probe(); err != nil {
		skipIfNoBPF(t, err)
		t.Fatalf("verifier rejected the program: %v", err)
	}
}

// TestOpenFallsBack: in auto mode a failure to load or attach leaves the
// twin running; an explicit mode fails instead; a misspelt interface fails
// in every mode. The pin directory here is not on bpffs, so loading fails
// before anything is attached to lo.
func TestOpenFallsBack(t *testing.T) {
	p := testPolicy(t)
	pin := filepath.Join(t.TempDir(), "edgegate")
	f, err := Open(Options{Mode: ModeAuto, Ifaces: []string{"lo"}, PinDir: pin}, p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Mode() != "twin" || f.Admit(netip.MustParseAddr("203.0.113.9"), gwPort) {
		t.Fatalf("mode %s, or the twin admits a denied source", f.Mode())
	}
	if _, err := Open(Options{Mode: ModeNative, Ifaces: []string{"lo"}, PinDir: pin}, p); err == nil {
		t.Fatal("native mode started without XDP")
	}
	if _, err := Open(Options{Mode: ModeAuto, Ifaces: []string{"nosuchif0"}}, p); err == nil {
		t.Fatal("unknown interface accepted")
	}
	f, err = Open(Options{Mode: ModeOff, Ifaces: []string{"lo"}}, p)
	if err != nil || f.Mode() != "twin" {
		t.Fatalf("off: %v %v", f, err)
	}
	if _, err := ParseMode("fast"); err == nil {
		t.Fatal("bad --xdp accepted")
	}
}
