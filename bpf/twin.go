package bpf

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Table is the userspace twin of the XDP program: the same longest-prefix
// decision over the same Policy, for accept time (edge.Config.AdmitConn).
// It is immutable once built; Lookup allocates nothing and takes no lock, so
// every event loop may call it concurrently.
type Table struct {
	ports  [65536]uint8 // port flags
	deny4  lpm4
	deny6  lpm6
	allow4 lpm4
	allow6 lpm6
}

// lpm4 is a longest-prefix-match table as one hash map per prefix length,
// probed longest first; the key holds the port (0 for deny) and the masked
// address, like the XDP allow-list key.
type lpm4 struct {
	present uint64 // bit n: some prefix of length n
	m       [33]map[uint64]uint32
}

// key6 is {port, high 64 bits, low 64 bits}: no padding, so the map
// hashes it as plain memory.
type key6 [3]uint64

type lpm6 struct {
	present [3]uint64 // bit n: some prefix of length n (0..128)
	m       [129]map[key6]uint32
}

// NewTable builds the twin of p.
func NewTable(p *Policy) *Table {
	t := &Table{}
	for port, f := range p.Ports {
		t.ports[port] = uint8(f)
	}
	for _, e := range p.Deny {
		t.add(&t.deny4, &t.deny6, e)
	}
	for _, e := range p.Allow {
		t.add(&t.allow4, &t.allow6, e)
	}
	return t
}

func (t *Table) add(l4 *lpm4, l6 *lpm6, e Entry) {
	n := e.Prefix.Bits()
	a := e.Prefix.Masked().Addr()
	if a.Is4() {
		if l4.m[n] == nil {
			l4.m[n] = map[uint64]uint32{}
		}
		k := uint64(e.Port)<<32 | uint64(binary.BigEndian.Uint32(a.AsSlice()))
		if _, dup := l4.m[n][k]; !dup {
			l4.m[n][k] = e.Rule
		}
		l4.present |= 1 << n
		return
	}
	if l6.m[n] == nil {
		l6.m[n] = map[key6]uint32{}
	}
	b := a.As16()
	k := key6{uint64(e.Port), binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
	if _, dup := l6.m[n][k]; !dup {
		l6.m[n][k] = e.Rule
	}
	l6.present[n/64] |= 1 << (n % 64)
}

func (l *lpm4) lookup(port uint16, addr uint32) (uint32, bool) {
	for p := l.present; p != 0; {
		n := 63 - bits.LeadingZeros64(p)
		p &^= 1 << n
		mask := uint32(0)
		if n > 0 {
			mask = ^uint32(0) << (32 - n)
		}
		if r, ok := l.m[n][uint64(port)<<32|uint64(addr&mask)]; ok {
			return r, true
		}
	}
	return 0, false
}

func (l *lpm6) lookup(port uint16, hi, lo uint64) (uint32, bool) {
	for w := 2; w >= 0; w-- {
		for p := l.present[w]; p != 0; {
			b := 63 - bits.LeadingZeros64(p)
			p &^= 1 << b
			n := w*64 + b
			k := key6{uint64(port)}
			switch {
			case n == 0:
			case n <= 64:
				k[1] = hi & (^uint64(0) << (64 - n))
			default:
				k[1] = hi
				k[2] = lo & (^uint64(0) << (128 - n))
			}
			if r, ok := l.m[n][k]; ok {
				return r, true
			}
		}
	}
	return 0, false
}

// Verdict is the outcome for one source and destination port.
type Verdict struct {
	Judged bool   // the port is judged at all
	Pass   bool   // the connection may proceed
	Rule   uint32 // the rule that decided (0: no list matched)
}

// Lookup decides like xdp_filter.c: deny list first, then the allow list
// of an allow-only port. IPv4-mapped addresses count as IPv4.
func (t *Table) Lookup(src netip.Addr, port uint16) Verdict {
	f := t.ports[port]
	if f&portJudged == 0 {
		return Verdict{Pass: true}
	}
	src = src.Unmap()
	var rule uint32
	var hit bool
	var hi, lo uint64
	var a4 uint32
	is4 := src.Is4()
	if is4 {
		b := src.As4()
		a4 = binary.BigEndian.Uint32(b[:])
		rule, hit = t.deny4.lookup(0, a4)
	} else {
		b := src.As16()
		hi, lo = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
		rule, hit = t.deny6.lookup(0, hi, lo)
	}
	if hit {
		return Verdict{Judged: true, Rule: rule}
	}
	if f&portAllowOnly == 0 {
		return Verdict{Judged: true, Pass: true}
	}
	if is4 {
		rule, hit = t.allow4.lookup(port, a4)
	} else {
		rule, hit = t.allow6.lookup(port, hi, lo)
	}
	return Verdict{Judged: true, Pass: hit, Rule: rule}
}
