package ipset

import (
	"net/netip"
	"testing"
)

// naive is the reference: a plain list of prefixes and ranges checked one
// by one with the standard library.
type naive struct {
	prefixes []netip.Prefix
	ranges   [][2]netip.Addr
}

func (n *naive) contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range n.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	for _, r := range n.ranges {
		if r[0].BitLen() == a.BitLen() && r[0].Compare(a) <= 0 && a.Compare(r[1]) <= 0 {
			return true
		}
	}
	return false
}

// addrFrom takes an address of the family that flag picks from data.
func addrFrom(flag byte, data []byte) (netip.Addr, []byte, bool) {
	if flag&1 == 0 {
		if len(data) < 4 {
			return netip.Addr{}, nil, false
		}
		return netip.AddrFrom4([4]byte(data[:4])), data[4:], true
	}
	if len(data) < 16 {
		return netip.Addr{}, nil, false
	}
	return netip.AddrFrom16([16]byte(data[:16])).Unmap(), data[16:], true
}

// around are the addresses next to a: a-1, a, a+1 (where they exist).
func around(a netip.Addr) []netip.Addr {
	out := []netip.Addr{a}
	if p := a.Prev(); p.IsValid() {
		out = append(out, p)
	}
	if n := a.Next(); n.IsValid() {
		out = append(out, n)
	}
	return out
}

// FuzzContains builds a Set and the naive reference from the same
// prefixes and ranges and checks that they agree on every boundary
// address and on arbitrary ones, IPv4 (also as mapped IPv6) and IPv6.
func FuzzContains(f *testing.F) {
	f.Add([]byte{0, 10, 0, 0, 0, 8, 1, 10, 0, 0, 1, 10, 0, 0, 9, 2, 10, 1, 2, 3})
	f.Add([]byte{3, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 2, 0, 0, 0, 0})
	f.Add([]byte{0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 32, 2, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var b Builder
		var ref naive
		var probes []netip.Addr
		for len(data) > 0 {
			op := data[0]
			data = data[1:]
			switch op % 3 {
			case 0: // prefix
				a, rest, ok := addrFrom(op>>2, data)
				if !ok || len(rest) < 1 {
					data = nil
					break
				}
				bits := int(rest[0]) % (a.BitLen() + 1)
				data = rest[1:]
				p := netip.PrefixFrom(a, bits)
				b.AddPrefix(p)
				ref.prefixes = append(ref.prefixes, p.Masked())
				m := p.Masked().Addr()
				probes = append(probes, around(m)...)
				// The prefix's last address, by the reference's own means.
				last := m
				for range 3 {
					if n := last.Next(); n.IsValid() && p.Contains(n) {
						last = n
					}
				}
				probes = append(probes, around(last)...)
			case 1: // range
				lo, rest, ok := addrFrom(op>>2, data)
				if !ok {
					data = nil
					break
				}
				hi, rest2, ok := addrFrom(op>>2, rest)
				if !ok {
					data = nil
					break
				}
				data = rest2
				if hi.Less(lo) {
					lo, hi = hi, lo
				}
				b.AddRange(lo, hi)
				ref.ranges = append(ref.ranges, [2]netip.Addr{lo, hi})
				probes = append(probes, around(lo)...)
				probes = append(probes, around(hi)...)
			default: // probe only
				a, rest, ok := addrFrom(op>>2, data)
				if !ok {
					data = nil
					break
				}
				data = rest
				probes = append(probes, around(a)...)
			}
		}
		s := b.Build()
		for _, p := range ref.prefixes {
			if p.Addr().Is4() {
				probes = append(probes, netip.AddrFrom4(p.Addr().As4()))
			}
		}
		for _, a := range probes {
			want := ref.contains(a)
			if got := s.Contains(a); got != want {
				t.Fatalf("Contains(%s) = %v, reference says %v (prefixes %v ranges %v)", a, got, want, ref.prefixes, ref.ranges)
			}
			if a.Is4() {
				if got := s.Contains(netip.AddrFrom16(a.As16())); got != want {
					t.Fatalf("Contains(mapped %s) = %v, reference says %v", a, got, want)
				}
			}
		}
	})
}

// FuzzParse: Parse never panics, and what it accepts agrees with
// ParseEntry entry by entry.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8;1.2.3.4", "1.2.3.4-1.2.3.9\n::1", "::ffff:1.2.3.4/120", "a;b", "1.2.3.4/33", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		s, n, err := Parse(list)
		if err != nil {
			return
		}
		if n != len(Entries(list)) {
			t.Fatalf("n %d, entries %d", n, len(Entries(list)))
		}
		for _, e := range Entries(list) {
			lo, hi, err := ParseEntry(e)
			if err != nil {
				t.Fatalf("entry %q: %v after Parse accepted the list", e, err)
			}
			if !s.Contains(lo) || !s.Contains(hi) {
				t.Fatalf("entry %q: ends %s %s not in the set", e, lo, hi)
			}
		}
	})
}
