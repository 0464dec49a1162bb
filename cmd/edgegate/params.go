package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// param is the declared type of an Action parameter, from the request
// model's Go type (actions.go): what `edgegate ctl` converts a flag's text
// to, whatever the text looks like.
type param struct {
	kind   paramKind
	elem   *param            // pArray, pMap
	fields map[string]*param // pObject
	names  []string          // pObject, in declaration order
}

type paramKind uint8

const (
	pString paramKind = iota
	pInt
	pUint
	pFloat
	pBool
	pArray
	pObject
	pMap
)

// schema is the parameter object of a: its request model with the extra
// seed fields merged in.
func (a *ctlAction) schema() *param {
	p := paramOf(a.req)
	if a.extra != nil {
		p.merge(paramOf(a.extra))
	}
	return p
}

// paramOf maps a Go type the way encoding/json would encode it.
func paramOf(t reflect.Type) *param {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return &param{kind: pString}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &param{kind: pInt}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &param{kind: pUint}
	case reflect.Float32, reflect.Float64:
		return &param{kind: pFloat}
	case reflect.Bool:
		return &param{kind: pBool}
	case reflect.Slice, reflect.Array:
		return &param{kind: pArray, elem: paramOf(t.Elem())}
	case reflect.Map:
		return &param{kind: pMap, elem: paramOf(t.Elem())}
	case reflect.Struct:
		p := &param{kind: pObject, fields: map[string]*param{}}
		p.addFields(t)
		return p
	}
	panic("ctl: no parameter type for " + t.String())
}

func (p *param) addFields(t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			// Embedded: its fields are the parent's (the SDK's
			// *tchttp.BaseRequest has none exported).
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				p.addFields(ft)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p.add(name, paramOf(f.Type))
	}
}

func (p *param) add(name string, f *param) {
	if _, dup := p.fields[name]; !dup {
		p.names = append(p.names, name)
	}
	p.fields[name] = f
}

// merge adds o's fields to p, recursing into objects both declare.
func (p *param) merge(o *param) {
	for _, n := range o.names {
		f, of := p.fields[n], o.fields[n]
		for f != nil && f.kind == pArray && of.kind == pArray {
			f, of = f.elem, of.elem
		}
		if f != nil && f.kind == pObject && of.kind == pObject {
			f.merge(of)
			continue
		}
		p.add(n, o.fields[n])
	}
}

// what names the kind for messages and help.
func (p *param) what() string {
	switch p.kind {
	case pString:
		return "string"
	case pInt, pUint:
		return "integer"
	case pFloat:
		return "number"
	case pBool:
		return "boolean"
	case pArray:
		return "array of " + p.elem.what()
	case pMap:
		return "map of " + p.elem.what()
	}
	return "object"
}

// a is what() with its article.
func (p *param) a() string {
	w := p.what()
	if strings.IndexByte("aeiou", w[0]) >= 0 {
		return "an " + w
	}
	return "a " + w
}

func (p *param) scalar() bool { return p.kind <= pBool }

// set stores the flag --name=raw at path below cur (nil, or what earlier
// flags built) and returns the new value for that place.
func (p *param) set(cur any, path []string, name, raw string) (any, error) {
	if len(path) == 0 {
		return p.whole(cur, name, raw)
	}
	seg := path[0]
	sub := name + "." + seg
	switch p.kind {
	case pObject, pMap:
		m, ok := cur.(map[string]any)
		if cur != nil && !ok {
			return nil, fmt.Errorf("--%s: %s was given as a whole already", sub, name)
		}
		if m == nil {
			m = map[string]any{}
		}
		f := p.elem
		if p.kind == pObject {
			if f = p.fields[seg]; f == nil {
				return nil, unknownParam(sub, p.names, name)
			}
		}
		v, err := f.set(m[seg], path[1:], sub, raw)
		if err != nil {
			return nil, err
		}
		m[seg] = v
		return m, nil
	case pArray:
		s, ok := cur.([]any)
		if cur != nil && !ok {
			return nil, fmt.Errorf("--%s: %s was given as a whole already", sub, name)
		}
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("--%s: %s is an array: the part after it is an index (0, 1, ...)", sub, name)
		}
		if i > len(s) {
			return nil, fmt.Errorf("--%s: give --%s.%d first (indices go up from 0 by one)", sub, name, len(s))
		}
		if i == len(s) {
			s = append(s, nil)
		}
		v, err := p.elem.set(s[i], path[1:], sub, raw)
		if err != nil {
			return nil, err
		}
		s[i] = v
		return s, nil
	}
	return nil, fmt.Errorf("--%s: %s is %s; it has no parts", sub, name, p.a())
}

