package bpf

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// randomPolicy is a deny list of n distinct prefixes of one family (/32 or
// /24 for IPv4, /128 or /48 for IPv6) plus the same count of allow-only
// entries on port 9000 when allow is set.
func randomPolicy(tb testing.TB, n int, v6 bool) *Policy {
	tb.Helper()
	r := rand.New(rand.NewPCG(7, uint64(n)))
	p := &Policy{Ports: map[uint16]uint32{gwPort: portJudged}, Rules: []Rule{{Name: "default"}}}
	seen := map[netip.Prefix]bool{}
	for len(p.Deny) < n {
		var pf netip.Prefix
		if v6 {
			var b [16]byte
			b[0], b[1] = 0x20, 0x01
			for i := 2; i < 16; i++ {
				b[i] = byte(r.Uint32())
			}
			bits := 128
			if r.IntN(2) == 0 {
				bits = 48
			}
			pf = netip.PrefixFrom(netip.AddrFrom16(b), bits).Masked()
		} else {
			u := r.Uint32() | 1<<24 // never 0.x
			bits := 32
			if r.IntN(2) == 0 {
				bits = 24
			}
			pf = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}), bits).Masked()
		}
		if seen[pf] {
			continue
		}
		seen[pf] = true
		id := uint32(len(p.Rules))
		if id >= MaxRules {
			id = MaxRules - 1
		} else {
			p.Rules = append(p.Rules, Rule{Name: pf.String(), Drop: true})
		}
		p.Deny = append(p.Deny, Entry{Prefix: pf, Rule: id})
	}
	return p
}

// probe is an unlisted source right next to a listed prefix, so a lookup
// walks deep into the trie before it misses.
func probe(tb testing.TB, p *Policy) netip.Addr {
	tab := NewTable(p)
	for _, e := range p.Deny {
		a := lastAddr(e.Prefix).Next()
		if a.IsValid() && tab.Lookup(a, gwPort) == (Verdict{Judged: true, Pass: true}) {
			return a
		}
	}
	tb.Fatal("no unlisted probe address")
	return netip.Addr{}
}

// TestLoad100kPrefixes: 100,000 prefixes reach the kernel within 1 s
// (issue 7), and an update of 1% of them is a small diff.
func TestLoad100kPrefixes(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		p := randomPolicy(t, 100_000, v6)
		f := newFilter(nil, "", p)
		start := time.Now()
		if err := f.load(p); err != nil {
			skipIfNoBPF(t, err)
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Cleanup(func() { f.Close() })
		t.Logf("v6=%v: load + write 100,000 prefixes: %v", v6, took)
		if took > time.Second {
			t.Errorf("v6=%v: 100,000 prefixes took %v, want <= 1s", v6, took)
		}
		q := *p
		q.Deny = append(append([]Entry(nil), p.Deny[1000:]...), randomPolicy(t, 101_000, v6).Deny[100_000:]...)
		start = time.Now()
		if err := f.Apply(&q); err != nil {
			t.Fatal(err)
		}
		t.Logf("v6=%v: apply a 1%% change: %v", v6, time.Since(start))
		got, err := readState(f.objs)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(got.deny4) + len(got.deny6); n != len(keysOf(&q).deny4)+len(keysOf(&q).deny6) {
			t.Errorf("v6=%v: maps hold %d entries after the update, want %d", v6, n, len(q.Deny))
		}
	}
}

// BenchmarkLoad100kPrefixes is the time to write 100,000 prefixes into
// loaded, empty maps (Apply: diff plus batch updates), the part of a start
// or reload the kernel does.
func BenchmarkLoad100kPrefixes(b *testing.B) {
	for _, fam := range []string{"v4", "v6"} {
		b.Run(fam, func(b *testing.B) {
			p := randomPolicy(b, 100_000, fam == "v6")
			empty := &Policy{Ports: map[uint16]uint32{gwPort: portJudged}, Rules: []Rule{{Name: "default"}}}
			b.StopTimer()
			for range b.N {
				f := newFilter(nil, "", empty)
				if err := f.load(empty); err != nil {
					skipIfNoBPF(b, err)
					b.Fatal(err)
				}
				b.StartTimer()
				if err := f.Apply(p); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				f.Close()
			}
		})
	}
}

// BenchmarkXDP reports the kernel's ns per packet (BPF_PROG_TEST_RUN
// repeat) for a TCP SYN to the gateway port from an unlisted source: a
// full deny-trie miss, the longest path.
func BenchmarkXDP(b *testing.B) {
	for _, fam := range []string{"v4", "v6"} {
		for _, n := range []int{10, 100_000} {
			b.Run(fmt.Sprintf("%s/%d", fam, n), func(b *testing.B) {
				p := randomPolicy(b, n, fam == "v6")
				f := loadTest(b, p)
				src := probe(b, p)
				frame := tcpFrame(src, gwPort)
				b.ResetTimer()
				ret, per, err := f.objs.XdpFilter.Benchmark(frame, b.N, nil)
				if err != nil {
					b.Fatal(err)
				}
				if ret != xdpPass {
					b.Fatalf("verdict %d", ret)
				}
				b.ReportMetric(float64(per.Nanoseconds()), "ns/pkt")
			})
		}
	}
}

// BenchmarkTwin is the accept-time twin's lookup for the same cases.
func BenchmarkTwin(b *testing.B) {
	for _, fam := range []string{"v4", "v6"} {
		for _, n := range []int{10, 100_000} {
			b.Run(fmt.Sprintf("%s/%d", fam, n), func(b *testing.B) {
				p := randomPolicy(b, n, fam == "v6")
				f := newFilter(nil, "", p)
				src := probe(b, p)
				b.ReportAllocs()
				for b.Loop() {
					if !f.Admit(src, gwPort) {
						b.Fatal("refused")
					}
				}
			})
		}
	}
}
