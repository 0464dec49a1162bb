package router

import "regexp"

// entry groups the APIs of one environment that share a pattern; they
// differ by method.
type entry struct {
	kind  Kind
	key   string
	order int // the smallest Route.Index of its APIs: "first defined" in tier 3
	// routes answers a request method index: the API defined with that
	// method, else (HEAD only) the GET API, else the ANY API.
	routes   [numMethods]*Route
	explicit [mOther]*Route
	any      *Route
	allow    uint16 // methods served, for 405's Allow (ANY makes it moot)
	served   uint8  // bit m set when routes[m] != nil
	re       *regexp.Regexp
	lit      []byte   // regex literal prefix
	segs     []patSeg // param path segments
}

// add reports false when the entry already has an API for the method.
func (e *entry) add(r *Route) bool {
	if r.method == mANY {
		if e.any != nil {
			return false
		}
		e.any = r
	} else {
		if e.explicit[r.method] != nil {
			return false
		}
		e.explicit[r.method] = r
	}
	if r.Index < e.order {
		e.order = r.Index
	}
	return true
}

// finish fills routes and allow once every API is added.
func (e *entry) finish() {
	for m := 0; m < numMethods; m++ {
		var r *Route
		if m < mOther {
			r = e.explicit[m]
			if r != nil {
				e.allow |= 1 << m
			}
		}
		if r == nil && m == mHEAD {
			r = e.explicit[mGET] // HEAD falls back to GET (RFC 9110 §9.3.2)
		}
		if r == nil {
			r = e.any
		}
		e.routes[m] = r
		if r != nil {
			e.served |= 1 << m
		}
	}
	if e.allow&(1<<mGET) != 0 {
		e.allow |= 1 << mHEAD
	}
}

// snode is a node of the segment tree for {param} paths: static children
// by canonical segment, and at most one variable child.
type snode struct {
	statics []schild
	// htab replaces statics past htabMin children: open addressing on the
	// FNV-1a hash that search computes while it finds the segment's end.
	htab  []schild
	param *snode
	e     *entry
}

type schild struct {
	seg string
	h   uint32
	n   *snode
}

const htabMin = 8

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func segHash(seg string) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(seg); i++ {
		h = (h ^ uint32(seg[i])) * fnvPrime
	}
	return h
}

func (n *snode) child(seg []byte, h uint32) *snode {
	if n.htab != nil {
		mask := uint32(len(n.htab) - 1)
		for i := h & mask; ; i = (i + 1) & mask {
			c := &n.htab[i]
			if c.n == nil {
				return nil
			}
			if c.h == h && c.seg == string(seg) {
				return c.n
			}
		}
	}
	for i := range n.statics {
		if n.statics[i].seg == string(seg) {
			return n.statics[i].n
		}
	}
	return nil
}

func (n *snode) insert(segs []patSeg, e *entry) {
	for _, s := range segs {
		if s.param {
			if n.param == nil {
				n.param = &snode{}
			}
			n = n.param
			continue
		}
		h := segHash(s.lit)
		c := n.child([]byte(s.lit), h)
		if c == nil {
			c = &snode{}
			n.statics = append(n.statics, schild{s.lit, h, c})
			if len(n.statics) > htabMin {
				size := 1
				for size < 2*len(n.statics) {
					size <<= 1
				}
				n.htab = make([]schild, size)
				for _, sc := range n.statics {
					i := sc.h & uint32(size-1)
					for n.htab[i].n != nil {
						i = (i + 1) & uint32(size-1)
					}
					n.htab[i] = sc
				}
			}
		}
		n = c
	}
	n.e = e
}

// span is a byte range of Result.APIPath.
type span struct{ s, e int32 }

// paramSearch is the state of one segment tree search; it lives in Result
// so the search allocates nothing.
type paramSearch struct {
	path      []byte
	m         int
	best      *entry
	caps      [maxParams]span
	bestCaps  [maxParams]span
	bestCount int
	allow     uint16
}

// search visits every pattern that matches path[pos:] (pos is the start of
// a segment) and keeps the one defined first among those serving the method
// (seed: "first defined wins" among tier-3 paths).
func (n *snode) search(ps *paramSearch, pos, nc int) {
	end, h := pos, uint32(fnvOffset)
	for end < len(ps.path) && ps.path[end] != '/' {
		h = (h ^ uint32(ps.path[end])) * fnvPrime
		end++
	}
	seg := ps.path[pos:end]
	last := end == len(ps.path)
	if c := n.child(seg, h); c != nil {
		if last {
			c.accept(ps, nc)
		} else {
			c.search(ps, end+1, nc)
		}
	}
	if n.param != nil && len(seg) > 0 {
		ps.caps[nc] = span{int32(pos), int32(end)}
		if last {
			n.param.accept(ps, nc+1)
		} else {
			n.param.search(ps, end+1, nc+1)
		}
	}
}

func (n *snode) accept(ps *paramSearch, nc int) {
	e := n.e
	if e == nil {
		return
	}
	if e.routes[ps.m] == nil {
		ps.allow |= e.allow
		return
	}
	if ps.best == nil || e.order < ps.best.order {
		ps.best = e
		ps.bestCount = copy(ps.bestCaps[:], ps.caps[:nc])
	}
}
