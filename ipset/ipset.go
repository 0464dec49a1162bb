package ipset

import (
	"encoding/binary"
	"net/netip"
	"sort"
)

// u128 is an IPv6 address as two big-endian halves.
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

// next is a+1, and false when a is the last address.
func (a u128) next() (u128, bool) {
	if a.lo != ^uint64(0) {
		return u128{a.hi, a.lo + 1}, true
	}
	if a.hi != ^uint64(0) {
		return u128{a.hi + 1, 0}, true
	}
	return a, false
}

type r4 struct{ lo, hi uint32 }
type r6 struct{ lo, hi u128 }

// Set is an immutable set of addresses. The zero value and nil are empty.
type Set struct {
	v4 []r4 // sorted by lo, disjoint, never adjacent
	v6 []r6
}

func key4(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func key6(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// Contains reports whether a is in the set. An invalid (zero) Addr is in
// no set. It does not allocate.
func (s *Set) Contains(a netip.Addr) bool {
	if s == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap()
	if a.Is4() {
		v, rs := key4(a), s.v4
		// First range whose hi >= v; the ranges are sorted and disjoint,
		// so their hi values are sorted too.
		lo, hi := 0, len(rs)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if rs[m].hi < v {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo < len(rs) && rs[lo].lo <= v
	}
	v, rs := key6(a), s.v6
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].hi.less(v) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(rs) && !v.less(rs[lo].lo)
}

// Len is the number of merged ranges (IPv4 plus IPv6).
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.v4) + len(s.v6)
}

// Empty reports a set that contains nothing.
func (s *Set) Empty() bool { return s.Len() == 0 }

// Builder collects addresses, prefixes and ranges into a Set.
type Builder struct {
	v4 []r4
	v6 []r6
}

// AddPrefix adds every address of p (host bits are ignored).
func (b *Builder) AddPrefix(p netip.Prefix) {
	if !p.IsValid() {
		return
	}
	p = unmapPrefix(p).Masked()
	lo := p.Addr()
	if lo.Is4() {
		l := key4(lo)
		h := l | ^uint32(0)>>p.Bits()
		b.v4 = append(b.v4, r4{l, h})
		return
	}
	// Shifts by the full width give 0 in Go, so /64 and /128 need no
	// special case.
	l := key6(lo)
	h := l
	if bits := p.Bits(); bits <= 64 {
		h.hi |= ^uint64(0) >> bits
		h.lo = ^uint64(0)
	} else {
		h.lo |= ^uint64(0) >> (bits - 64)
	}
	b.v6 = append(b.v6, r6{l, h})
}

// AddAddr adds one address.
func (b *Builder) AddAddr(a netip.Addr) {
	b.AddRange(a, a)
}

// AddRange adds lo..hi inclusive. Both must be of one family with
// lo <= hi; ParseEntry checks that for text input. Otherwise AddRange
// adds nothing.
func (b *Builder) AddRange(lo, hi netip.Addr) {
	b.addRange(lo.Unmap(), hi.Unmap())
}

// addRange adds lo..hi as given. Parse uses it: ParseEntry's ends are
// unmapped already, and an IPv6 prefix may end inside the IPv4-mapped
// block (::/80 ends at ::ffff:255.255.255.255), an end that Unmap would
// turn into IPv4 and AddRange would then drop as a mixed-family range.
func (b *Builder) addRange(lo, hi netip.Addr) {
	if !lo.IsValid() || !hi.IsValid() || lo.Is4() != hi.Is4() || hi.Less(lo) {
		return
	}
	if lo.Is4() {
		b.v4 = append(b.v4, r4{key4(lo), key4(hi)})
		return
	}
	b.v6 = append(b.v6, r6{key6(lo), key6(hi)})
}

// AddSet adds every member of s.
func (b *Builder) AddSet(s *Set) {
	if s == nil {
		return
	}
	b.v4 = append(b.v4, s.v4...)
	b.v6 = append(b.v6, s.v6...)
}

// Build returns the set of everything added; the Builder may be reused.
func (b *Builder) Build() *Set {
	s := &Set{v4: merge4(b.v4), v6: merge6(b.v6)}
	b.v4, b.v6 = nil, nil
	return s
}

func merge4(rs []r4) []r4 {
	if len(rs) == 0 {
		return nil
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].lo < rs[j].lo })
	out := make([]r4, 0, len(rs))
	cur := rs[0]
	for _, r := range rs[1:] {
		// Overlapping or adjacent (cur.hi+1 == r.lo, without overflow).
		if r.lo <= cur.hi || (cur.hi != ^uint32(0) && r.lo == cur.hi+1) {
			cur.hi = max(cur.hi, r.hi)
			continue
		}
		out = append(out, cur)
		cur = r
	}
	return append(out, cur)
}

func merge6(rs []r6) []r6 {
	if len(rs) == 0 {
		return nil
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].lo.less(rs[j].lo) })
	out := make([]r6, 0, len(rs))
	cur := rs[0]
	for _, r := range rs[1:] {
		n, ok := cur.hi.next()
		// r overlaps cur, starts right after it, or cur reaches the last
		// address (so it covers r).
		if !cur.hi.less(r.lo) || !ok || r.lo == n {
			if cur.hi.less(r.hi) {
				cur.hi = r.hi
			}
			continue
		}
		out = append(out, cur)
		cur = r
	}
	return append(out, cur)
}

// unmapPrefix turns ::ffff:a.b.c.d/n (n >= 96) into a.b.c.d/(n-96).
func unmapPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}
