package router

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/ascii"
	"github.com/edgegate/edgegate/model"
)

// Parameter positions (seed: ReqParameter / ServiceParameter Position).
type position uint8

const (
	posPath position = iota + 1
	posQuery
	posHeader
	posBody
)

var posNames = [...]string{"", "path", "query", "header", "body"}

func (p position) String() string { return posNames[p] }

// parsePosition accepts the seed's names case-insensitively, "head" being
// the seed's other spelling of header.
func parsePosition(s string) (position, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "path":
		return posPath, true
	case "query":
		return posQuery, true
	case "header", "head":
		return posHeader, true
	case "body":
		return posBody, true
	}
	return 0, false
}

// Parameter types (seed: ReqParameter Type, "String", "int", ...).
type valueType uint8

const (
	tString valueType = iota
	tInt
	tDouble
	tBool
)

// parseType accepts, case-insensitively: "" and string; int, integer,
// long; double, float, number; boolean, bool.
func parseType(s string) (valueType, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "string":
		return tString, true
	case "int", "integer", "long":
		return tInt, true
	case "double", "float", "number":
		return tDouble, true
	case "boolean", "bool":
		return tBool, true
	}
	return 0, false
}

// validValue checks a decoded value against its type. Accepted literals:
//
//	int     [+-]?[0-9]+ within the int64 range
//	double  [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?  (no NaN, Inf or hex)
//	boolean true or false, any case
//	string  anything
func validValue(t valueType, v []byte) bool {
	switch t {
	case tInt:
		return validInt(v)
	case tDouble:
		return validDouble(v)
	case tBool:
		return ascii.EqualFoldString(v, "true") || ascii.EqualFoldString(v, "false")
	}
	return true
}

func validInt(v []byte) bool {
	neg := false
	if len(v) > 0 && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		v = v[1:]
	}
	if len(v) == 0 {
		return false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
		if n > (1<<63)/10 {
			return false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63 {
			return false
		}
	}
	return n < 1<<63 || neg
}

func validDouble(v []byte) bool {
	i := 0
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		i++
	}
	digits := func() int {
		s := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		return i - s
	}
	n := digits()
	if i < len(v) && v[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(v)
}

// System parameters a ConstantParameter can carry (seed: 常量和系统参数).
// Route-level ones ($api_id, ...) become constants at compile time.
type sysParam uint8

const (
	sysNone sysParam = iota
	sysClientIP
	sysRequestID
	sysHost
	sysTimeUnix
)

// inParam is a declared front-end parameter.
type inParam struct {
	name     string
	pos      position
	typ      valueType
	required bool
	def      []byte // DefaultValue (decoded form), used when absent and not required
	hasDef   bool
	capIdx   int  // posPath: index among the route's {param} variables
	keep     bool // forwarded where it is (no ServiceParameter moves it away)

	missing, badType, badValue *ParamError // preallocated answers
}

// outKind says where an emitted backend value comes from.
type outKind uint8

const (
	outDefault outKind = iota + 1 // a kept parameter's default, emitted only when it was absent
	outMapped                     // a ServiceParameter target
	outConst                      // a ConstantParameter literal (or a route-level system parameter)
	outSys                        // a request-level system parameter
)

// outParam is a value the gateway puts into the backend request.
type outParam struct {
	kind   outKind
	pos    position
	name   string
	nameB  []byte // header name, or the escaped query/form name
	src    int    // index into plan.in (outDefault, outMapped)
	def    []byte // ServiceParameter DefaultValue (outMapped)
	hasDef bool
	lit    []byte // outConst value (raw)
	sys    sysParam
}

// pathPart is a piece of ServiceConfig.Path: a canonical literal, or a
// variable filled from a front-end parameter.
type pathPart struct {
	lit    string
	src    int // -1 for a literal
	def    []byte
	hasDef bool
}

// plan is what Build follows for one route.
type plan struct {
	method     []byte // backend method; nil forwards the client's
	methodGET  bool   // method is GET: a client HEAD stays HEAD
	in         []inParam
	pathTpl    []pathPart // nil: forward APIPath
	outs       []outParam
	dropQuery  []string // decoded names of client query args not forwarded
	dropHeader []string
	dropBody   []string
	bodyEdit   bool
}

// drop notes that the client's name at pos is not forwarded as is.
func (pl *plan) drop(pos position, name string) {
	switch pos {
	case posQuery:
		pl.dropQuery = append(pl.dropQuery, name)
	case posHeader:
		pl.dropHeader = append(pl.dropHeader, name)
	case posBody:
		pl.dropBody = append(pl.dropBody, name)
	}
}

