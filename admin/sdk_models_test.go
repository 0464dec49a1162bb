package admin

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// The typed Actions checked against the official SDK's models (v1.0.162),
// by reflection over the two sets of public types: what we send must
// decode into the SDK's <Action>Response, and what the SDK sends must
// decode into our request (the decoder is strict: a parameter we have no
// field for is refused with UnknownParameter).

// notInSDK are the Actions we serve that SDK v1.0.162 does not know.
var notInSDK = map[string]string{
	"CreatePlugin": "seed 插件相关接口", "ModifyPlugin": "seed", "DeletePlugin": "seed", "DescribePlugin": "seed",
	"AttachPlugin": "seed", "DetachPlugin": "seed", "DescribePluginApis": "seed", "DescribeAllPluginApis": "seed",
	"CreateApiApp": "seed 应用相关接口", "DeleteApiApp": "seed", "DescribeApiApp": "seed", "DescribeApiAppsStatus": "seed",
	"ModifyApiApp": "seed", "BindApiApp": "seed", "UnbindApiApp": "seed", "DescribeApiAppBindApisStatus": "seed",
	"DescribeApiBindApiAppsStatus": "seed", "DescribeApiForApiApp": "seed", "DescribeServiceForApiApp": "seed",
	"UpdateApiAppKey":            "seed",
	"DescribeIPStrategiesStatus": "the seed's overview spelling (line 1987) of DescribeIPStrategysStatus",
	"EdgeSync":                   "Edgegate: split mode", "DescribeEdges": "Edgegate: split mode",
}

// notServed are the SDK's Actions Edgegate does not serve (API documents,
// custom domains, log search: not in the seed's scope for Edgegate).
var notServed = map[string]bool{
	"BindSubDomain": true, "BuildAPIDoc": true, "CreateAPIDoc": true, "DeleteAPIDoc": true,
	"DeleteServiceSubDomainMapping": true, "DescribeAPIDocDetail": true, "DescribeAPIDocs": true,
	"DescribeLogSearch": true, "DescribeServiceSubDomainMappings": true, "DescribeServiceSubDomains": true,
	"GenerateApiDocument": true, "ModifyAPIDoc": true, "ModifySubDomain": true, "ResetAPIDocPassword": true,
	"UnBindSubDomain": true,
}

// beyondSDK are the members we send that the SDK's models lack, by our
// type and member, with the reason; the SDK ignores them.
var beyondSDK = map[string]string{
	"admin.serviceDetailsResp.CreateTime":         "the seed's spelling in DescribeService, sent beside CreatedTime",
	"admin.serviceDetailsResp.ProjectId":          "seed DescribeService output",
	"admin.serviceDetailsResp.TceArch":            "seed DescribeService output",
	"admin.createAPIRsp.CreateTime":               "the seed's CreateApiRsp spelling, sent beside CreatedTime",
	"admin.usagePlanInfo.CreateTime":              "the seed's UsagePlanInfo spelling, sent beside CreatedTime",
	"admin.apiInfo.ServiceScfsIntegratedResponse": "the seed's ApiInfo spelling (line 8088), sent beside the SDK's",
	"admin.apiInfo.EventBusId":                    "seed ApiInfo (lines 8111-8116)",
	"admin.apiInfo.ServiceScfFunctionType":        "seed ApiInfo",
	"admin.apiInfo.EIAMAppId":                     "seed ApiInfo",
	"admin.apiInfo.EIAMAppType":                   "seed ApiInfo",
	"admin.apiInfo.EIAMAuthType":                  "seed ApiInfo",
	"admin.apiInfo.TokenTimeout":                  "seed ApiInfo",
	"admin.apiInfo.TargetServices":                "CreateApi input, described back",
	"admin.apiInfo.TargetServicesLoadBalanceConf": "CreateApi input, described back",
	"admin.apiInfo.TargetServicesHealthCheckConf": "CreateApi input, described back",
	"admin.apiInfo.ServiceMockStatusCode":         "Edgegate mock extension (model.API)",
	"admin.apiInfo.ServiceMockHeaders":            "Edgegate mock extension (model.API)",
	"admin.apiIdStatus.Tags":                      "DesApisStatus member; the one view serves ApiIdStatus too",
	"admin.apiIdStatus.VpcId":                     "DesApisStatus member; the one view serves ApiIdStatus too",
	"admin.apiIdStatus.TokenLocation":             "ApiIdStatus member; the one view serves DesApisStatus too",
	"admin.pluginView.Tags":                       "seed Plugin (lines 8972-8992)",
	"admin.pluginView.ProjectId":                  "seed Plugin (lines 8972-8992)",
	"model.ServiceConfig.UpstreamId":              "seed ServiceConfig (lines 8687-8700)",
	"model.HealthCheckConf.HealthCheckPath":       "Edgegate active health check (model.HealthCheckConf)",
	"model.HealthCheckConf.HealthCheckIntervalMs": "Edgegate active health check (model.HealthCheckConf)",
}

