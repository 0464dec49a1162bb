package tcapi

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

var (
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	jsonNumberType      = reflect.TypeFor[json.Number]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

type fieldOpts struct {
	top      bool // the request's top level: common parameters are skipped
	asString bool // json ",string": a JSON string holds the scalar
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// isNull reports whether n stands for "not provided".
func isNull(n *node) bool { return n == nil || n.kind == kNull }

func decodeValue(path string, n *node, v reflect.Value, o fieldOpts) error {
	if n.kind == kNull {
		// null: "not provided". Pointers, slices, maps and interfaces are
		// reset; other values keep their zero (encoding/json semantics).
		switch v.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			v.SetZero()
		}
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeValue(path, n, v.Elem(), o)
	}
	t := v.Type()
	if t == rawMessageType {
		v.SetBytes(appendJSON(nil, n))
		return nil
	}
	if t == jsonNumberType && n.kind == kNumber {
		v.SetString(n.str)
		return nil
	}
	if v.CanAddr() {
		pt := reflect.PointerTo(t)
		if n.kind == kForm && len(n.keys) == 0 && pt.Implements(textUnmarshalerType) {
			if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.str)); err != nil {
				return InvalidParameterError(path, err.Error())
			}
			return nil
		}
		if pt.Implements(jsonUnmarshalerType) {
			if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(appendJSON(nil, n)); err != nil {
				return InvalidParameterError(path, err.Error())
			}
			return nil
		}
		if n.kind == kString && pt.Implements(textUnmarshalerType) {
			if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.str)); err != nil {
				return InvalidParameterError(path, err.Error())
			}
			return nil
		}
	}
	// A form leaf, or a JSON string under ",string", is text to coerce.
	text, isText := "", false
	switch {
	case n.kind == kForm && n.hasValue && len(n.keys) == 0:
		text, isText = n.str, true
	case n.kind == kString && o.asString && isScalarKind(t.Kind()):
		text, isText = n.str, true
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return fmt.Errorf("tcapi: cannot decode into %s", t)
		}
		v.Set(reflect.ValueOf(generic(n)))
		return nil
	case reflect.String:
		switch {
		case isText:
			v.SetString(text)
		case n.kind == kString:
			v.SetString(n.str)
		default:
			return typeError(path, n, "String")
		}
		return nil
	case reflect.Bool:
		b, ok := n.b, n.kind == kBool
		if isText {
			var err error
			if b, err = strconv.ParseBool(text); err != nil {
				return InvalidParameterError(path, "expected Boolean (true or false)")
			}
			ok = true
		}
		if !ok {
			return typeError(path, n, "Boolean")
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return setNumber(path, n, text, isText, "Integer", func(s string) error {
			i, err := strconv.ParseInt(s, 10, t.Bits())
			v.SetInt(i)
			return err
		})
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return setNumber(path, n, text, isText, "non-negative Integer", func(s string) error {
			u, err := strconv.ParseUint(s, 10, t.Bits())
			v.SetUint(u)
			return err
		})
	case reflect.Float32, reflect.Float64:
		return setNumber(path, n, text, isText, "Float", func(s string) error {
			f, err := strconv.ParseFloat(s, t.Bits())
			v.SetFloat(f)
			return err
		})
	case reflect.Slice, reflect.Array:
		elems, err := listElems(path, n)
		if err != nil {
			return err
		}
		if t.Kind() == reflect.Array {
			if len(elems) > t.Len() {
				return InvalidParameterError(path, fmt.Sprintf("at most %d elements", t.Len()))
			}
			v.SetZero()
		} else {
			v.Set(reflect.MakeSlice(t, len(elems), len(elems)))
		}
		for i, e := range elems {
			if err := decodeValue(joinPath(path, e.name), e.n, v.Index(i), fieldOpts{}); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("tcapi: cannot decode into %s", t)
		}
		if !isObject(n) {
			return typeError(path, n, "Object")
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(t, len(n.keys)))
		}
		for _, k := range n.keys {
			if o.top && commonParams[k] {
				continue
			}
			ev := reflect.New(t.Elem()).Elem()
			if err := decodeValue(joinPath(path, k), n.members[k], ev, fieldOpts{}); err != nil {
				return err
			}
			v.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		return nil
	case reflect.Struct:
		if !isObject(n) {
			return typeError(path, n, "Object")
		}
		return decodeStruct(path, n, v, o.top)
	}
	return fmt.Errorf("tcapi: cannot decode into %s", t)
}

func decodeStruct(path string, n *node, v reflect.Value, top bool) error {
	si := structInfoOf(v.Type())
	for _, k := range n.keys {
		if top && commonParams[k] {
			continue
		}
		f := si.byName[k]
		if f == nil {
			return UnknownParameterError(joinPath(path, k))
		}
		fv, err := fieldAlloc(v, f.index)
		if err != nil {
			return err
		}
		if err := decodeValue(joinPath(path, k), n.members[k], fv, fieldOpts{asString: f.asString}); err != nil {
			return err
		}
	}
	for _, f := range si.required {
		if isNull(n.members[f.name]) || isEmpty(v.FieldByIndex(f.index)) {
			return MissingParameterError(joinPath(path, f.name))
		}
	}
	return nil
}

// isEmpty: an empty string or list, which a required parameter may not be
// (the seed's 必选; the SDK leaves empty values out of v1 forms, so "" and
// absent must mean the same).
func isEmpty(v reflect.Value) bool {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return true
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String, reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return false
}

