package router

import "bytes"

// Prefix tiers: radix trees over canonical path bytes, separate ones for
// the "^~" prefixes (tier 2) and the plain prefixes (tier 4), so that a
// request that ends in tier 3 never walks the plain ones; first.go splits
// each tier by first path segment. A node whose path from its root spells
// a configured prefix holds its entry.
//
// The "^~" trees also carry the literal prefixes of the environment's
// regexes (rnode.re, env.reBucket): the walk that looks for a priority
// prefix collects, on the way, which regexes can match the path at all,
// so that tier 3 tries only those instead of comparing every literal.

// rnode is the build-time form of a radix tree.
type rnode struct {
	label string
	e     *entry
	re    uint64 // regex buckets with a literal prefix ending here
	first []byte // first byte of each child's label
	kids  []*rnode
}

// at returns the node that spells key, adding nodes as needed.
func (n *rnode) at(key string) *rnode {
	for key != "" {
		k := bytes.IndexByte(n.first, key[0])
		if k < 0 {
			c := &rnode{label: key}
			n.first = append(n.first, key[0])
			n.kids = append(n.kids, c)
			return c
		}
		c := n.kids[k]
		l := 0
		for l < len(c.label) && l < len(key) && c.label[l] == key[l] {
			l++
		}
		if l < len(c.label) {
			mid := &rnode{label: c.label[:l], first: []byte{c.label[l]}, kids: []*rnode{c}}
			c.label = c.label[l:]
			n.kids[k] = mid
			c = mid
		}
		key = key[l:]
		n = c
	}
	return n
}

// radix holds rnode trees laid out flat for lookups: nodes in one slice
// (children of a node contiguous), labels in one byte slice and the
// answers in another, so that a walk touches few cache lines. An env keeps
// all its trees in one radix; each is known by its root's index (add).
type radix struct {
	nodes  []rflat
	first  []byte // first byte of each node's label, indexed like nodes
	labels []byte
	routes [][numMethods]*Route // entry answers, indexed by rflat.slot
}

type rflat struct {
	re     uint64 // rnode.re
	lab    uint32 // label = labels[lab : lab+labLen]
	labLen uint32
	kids   uint32 // children = nodes[kids : kids+nkids]
	slot   int32  // index into routes; -1 without an entry
	nkids  uint16
	allow  uint16 // the entry's allow mask
	served uint8  // the entry's served mask (0 without)
}

// add lays out the tree of root and returns the root's index, or -1 for a
// nil root.
func (t *radix) add(root *rnode) int32 {
	if root == nil {
		return -1
	}
	var fill func(i int, n *rnode)
	fill = func(i int, n *rnode) {
		f := &t.nodes[i]
		f.lab = uint32(len(t.labels))
		f.labLen = uint32(len(n.label))
		t.labels = append(t.labels, n.label...)
		f.re = n.re
		f.slot = -1
		if e := n.e; e != nil {
			f.slot = int32(len(t.routes))
			t.routes = append(t.routes, e.routes)
			f.served, f.allow = e.served, e.allow
		}
		f.kids, f.nkids = uint32(len(t.nodes)), uint16(len(n.kids))
		for _, k := range n.kids {
			t.nodes = append(t.nodes, rflat{})
			t.first = append(t.first, k.label[0])
		}
		base := int(t.nodes[i].kids)
		for j, k := range n.kids {
			fill(base+j, k)
		}
	}
	r := len(t.nodes)
	t.nodes = append(t.nodes, rflat{})
	t.first = append(t.first, 0)
	fill(r, root)
	return int32(r)
}

// prefixWalk is what a walk collects besides its answer.
type prefixWalk struct {
	allow uint16 // Allow masks of the matching prefixes that don't serve the method
	re    uint64 // regex buckets whose literal prefix p starts with
}

// longest walks p from node x, whose path from its root spells p[:i], and
// returns the route of the longest prefix whose entry serves method m (nil
// for none) and that prefix's length; w accumulates over calls.
func (t *radix) longest(p []byte, i, x, m int, w *prefixWalk) (*Route, int) {
	bit := uint8(1) << m
	best, n := -1, 0
	for {
		f := &t.nodes[x]
		w.re |= f.re
		if f.served&bit != 0 {
			best, n = x, i
		} else {
			w.allow |= f.allow
		}
		if i == len(p) || f.nkids == 0 {
			break
		}
		c, k, end := p[i], f.kids, f.kids+uint32(f.nkids)
		for k < end && t.first[k] != c {
			k++
		}
		if k == end {
			break
		}
		x = int(k)
		f = &t.nodes[x]
		l := int(f.labLen)
		if len(p)-i < l || string(p[i:i+l]) != string(t.labels[f.lab:f.lab+uint32(l)]) {
			break
		}
		i += l
	}
	if best < 0 {
		return nil, 0
	}
	return t.routes[t.nodes[best].slot][m], n
}

// prefix answers one prefix tier: the longest of the short tree's prefixes
// and, when p continues below its first segment (p[end1] is '/'), of the
// prefixes below it (subRoot, -1 for none), that serves method m.
func (t *radix) prefix(p []byte, short, subRoot int32, end1, m int, w *prefixWalk) (*Route, int) {
	var r *Route
	n := 0
	if short >= 0 {
		r, n = t.longest(p, 0, int(short), m, w)
	}
	if subRoot >= 0 {
		if r2, n2 := t.longest(p, end1, int(subRoot), m, w); r2 != nil {
			r, n = r2, n2
		}
	}
	return r, n
}