// whole converts the text of a flag that names a whole parameter. Arrays
// take a JSON array, or one element a flag (repeat the flag to append);
// objects and maps take a JSON object, merged into what dotted flags set.
func (p *param) whole(cur any, name, raw string) (any, error) {
	switch {
	case p.scalar():
		return p.scalarValue(name, raw)
	case p.kind == pArray && !strings.HasPrefix(strings.TrimSpace(raw), "["):
		if !p.elem.scalar() {
			return nil, fmt.Errorf("--%s: want a JSON array of %s, or --%s.0.Field value", name, p.elem.what()+"s", name)
		}
		s, ok := cur.([]any)
		if cur != nil && !ok {
			return nil, fmt.Errorf("--%s: given twice in two forms", name)
		}
		v, err := p.elem.scalarValue(name, raw)
		return append(s, v), err
	}
	d := json.NewDecoder(bytes.NewReader([]byte(raw)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, fmt.Errorf("--%s: want %s in JSON: %q does not parse", name, p.a(), raw)
	}
	if err := p.check(v, name); err != nil {
		return nil, err
	}
	if m, ok := cur.(map[string]any); ok {
		for k, x := range v.(map[string]any) {
			m[k] = x
		}
		return m, nil
	}
	return v, nil
}

func (p *param) scalarValue(name, raw string) (any, error) {
	var v any
	var err error
	switch p.kind {
	case pString:
		return raw, nil
	case pInt:
		v, err = strconv.ParseInt(raw, 10, 64)
	case pUint:
		v, err = strconv.ParseUint(raw, 10, 64)
	case pFloat:
		v, err = strconv.ParseFloat(raw, 64)
	case pBool:
		v, err = strconv.ParseBool(raw)
	}
	if err != nil {
		if p.kind == pBool {
			return nil, fmt.Errorf("--%s: %q is not true or false", name, raw)
		}
		return nil, fmt.Errorf("--%s: %q is not %s", name, raw, p.a())
	}
	return v, nil
}

// check holds a decoded JSON value to the declared type.
func (p *param) check(v any, name string) error {
	bad := func() error {
		return fmt.Errorf("--%s: want %s, not %s", name, p.a(), jsonWhat(v))
	}
	switch p.kind {
	case pString:
		if _, ok := v.(string); !ok {
			return bad()
		}
	case pBool:
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case pInt, pUint, pFloat:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		if _, err := p.scalarValue(name, n.String()); err != nil {
			return err
		}
	case pArray:
		s, ok := v.([]any)
		if !ok {
			return bad()
		}
		for i, x := range s {
			if err := p.elem.check(x, name+"."+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	case pObject, pMap:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			f := p.elem
			if p.kind == pObject {
				if f = p.fields[k]; f == nil {
					return unknownParam(name+"."+k, p.names, name)
				}
			}
			if err := f.check(m[k], name+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonWhat(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

// unknownParam names the closest of the names beside full (whose flag
// prefix is parent, "" at the top).
func unknownParam(full string, names []string, parent string) error {
	base := full[strings.LastIndexByte(full, '.')+1:]
	msg := fmt.Sprintf("no parameter --%s", full)
	if close := closest(base, names); len(close) > 0 {
		for i, c := range close {
			if parent != "" {
				c = parent + "." + c
			}
			close[i] = "--" + c
		}
		msg += "; did you mean " + strings.Join(close, " or ") + "?"
	}
	return fmt.Errorf("%s", msg)
}

// closest returns up to three candidates near name: equal but for case,
// within a few edits, or containing it.
func closest(name string, candidates []string) []string {
	type hit struct {
		s string
		d int
	}
	var hits []hit
	ln := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(ln, lc)
		switch {
		case lc == ln:
			d = 0
		case d <= max(2, len(name)/4):
		case len(ln) >= 4 && strings.Contains(lc, ln):
			d = 100 + len(c)
		default:
			continue
		}
		hits = append(hits, hit{c, d})
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.d - b.d })
	var out []string
	for i := 0; i < len(hits) && i < 3; i++ {
		out = append(out, hits[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance of two ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
