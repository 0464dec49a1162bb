package cond

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits that keep hostile expressions cheap to compile and to run.
const (
	MaxLen   = 2048 // bytes of source
	MaxTests = 64   // comparisons in one expression
	MaxDepth = 32   // nesting of "(", "!" and operators
	MaxList  = 64   // literals in one "in" list
)

// Error is a syntax error; Pos is the 1-based byte column it points at.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Pos, e.Msg) }

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tInt
	tOp     // == != < <= > >=
	tAnd    // &&
	tOr     // ||
	tNot    // !
	tLParen // (
	tRParen // )
	tLBrack // [
	tRBrack // ]
	tComma  // ,
)

type token struct {
	kind tokKind
	pos  int // 0-based
	text string
	str  string // decoded string literal
	num  int64
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// lex splits src into tokens.
func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isIdentStart(c):
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			out = append(out, token{kind: tIdent, pos: start, text: src[start:i]})
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			i++
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			n, err := strconv.ParseInt(src[start:i], 10, 64)
			if err != nil {
				return nil, &Error{start + 1, fmt.Sprintf("integer %s out of range", src[start:i])}
			}
			out = append(out, token{kind: tInt, pos: start, text: src[start:i], num: n})
		case c == '"':
			var sb strings.Builder
			i++
			for {
				if i >= len(src) {
					return nil, &Error{start + 1, "unterminated string"}
				}
				ch := src[i]
				if ch == '"' {
					i++
					break
				}
				if ch < ' ' || ch == 0x7f {
					return nil, &Error{i + 1, "control character in string"}
				}
				if ch == '\\' {
					if i+1 >= len(src) {
						return nil, &Error{i + 1, "unterminated escape"}
					}
					switch src[i+1] {
					case '"', '\\':
						sb.WriteByte(src[i+1])
					case 't':
						sb.WriteByte('\t')
					default:
						return nil, &Error{i + 1, fmt.Sprintf("unknown escape \\%c (use \\\" \\\\ or \\t)", src[i+1])}
					}
					i += 2
					continue
				}
				sb.WriteByte(ch)
				i++
			}
			out = append(out, token{kind: tString, pos: start, text: src[start:i], str: sb.String()})
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch {
			case two == "==" || two == "!=" || two == "<=" || two == ">=":
				out = append(out, token{kind: tOp, pos: start, text: two})
				i += 2
			case two == "&&":
				out = append(out, token{kind: tAnd, pos: start, text: two})
				i += 2
			case two == "||":
				out = append(out, token{kind: tOr, pos: start, text: two})
				i += 2
			default:
				k := tEOF
				switch c {
				case '<', '>':
					k = tOp
				case '!':
					k = tNot
				case '(':
					k = tLParen
				case ')':
					k = tRParen
				case '[':
					k = tLBrack
				case ']':
					k = tRBrack
				case ',':
					k = tComma
				}
				if k == tEOF {
					if c == '=' || c == '&' || c == '|' {
						return nil, &Error{start + 1, fmt.Sprintf("unexpected %q (did you mean %q?)", c, string([]byte{c, c}))}
					}
					return nil, &Error{start + 1, fmt.Sprintf("unexpected character %q", c)}
				}
				out = append(out, token{kind: k, pos: start, text: src[i : i+1]})
				i++
			}
		}
	}
	out = append(out, token{kind: tEOF, pos: len(src)})
	return out, nil
}
