package cond

import (
	"bytes"

	"github.com/edgegate/edgegate/ascii"
)

// Request is what a condition reads. Values are borrowed for the duration
// of Eval only. Implementations must not allocate (pass a pointer).
type Request interface {
	// Header returns the first value of the named field; name is lower case.
	Header(name string) ([]byte, bool)
	// Query returns the raw value of the named query parameter.
	Query(name string) ([]byte, bool)
	// PathParam returns the value of the {name} path variable.
	PathParam(name string) ([]byte, bool)
	Method() []byte
	ClientIP() []byte
}

type opcode uint8

const (
	opTest opcode = iota + 1 // acc = tests[arg]
	opNot                    // acc = !acc
	opJF                     // if !acc { pc = arg }
	opJT                     // if acc { pc = arg }
)

type instr struct {
	op  opcode
	arg int32
}

// test is one compiled comparison.
type test struct {
	src  Source
	name string
	op   Op
	strs [][]byte // literals as bytes (integers in decimal)
	ints []int64  // integer literals, for ordering and numeric equality
	num  bool     // == / != / in compare numerically (every literal is an integer)
}

// Program is a compiled condition. The nil Program always holds.
type Program struct {
	src   string
	code  []instr
	tests []test
}

// Parse compiles src. An empty expression gives nil (always true).
func Parse(src string) (*Program, error) {
	n, err := ParseTree(src)
	if err != nil || n == nil {
		return nil, err
	}
	p := &Program{src: n.String()}
	p.emit(n)
	return p, nil
}

// String is the canonical source of the program.
func (p *Program) String() string {
	if p == nil {
		return ""
	}
	return p.src
}

func (p *Program) emit(n *Node) {
	switch n.Kind {
	case KTest:
		t := test{src: n.Src, name: n.Name, op: n.Op, num: len(n.Lits) > 0}
		for _, l := range n.Lits {
			t.strs = append(t.strs, []byte(l.Str))
			t.ints = append(t.ints, l.Int)
			t.num = t.num && l.IsInt
		}
		p.tests = append(p.tests, t)
		p.code = append(p.code, instr{opTest, int32(len(p.tests) - 1)})
	case KNot:
		p.emit(n.L)
		p.code = append(p.code, instr{op: opNot})
	case KAnd, KOr:
		p.emit(n.L)
		j := len(p.code)
		op := opJF
		if n.Kind == KOr {
			op = opJT
		}
		p.code = append(p.code, instr{op: op})
		p.emit(n.R)
		p.code[j].arg = int32(len(p.code))
	}
}

// Eval reports whether the condition holds for r. It does not allocate.
//
// A test on a missing parameter is false whatever its operator (so
// `header.x != "a"` needs the header); `!(header.x == "a")` holds when it
// is absent. Ordering operators, and == / != / in with integer literals,
// compare numerically; a value that is not a decimal integer fails them.
func (p *Program) Eval(r Request) bool {
	if p == nil {
		return true
	}
	acc := true
	for pc := 0; pc < len(p.code); pc++ {
		in := p.code[pc]
		switch in.op {
		case opTest:
			acc = p.tests[in.arg].eval(r)
		case opNot:
			acc = !acc
		case opJF:
			if !acc {
				pc = int(in.arg) - 1
			}
		case opJT:
			if acc {
				pc = int(in.arg) - 1
			}
		}
	}
	return acc
}

func (t *test) eval(r Request) bool {
	var v []byte
	ok := true
	switch t.src {
	case Header:
		v, ok = r.Header(t.name)
	case Query:
		v, ok = r.Query(t.name)
	case Path:
		v, ok = r.PathParam(t.name)
	case Method:
		v = r.Method()
	case IP:
		v = r.ClientIP()
	}
	if !ok {
		return false
	}
	switch t.op {
	case OpExists:
		return true
	case OpPrefix:
		return bytes.HasPrefix(v, t.strs[0])
	case OpSuffix:
		return bytes.HasSuffix(v, t.strs[0])
	case OpContains:
		return bytes.Contains(v, t.strs[0])
	}
	if t.num {
		n, isNum := atoi(v)
		if !isNum {
			return false
		}
		switch t.op {
		case OpEq:
			return n == t.ints[0]
		case OpNe:
			return n != t.ints[0]
		case OpLt:
			return n < t.ints[0]
		case OpLe:
			return n <= t.ints[0]
		case OpGt:
			return n > t.ints[0]
		case OpGe:
			return n >= t.ints[0]
		case OpIn:
			for _, x := range t.ints {
				if n == x {
					return true
				}
			}
		}
		return false
	}
	switch t.op {
	case OpEq:
		return string(v) == string(t.strs[0])
	case OpNe:
		return string(v) != string(t.strs[0])
	case OpIn:
		for _, x := range t.strs {
			if string(v) == string(x) {
				return true
			}
		}
	}
	return false
}

// atoi parses an optionally signed decimal int64 (18 digits at most)
// without allocating.
func atoi(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	u, ok := ascii.ParseDigits(b)
	if !ok || len(b) > 18 {
		return 0, false
	}
	n := int64(u)
	if neg {
		n = -n
	}
	return n, true
}
