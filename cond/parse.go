package cond

import (
	"fmt"
	"strconv"
	"strings"
)

// Source is where a field's value comes from.
type Source uint8

// Sources of a field.
const (
	Header Source = iota + 1 // header.<name>, matched case-insensitively
	Query                    // query.<name>, the raw (undecoded) value
	Path                     // path.<name>, a {name} path variable
	Method                   // method
	IP                       // ip, the client address as text
)

// Op is a test's operator.
type Op uint8

// Operators.
const (
	OpEq Op = iota + 1
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIn
	OpPrefix
	OpSuffix
	OpContains
	OpExists
)

var opText = [...]string{OpEq: "==", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpIn: "in", OpPrefix: "prefix", OpSuffix: "suffix", OpContains: "contains", OpExists: "exists"}

// Lit is a literal: a string, or an integer when IsInt.
type Lit struct {
	IsInt bool
	Str   string
	Int   int64
}

func (l Lit) String() string {
	if l.IsInt {
		return strconv.FormatInt(l.Int, 10)
	}
	return quote(l.Str)
}

func quote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case '\t':
			sb.WriteString(`\t`)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// Kind is a node's kind.
type Kind uint8

// Node kinds.
const (
	KTest Kind = iota + 1
	KNot
	KAnd
	KOr
)

// Node is the syntax tree of an expression.
type Node struct {
	Kind Kind
	// A test: Src/Name (Name lower-cased for headers), Op, Lits.
	Src  Source
	Name string
	Op   Op
	Lits []Lit
	// KNot uses L; KAnd and KOr use L and R.
	L, R *Node
}

func (n *Node) field() string {
	switch n.Src {
	case Header:
		return "header." + n.Name
	case Query:
		return "query." + n.Name
	case Path:
		return "path." + n.Name
	case Method:
		return "method"
	case IP:
		return "ip"
	}
	return "?"
}

// String prints the expression in canonical form: parsing it again gives
// the same tree.
func (n *Node) String() string {
	var sb strings.Builder
	n.print(&sb)
	return sb.String()
}

func (n *Node) print(sb *strings.Builder) {
	switch n.Kind {
	case KTest:
		switch n.Op {
		case OpExists:
			sb.WriteString("exists(" + n.field() + ")")
		case OpIn:
			sb.WriteString(n.field() + " in [")
			for i, l := range n.Lits {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(l.String())
			}
			sb.WriteByte(']')
		default:
			sb.WriteString(n.field() + " " + opText[n.Op] + " " + n.Lits[0].String())
		}
	case KNot:
		sb.WriteByte('!')
		n.L.printOperand(sb)
	case KAnd, KOr:
		op := " && "
		if n.Kind == KOr {
			op = " || "
		}
		n.L.printOperand(sb)
		sb.WriteString(op)
		n.R.printOperand(sb)
	}
}

// printOperand parenthesises everything but exists() and negations, so
// precedence and associativity survive a round trip.
func (n *Node) printOperand(sb *strings.Builder) {
	if n.Kind == KNot || n.Kind == KTest && n.Op == OpExists {
		n.print(sb)
		return
	}
	sb.WriteByte('(')
	n.print(sb)
	sb.WriteByte(')')
}

type parser struct {
	src   string
	toks  []token
	i     int
	tests int
	depth int
}

// ParseTree parses an expression into its syntax tree. An empty (or
// all-blank) expression gives nil: the condition always holds.
func ParseTree(src string) (*Node, error) {
	if len(src) > MaxLen {
		return nil, &Error{MaxLen + 1, fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 {
		return nil, nil
	}
	p := &parser{src: src, toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "expected && or || or the end of the expression")
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) errAt(t token, msg string) error {
	got := t.text
	if t.kind == tEOF {
		got = "end of expression"
	} else {
		got = strconv.Quote(got)
	}
	return &Error{t.pos + 1, msg + ", found " + got}
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{t.pos + 1, fmt.Sprintf("nested deeper than %d", MaxDepth)}
	}
	return nil
}

func (p *parser) or() (*Node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOr {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Node{Kind: KOr, L: l, R: r}
	}
	return l, nil
}

func (p *parser) and() (*Node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tAnd {
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &Node{Kind: KAnd, L: l, R: r}
	}
	return l, nil
}

func (p *parser) unary() (*Node, error) {
	t := p.peek()
	switch t.kind {
	case tNot:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Node{Kind: KNot, L: x}, nil
	case tLParen:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(c, "expected )")
		}
		p.depth--
		return x, nil
	case tIdent:
		if t.text == "exists" {
			p.next()
			if c := p.next(); c.kind != tLParen {
				return nil, p.errAt(c, "expected ( after exists")
			}
			n := &Node{Kind: KTest, Op: OpExists}
			if err := p.field(n); err != nil {
				return nil, err
			}
			if c := p.next(); c.kind != tRParen {
				return nil, p.errAt(c, "expected )")
			}
			return n, p.count(t)
		}
		return p.test()
	}
	return nil, p.errAt(t, "expected a field (header.x, query.x, path.x, method, ip), exists(...), ! or (")
}

