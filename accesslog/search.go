package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"sync"
	"time"
)

// Searcher answers searches over a Log's directory, in this process or
// another. It reads sealed segments through their indexes and indexes the
// segment being written as it grows (tail). Searches are serialised.
type Searcher struct {
	dir string
	// Location renders the seed line's time_local; default time.Local.
	Location *time.Location

	mu     sync.Mutex
	index  map[int64]*indexFile // sealed segments' headers
	tables map[int64][]blockMeta
	fifo   []int64 // tables, oldest loaded first
	tails  map[int64]*tailSeg
	buf    []byte
	// The last listing and the directory's mtime then.
	listed  []segFile
	listMod time.Time
}

// tableCache is how many sealed segments' block tables stay loaded
// (about 130 KiB each for a 128 MiB segment): a page touches one or two.
const tableCache = 64

// tailSeg is a segment without an index yet (being written, or left by a
// writer that is gone): indexed in memory as it grows.
type tailSeg struct {
	f       *os.File
	b       builder
	scanned int64
}

// Page is one answer: lines in the seed's format, and the cursor of the
// next page ("" when there is none).
type Page struct {
	Lines []string
	Next  string
}

// OpenSearcher returns a Searcher over dir (it need not exist yet).
func OpenSearcher(dir string) (*Searcher, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: a directory is required", errOptions)
	}
	return &Searcher{dir: dir, Location: time.Local, index: map[int64]*indexFile{}, tables: map[int64][]blockMeta{}, tails: map[int64]*tailSeg{}}, nil
}

// Close releases the open tail files.
func (s *Searcher) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tails {
		t.f.Close()
		delete(s.tails, id)
	}
	return nil
}

// segView is one segment as a search sees it.
type segView struct {
	id   int64
	path string
	sum  summary
	x    *indexFile // sealed
	t    *tailSeg   // not yet
}

// Search runs q. A *QueryError reports a query refused; other errors are
// the directory's.
func (s *Searcher) Search(q Query) (Page, error) {
	p, err := compile(q)
	if err != nil {
		return Page{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := min(p.limit, MaxLines-p.served)
	if want <= 0 {
		return Page{Lines: []string{}}, nil
	}
	segs, err := s.segments()
	if err != nil {
		return Page{}, err
	}
	var views []segView
	for _, v := range segs {
		if p.may(&v.sum) {
			views = append(views, v)
		}
	}
	// In the order a best record can be in: by the earliest (latest)
	// time a segment holds, ties in key order.
	if p.asc {
		sort.Slice(views, func(i, j int) bool {
			a, b := &views[i], &views[j]
			return a.sum.minT < b.sum.minT || a.sum.minT == b.sum.minT && a.id < b.id
		})
	} else {
		sort.Slice(views, func(i, j int) bool {
			a, b := &views[i], &views[j]
			return a.sum.maxT > b.sum.maxT || a.sum.maxT == b.sum.maxT && a.id > b.id
		})
	}
	top := &topK{k: want + 1, p: p}
	for i := range views {
		if top.full() && !top.mayBeat(&views[i].sum) {
			break
		}
		if err := s.searchSegment(&views[i], p, top); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed by retention meanwhile
			}
			return Page{}, err
		}
	}
	hits := top.ents
	page := Page{Lines: make([]string, 0, min(len(hits), want))}
	for i := 0; i < len(hits) && i < want; i++ {
		s.buf = AppendSeedLine(s.buf[:0], hits[i].rec, s.Location)
		page.Lines = append(page.Lines, string(s.buf))
	}
	served := p.served + len(page.Lines)
	if len(hits) > want && served < MaxLines {
		page.Next = p.cursor(served, hits[want-1].key)
	}
	return page, nil
}

// segments lists the directory's segments with their summaries, loading
// new sealed headers and bringing tails up to date.
func (s *Searcher) segments() ([]segView, error) {
	files, err := s.list()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("accesslog: %w", err)
	}
	live := map[int64]bool{}
	out := make([]segView, 0, len(files))
	for _, f := range files {
		live[f.id] = true
		v := segView{id: f.id, path: f.path}
		if f.sealed {
			if t := s.tails[f.id]; t != nil {
				t.f.Close()
				delete(s.tails, f.id)
			}
			x := s.index[f.id]
			if x == nil {
				x, err = openIndex(idxPath(f.path))
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if errors.Is(err, errIndex) {
					f.sealed = false // read it as a tail
				} else if err != nil {
					return nil, err
				} else {
					s.index[f.id] = x
				}
			}
			if x != nil {
				v.x, v.sum = x, x.sum
			}
		}
		if !f.sealed {
			t, err := s.tail(f)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			v.t, v.sum = t, t.b.sum
		}
		out = append(out, v)
	}
	// Forget segments retention removed.
	for id := range s.index {
		if !live[id] {
			delete(s.index, id)
			delete(s.tables, id)
		}
	}
	for id, t := range s.tails {
		if !live[id] {
			t.f.Close()
			delete(s.tails, id)
		}
	}
	return out, nil
}

// listStable is how old the directory's mtime must be for a listing to
// be reused: a coarse file-system clock could otherwise hide a change
// made in the same tick as the listing.
const listStable = 2 * time.Second

// list lists the directory's segments, again only when the directory
// changed (a segment created, sealed or removed) or changed recently.
func (s *Searcher) list() ([]segFile, error) {
	info, err := os.Stat(s.dir)
	if err != nil {
		return nil, err
	}
	mod := info.ModTime()
	if s.listed != nil && mod.Equal(s.listMod) && time.Since(mod) > listStable {
		return s.listed, nil
	}
	files, err := listSegmentFiles(s.dir, false)
	if err != nil {
		return nil, err
	}
	s.listed, s.listMod = files, mod
	return files, nil
}