// compilePlan compiles the parameter and backend settings of r.API.
func compilePlan(r *Route, pt *pattern) *CompileError {
	a := r.API
	sid, aid := r.ServiceId, a.ApiId
	cerr := func(field, format string, args ...any) *CompileError {
		return compileErr(sid, aid, field, format, args...)
	}
	pl := &r.plan

	// Backend method.
	if m := strings.ToUpper(strings.TrimSpace(a.ServiceConfig.Method)); m != "" && m != "ANY" {
		if !validToken(m) {
			return cerr("ServiceConfig.Method", "invalid method %q", a.ServiceConfig.Method)
		}
		pl.method = []byte(m)
		pl.methodGET = m == "GET"
	}

	// Front-end parameters.
	type key struct {
		pos  position
		name string
	}
	norm := func(p position, n string) key {
		if p == posHeader {
			n = strings.ToLower(n)
		}
		return key{p, n}
	}
	declared := map[key]int{}
	for i, rp := range a.RequestParameters {
		field := fmt.Sprintf("RequestParameters[%d]", i)
		name := rp.Name
		if name == "" || strings.TrimSpace(name) != name {
			return cerr(field+".Name", "invalid parameter name %q", name)
		}
		pos, ok := parsePosition(rp.Position)
		if !ok {
			return cerr(field+".Position", "unknown position %q (path, query, header or body)", rp.Position)
		}
		typ, ok := parseType(rp.Type)
		if !ok {
			return cerr(field+".Type", "unknown type %q (string, int, double or boolean)", rp.Type)
		}
		if pos == posHeader && !validToken(name) {
			return cerr(field+".Name", "%q is not a valid header name", name)
		}
		k := norm(pos, name)
		if _, dup := declared[k]; dup {
			return cerr(field+".Name", "%s parameter %q declared twice", pos, name)
		}
		declared[k] = i
		in := inParam{name: name, pos: pos, typ: typ, required: rp.Required, keep: true, capIdx: -1}
		if rp.DefaultValue != "" {
			if !validValue(typ, []byte(rp.DefaultValue)) {
				return cerr(field+".DefaultValue", "default %q is not a valid %s", rp.DefaultValue, strings.ToLower(rp.Type))
			}
			if pos == posHeader && !validHeaderValue([]byte(rp.DefaultValue)) {
				return cerr(field+".DefaultValue", "default holds control bytes")
			}
			in.def, in.hasDef = []byte(rp.DefaultValue), true
		}
		if pos == posPath {
			for j, n := range pt.params {
				if n == name {
					in.capIdx = j
				}
			}
			if in.capIdx < 0 {
				return cerr(field, "path parameter %q has no {%s} in RequestConfig.Path", name, name)
			}
		}
		in.missing = &ParamError{Status: 400, Code: CodeMissingParameter, Name: name,
			Msg: fmt.Sprintf("required %s parameter %q is missing", pos, name)}
		in.badType = &ParamError{Status: 400, Code: CodeInvalidParameterType, Name: name,
			Msg: fmt.Sprintf("%s parameter %q must be %s", pos, name, typeDesc[typ])}
		in.badValue = &ParamError{Status: 400, Code: CodeInvalidParameterValue, Name: name,
			Msg: fmt.Sprintf("%s parameter %q has a value that cannot be forwarded", pos, name)}
		pl.in = append(pl.in, in)
	}
	for _, n := range pt.params {
		if _, ok := declared[key{posPath, n}]; !ok {
			return cerr("RequestConfig.Path", "{%s} is not declared in RequestParameters with Position path", n)
		}
	}

	// Backend path template.
	bpVars := map[string]int{} // variable name → index in pathTpl
	if bp := strings.TrimSpace(a.ServiceConfig.Path); bp != "" {
		tpl, msg := parseBackendPath(bp)
		if msg != "" {
			return cerr("ServiceConfig.Path", "%q: %s", bp, msg)
		}
		pl.pathTpl = tpl
		for i, p := range tpl {
			if p.src == 0 {
				if _, dup := bpVars[p.lit]; dup {
					return cerr("ServiceConfig.Path", "variable {%s} appears twice", p.lit)
				}
				bpVars[p.lit] = i
			}
		}
	}

	// Service parameters: mappings. The seed maps every parameter to the
	// same name and position unless a ServiceParameter says otherwise.
	targets := map[key]string{} // backend (position, name) → who sets it
	mapped := make([]bool, len(pl.in))
	identity := make([]bool, len(pl.in))
	var mappedOuts []outParam
	for i, sp := range a.ServiceParameters {
		field := fmt.Sprintf("ServiceParameters[%d]", i)
		rpos, ok := parsePosition(sp.RelevantRequestParameterPosition)
		if !ok {
			return cerr(field+".RelevantRequestParameterPosition", "unknown position %q", sp.RelevantRequestParameterPosition)
		}
		src, ok := declared[norm(rpos, sp.RelevantRequestParameterName)]
		if !ok {
			return cerr(field+".RelevantRequestParameterName", "%s parameter %q is not declared in RequestParameters", rpos, sp.RelevantRequestParameterName)
		}
		pos, ok := parsePosition(sp.Position)
		if !ok {
			return cerr(field+".Position", "unknown position %q", sp.Position)
		}
		name := sp.Name
		if name == "" {
			name = pl.in[src].name
		}
		if norm(pos, name) == norm(rpos, pl.in[src].name) {
			identity[src] = true
			if pos != posPath {
				continue
			}
		} else {
			mapped[src] = true
		}
		if pos == posHeader && !validToken(name) {
			return cerr(field+".Name", "%q is not a valid header name", name)
		}
		o := outParam{kind: outMapped, pos: pos, name: name, src: src}
		if sp.DefaultValue != "" {
			if pos == posHeader && !validHeaderValue([]byte(sp.DefaultValue)) {
				return cerr(field+".DefaultValue", "default holds control bytes")
			}
			o.def, o.hasDef = []byte(sp.DefaultValue), true
		}
		if pos == posPath {
			ti, ok := bpVars[name]
			if !ok {
				if identity[src] && norm(pos, name) == norm(rpos, pl.in[src].name) {
					continue // path → same path variable, nothing to fill
				}
				return cerr(field+".Name", "backend path variable {%s} is not in ServiceConfig.Path", name)
			}
			if pl.pathTpl[ti].src != 0 {
				return cerr(field+".Name", "backend path variable {%s} is mapped twice", name)
			}
			pl.pathTpl[ti] = pathPart{src: src + 1, def: o.def, hasDef: o.hasDef}
			continue
		}
		k := norm(pos, name)
		if who, dup := targets[k]; dup {
			return cerr(field+".Name", "backend %s parameter %q is also set by %s", pos, name, who)
		}
		targets[k] = field
		mappedOuts = append(mappedOuts, o)
	}
	// Variables left (src still 0) take the declared path parameter of the
	// same name; src was index+1 while compiling.
	for i := range pl.pathTpl {
		p := &pl.pathTpl[i]
		if p.src == 0 {
			src, ok := declared[key{posPath, p.lit}]
			if !ok {
				return cerr("ServiceConfig.Path", "backend path variable {%s} has no source: declare a path parameter %q or map one with ServiceParameters (Position path, Name %s)", p.lit, p.lit, p.lit)
			}
			p.src = src + 1
		}
		if p.src > 0 {
			p.src--
			p.lit = ""
		}
	}

	// Kept parameters and their defaults.
	for i := range pl.in {
		in := &pl.in[i]
		in.keep = !mapped[i] || identity[i]
		if !in.keep {
			pl.drop(in.pos, in.name)
			continue
		}
		if in.pos == posPath {
			continue
		}
		k := norm(in.pos, in.name)
		if who, dup := targets[k]; dup {
			return cerr(who+".Name", "backend %s parameter %q is also forwarded from the request", in.pos, in.name)
		}
		targets[k] = fmt.Sprintf("RequestParameters[%d]", i)
		if in.hasDef {
			pl.outs = append(pl.outs, outParam{kind: outDefault, pos: in.pos, name: in.name, src: i})
		}
	}
	pl.outs = append(pl.outs, mappedOuts...)

	// Constants and system parameters.
	for i, cp := range a.ConstantParameters {
		field := fmt.Sprintf("ConstantParameters[%d]", i)
		pos, ok := parsePosition(cp.Position)
		if !ok || pos != posHeader && pos != posQuery {
			return cerr(field+".Position", "constant position %q: header or query only", cp.Position)
		}
		name := cp.Name
		if name == "" || pos == posHeader && !validToken(name) {
			return cerr(field+".Name", "invalid name %q", name)
		}
		o := outParam{kind: outConst, pos: pos, name: name}
		v, sys, msg := parseConstant(cp.DefaultValue, r)
		if msg != "" {
			return cerr(field+".DefaultValue", "%s", msg)
		}
		if sys != sysNone {
			o.kind, o.sys = outSys, sys
		} else {
			if pos == posHeader && !validHeaderValue([]byte(v)) {
				return cerr(field+".DefaultValue", "constant holds control bytes")
			}
			o.lit = []byte(v)
		}
		k := norm(pos, name)
		if who, dup := targets[k]; dup {
			return cerr(field+".Name", "backend %s parameter %q is also set by %s", pos, name, who)
		}
		targets[k] = field
		pl.outs = append(pl.outs, o)
	}

	for i := range pl.outs {
		o := &pl.outs[i]
		if o.pos == posHeader {
			o.nameB = []byte(o.name)
		} else {
			o.nameB = appendEscape(nil, []byte(o.name))
		}
		if o.kind != outDefault {
			pl.drop(o.pos, o.name)
		}
		if o.pos == posBody {
			pl.bodyEdit = true
		}
	}
	if len(pl.dropBody) > 0 {
		pl.bodyEdit = true
	}
	for _, in := range pl.in {
		if in.pos == posBody {
			r.NeedBody = true
		}
	}
	if pl.bodyEdit {
		r.NeedBody = true
	}
	return nil
}