// notSent are the members of the SDK's responses we never send, with the
// reason.
var notSent = map[string]string{}

// notFromSDK are the SDK's request members we do not take, with the reason
// (the decoder refuses them with UnknownParameter).
var notFromSDK = map[string]string{}

// sdkActions maps each Action of the SDK's client to its request struct and
// the struct of its response's Response member.
func sdkActions(t *testing.T) map[string][2]reflect.Type {
	ct := reflect.TypeFor[*apigw.Client]()
	out := map[string][2]reflect.Type{}
	for i := 0; i < ct.NumMethod(); i++ {
		m := ct.Method(i)
		if m.Type.NumIn() != 2 || m.Type.NumOut() != 2 {
			continue
		}
		in, res := m.Type.In(1), m.Type.Out(0)
		if in.Kind() != reflect.Pointer || res.Kind() != reflect.Pointer ||
			in.Elem().Name() != m.Name+"Request" || res.Elem().Name() != m.Name+"Response" {
			continue
		}
		f, ok := res.Elem().FieldByName("Response")
		if !ok {
			t.Fatalf("SDK %s: no Response member", res.Elem())
		}
		out[m.Name] = [2]reflect.Type{in.Elem(), deref(f.Type)}
	}
	if len(out) < 60 {
		t.Fatalf("found %d SDK Actions; the SDK's client changed shape", len(out))
	}
	return out
}

func TestActionsMatchSDK(t *testing.T) {
	sdk := sdkActions(t)
	ours := map[string]bool{}
	for _, x := range actionTable {
		ours[x.name] = true
		s, ok := sdk[x.name]
		if !ok {
			if notInSDK[x.name] == "" {
				t.Errorf("%s is not an Action of SDK v1.0.162: list it in notInSDK, with the reason", x.name)
			}
			continue
		}
		if notInSDK[x.name] != "" {
			t.Errorf("%s is listed in notInSDK, but the SDK has it", x.name)
		}
		var errs []string
		compareResponse(x.resp, s[1], x.name, &errs, map[[2]reflect.Type]bool{})
		compareRequest(s[0], x.req, x.name, &errs, map[[2]reflect.Type]bool{})
		checkSent(s[1], x.resp, x.name, &errs, map[[2]reflect.Type]bool{})
		for _, e := range errs {
			t.Error(e)
		}
	}
	for name := range sdk {
		if !ours[name] && !notServed[name] {
			t.Errorf("SDK Action %s is neither served nor listed in notServed", name)
		}
		if ours[name] && notServed[name] {
			t.Errorf("%s is served but listed in notServed", name)
		}
	}
}

// jsonField is one member as encoding/json sees a struct.
type jsonField struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists the members encoding/json reads and writes for struct
// type t: json tag names or Go names, embedded structs flattened, the
// shallower of two same-named members winning.
func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	depth := map[string]int{}
	var walk func(t reflect.Type, d int)
	walk = func(t reflect.Type, d int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && deref(f.Type).Kind() == reflect.Struct {
				walk(deref(f.Type), d+1)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if old, ok := depth[name]; ok && old <= d {
				continue
			}
			depth[name] = d
			out[name] = jsonField{name, f.Type, strings.Contains(","+opts+",", ",omitempty,")}
		}
	}
	walk(t, 0)
	return out
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonKind is the JSON type a Go type encodes to.
type jsonKind int

const (
	jAny jsonKind = iota
	jString
	jBool
	jInt
	jFloat
	jArray
	jObject
)

var kindNames = []string{"any", "string", "boolean", "integer", "number", "array", "object"}

