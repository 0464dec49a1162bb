package accesslog

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// writeSynth writes records [from, to) through l's ring 0, flushing often
// enough that the ring never drops.
func writeSynth(t testing.TB, l *Log, from, to int, step time.Duration) []synthRec {
	t.Helper()
	ring := l.Ring(0)
	var out []synthRec
	for i := from; i < to; i++ {
		s := synth(i, testBase, step)
		out = append(out, s)
		r := ring.Slot()
		if r == nil {
			t.Fatal("ring full")
		}
		s.fill(r)
		ring.Commit()
		if i%512 == 511 {
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	return out
}

// oracle answers q by brute force over what was written: the ids of every
// match in order (time, then write order), at most MaxLines.
func oracle(recs []synthRec, q Query) []string {
	var m []synthRec
	for _, s := range recs {
		if s.t < q.Start.UnixNano() || s.t > q.End.UnixNano() || q.Service != "" && s.service != q.Service {
			continue
		}
		ok := true
		for _, c := range q.Conds {
			ok = ok && oracleMatch(s, c)
		}
		if ok {
			m = append(m, s)
		}
	}
	sort.SliceStable(m, func(i, j int) bool {
		if m[i].t != m[j].t {
			return m[i].t < m[j].t == q.Asc
		}
		return m[i].i < m[j].i == q.Asc
	})
	var ids []string
	for _, s := range m[:min(len(m), MaxLines)] {
		ids = append(ids, s.id)
	}
	return ids
}

func oracleMatch(s synthRec, c Cond) bool {
	uip := s.uip
	if s.status == 404 {
		uip = ""
	}
	switch c.Name + c.Op {
	case "req_id=":
		return s.id == c.Value
	case "api_id=":
		return s.api == c.Value
	case "cip=":
		return s.cip == c.Value
	case "uip=":
		return uip != "" && (uip == c.Value || strings.Split(uip, ":")[0] == c.Value)
	case "uip:":
		return strings.Contains(uip, c.Value)
	case "err_msg=":
		return s.errMsg == c.Value
	case "err_msg:":
		return strings.Contains(s.errMsg, c.Value)
	}
	st := strconv.Itoa(int(s.status))
	v, _ := strconv.Atoi(c.Value)
	switch c.Name + c.Op {
	case "rsp_st=":
		return st == c.Value
	case "rsp_st!=":
		return st != c.Value
	case "rsp_st:":
		return strings.Contains(st, c.Value)
	case "rsp_st>":
		return int(s.status) > v
	case "rsp_st<":
		return int(s.status) < v
	}
	f, _ := strconv.ParseFloat(c.Value, 64)
	us := int64(f * 1e6)
	if c.Op == ">=" {
		return s.latUS >= us
	}
	return s.latUS <= us
}

// pageAll pages q through s to the end; it returns the ids in order and
// how many pages it took.
func pageAll(t *testing.T, s *Searcher, q Query) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for {
		p, err := s.Search(q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		pages++
		if len(p.Lines) > q.Limit {
			t.Fatalf("%d lines for Limit %d", len(p.Lines), q.Limit)
		}
		for _, l := range p.Lines {
			i := strings.LastIndex(l, "[req_id:")
			ids = append(ids, strings.TrimSuffix(l[i+len("[req_id:"):], "]"))
		}
		if p.Next == "" {
			return ids, pages
		}
		if len(p.Lines) != q.Limit || pages > MaxLines+1 {
			t.Fatalf("a short page (%d) with a cursor", len(p.Lines))
		}
		q.Cursor = p.Next
	}
}

func searchQueries(recs []synthRec, step time.Duration) []Query {
	day := func(q Query) Query {
		q.Start, q.End = testBase.Add(-time.Hour), testBase.Add(time.Duration(len(recs)+100)*step)
		return q
	}
	window := func(q Query, from, to int) Query {
		q.Start, q.End = testBase.Add(time.Duration(from)*step), testBase.Add(time.Duration(to)*step)
		return q
	}
	one := recs[len(recs)/3]
	tail := recs[len(recs)-5] // in the segment being written
	return []Query{
		day(Query{Service: "service-a", Limit: 100}),
		day(Query{Service: "service-a", Limit: 100, Asc: true}),
		window(Query{Service: "service-b", Limit: 7, Asc: true}, 1000, 4000),
		window(Query{Service: "service-c", Limit: 13}, 100, 3000),
		day(Query{Service: one.service, Limit: 10, Conds: []Cond{{"req_id", "=", one.id}}}),
		day(Query{Service: tail.service, Limit: 10, Asc: true, Conds: []Cond{{"req_id", "=", tail.id}}}),
		day(Query{Service: "service-b", Limit: 10, Conds: []Cond{{"req_id", "=", one.id}}}),
		day(Query{Service: "service-a", Limit: 10, Conds: []Cond{{"req_id", "=", "nope"}}}),
		window(Query{Service: "service-a", Limit: 50, Conds: []Cond{{"api_id", "=", "api-7"}}}, 2000, 9000),
		day(Query{Service: "service-a", Limit: 100, Conds: []Cond{{"rsp_st", ">", "499"}}}),
		day(Query{Service: "service-a", Limit: 100, Asc: true, Conds: []Cond{{"rsp_st", "=", "503"}}}),
		day(Query{Service: "service-c", Limit: 33, Conds: []Cond{{"rsp_st", "!=", "200"}, {"api_id", "=", "api-3"}}}),
		day(Query{Service: "service-b", Limit: 100, Conds: []Cond{{"rsp_st", ":", "0"}, {"rsp_st", "<", "400"}}}),
		day(Query{Service: "service-b", Limit: 100, Conds: []Cond{{"req_t", ">=", "1.9"}}}),
		day(Query{Service: "service-a", Limit: 20, Asc: true, Conds: []Cond{{"req_t", "<=", "0.01"}, {"cip", "=", "10.1.7.3"}}}),
		day(Query{Service: "service-a", Limit: 100, Conds: []Cond{{"uip", "=", "192.168.0.3"}, {"api_id", "=", "api-1"}}}),
		day(Query{Service: "service-a", Limit: 100, Conds: []Cond{{"uip", ":", "0.4:80"}, {"api_id", "=", "api-2"}}}),
		day(Query{Service: "service-c", Limit: 100, Conds: []Cond{{"err_msg", "=", "ApiNotFound"}}}),
		day(Query{Service: "service-a", Limit: 100, Conds: []Cond{{"err_msg", ":", "answered 50"}}}),
		day(Query{Limit: 100, Asc: true, Conds: []Cond{{"rsp_st", "=", "501"}}}),
	}
}

// TestSearchMatchesOracle: every query, paged to the end at its Limit,
// returns exactly what a brute-force filter of the written records
// returns, in order — first with the newest segment still being written
// (read as a tail), then with every segment sealed.
func TestSearchMatchesOracle(t *testing.T) {
	const n, step = 30000, time.Second
	dir := t.TempDir()
	l, err := New(Options{Dir: dir, MaxSize: 1 << 20, RingSlots: 1024, NoSync: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	recs := writeSynth(t, l, 0, n, step)
	if l.Dropped() != 0 {
		t.Fatal("dropped")
	}
	s, _ := OpenSearcher(dir)
	defer s.Close()
	check := func(stage string) {
		for _, q := range searchQueries(recs, step) {
			want := oracle(recs, q)
			got, pages := pageAll(t, s, q)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %+v: %d lines, want %d (first %v, want %v)", stage, q, len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
			}
			if len(want) > 0 && pages != (len(want)+q.Limit-1)/q.Limit && pages != (len(want)+q.Limit-1)/q.Limit+1 {
				t.Errorf("%s: %d pages for %d lines", stage, pages, len(want))
			}
		}
	}
	segs, _ := listSegments(dir)
	if segs[len(segs)-1].sealed || len(segs) < 8 {
		t.Fatalf("want several sealed segments and an open one: %+v", segs)
	}
	check("open")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	check("sealed")
}

// TestSearchPagesStopAt10000: ConText pages end at MaxLines in all.
func TestSearchPagesStopAt10000(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{Dir: dir, RingSlots: 1024, NoSync: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	writeSynth(t, l, 0, MaxLines+500, time.Millisecond)
	s, _ := OpenSearcher(dir)
	q := Query{Start: testBase.Add(-time.Hour), End: testBase.Add(time.Hour), Limit: 100}
	ids, pages := pageAll(t, s, q)
	if len(ids) != MaxLines || pages != MaxLines/100 {
		t.Fatalf("%d lines in %d pages", len(ids), pages)
	}
}

// TestSearchTies: records with one timestamp page in write order, none
// lost or repeated at a page boundary.
func TestSearchTies(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{Dir: dir, MaxSize: 4 << 10, NoSync: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ring := l.Ring(0)
	for i := range 100 {
		r := ring.Slot()
		r.Time = testBase.UnixNano()
		r.SetString(ReqID, fmt.Sprintf("id%03d", i))
		ring.Commit()
	}
	l.Flush()
	s, _ := OpenSearcher(dir)
	for _, asc := range []bool{true, false} {
		ids, _ := pageAll(t, s, Query{Start: testBase, End: testBase, Limit: 7, Asc: asc})
		if len(ids) != 100 || !slices.IsSortedFunc(ids, func(a, b string) int {
			if asc {
				return strings.Compare(a, b)
			}
			return strings.Compare(b, a)
		}) {
			t.Fatalf("asc %v: %v", asc, ids)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	s, _ := OpenSearcher(t.TempDir())
	ok := Query{Start: testBase, End: testBase.Add(time.Hour), Limit: 10}
	asc := ok
	asc.Asc = true
	for _, c := range []struct {
		q     func(Query) Query
		kind  ErrKind
		param string
	}{
		{func(q Query) Query { q.Start = time.Time{}; return q }, BadRange, "StartTime"},
		{func(q Query) Query { q.End = q.Start.Add(-1); return q }, BadRange, "EndTime"},
		{func(q Query) Query { q.Limit = 0; return q }, BadLimit, "Limit"},
		{func(q Query) Query { q.Limit = 101; return q }, BadLimit, "Limit"},
		{func(q Query) Query { q.Conds = []Cond{{"host", "=", "x"}}; return q }, BadName, "LogQuerys.0.Name"},
		{func(q Query) Query { q.Conds = []Cond{{"req_id", "=", "x"}, {"req_id", ":", "x"}}; return q }, BadOperator, "LogQuerys.1.Operator"},
		{func(q Query) Query { q.Conds = []Cond{{"req_t", ">", "1"}}; return q }, BadOperator, "LogQuerys.0.Operator"},
		{func(q Query) Query { q.Conds = []Cond{{"rsp_st", ">", "5xx"}}; return q }, BadValue, "LogQuerys.0.Value"},
		{func(q Query) Query { q.Conds = []Cond{{"req_t", ">=", "-1"}}; return q }, BadValue, "LogQuerys.0.Value"},
		{func(q Query) Query { q.Conds = []Cond{{"api_id", "=", ""}}; return q }, BadValue, "LogQuerys.0.Value"},
		{func(q Query) Query { q.Cursor = "garbage!"; return q }, BadCursor, "ConText"},
		{func(q Query) Query { q.Cursor = (&plan{asc: true}).cursor(5, key{}); return q }, BadCursor, "ConText"},
	} {
		_, err := s.Search(c.q(ok))
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Kind != c.kind || qe.Param != c.param {
			t.Errorf("%+v: %v, want kind %d at %s", c.q(ok), err, c.kind, c.param)
		}
	}
	// An empty or absent directory answers nothing, without error.
	p, err := s.Search(asc)
	if err != nil || len(p.Lines) != 0 || p.Next != "" {
		t.Fatalf("%+v %v", p, err)
	}
}