var typeDesc = [...]string{tString: "a string", tInt: "an integer", tDouble: "a number", tBool: "true or false"}

// systemParams maps the names of model.SystemParameters to their sources.
var systemParams = map[string]sysParam{
	"$client_ip":  sysClientIP,
	"$request_id": sysRequestID,
	"$host":       sysHost,
	"$time_unix":  sysTimeUnix,
	// route-level: resolved at compile time
	"$api_id":      sysNone,
	"$service_id":  sysNone,
	"$environment": sysNone,
	"$api_name":    sysNone,
}

// parseConstant reads a ConstantParameter DefaultValue: "$name" names a
// system parameter (model.SystemParameters), "$$..." is a literal starting
// with one "$", anything else is a literal.
func parseConstant(v string, r *Route) (lit string, sys sysParam, msg string) {
	switch {
	case strings.HasPrefix(v, "$$"):
		return v[1:], sysNone, ""
	case !strings.HasPrefix(v, "$"):
		return v, sysNone, ""
	}
	s, ok := systemParams[v]
	if !ok {
		return "", 0, fmt.Sprintf("unknown system parameter %q (one of %s; write \"$$\" for a literal \"$\")",
			v, strings.Join(model.SystemParameters, ", "))
	}
	switch v {
	case "$api_id":
		return r.ApiId, sysNone, ""
	case "$service_id":
		return r.ServiceId, sysNone, ""
	case "$environment":
		return r.Environment, sysNone, ""
	case "$api_name":
		return r.API.ApiName, sysNone, ""
	}
	return "", s, ""
}