func kindOf(t reflect.Type) jsonKind {
	t = deref(t)
	if t == reflect.TypeFor[json.RawMessage]() || t.Implements(reflect.TypeFor[json.Marshaler]()) {
		return jAny
	}
	switch t.Kind() {
	case reflect.String:
		return jString
	case reflect.Bool:
		return jBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return jInt
	case reflect.Float32, reflect.Float64:
		return jFloat
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return jString // base64
		}
		return jArray
	case reflect.Map, reflect.Struct:
		return jObject
	}
	return jAny
}

// fits: a JSON value of kind from decodes into a Go value of kind to.
func fits(from, to jsonKind) bool {
	return to == jAny || from == to || from == jInt && to == jFloat
}

func typeKey(t reflect.Type, member string) string { return deref(t).String() + "." + member }

// compareResponse checks that every member ours sends exists in the SDK's
// sdk with a type it decodes, walking nested structs and lists.
func compareResponse(ours, sdk reflect.Type, path string, errs *[]string, seen map[[2]reflect.Type]bool) {
	ours, sdk = deref(ours), deref(sdk)
	if seen[[2]reflect.Type{ours, sdk}] {
		return
	}
	seen[[2]reflect.Type{ours, sdk}] = true
	sf := jsonFields(sdk)
	for name, f := range jsonFields(ours) {
		p := path + "." + name
		s, ok := sf[name]
		if !ok {
			if beyondSDK[typeKey(ours, name)] == "" {
				*errs = append(*errs, fmt.Sprintf("%s: we send it, the SDK's %s has no such member (list %q in beyondSDK, with the reason)", p, sdk, typeKey(ours, name)))
			}
			continue
		}
		compareValue(f.typ, s.typ, p, errs, seen, compareResponse)
	}
}

// compareRequest checks that every member the SDK's request sdk may send
// exists in ours with a type it decodes into.
func compareRequest(sdk, ours reflect.Type, path string, errs *[]string, seen map[[2]reflect.Type]bool) {
	ours, sdk = deref(ours), deref(sdk)
	if seen[[2]reflect.Type{sdk, ours}] || kindOf(ours) == jAny || ours.Kind() == reflect.Map {
		return
	}
	seen[[2]reflect.Type{sdk, ours}] = true
	of := jsonFields(ours)
	for name, s := range jsonFields(sdk) {
		p := path + "." + name
		f, ok := of[name]
		if !ok {
			if notFromSDK[typeKey(sdk, name)] == "" {
				*errs = append(*errs, fmt.Sprintf("%s: the SDK sends it, %s has no such member and refuses it (UnknownParameter)", p, ours))
			}
			continue
		}
		compareValue(s.typ, f.typ, p, errs, seen, compareRequest)
	}
}

// checkSent checks that ours sends every member of the SDK's response
// sdk (with its seed default or zero value: TestResponsesAlwaysComplete),
// walking nested structs and lists, but for those listed in notSent.
func checkSent(sdk, ours reflect.Type, path string, errs *[]string, seen map[[2]reflect.Type]bool) {
	sdk, ours = deref(sdk), deref(ours)
	if seen[[2]reflect.Type{sdk, ours}] || ours.Kind() != reflect.Struct {
		return
	}
	seen[[2]reflect.Type{sdk, ours}] = true
	of := jsonFields(ours)
	for name, s := range jsonFields(sdk) {
		p := path + "." + name
		f, ok := of[name]
		switch {
		case !ok && name == "RequestId" && !strings.Contains(path, "."):
			// The envelope's (tcapi).
		case !ok && notSent[typeKey(sdk, name)] == "":
			*errs = append(*errs, fmt.Sprintf("%s: the SDK's %s has it, %s never sends it (the SDK's users get nil; list %q in notSent, with the reason)", p, sdk, ours, typeKey(sdk, name)))
		case ok && kindOf(s.typ) == jObject:
			checkSent(s.typ, f.typ, p, errs, seen)
		case ok && kindOf(s.typ) == jArray && kindOf(f.typ) == jArray:
			checkSent(deref(s.typ).Elem(), deref(f.typ).Elem(), p+"[]", errs, seen)
		}
	}
}

