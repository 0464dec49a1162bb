package accesslog

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Limits of a search (seed 000, DescribeLogSearch: Limit "单次返回的最大条数为100";
// ConText "最多可获取10000条").
const (
	MaxLimit = 100
	MaxLines = 10000
)

// Cond is one search condition of the seed's LogQuerys: Name a label of
// the seed's log line, Op an operator that name supports.
type Cond struct{ Name, Op, Value string }

// Ops lists each searchable name's operators: the seed's (req_id, api_id,
// cip, uip, err_msg "="; rsp_st "=", "!=", ":", ">", "<"; req_t ">=",
// "<="), plus the SDK v1.0.162's ":" (contains) for uip and err_msg.
var Ops = map[string][]string{
	"req_id":  {"="},
	"api_id":  {"="},
	"cip":     {"="},
	"uip":     {"=", ":"},
	"err_msg": {"=", ":"},
	"rsp_st":  {"=", "!=", ":", ">", "<"},
	"req_t":   {">=", "<="},
}

var condField = map[string]Field{"req_id": ReqID, "api_id": API, "cip": ClientIP, "uip": Upstream, "err_msg": ErrMsg}

// Query is one search: the records of Service (every service when empty)
// whose Time is within [Start, End], matching every Cond, newest first
// (oldest first with Asc), at most Limit of them, continuing after
// Cursor (a Page.Next) when set.
type Query struct {
	Service    string
	Start, End time.Time
	Conds      []Cond
	Asc        bool
	Limit      int
	Cursor     string
}

// ErrKind says what was wrong with a Query.
type ErrKind int

// The kinds of QueryError.
const (
	BadName     ErrKind = iota // a Cond's Name is not searchable
	BadOperator                // a Cond's Op is not one its Name supports
	BadValue                   // a Cond's Value does not fit its Name
	BadRange                   // Start after End, or a zero time
	BadLimit                   // Limit outside 1..MaxLimit
	BadCursor                  // Cursor is not a Page.Next, or of the other order
)

// QueryError is a Query refused before searching.
type QueryError struct {
	Kind  ErrKind
	Param string // the parameter: "LogQuerys.1.Operator", "Limit", ...
	Msg   string
}

func (e *QueryError) Error() string { return fmt.Sprintf("%s: %s", e.Param, e.Msg) }

// pred is one compiled condition.
type pred struct {
	f     Field // text conditions
	name  string
	op    string
	text  []byte
	num   int64 // status, or latency in microseconds
	isNum bool
}

// plan is a compiled Query.
type plan struct {
	start, end int64
	hashes     []uint32 // postings every match is under
	preds      []pred
	service    []byte
	asc        bool
	limit      int
	cur        key
	hasCur     bool
	served     int
}

func compile(q Query) (*plan, error) {
	if q.Start.IsZero() || q.End.IsZero() {
		return nil, &QueryError{BadRange, "StartTime", "a start and an end time are required"}
	}
	if q.End.Before(q.Start) {
		return nil, &QueryError{BadRange, "EndTime", fmt.Sprintf("EndTime %s is before StartTime %s", q.End.Format(time.RFC3339), q.Start.Format(time.RFC3339))}
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, &QueryError{BadLimit, "Limit", fmt.Sprintf("Limit %d: want 1 to %d", q.Limit, MaxLimit)}
	}
	p := &plan{start: q.Start.UnixNano(), end: q.End.UnixNano(), asc: q.Asc, limit: q.Limit}
	for i, c := range q.Conds {
		at := fmt.Sprintf("LogQuerys.%d", i)
		ops, ok := Ops[c.Name]
		if !ok {
			return nil, &QueryError{BadName, at + ".Name", fmt.Sprintf("%q is not searchable (req_id, api_id, cip, uip, err_msg, rsp_st, req_t)", c.Name)}
		}
		okOp := false
		for _, o := range ops {
			okOp = okOp || o == c.Op
		}
		if !okOp {
			return nil, &QueryError{BadOperator, at + ".Operator", fmt.Sprintf("%s takes %v, not %q", c.Name, ops, c.Op)}
		}
		pr := pred{name: c.Name, op: c.Op, text: []byte(c.Value)}
		switch c.Name {
		case "rsp_st":
			if c.Op != ":" {
				v, err := strconv.ParseUint(c.Value, 10, 16)
				if err != nil {
					return nil, &QueryError{BadValue, at + ".Value", fmt.Sprintf("rsp_st %q is not a status code", c.Value)}
				}
				pr.num, pr.isNum = int64(v), true
			}
		case "req_t":
			v, err := strconv.ParseFloat(c.Value, 64)
			if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v > 1e6 {
				return nil, &QueryError{BadValue, at + ".Value", fmt.Sprintf("req_t %q is not a number of seconds", c.Value)}
			}
			pr.num, pr.isNum = int64(math.Round(v*1e6)), true
		default:
			if c.Value == "" {
				return nil, &QueryError{BadValue, at + ".Value", c.Name + " needs a value"}
			}
			pr.f = condField[c.Name]
			if c.Op == "=" {
				v := pr.text
				if pr.f == Upstream {
					v = hostPart(v)
				}
				p.hashes = append(p.hashes, keyHash(pr.f, v))
			}
		}
		p.preds = append(p.preds, pr)
	}
	// The service last: the other postings are the selective ones, and a
	// segment is left after the first lookup that finds nothing.
	if q.Service != "" {
		p.service = []byte(q.Service)
		p.hashes = append(p.hashes, keyHash(Service, p.service))
	}
	if q.Cursor != "" {
		if err := p.readCursor(q.Cursor); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// match reports whether r satisfies every condition (time and service
// included).
func (p *plan) match(r *Record) bool {
	if r.Time < p.start || r.Time > p.end {
		return false
	}
	if p.service != nil && !bytes.Equal(r.Get(Service), p.service) {
		return false
	}
	for i := range p.preds {
		if !p.preds[i].match(r) {
			return false
		}
	}
	return true
}

func (c *pred) match(r *Record) bool {
	switch c.name {
	case "rsp_st":
		st := int64(r.Status)
		switch c.op {
		case "=":
			return st == c.num
		case "!=":
			return st != c.num
		case ">":
			return st > c.num
		case "<":
			return st < c.num
		default: // ":" contains, on the decimal text
			var b [8]byte
			return bytes.Contains(strconv.AppendInt(b[:0], st, 10), c.text)
		}
	case "req_t":
		us := r.Latency.Microseconds()
		if c.op == ">=" {
			return us >= c.num
		}
		return us <= c.num
	}
	v := r.Get(c.f)
	if c.op == ":" {
		return bytes.Contains(v, c.text)
	}
	if c.f == Upstream {
		return bytes.Equal(v, c.text) || bytes.Equal(hostPart(v), c.text)
	}
	return bytes.Equal(v, c.text)
}

// may reports whether a block or segment with summary s can hold a match
// that comes after the cursor.
func (p *plan) may(s *summary) bool {
	if s.lines == 0 || s.maxT < p.start || s.minT > p.end {
		return false
	}
	if p.hasCur && (p.asc && s.maxT < p.cur.t || !p.asc && s.minT > p.cur.t) {
		return false
	}
	for i := range p.preds {
		c := &p.preds[i]
		switch c.name {
		case "rsp_st":
			lo, hi := int64(s.minSt), int64(s.maxSt)
			switch c.op {
			case "=":
				if c.num < lo || c.num > hi || s.stBits&(1<<(c.num%64)) == 0 {
					return false
				}
			case "!=":
				if lo == hi && lo == c.num {
					return false
				}
			case ">":
				if hi <= c.num {
					return false
				}
			case "<":
				if lo >= c.num {
					return false
				}
			}
		case "req_t":
			// Latencies past the cap are stored at the cap: compare capped.
			v := min(c.num, math.MaxUint32)
			if c.op == ">=" && int64(s.maxLat) < v || c.op == "<=" && int64(s.minLat) > v {
				return false
			}
		}
	}
	return true
}

// key orders records: by Time, then segment, then offset in it.
type key struct{ t, seg, off int64 }

func (a key) less(b key) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if a.seg != b.seg {
		return a.seg < b.seg
	}
	return a.off < b.off
}

// before reports whether a comes before b in the plan's order.
func (p *plan) before(a, b key) bool {
	if p.asc {
		return a.less(b)
	}
	return b.less(a)
}

// The cursor: version, order, lines served so far, the last key.
const (
	cursorVersion = 1
	cursorSize    = 1 + 1 + 2 + 24
)

func (p *plan) cursor(served int, last key) string {
	var b [cursorSize]byte
	b[0] = cursorVersion
	if p.asc {
		b[1] = 1
	}
	le := binary.LittleEndian
	le.PutUint16(b[2:], uint16(served))
	le.PutUint64(b[4:], uint64(last.t))
	le.PutUint64(b[12:], uint64(last.seg))
	le.PutUint64(b[20:], uint64(last.off))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (p *plan) readCursor(s string) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != cursorSize || b[0] != cursorVersion || b[1] > 1 {
		return &QueryError{BadCursor, "ConText", "not a ConText this search returned"}
	}
	if (b[1] == 1) != p.asc {
		return &QueryError{BadCursor, "ConText", "the ConText is of the other Sort order"}
	}
	le := binary.LittleEndian
	p.served = int(le.Uint16(b[2:]))
	if p.served > MaxLines {
		return &QueryError{BadCursor, "ConText", "not a ConText this search returned"}
	}
	p.cur = key{int64(le.Uint64(b[4:])), int64(le.Uint64(b[12:])), int64(le.Uint64(b[20:]))}
	p.hasCur = true
	return nil
}
