package router

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// Kind is how an API path matches (seed 000, 常见问题 "api 命中优先级").
type Kind uint8

// Kinds, in the seed's priority order (regex and param share tier 3).
const (
	KindExact    Kind = iota + 1 // "=/x": the path is exactly /x
	KindPriority                 // "^~/x": priority prefix
	KindRegex                    // "~/re" or "~*/re": RE2 anchored at the start of the path
	KindParam                    // "/a/{id}": whole segments, one {param} per segment
	KindPrefix                   // "/x": plain prefix, longest wins
)

var kindNames = [...]string{"", "exact", "priority-prefix", "regex", "param", "prefix"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// maxParams bounds the {param} variables of one path.
const maxParams = 16

// patSeg is one segment of a param path: a canonical literal, or a variable.
type patSeg struct {
	lit   string
	param bool
}

// pattern is a parsed RequestConfig.Path.
type pattern struct {
	kind Kind
	// key identifies the pattern among APIs of one environment: the
	// canonical path, or for param paths the path with every variable
	// written "{}", or for regexes the source with its "~" or "~*".
	key string
	// path is the canonical path (exact, priority, prefix).
	path   string
	segs   []patSeg
	params []string
	re     *regexp.Regexp
	lit    string // literal prefix every regex match starts with
}

// regexMeta are bytes that make a "^~" path look like a regex, which the
// seed forbids ("后面不能跟正则表达式").
const regexMeta = `^$|?[]{}\()*+`

// parsePattern parses RequestConfig.Path; the error is a message for a
// CompileError.
func parsePattern(raw string) (pattern, string) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return pattern{}, "path is empty"
	case strings.HasPrefix(s, "^~"):
		rest := strings.TrimSpace(s[2:])
		if !strings.HasPrefix(rest, "/") || strings.ContainsAny(rest, regexMeta) {
			return pattern{}, "\"^~\" must be followed by a plain path starting with '/', not a regex or {param}"
		}
		return plainPattern(KindPriority, rest)
	case strings.HasPrefix(s, "~"):
		return regexPattern(s)
	case strings.HasPrefix(s, "="):
		rest := strings.TrimSpace(s[1:])
		if strings.ContainsAny(rest, "{}") {
			return pattern{}, "an \"=\" exact path cannot hold {param} variables"
		}
		return plainPattern(KindExact, rest)
	case strings.ContainsAny(s, "{}"):
		return paramPattern(s)
	}
	return plainPattern(KindPrefix, s)
}

func plainPattern(k Kind, p string) (pattern, string) {
	if !strings.HasPrefix(p, "/") {
		return pattern{}, "path must start with '/'"
	}
	out, e := normalizePath(nil, []byte(p), true)
	if e != pathOK {
		return pattern{}, e.String()
	}
	c := string(out)
	return pattern{kind: k, key: c, path: c}, ""
}

func paramPattern(p string) (pattern, string) {
	if !strings.HasPrefix(p, "/") {
		return pattern{}, "path must start with '/'"
	}
	parts := strings.Split(p[1:], "/")
	pt := pattern{kind: KindParam}
	var key []byte
	for i, part := range parts {
		key = append(key, '/')
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") && len(part) > 2 {
			name := part[1 : len(part)-1]
			if strings.ContainsAny(name, "{}") || strings.TrimSpace(name) != name {
				return pattern{}, "invalid variable " + part
			}
			for _, n := range pt.params {
				if n == name {
					return pattern{}, "variable {" + name + "} appears twice"
				}
			}
			if len(pt.params) == maxParams {
				return pattern{}, "more than 16 {param} variables"
			}
			pt.params = append(pt.params, name)
			pt.segs = append(pt.segs, patSeg{param: true})
			key = append(key, "{}"...)
			continue
		}
		if strings.ContainsAny(part, "{}") {
			return pattern{}, "a {param} variable must be a whole path segment: " + part
		}
		if part == "" && i < len(parts)-1 {
			return pattern{}, pathEmptySegment.String()
		}
		if part == "." || part == ".." {
			return pattern{}, pathDotSegment.String()
		}
		start := len(key)
		var e pathErr
		key, e = appendCanonSegment(key, []byte(part))
		if e != pathOK {
			return pattern{}, e.String()
		}
		lit := string(key[start:])
		if isDots([]byte(lit)) || dangerousSegment([]byte(lit)) {
			return pattern{}, pathDotParam.String()
		}
		pt.segs = append(pt.segs, patSeg{lit: lit})
	}
	pt.key = string(key)
	return pt, ""
}

func regexPattern(s string) (pattern, string) {
	fold := strings.HasPrefix(s, "~*")
	src := s[1:]
	if fold {
		src = s[2:]
	}
	src = strings.TrimSpace(src)
	if src == "" {
		return pattern{}, "empty regex"
	}
	for i := 0; i < len(src); i++ {
		if src[i] >= 0x80 {
			return pattern{}, "regex holds non-ASCII bytes: regexes match the percent-encoded normalised path, write them as %XX"
		}
	}
	expr := "^(?:" + src + ")"
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return pattern{}, "invalid regex: " + err.Error()
	}
	for _, n := range re.SubexpNames() {
		if n != "" {
			return pattern{}, "named groups are not supported in regex paths; use a {param} path"
		}
	}
	key := "~" + src
	if fold {
		key = "~*" + src
	}
	pt := pattern{kind: KindRegex, key: key, re: re}
	if !fold {
		pt.lit = literalPrefix(src)
	}
	return pt, ""
}

// literalPrefix returns a string every match of the (case-sensitive) regex
// src must start with, so that Lookup can skip the regex with one
// comparison.
func literalPrefix(src string) string {
	r, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return ""
	}
	r = r.Simplify()
	var b []rune
	var walk func(r *syntax.Regexp) bool // reports whether the whole node was literal
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpLiteral:
			if r.Flags&syntax.FoldCase != 0 {
				return false
			}
			b = append(b, r.Rune...)
			return true
		case syntax.OpBeginText, syntax.OpEmptyMatch:
			return true
		case syntax.OpCapture:
			return walk(r.Sub[0])
		case syntax.OpConcat:
			for _, s := range r.Sub {
				if !walk(s) {
					return false
				}
			}
			return true
		}
		return false
	}
	walk(r)
	return string(b)
}