// compareValue checks that a value of type from decodes into type to,
// and walks into objects and list elements with next.
func compareValue(from, to reflect.Type, path string, errs *[]string, seen map[[2]reflect.Type]bool,
	next func(a, b reflect.Type, path string, errs *[]string, seen map[[2]reflect.Type]bool)) {
	kf, kt := kindOf(from), kindOf(to)
	if !fits(kf, kt) {
		*errs = append(*errs, fmt.Sprintf("%s: %s (%s) does not decode into %s (%s)", path, kindNames[kf], from, kindNames[kt], to))
		return
	}
	switch {
	case kf == jArray && kt == jArray:
		compareValue(deref(from).Elem(), deref(to).Elem(), path+"[]", errs, seen, next)
	case kf == jObject && kt == jObject:
		if deref(from).Kind() == reflect.Struct && deref(to).Kind() == reflect.Struct {
			next(from, to, path, errs, seen)
		} else if deref(from).Kind() == reflect.Map && deref(to).Kind() == reflect.Struct {
			*errs = append(*errs, fmt.Sprintf("%s: a map (%s) cannot be checked against the SDK's %s", path, from, to))
		}
	}
}

// TestResponsesAlwaysComplete: the response types of this package never
// leave a member out (no omitempty): the SDK's users get a value, or the
// seed's default, never nil for a member the seed always sends.
func TestResponsesAlwaysComplete(t *testing.T) {
	allowed := map[string]bool{
		"admin.edgeSyncResp.Published": true, // only when the edge is behind
	}
	pkg := reflect.TypeFor[Admin]().PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		typ = deref(typ)
		for typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array {
			typ = deref(typ.Elem())
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != pkg || seen[typ] {
			return
		}
		seen[typ] = true
		fs := jsonFields(typ)
		names := make([]string, 0, len(fs))
		for n := range fs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if fs[n].omitempty && !allowed[typeKey(typ, n)] {
				t.Errorf("%s.%s (%s): omitempty in a response", path, n, typeKey(typ, n))
			}
			walk(fs[n].typ, path+"."+n)
		}
	}
	for _, x := range actionTable {
		walk(x.resp, x.name)
	}
}

// TestSDKRequestsDecode: for every Action the SDK knows and we serve, the
// SDK's request with every member set (lists of one, nested structs
// filled) is accepted by our strict decoder into the Action's request type.
func TestSDKRequestsDecode(t *testing.T) {
	sdk := sdkActions(t)
	for _, x := range actionTable {
		s, ok := sdk[x.name]
		if !ok {
			continue
		}
		req := reflect.New(s[0])
		fill(req.Elem(), 0)
		body, err := json.Marshal(req.Interface())
		if err != nil {
			t.Fatal(err)
		}
		r, err := tcapi.NewRequest(x.name, body)
		if err == nil {
			err = r.Decode(reflect.New(x.req).Interface())
		}
		if err != nil {
			t.Errorf("%s: the SDK's full request is refused: %v\n%s", x.name, err, body)
		}
	}
}

// fill sets every exported member of v: strings "x", numbers 1 (floats
// 1.5, which an integer field refuses), true, lists of one element.
func fill(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth+1)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

// TestSDKCheckFindsMismatches: the comparisons report what they are for,
// by path.
func TestSDKCheckFindsMismatches(t *testing.T) {
	type sdkItem struct {
		A *string `json:"A,omitempty"`
		B *int64  `json:"B,omitempty"`
	}
	type sdkResult struct {
		N *int64     `json:"N,omitempty"`
		L []*sdkItem `json:"L,omitempty"`
	}
	type sdkResponse struct {
		Result    *sdkResult `json:"Result,omitempty"`
		RequestId *string    `json:"RequestId,omitempty"`
	}
	type ourItem struct {
		A     int
		Extra string
	}
	type ourResult struct {
		N float64
		L []ourItem
	}
	type ours struct{ Result ourResult }
	var errs []string
	compareResponse(reflect.TypeFor[ours](), reflect.TypeFor[sdkResponse](), "X", &errs, map[[2]reflect.Type]bool{})
	compareRequest(reflect.TypeFor[sdkResult](), reflect.TypeFor[struct{ N float64 }](), "Y", &errs, map[[2]reflect.Type]bool{})
	checkSent(reflect.TypeFor[sdkResponse](), reflect.TypeFor[ours](), "Z", &errs, map[[2]reflect.Type]bool{})
	got := strings.Join(errs, "\n")
	for _, want := range []string{
		"X.Result.N: number (float64) does not decode into integer",
		"X.Result.L[].A: integer (int) does not decode into string",
		"X.Result.L[].Extra: we send it",
		"Y.L: the SDK sends it",
		"Z.Result.L[].B: the SDK's",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Y.N") || strings.Contains(got, "RequestId") {
		t.Errorf("false report:\n%s", got)
	}
}