// tail returns segment f's in-memory index, extended to the whole lines
// written since the last search.
func (s *Searcher) tail(f segFile) (*tailSeg, error) {
	t := s.tails[f.id]
	if t == nil {
		fh, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		t = &tailSeg{f: fh}
		s.tails[f.id] = t
	}
	info, err := t.f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > t.scanned {
		if t.scanned, err = scanLines(t.f, t.scanned, &t.b); err != nil {
			return nil, fmt.Errorf("accesslog: %s: %w", f.path, err)
		}
	}
	return t, nil
}

// searchSegment offers v's matches to top, block by block in the plan's
// order, stopping at the first block that cannot beat top's worst.
func (s *Searcher) searchSegment(v *segView, p *plan, top *topK) error {
	var metas []blockMeta
	var ids []uint32
	all := len(p.hashes) == 0
	if v.t != nil {
		metas = v.t.b.metas()
		for i, h := range p.hashes {
			if ids = intersect(ids, v.t.b.lookup(h), i == 0); len(ids) == 0 {
				break
			}
		}
	} else {
		f, err := os.Open(v.x.path)
		if err != nil {
			return err
		}
		for i, h := range p.hashes {
			got, err := v.x.lookup(f, h)
			if err != nil {
				f.Close()
				return fmt.Errorf("accesslog: %s: %w", v.x.path, err)
			}
			ids = intersect(ids, got, i == 0)
			if len(ids) == 0 {
				break
			}
		}
		if all || len(ids) > 0 {
			metas, err = s.table(v, f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	var cand []blockMeta
	if all {
		for i := range metas {
			if p.may(&metas[i].summary) {
				cand = append(cand, metas[i])
			}
		}
	} else {
		for _, id := range ids {
			if int(id) < len(metas) && p.may(&metas[id].summary) {
				cand = append(cand, metas[id])
			}
		}
	}
	if len(cand) == 0 {
		return nil
	}
	if p.asc {
		sort.Slice(cand, func(i, j int) bool {
			return cand[i].minT < cand[j].minT || cand[i].minT == cand[j].minT && cand[i].off < cand[j].off
		})
	} else {
		sort.Slice(cand, func(i, j int) bool {
			return cand[i].maxT > cand[j].maxT || cand[i].maxT == cand[j].maxT && cand[i].off > cand[j].off
		})
	}
	var logf *os.File
	if v.t != nil {
		logf = v.t.f
	} else {
		f, err := os.Open(v.path)
		if err != nil {
			return err
		}
		defer f.Close()
		logf = f
	}
	var rec Record
	for _, m := range cand {
		if top.full() && !top.mayBeat(&m.summary) {
			break
		}
		if cap(s.buf) < int(m.size) {
			s.buf = make([]byte, m.size)
		}
		data := s.buf[:m.size]
		if _, err := logf.ReadAt(data, m.off); err != nil {
			return fmt.Errorf("accesslog: %s: %w", v.path, err)
		}
		off := m.off
		for len(data) > 0 {
			n := bytes.IndexByte(data, '\n')
			if n < 0 {
				break
			}
			line := data[:n]
			k := key{seg: v.id, off: off}
			data, off = data[n+1:], off+int64(n)+1
			if parseJSON(line, &rec) != nil {
				continue
			}
			k.t = rec.Time
			if p.hasCur && !p.before(p.cur, k) {
				continue
			}
			if p.match(&rec) {
				top.offer(k, &rec)
			}
		}
	}
	return nil
}

// table returns a sealed segment's block table, from the cache or f.
func (s *Searcher) table(v *segView, f *os.File) ([]blockMeta, error) {
	if t, ok := s.tables[v.id]; ok {
		return t, nil
	}
	t, err := v.x.blocks(f)
	if err != nil {
		return nil, err
	}
	s.tables[v.id] = t
	s.fifo = append(s.fifo, v.id)
	for len(s.fifo) > tableCache {
		delete(s.tables, s.fifo[0])
		s.fifo = s.fifo[1:]
	}
	return t, nil
}

// intersect keeps the ids of a (ascending) that are in b (ascending); the
// first list is taken whole.
func intersect(a, b []uint32, first bool) []uint32 {
	if first {
		return b
	}
	out := a[:0]
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); ok {
			out = append(out, x)
		}
	}
	return out
}

// topK keeps the k best records in the plan's order, best first.
type topK struct {
	k    int
	p    *plan
	ents []hit
}

type hit struct {
	key key
	rec *Record
}

func (t *topK) full() bool { return len(t.ents) == t.k }

// mayBeat reports whether a block or segment with summary s can hold a
// record before the worst kept one (ties on time may, by position).
func (t *topK) mayBeat(s *summary) bool {
	w := t.ents[len(t.ents)-1].key.t
	if t.p.asc {
		return s.minT <= w
	}
	return s.maxT >= w
}

func (t *topK) offer(k key, r *Record) {
	if t.full() && !t.p.before(k, t.ents[len(t.ents)-1].key) {
		return
	}
	i := sort.Search(len(t.ents), func(i int) bool { return t.p.before(k, t.ents[i].key) })
	var rec *Record
	if t.full() {
		rec = t.ents[len(t.ents)-1].rec
		t.ents = t.ents[:len(t.ents)-1]
	} else {
		rec = new(Record)
	}
	rec.CopyFrom(r)
	t.ents = slices.Insert(t.ents, i, hit{k, rec})
}
