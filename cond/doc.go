// Package cond is the condition language of parameter flow-control
// strategies (seed 000, 参数流量控制插件: "触发条件"). The seed only says the
// syntax is that of the condition-routing plugin, which it does not
// document, so Edgegate defines a small, safe language of its own (README
// "Condition language"):
//
//	expr    = or
//	or      = and { "||" and }
//	and     = unary { "&&" unary }
//	unary   = "!" unary | "(" expr ")" | "exists" "(" field ")" | test
//	test    = field op literal
//	        | field "in" "[" literal { "," literal } "]"
//	        | field ( "prefix" | "suffix" | "contains" ) string
//	op      = "==" | "!=" | "<" | "<=" | ">" | ">="
//	field   = "header." name | "query." name | "path." name | "method" | "ip"
//	literal = string | integer
//
// Parse compiles an expression once (per snapshot) into a Program: a flat
// slice of instructions with one accumulator and short-circuit jumps. Eval
// runs it against a Request without allocating, reflecting or
// interpreting source text.
//
// Threading: a Program is immutable and safe for concurrent Eval.
//
// Imports: the standard library only (a leaf).
package cond
