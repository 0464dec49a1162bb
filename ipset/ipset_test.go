package ipset

import (
	"errors"
	"net/netip"
	"testing"
)

func TestContains(t *testing.T) {
	s := MustParse("10.0.0.0/8; 192.168.1.7\n172.16.0.1-172.16.0.9;2001:db8::/32\r\n::1; 0.0.0.0/32 ; 255.255.255.255")
	f := func(addr string, want bool) {
		t.Helper()
		if got := s.Contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", addr, got, want)
		}
	}
	f("10.0.0.0", true)
	f("10.255.255.255", true)
	f("11.0.0.0", false)
	f("9.255.255.255", false)
	f("192.168.1.7", true)
	f("192.168.1.6", false)
	f("192.168.1.8", false)
	f("172.16.0.0", false)
	f("172.16.0.1", true)
	f("172.16.0.9", true)
	f("172.16.0.10", false)
	f("0.0.0.0", true)
	f("0.0.0.1", false)
	f("255.255.255.255", true)
	f("255.255.255.254", false)
	f("2001:db8::", true)
	f("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)
	f("2001:db9::", false)
	f("::1", true)
	f("::2", false)
	f("::", false)
	// A mapped peer is judged as the IPv4 address it carries.
	f("::ffff:10.1.2.3", true)
	f("::ffff:11.1.2.3", false)
	if (*Set)(nil).Contains(netip.MustParseAddr("10.0.0.1")) || s.Contains(netip.Addr{}) {
		t.Error("nil set or zero address matched")
	}
}

func TestWholeSpaces(t *testing.T) {
	s := MustParse("0.0.0.0/0;::/0")
	for _, a := range []string{"0.0.0.0", "1.2.3.4", "255.255.255.255", "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1"} {
		if !s.Contains(netip.MustParseAddr(a)) {
			t.Errorf("%s not in the whole space", a)
		}
	}
	if s.Len() != 2 {
		t.Errorf("Len %d, want 2", s.Len())
	}
}

// Overlapping and adjacent entries merge into one range.
func TestMerge(t *testing.T) {
	for _, c := range []struct {
		list string
		want int
	}{
		{"10.0.0.0/24;10.0.1.0/24", 1},
		{"10.0.0.0/24;10.0.2.0/24", 2},
		{"10.0.0.0/8;10.1.0.0/16;10.2.3.4", 1},
		{"10.0.0.1-10.0.0.5;10.0.0.3-10.0.0.9;10.0.0.10", 1},
		{"255.255.255.0/24;255.255.255.255", 1},
		{"2001:db8::/64;2001:db8:0:1::/64", 1},
		{"2001:db8::/64;2001:db8:0:2::/64", 2},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120;ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
		{"::/0;2001:db8::1;::1", 1},
		{"1.2.3.4;1.2.3.4;1.2.3.4", 1},
		{"", 0},
		{" ; \n ;", 0},
	} {
		s, _, err := Parse(c.list)
		if err != nil {
			t.Fatalf("%q: %v", c.list, err)
		}
		if s.Len() != c.want {
			t.Errorf("%q: %d ranges, want %d", c.list, s.Len(), c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{
		"10.0.0.256", "10.0.0", "1.2.3.4/33", "2001:db8::/129", "fe80::1%eth0", "fe80::/64%eth0",
		"10.0.0.9-10.0.0.1", "10.0.0.1-::1", "abc", "10.0.0.1-", "-10.0.0.1", "10.0.0.1,10.0.0.2",
		"10.0.0.0/", "/8", "1.2.3.4 5.6.7.8", "01.2.3.4",
	} {
		_, _, err := Parse("1.1.1.1;" + bad + ";2.2.2.2")
		var ee *EntryError
		if !errors.As(err, &ee) || ee.Entry != bad {
			t.Errorf("%q: err %v, want an EntryError naming it", bad, err)
		}
	}
	// A literal backslash-n separates too (the console's example).
	if s, n, err := Parse(`1.1.1.1\n2.2.2.0/24\n`); err != nil || n != 2 || !s.Contains(netip.MustParseAddr("2.2.2.9")) {
		t.Errorf(`literal \n: %v %d`, err, n)
	}
	s, n, err := Parse(" 10.0.0.1 ;\t10.0.0.0/30\n\n::ffff:10.0.0.9 ")
	if err != nil || n != 3 || !s.Contains(netip.MustParseAddr("10.0.0.9")) {
		t.Errorf("blanks and mapped entries: %v %d", err, n)
	}
}

func TestParseEntryBounds(t *testing.T) {
	lo, hi, err := ParseEntry("10.1.2.3/16")
	if err != nil || lo != netip.MustParseAddr("10.1.0.0") || hi != netip.MustParseAddr("10.1.255.255") {
		t.Errorf("10.1.2.3/16: %v %v %v", lo, hi, err)
	}
	lo, hi, err = ParseEntry("2001:db8::/48")
	if err != nil || lo != netip.MustParseAddr("2001:db8::") || hi != netip.MustParseAddr("2001:db8:0:ffff:ffff:ffff:ffff:ffff") {
		t.Errorf("2001:db8::/48: %v %v %v", lo, hi, err)
	}
	lo, hi, err = ParseEntry("::ffff:10.0.0.0/104")
	if err != nil || lo != netip.MustParseAddr("10.0.0.0") || hi != netip.MustParseAddr("10.255.255.255") {
		t.Errorf("mapped prefix: %v %v %v", lo, hi, err)
	}
}

// TestParseV6PrefixEndingInMappedBlock: an IPv6 prefix whose last
// address is IPv4-mapped (::/80, ::fffe:0:0/95) holds its IPv6 addresses;
// Parse used to drop it whole (FuzzParseList found it).
func TestParseV6PrefixEndingInMappedBlock(t *testing.T) {
	for list, in := range map[string]string{"::/80": "::1", "::ffff:0:0/95": "::fffe:0:1"} {
		s, n, err := Parse(list)
		if err != nil || n != 1 || !s.Contains(netip.MustParseAddr(in)) {
			t.Errorf("%s: Contains(%s) false (n %d, %v)", list, in, n, err)
		}
		if s.Contains(netip.MustParseAddr("10.0.0.1")) {
			t.Errorf("%s holds the IPv4 address 10.0.0.1", list)
		}
	}
}

func TestContainsAllocs(t *testing.T) {
	var b Builder
	for i := range 1000 {
		b.AddPrefix(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24))
		b.AddPrefix(netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, byte(i >> 8), byte(i)}), 32))
	}
	s := b.Build()
	a4, a6 := netip.MustParseAddr("10.3.7.1"), netip.MustParseAddr("2001:307::1")
	allocs := testing.AllocsPerRun(1000, func() {
		if !s.Contains(a4) || !s.Contains(a6) {
			t.Fatal("miss")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per lookup", allocs)
	}
}

func BenchmarkContains(b *testing.B) {
	for _, n := range []int{10, 100000} {
		var bl Builder
		for i := range n {
			bl.AddPrefix(netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(i >> 16), byte(i >> 8), byte(i), 0}), 28))
			bl.AddPrefix(netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, byte(i >> 16), byte(i >> 8), byte(i)}), 48))
		}
		s := bl.Build()
		a4, a6 := netip.MustParseAddr("0.1.2.3"), netip.MustParseAddr("2001:1:2:3::1")
		b.Run("v4/"+itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Contains(a4)
			}
		})
		b.Run("v6/"+itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Contains(a6)
			}
		})
	}
}

func itoa(n int) string {
	if n >= 1000 {
		return itoa(n/1000) + "k"
	}
	d := []byte{}
	for ; n > 0 || len(d) == 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}
