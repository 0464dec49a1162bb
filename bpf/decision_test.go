package bpf

import (
	"net/netip"
	"testing"
)

const gwPort = 8080

// testFile is the policy every decision test runs against, in both modes.
const testFile = `
deny:
  - 203.0.113.0/24          # rule 1
  - 198.51.100.7            # rule 2
  - 10.0.0.1-10.0.0.6       # rule 3: 10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32
  - 2001:db8:bad::/48       # rule 4
  - 203.0.0.0/16            # rule 5: shorter than rule 1, LPM picks rule 1 inside it
allow_only:
  "9000":
    - 10.1.0.0/16           # rule 6
    - 2001:db8:1::/48       # rule 7
    - 203.0.113.5           # rule 8: deny (rule 1) wins
`

func testPolicy(t testing.TB) *Policy {
	t.Helper()
	f, err := ParseFile([]byte(testFile))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(f, gwPort)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type decision struct {
	name   string
	src    string
	port   uint16
	judged bool
	pass   bool
	rule   uint32
}

// decisions is the table both the XDP program and the twin must pass.
var decisions = []decision{
	{"v4 unlisted", "192.0.2.1", gwPort, true, true, 0},
	{"v4 denied /24", "203.0.113.9", gwPort, true, false, 1},
	{"v4 denied /16 outside the /24", "203.0.1.1", gwPort, true, false, 5},
	{"v4 denied host", "198.51.100.7", gwPort, true, false, 2},
	{"v4 next to denied host", "198.51.100.8", gwPort, true, true, 0},
	{"v4 range start", "10.0.0.1", gwPort, true, false, 3},
	{"v4 range middle", "10.0.0.5", gwPort, true, false, 3},
	{"v4 range end", "10.0.0.6", gwPort, true, false, 3},
	{"v4 before range", "10.0.0.0", gwPort, true, true, 0},
	{"v4 after range", "10.0.0.7", gwPort, true, true, 0},
	{"v4 allow-only allowed", "10.1.2.3", 9000, true, true, 6},
	{"v4 allow-only unlisted", "10.2.0.1", 9000, true, false, 0},
	{"v4 allow-only but denied", "203.0.113.5", 9000, true, false, 1},
	{"v4 allowed on 9000 only", "10.1.2.3", gwPort, true, true, 0},
	{"v4 denied on other port", "203.0.113.9", 22, false, true, 0},
	{"v6 unlisted", "2001:db8:bae::1", gwPort, true, true, 0},
	{"v6 denied", "2001:db8:bad:1::1", gwPort, true, false, 4},
	{"v6 allow-only allowed", "2001:db8:1::5", 9000, true, true, 7},
	{"v6 allow-only unlisted", "2001:db8:2::1", 9000, true, false, 0},
	{"v6 denied on other port", "2001:db8:bad::1", 443, false, true, 0},
}

func TestTwinDecisions(t *testing.T) {
	tab := NewTable(testPolicy(t))
	for _, d := range decisions {
		v := tab.Lookup(netip.MustParseAddr(d.src), d.port)
		want := Verdict{Judged: d.judged, Pass: d.pass, Rule: d.rule}
		if v != want {
			t.Errorf("%s: %s:%d = %+v, want %+v", d.name, d.src, d.port, v, want)
		}
	}
	// IPv4-mapped peers (dual-stack sockets) are judged as IPv4.
	if v := tab.Lookup(netip.MustParseAddr("::ffff:203.0.113.9"), gwPort); v.Pass || v.Rule != 1 {
		t.Errorf("mapped denied address = %+v", v)
	}
}

func TestTwinCounters(t *testing.T) {
	f := newFilter(nil, "", testPolicy(t))
	for _, d := range decisions {
		if got := f.Admit(netip.MustParseAddr(d.src), d.port); got != d.pass {
			t.Errorf("%s: Admit = %v", d.name, got)
		}
	}
	cs, err := f.Counters()
	if err != nil {
		t.Fatal(err)
	}
	checkCounters(t, cs, func(c RuleCounter) (uint64, uint64) { return c.ConnsPassed, c.ConnsRefused })
}

// checkCounters compares per-rule counts with those the table implies.
func checkCounters(t *testing.T, cs []RuleCounter, get func(RuleCounter) (passed, dropped uint64)) {
	t.Helper()
	want := map[uint32][2]uint64{}
	for _, d := range decisions {
		if !d.judged {
			continue
		}
		w := want[d.rule]
		if d.pass {
			w[0]++
		} else {
			w[1]++
		}
		want[d.rule] = w
	}
	for _, c := range cs {
		p, d := get(c)
		if w := want[c.Rule]; p != w[0] || d != w[1] {
			t.Errorf("rule %d (%s): passed %d dropped %d, want %d %d", c.Rule, c.Name, p, d, w[0], w[1])
		}
	}
}

func TestApplySwapsTwin(t *testing.T) {
	f := newFilter(nil, "", testPolicy(t))
	deny := netip.MustParseAddr("192.0.2.1")
	if !f.Admit(deny, gwPort) {
		t.Fatal("unlisted refused")
	}
	p, err := Compile(&File{Deny: []string{"192.0.2.0/28"}}, gwPort)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Apply(p); err != nil {
		t.Fatal(err)
	}
	if f.Admit(deny, gwPort) {
		t.Fatal("newly denied address admitted")
	}
	if !f.Admit(netip.MustParseAddr("203.0.113.9"), gwPort) {
		t.Fatal("address no longer denied is refused")
	}
}

// TestAdmitDuringApply: event loops call Admit while a reload swaps the
// table (run under -race); each verdict is one of the two policies'.
func TestAdmitDuringApply(t *testing.T) {
	a := testPolicy(t)
	b, err := Compile(&File{Deny: []string{"192.0.2.0/24"}}, gwPort)
	if err != nil {
		t.Fatal(err)
	}
	f := newFilter(nil, "", a)
	stop := make(chan struct{})
	done := make(chan struct{})
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			src := netip.MustParseAddr("203.0.113.9") // denied by a, not b
			for {
				select {
				case <-stop:
					return
				default:
					f.Admit(src, gwPort)
				}
			}
		}()
	}
	for i := range 200 {
		p := a
		if i%2 == 0 {
			p = b
		}
		if err := f.Apply(p); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-done
	<-done
	if f.Admit(netip.MustParseAddr("203.0.113.9"), gwPort) {
		t.Fatal("last policy (a) not in force")
	}
}