func (p *parser) count(t token) error {
	p.tests++
	if p.tests > MaxTests {
		return &Error{t.pos + 1, fmt.Sprintf("more than %d tests", MaxTests)}
	}
	return nil
}

// field reads a field into n.
func (p *parser) field(n *Node) error {
	t := p.next()
	if t.kind != tIdent {
		return p.errAt(t, "expected a field (header.x, query.x, path.x, method, ip)")
	}
	switch t.text {
	case "method":
		n.Src = Method
		return nil
	case "ip":
		n.Src = IP
		return nil
	}
	src, name, ok := strings.Cut(t.text, ".")
	if ok && name == "" {
		return &Error{t.pos + len(src) + 2, "missing parameter name after " + strconv.Quote(src+".")}
	}
	switch src {
	case "header":
		n.Src, n.Name = Header, strings.ToLower(name)
		if strings.Contains(name, ".") {
			return &Error{t.pos + 1, "a header name cannot contain '.'"}
		}
	case "query":
		n.Src, n.Name = Query, name
	case "path":
		n.Src, n.Name = Path, name
	default:
		return &Error{t.pos + 1, fmt.Sprintf("unknown field %q: want header.<name>, query.<name>, path.<name>, method or ip", t.text)}
	}
	if !ok {
		return &Error{t.pos + len(src) + 1, fmt.Sprintf("%s needs a parameter name: %s.<name>", src, src)}
	}
	return nil
}

func (p *parser) test() (*Node, error) {
	start := p.peek()
	n := &Node{Kind: KTest}
	if err := p.field(n); err != nil {
		return nil, err
	}
	t := p.next()
	switch {
	case t.kind == tOp:
		for op := OpEq; op <= OpGe; op++ {
			if opText[op] == t.text {
				n.Op = op
			}
		}
		l, lt, err := p.literal()
		if err != nil {
			return nil, err
		}
		if n.Op >= OpLt && n.Op <= OpGe && !l.IsInt {
			return nil, &Error{lt.pos + 1, t.text + " compares numbers: want an integer"}
		}
		n.Lits = []Lit{l}
	case t.kind == tIdent && t.text == "in":
		n.Op = OpIn
		if b := p.next(); b.kind != tLBrack {
			return nil, p.errAt(b, "expected [ after in")
		}
		for {
			l, lt, err := p.literal()
			if err != nil {
				return nil, err
			}
			n.Lits = append(n.Lits, l)
			if len(n.Lits) > MaxList {
				return nil, &Error{lt.pos + 1, fmt.Sprintf("more than %d values in a list", MaxList)}
			}
			c := p.next()
			if c.kind == tRBrack {
				break
			}
			if c.kind != tComma {
				return nil, p.errAt(c, "expected , or ]")
			}
		}
	case t.kind == tIdent && (t.text == "prefix" || t.text == "suffix" || t.text == "contains"):
		n.Op = map[string]Op{"prefix": OpPrefix, "suffix": OpSuffix, "contains": OpContains}[t.text]
		l, lt, err := p.literal()
		if err != nil {
			return nil, err
		}
		if l.IsInt {
			return nil, &Error{lt.pos + 1, t.text + " takes a string"}
		}
		n.Lits = []Lit{l}
	default:
		return nil, p.errAt(t, "expected an operator (== != < <= > >= in prefix suffix contains)")
	}
	return n, p.count(start)
}

func (p *parser) literal() (Lit, token, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return Lit{Str: t.str}, t, nil
	case tInt:
		return Lit{IsInt: true, Int: t.num, Str: strconv.FormatInt(t.num, 10)}, t, nil
	}
	return Lit{}, t, p.errAt(t, "expected a string in double quotes or an integer")
}