// parseBackendPath splits ServiceConfig.Path into literals (canonical) and
// {variables} (lit holds the name, src 0 until resolved).
func parseBackendPath(bp string) ([]pathPart, string) {
	if !strings.HasPrefix(bp, "/") {
		return nil, "backend path must start with '/'"
	}
	if strings.ContainsAny(bp, "?#") {
		return nil, "backend path cannot hold '?' or '#'; use ConstantParameters for query values"
	}
	var parts []pathPart
	var check []byte // the path with each variable as "v", to validate its shape
	lit := func(s string) string {
		var out []byte
		for i, seg := range strings.Split(s, "/") {
			if i > 0 {
				out = append(out, '/')
			}
			var e pathErr
			if out, e = appendCanonSegment(out, []byte(seg)); e != pathOK {
				return "\x00" + e.String()
			}
		}
		return string(out)
	}
	for bp != "" {
		i := strings.IndexByte(bp, '{')
		if i < 0 {
			if strings.IndexByte(bp, '}') >= 0 {
				return nil, "unbalanced '}'"
			}
			i = len(bp)
		}
		if i > 0 {
			l := lit(bp[:i])
			if strings.HasPrefix(l, "\x00") {
				return nil, l[1:]
			}
			if strings.IndexByte(bp[:i], '}') >= 0 {
				return nil, "unbalanced '}'"
			}
			parts = append(parts, pathPart{lit: l, src: -1})
			check = append(check, l...)
			bp = bp[i:]
			continue
		}
		j := strings.IndexByte(bp, '}')
		if j < 0 {
			return nil, "unbalanced '{'"
		}
		name := bp[1:j]
		if name == "" || strings.ContainsAny(name, "{/ ") {
			return nil, fmt.Sprintf("invalid variable %q", bp[:j+1])
		}
		parts = append(parts, pathPart{lit: name, src: 0})
		check = append(check, 'v')
		bp = bp[j+1:]
	}
	if _, e := normalizePath(nil, check, true); e != pathOK {
		return nil, e.String()
	}
	return parts, ""
}
