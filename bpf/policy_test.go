package bpf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	ok := map[string]string{
		"192.0.2.7":                 "192.0.2.7/32",
		" 192.0.2.0/24 ":            "192.0.2.0/24",
		"192.0.2.9/24":              "192.0.2.0/24", // host bits cleared
		"::ffff:192.0.2.7":          "192.0.2.7/32",
		"::ffff:192.0.2.0/120":      "192.0.2.0/24",
		"2001:db8::1":               "2001:db8::1/128",
		"2001:db8::/32":             "2001:db8::/32",
		"10.0.0.1-10.0.0.6":         "10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32",
		"10.0.0.0 - 10.0.0.255":     "10.0.0.0/24",
		"10.0.0.0-10.0.1.0":         "10.0.0.0/24 10.0.1.0/32",
		"0.0.0.0-255.255.255.255":   "0.0.0.0/0",
		"192.0.2.5-192.0.2.5":       "192.0.2.5/32",
		"2001:db8::-2001:db8::ffff": "2001:db8::/112",
		"2001:db8::1-2001:db8::2":   "2001:db8::1/128 2001:db8::2/128",
	}
	for in, want := range ok {
		got, err := ParseSource(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if strings.Join(s, " ") != want {
			t.Errorf("%q = %v, want %s", in, s, want)
		}
	}
	bad := map[string]string{
		"":                           "empty",
		"10.0.0.300":                 "not an IP, CIDR or range",
		"10.0.0.0/33":                "not an IP, CIDR or range",
		"fe80::1%eth0":               "not an IP, CIDR or range",
		"10.0.0.9-10.0.0.1":          "end is before its start",
		"10.0.0.1-2001:db8::1":       "mixes IPv4 and IPv6",
		"10.0.0.1-":                  "a range is two addresses",
		"example.com":                "not an IP, CIDR or range",
		"10.0.0.1-10.0.0.2-10.0.0.3": "a range is two addresses",
	}
	for in, want := range bad {
		if _, err := ParseSource(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one containing %q", in, err, want)
		}
	}
}

// TestRangePrefixesCover checks the decomposition against brute force on
// many small ranges: exactly the addresses lo..hi, no overlap.
func TestRangePrefixesCover(t *testing.T) {
	base := netip.MustParseAddr("10.0.0.0")
	for lo := 0; lo < 40; lo++ {
		for hi := lo; hi < 70; hi++ {
			a, b := nth(base, lo), nth(base, hi)
			covered := map[netip.Addr]int{}
			for _, p := range RangePrefixes(a, b) {
				for x := p.Addr(); p.Contains(x); x = x.Next() {
					covered[x]++
				}
			}
			if len(covered) != hi-lo+1 {
				t.Fatalf("%v-%v covers %d addresses", a, b, len(covered))
			}
			for x, n := range covered {
				if n != 1 || x.Less(a) || b.Less(x) {
					t.Fatalf("%v-%v: %v covered %d times", a, b, x, n)
				}
			}
		}
	}
}

func nth(a netip.Addr, n int) netip.Addr {
	for range n {
		a = a.Next()
	}
	return a
}

func TestCompileErrors(t *testing.T) {
	cases := map[string]string{
		"deny: [10.0.0.1, nope]":              "deny[1]",
		"allow_only: {\"0\": [10.0.0.1]}":     "is not a port",
		"allow_only: {\"70000\": [10.0.0.1]}": "is not a port",
		"allow_only: {\"9000\": [10.0.0.x]}":  "allow_only[9000][0]",
		"ports: [0]":                          "not a port",
	}
	for in, want := range cases {
		f, err := ParseFile([]byte(in))
		if err == nil {
			_, err = Compile(f, 80)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
	if _, err := ParseFile([]byte("denny: [10.0.0.1]")); err == nil {
		t.Error("unknown field accepted")
	}
	p, err := Compile(&File{Ports: []uint16{9443}}, 8080)
	if err != nil || p.Ports[9443] != portJudged || p.Ports[8080] != portJudged {
		t.Fatalf("ports: %v %v", p.Ports, err)
	}
}

func TestCompileRuleCap(t *testing.T) {
	f := &File{}
	for i := range MaxRules + 10 {
		f.Deny = append(f.Deny, fmt.Sprintf("10.%d.%d.0/24", i/256, i%256))
	}
	p, err := Compile(f, 80)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != MaxRules || p.Deny[len(p.Deny)-1].Rule != MaxRules-1 || len(p.Deny) != MaxRules+10 {
		t.Fatalf("rules %d, last id %d, entries %d", len(p.Rules), p.Deny[len(p.Deny)-1].Rule, len(p.Deny))
	}
}

// TestKeysOf pins the LPM key layout the XDP program reads: the prefix
// length (host order; allow keys count the 16 port bits), the port
// (big-endian), then the address.
func TestKeysOf(t *testing.T) {
	p := &Policy{
		Deny: []Entry{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Rule: 1}, {Prefix: netip.MustParsePrefix("2001:db8::/32"), Rule: 2}},
		Allow: []Entry{{Port: 8080, Prefix: netip.MustParsePrefix("192.0.2.0/24"), Rule: 3},
			{Port: 443, Prefix: netip.MustParsePrefix("2001:db8::1/128"), Rule: 4}},
	}
	bits := func(n uint32) []byte { return binary.NativeEndian.AppendUint32(nil, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	s := keysOf(p)
	want := map[string]uint32{
		string(cat(bits(8), []byte{10, 0, 0, 0})):                                                   1,
		string(cat(bits(32), netip.MustParseAddr("2001:db8::").AsSlice())):                          2,
		string(cat(bits(16+24), []byte{0x1f, 0x90}, []byte{192, 0, 2, 0})):                          3,
		string(cat(bits(16+128), []byte{0x01, 0xbb}, netip.MustParseAddr("2001:db8::1").AsSlice())): 4,
	}
	got := map[string]uint32{}
	for k, v := range s.deny4 {
		got[string(k[:])] = v
	}
	for k, v := range s.deny6 {
		got[string(k[:])] = v
	}
	for k, v := range s.allow4 {
		got[string(k[:])] = v
	}
	for k, v := range s.allow6 {
		got[string(k[:])] = v
	}
	if !maps.Equal(got, want) {
		t.Errorf("keys:\n got %x\nwant %x", got, want)
	}
}
