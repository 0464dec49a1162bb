package router

import (
	"encoding/binary"
	"strings"
)

// First-segment table: the first segment of an API path (between its
// first and second '/') selects, with one hash probe, the part of each
// tier that can match below it. A "^~" or plain prefix "/S/rest" lives in
// the radix tree of S (keys spelt from the '/' after S), a {param} path
// "/S/..." under the segment tree's static child S. Prefixes without a
// second '/' ("/", "/user", which also serves "/usertest") stay in one
// short tree per tier that every lookup walks.
//
// Keys and request paths are both canonical (normalize.go), so a '/' is a
// separator in both and an encoded one (%2F) in neither.

// segTable is an open-addressing table on the FNV-1a hash of the segment
// (computed while finding the segment's end), at most half full. A slot
// keeps the segment's first eight bytes, so a probe for a short segment
// reads no other memory.
type segTable struct {
	mask  uint32
	slots []segSlot
}

type segSlot struct {
	word  uint64 // segWord(seg)
	n     uint32 // len(seg); 0 for an empty slot (segments are not empty)
	hash  uint32
	prio  int32  // root in env.tree of the "^~" keys below "/S/"; -1 for none
	plain int32  // likewise for the plain prefixes
	param *snode // the {param} tree root's static child S
	seg   string
}

// segWord packs the first eight bytes of a segment (little-endian, zeros
// past its end; canonical segments hold no zero byte).
func segWord(s []byte) uint64 {
	if len(s) >= 8 {
		return binary.LittleEndian.Uint64(s)
	}
	var w uint64
	for i, c := range s {
		w |= uint64(c) << (8 * i)
	}
	return w
}

// get returns the slot of segment seg whose segHash is h, or nil.
func (t *segTable) get(seg []byte, h uint32) *segSlot {
	w, n := segWord(seg), uint32(len(seg))
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.n == 0 {
			return nil
		}
		if s.word == w && s.n == n && (n <= 8 || s.hash == h && s.seg == string(seg)) {
			return s
		}
	}
}

// tierKeys gathers one prefix tier's keys while compiling: keys without a
// second '/' in short, the others by first segment.
type tierKeys struct {
	short *rnode
	sub   map[string]*rnode
	segs  []string // the keys of sub, first seen first
	keys  int      // keys added, and their bytes: sizes for env.tree
	bytes int
}

// at returns the node for key, as rnode.at.
func (k *tierKeys) at(key string) *rnode {
	k.keys++
	k.bytes += len(key)
	if len(key) > 1 {
		if j := strings.IndexByte(key[1:], '/'); j >= 0 {
			s := key[1 : j+1]
			r := k.sub[s]
			if r == nil {
				if k.sub == nil {
					k.sub = map[string]*rnode{}
				}
				r = &rnode{}
				k.sub[s] = r
				k.segs = append(k.segs, s)
			}
			return r.at(key[j+1:])
		}
	}
	if k.short == nil {
		k.short = &rnode{}
	}
	return k.short.at(key)
}

// buildSegs lays out the trees of both tiers in e.tree and fills e.segs.
// Everything goes in definition order, so that equal input gives an equal
// table.
func (e *env) buildSegs(prio, plain *tierKeys) {
	// A tree of n keys has at most 2n nodes besides its root.
	n := 2*(prio.keys+plain.keys) + len(prio.segs) + len(plain.segs) + 2
	e.tree.nodes = make([]rflat, 0, n)
	e.tree.first = make([]byte, 0, n)
	e.tree.labels = make([]byte, 0, prio.bytes+plain.bytes)
	e.prioShort = e.tree.add(prio.short)
	e.plainShort = e.tree.add(plain.short)
	index := map[string]int{}
	var list []segSlot
	slot := func(s string) *segSlot {
		i, ok := index[s]
		if !ok {
			i = len(list)
			index[s] = i
			list = append(list, segSlot{word: segWord([]byte(s)), n: uint32(len(s)), hash: segHash(s), prio: -1, plain: -1, seg: s})
		}
		return &list[i]
	}
	for _, s := range prio.segs {
		slot(s).prio = e.tree.add(prio.sub[s])
	}
	for _, s := range plain.segs {
		slot(s).plain = e.tree.add(plain.sub[s])
	}
	if e.params != nil {
		for _, c := range e.params.statics {
			slot(c.seg).param = c.n
		}
	}
	if len(list) == 0 {
		return
	}
	size := 8
	for size < 2*len(list) {
		size <<= 1
	}
	e.segs = segTable{mask: uint32(size - 1), slots: make([]segSlot, size)}
	for _, x := range list {
		i := x.hash & e.segs.mask
		for e.segs.slots[i].n != 0 {
			i = (i + 1) & e.segs.mask
		}
		e.segs.slots[i] = x
	}
}