// isObject: a JSON object, or a form node that has no value of its own.
func isObject(n *node) bool {
	switch n.kind {
	case kObject:
		return true
	case kForm:
		return !n.hasValue // the empty top-level form counts
	}
	return false
}

type listElem struct {
	name string
	n    *node
}

// listElems returns the elements of a JSON array, or of a form node whose
// members are all indices ("Name.0", "Name.1", ...), in index order.
func listElems(path string, n *node) ([]listElem, error) {
	switch n.kind {
	case kArray:
		out := make([]listElem, len(n.elems))
		for i, e := range n.elems {
			out[i] = listElem{strconv.Itoa(i), e}
		}
		return out, nil
	case kForm:
		if n.hasValue || len(n.keys) == 0 {
			return nil, InvalidParameterError(path, fmt.Sprintf("expected an array (%s.0, %s.1, ...)", path, path))
		}
		type idx struct {
			i int
			k string
		}
		ids := make([]idx, 0, len(n.keys))
		for _, k := range n.keys {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || strconv.Itoa(i) != k {
				return nil, InvalidParameterError(joinPath(path, k), "expected an array index")
			}
			ids = append(ids, idx{i, k})
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a].i < ids[b].i })
		out := make([]listElem, len(ids))
		for j, id := range ids {
			out[j] = listElem{id.k, n.members[id.k]}
		}
		return out, nil
	}
	return nil, typeError(path, n, "Array")
}

func isScalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// setNumber parses a JSON number, or the text of a form value, with parse
// (which sets the field); want names the type in errors.
func setNumber(path string, n *node, text string, isText bool, want string, parse func(string) error) error {
	switch {
	case isText:
	case n.kind == kNumber:
		text = n.str
	default:
		return typeError(path, n, want)
	}
	if err := parse(text); err != nil {
		return numError(path, err, want)
	}
	return nil
}

func numError(path string, err error, want string) *Error {
	if errors.Is(err, strconv.ErrRange) {
		return InvalidParameterError(path, "out of range for "+want)
	}
	return InvalidParameterError(path, "expected "+want)
}

func typeError(path string, n *node, want string) *Error {
	got := "a value"
	switch n.kind {
	case kBool:
		got = "Boolean"
	case kNumber:
		got = "Number"
	case kString:
		got = "String"
	case kArray:
		got = "Array"
	case kObject:
		got = "Object"
	case kForm:
		if n.hasValue && len(n.keys) == 0 {
			got = "a single value"
		} else if n.hasValue {
			got = "both a value and members"
		} else {
			got = "members (" + path + "." + n.keys[0] + ")"
		}
	}
	return InvalidParameterError(path, "expected "+want+", got "+got)
}

// fieldAlloc returns the field at index, allocating nil embedded pointers.
func fieldAlloc(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("tcapi: cannot set embedded pointer %s", v.Type())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

type fieldInfo struct {
	name      string
	typ       reflect.Type
	index     []int
	depth     int
	required  bool
	asString  bool
	omitEmpty bool
}

type structInfo struct {
	byName   map[string]*fieldInfo
	fields   []*fieldInfo // the winners of byName, in declaration order
	required []*fieldInfo // in declaration order
}

var structCache sync.Map // reflect.Type → *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]*fieldInfo{}}
	var all []*fieldInfo
	collectFields(t, nil, 0, &all, map[reflect.Type]bool{})
	for _, f := range all {
		if old := si.byName[f.name]; old == nil || f.depth < old.depth {
			si.byName[f.name] = f
		}
	}
	for _, f := range all {
		if si.byName[f.name] != f {
			continue
		}
		si.fields = append(si.fields, f)
		if f.required {
			si.required = append(si.required, f)
		}
	}
	structCache.Store(t, si)
	return si
}

// Param is one member of a request type as Decode matches it.
type Param struct {
	Name      string       // the wire name: the json tag's, else the Go field name
	Type      reflect.Type // what the value decodes into
	Required  bool         // tagged `tcapi:"required"`
	OmitEmpty bool         // the json tag's omitempty (encoding/json leaves it out when empty)
}

// Params lists the members Decode matches in struct type t (pointers are
// followed; anything else has none), in declaration order: embedded
// structs flattened, the shallower of two same-named members winning, as
// encoding/json does. Clients can type parameters from it (edgegate ctl);
// tests compare request and response types with the SDK's.
func Params(t reflect.Type) []Param {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	si := structInfoOf(t)
	out := make([]Param, len(si.fields))
	for i, f := range si.fields {
		out[i] = Param{Name: f.name, Type: f.typ, Required: f.required, OmitEmpty: f.omitEmpty}
	}
	return out
}

func collectFields(t reflect.Type, index []int, depth int, out *[]*fieldInfo, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	defer delete(seen, t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(append([]int(nil), index...), i)
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				collectFields(et, idx, depth+1, out, seen)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fi := &fieldInfo{name: name, typ: f.Type, index: idx, depth: depth}
		for _, o := range strings.Split(opts, ",") {
			fi.asString = fi.asString || o == "string"
			fi.omitEmpty = fi.omitEmpty || o == "omitempty"
		}
		for _, o := range strings.Split(f.Tag.Get("tcapi"), ",") {
			if o == "required" {
				fi.required = true
			}
		}
		*out = append(*out, fi)
	}
}
