package ipset

import (
	"errors"
	"net/netip"
	"strings"
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

// refParse is the reference reading of a list, with net/netip alone:
// entries split on ';', line breaks and the two characters `\n`, blanks
// trimmed, each an address, a prefix (an IPv4-mapped one of /96 or more
// is the IPv4 prefix it carries) or a range "a-b" of one family, low end
// first; no zones. It returns the set, the number of entries and the
// first entry it refuses ("" when none).
func refParse(list string) (ref naive, n int, bad string) {
	list = strings.ReplaceAll(list, `\n`, "\n")
	sep := func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }
	for _, e := range strings.FieldsFunc(list, sep) {
		if e = strings.Trim(e, " \t"); e == "" {
			continue
		}
		n++
		if !ref.add(e) {
			return ref, n, e
		}
	}
	return ref, n, ""
}

func (n *naive) add(e string) bool {
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return false
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		n.prefixes = append(n.prefixes, p.Masked())
		return true
	}
	// A range's ends may have blanks around them; a lone address not.
	lo, hi, isRange := strings.Cut(e, "-")
	if isRange {
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	} else {
		hi = lo
	}
	l, lerr := netip.ParseAddr(lo)
	h, herr := netip.ParseAddr(hi)
	if lerr != nil || herr != nil || l.Zone() != "" || h.Zone() != "" {
		return false
	}
	l, h = l.Unmap(), h.Unmap()
	if l.Is4() != h.Is4() || h.Less(l) {
		return false
	}
	n.ranges = append(n.ranges, [2]netip.Addr{l, h})
	return true
}

// lastOf is the last address of p: its host bits all set.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// FuzzParseList parses a text list with Parse and with refParse and
// checks that they accept and refuse alike (the same first bad entry, the
// same count) and that the Set answers as the reference on both ends of
// every entry, their neighbours, and arbitrary addresses from probe.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/8;1.2.3.4", "1.2.3.4-1.2.3.9\n::1", "::ffff:1.2.3.4/120", "a;b", "1.2.3.4/33", "fe80::1%eth0",
		" 10.0.0.1 ;\t10.0.0.0/30\r\n\n::ffff:10.0.0.9 ", `1.1.1.1\n2.2.2.0/24\n`, "0.0.0.0/0;::/0",
		"255.255.255.255-255.255.255.255;ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::ffff:0:0/95;1.2.3.4 - 1.2.3.5",
		"10.0.0.9-10.0.0.1", "10.0.0.1-::1", "::ffff:10.0.0.1-10.0.0.5", "01.2.3.4", "2001:db8::/129", "1.2.3.4-1.2.3.5/8",
	} {
		f.Add(s, []byte{0, 10, 0, 0, 1, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	}
	f.Fuzz(func(t *testing.T, list string, probe []byte) {
		ref, n, bad := refParse(list)
		s, got, err := Parse(list)
		if bad != "" {
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Entry != bad {
				t.Fatalf("Parse(%q) = %v, the reference refuses entry %q", list, err, bad)
			}
			return
		}
		if err != nil || got != n {
			t.Fatalf("Parse(%q) = %d entries, %v; the reference reads %d", list, got, err, n)
		}
		var probes []netip.Addr
		for _, p := range ref.prefixes {
			probes = append(probes, around(p.Addr())...)
			probes = append(probes, around(lastOf(p))...)
		}
		for _, r := range ref.ranges {
			probes = append(probes, around(r[0])...)
			probes = append(probes, around(r[1])...)
		}
		for len(probe) > 0 {
			a, rest, ok := addrFrom(probe[0], probe[1:])
			if !ok {
				break
			}
			probes, probe = append(probes, a), rest
		}
		for _, a := range probes {
			want := ref.contains(a)
			if s.Contains(a) != want {
				t.Fatalf("Parse(%q).Contains(%s) = %v, the reference says %v", list, a, !want, want)
			}
			if a.Is4() && s.Contains(netip.AddrFrom16(a.As16())) != want {
				t.Fatalf("Parse(%q).Contains(mapped %s) = %v, the reference says %v", list, a, !want, want)
			}
		}
	})
}
