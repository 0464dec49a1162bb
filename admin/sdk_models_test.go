package admin

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
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
	"CreateEdgeCredential": "Edgegate: split mode", "DeleteEdgeCredential": "Edgegate: split mode",
	"UploadCertificate":    "not in the SDK: Edgegate holds the certificates a CertificateId names",
	"DescribeCertificates": "not in the SDK: Edgegate certificates", "DescribeCertificate": "not in the SDK: Edgegate certificates",
	"ReplaceCertificate": "not in the SDK: Edgegate certificates", "ModifyCertificate": "not in the SDK: Edgegate certificates",
	"DeleteCertificate": "not in the SDK: Edgegate certificates",
}

// notServed are the SDK's Actions Edgegate does not serve.
var notServed = map[string]bool{}

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
	"model.ServiceConfig.TlsServerName":           "Edgegate extension: TLS to https:// backends (README \"Backends over TLS\")",
	"model.ServiceConfig.CaCertificateId":         "Edgegate extension: TLS to https:// backends (README \"Backends over TLS\")",
	"model.ServiceConfig.ClientCertificateId":     "Edgegate extension: TLS to https:// backends (README \"Backends over TLS\")",
	"model.ServiceConfig.TlsInsecureSkipVerify":   "Edgegate extension: TLS to https:// backends (README \"Backends over TLS\")",
	"model.HealthCheckConf.HealthCheckPath":       "Edgegate active health check (model.HealthCheckConf)",
	"model.HealthCheckConf.HealthCheckIntervalMs": "Edgegate active health check (model.HealthCheckConf)",
	"admin.domainSetList.IsForcedHttps":           "seed DomainSetList (lines 7897-7914)",
	"admin.domainSetList.RegistrationStatus":      "seed DomainSetList (lines 7897-7914)",
	"admin.apiDocInfo.UpdateTime":                 "the seed's APIDocInfo spelling, sent beside UpdatedTime",
	"admin.apiDocPassword.SharePassword":          "Edgegate: CreateAPIDoc and ResetAPIDocPassword return the new share password (apidocs.go)",
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
		for _, e := range checkAction(x.name, x.req, x.resp, s[0], s[1]) {
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

// checkAction compares our request and response types of an Action with
// the SDK's, in the three directions.
func checkAction(name string, req, resp, sdkReq, sdkResp reflect.Type) []string {
	var errs []string
	// What we send decodes into the SDK's response.
	compare(resp, sdkResp, name, flow{beyondSDK, "we send it, the SDK's %[2]s has no such member (list %[3]q in beyondSDK, with the reason)"}, &errs, map[[2]reflect.Type]bool{})
	// What the SDK sends decodes into our request.
	compare(sdkReq, req, name, flow{notFromSDK, "the SDK sends it, %[2]s has no such member and refuses it (UnknownParameter)"}, &errs, map[[2]reflect.Type]bool{})
	// We send every member of the SDK's response (TestResponsesAlwaysComplete
	// makes it a value, never nil).
	compare(sdkResp, resp, name, flow{notSent, "the SDK's %[1]s has it, %[2]s never sends it (the SDK's users get nil; list %[3]q in notSent, with the reason)"}, &errs, map[[2]reflect.Type]bool{})
	return errs
}

// flow is one direction of compare: the members the receiving side may
// lack (by the sender's type and member), and the report when it does
// (%[1]s the sender's type, %[2]s the receiver's, %[3]s the key).
type flow struct {
	exempt  map[string]string
	missing string
}

// compare checks that every member of the struct type from exists in the
// struct type to with a type it decodes into, walking nested structs and
// lists (but for RequestId at the top, the envelope's).
func compare(from, to reflect.Type, path string, f flow, errs *[]string, seen map[[2]reflect.Type]bool) {
	from, to = deref(from), deref(to)
	if seen[[2]reflect.Type{from, to}] {
		return
	}
	seen[[2]reflect.Type{from, to}] = true
	dst := map[string]reflect.Type{}
	for _, p := range tcapi.Params(to) {
		dst[p.Name] = p.Type
	}
	for _, p := range tcapi.Params(from) {
		at, key := path+"."+p.Name, typeKey(from, p.Name)
		tt, ok := dst[p.Name]
		switch {
		case ok:
			compareValue(p.Type, tt, at, f, errs, seen)
		case p.Name == "RequestId" && !strings.Contains(path, "."), f.exempt[key] != "":
		default:
			*errs = append(*errs, at+": "+fmt.Sprintf(f.missing, from, to, key))
		}
	}
}

// compareValue checks that a value of type from decodes into type to, and
// walks into objects and list elements.
func compareValue(from, to reflect.Type, path string, f flow, errs *[]string, seen map[[2]reflect.Type]bool) {
	kf, kt := kindOf(from), kindOf(to)
	if !fits(kf, kt) {
		*errs = append(*errs, fmt.Sprintf("%s: %s (%s) does not decode into %s (%s)", path, kindNames[kf], from, kindNames[kt], to))
		return
	}
	from, to = deref(from), deref(to)
	switch {
	case kf == jArray && kt == jArray:
		compareValue(from.Elem(), to.Elem(), path+"[]", f, errs, seen)
	case kf == jObject && kt == jObject && to.Kind() == reflect.Struct:
		if from.Kind() == reflect.Map {
			*errs = append(*errs, fmt.Sprintf("%s: a map (%s) cannot be checked against %s", path, from, to))
			return
		}
		compare(from, to, path, f, errs, seen)
	}
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

// TestResponsesAlwaysComplete: the response types of this package never
// leave a member out (no omitempty): the SDK's users get a value, or the
// seed's default, never nil for a member the seed always sends.
func TestResponsesAlwaysComplete(t *testing.T) {
	allowed := map[string]bool{
		"admin.edgeSyncResp.SealedPublished": true, // only when the edge is behind
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
		for _, p := range tcapi.Params(typ) {
			if p.OmitEmpty && !allowed[typeKey(typ, p.Name)] {
				t.Errorf("%s.%s (%s): omitempty in a response", path, p.Name, typeKey(typ, p.Name))
			}
			walk(p.Type, path+"."+p.Name)
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
	errs := checkAction("X", reflect.TypeFor[struct{ N float64 }](), reflect.TypeFor[ours](), reflect.TypeFor[sdkResult](), reflect.TypeFor[sdkResponse]())
	got := strings.Join(errs, "\n")
	for _, want := range []string{
		"X.Result.N: number (float64) does not decode into integer",
		"X.Result.L[].A: integer (int) does not decode into string",
		"X.Result.L[].Extra: we send it",
		"X.L: the SDK sends it",
		"X.Result.L[].B: the SDK's",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "X.N") || strings.Contains(got, "RequestId") {
		t.Errorf("false report:\n%s", got)
	}
}

// TestActionTableExported: ActionNames lists every Action once, sorted, and
// ActionParams gives each its request type (as a client types parameters).
func TestActionTableExported(t *testing.T) {
	names := ActionNames()
	if len(names) != len(actionTable) || !slices.IsSorted(names) {
		t.Fatalf("ActionNames: %v", names)
	}
	for _, n := range names {
		if _, ok := ActionParams(n); !ok {
			t.Errorf("ActionParams(%s) unknown", n)
		}
	}
	typ, ok := ActionParams("CreateService")
	var got []string
	for _, p := range tcapi.Params(typ) {
		if p.Required {
			got = append(got, p.Name)
		}
	}
	if !ok || strings.Join(got, ",") != "ServiceName" {
		t.Errorf("CreateService required parameters: %v", got)
	}
	if _, ok := ActionParams("Nope"); ok {
		t.Error("ActionParams of an unknown Action")
	}
}
