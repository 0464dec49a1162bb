package tcapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

type base struct {
	ServiceId string `json:"ServiceId" tcapi:"required"`
}

type kitchen struct {
	base
	Name      string            `json:"Name"`
	Count     int64             `json:"Count"`
	Small     int8              `json:"Small"`
	Port      uint16            `json:"Port"`
	Ratio     float64           `json:"Ratio"`
	On        bool              `json:"On"`
	Ptr       *int64            `json:"Ptr"`
	StrNum    int               `json:"StrNum,string"`
	List      []int             `json:"List"`
	Objs      []*tag            `json:"Objs"`
	Nested    *filter           `json:"Nested"`
	Labels    map[string]string `json:"Labels"`
	Any       any               `json:"Any"`
	Raw       json.RawMessage   `json:"Raw"`
	When      time.Time         `json:"When"`
	Num       json.Number       `json:"Num"`
	NoTag     string
	Skipped   string `json:"-"`
	unexposed string
}

func jsonReq(t *testing.T, body string) *Request {
	t.Helper()
	r, err := NewRequest("Test", []byte(body))
	if err != nil {
		t.Fatalf("NewRequest(%s): %v", body, err)
	}
	return r
}

func formReq(t *testing.T, q string) *Request {
	t.Helper()
	vals, e := parseParams(q)
	if e != nil {
		t.Fatal(e)
	}
	n, e := formTree(vals)
	if e != nil {
		t.Fatal(e)
	}
	return &Request{body: n}
}

func TestDecodeJSON(t *testing.T) {
	var k kitchen
	err := jsonReq(t, `{"ServiceId":"service-1","Name":"n","Count":-9007199254740993,"Small":-128,"Port":65535,"Ratio":0.5,
		"On":true,"Ptr":7,"StrNum":"42","List":[1,2,3],"Objs":[{"Key":"k","Value":"v"},null],"Nested":{"Name":"x","Values":["a"]},
		"Labels":{"a":"b"},"Any":{"x":[1,"y",true,null]},"Raw":{"keep": [1, 2]},"When":"2024-01-02T03:04:05Z","Num":1.5e3,"NoTag":"t",
		"Action":"ignored","Region":"ignored"}`).Decode(&k)
	if err != nil {
		t.Fatal(err)
	}
	want := kitchen{
		base: base{"service-1"}, Name: "n", Count: -9007199254740993, Small: -128, Port: 65535, Ratio: 0.5, On: true,
		Ptr: new(int64(7)), StrNum: 42, List: []int{1, 2, 3}, Objs: []*tag{{"k", "v"}, nil},
		Nested: &filter{Name: "x", Values: []string{"a"}}, Labels: map[string]string{"a": "b"},
		Any: map[string]any{"x": []any{1.0, "y", true, nil}}, Raw: json.RawMessage(`{"keep":[1,2]}`),
		When: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Num: "1.5e3", NoTag: "t",
	}
	if !reflect.DeepEqual(k, want) {
		t.Fatalf("got  %+v\nwant %+v", k, want)
	}
	// null means "not provided".
	k = kitchen{Ptr: new(int64(1)), List: []int{1}}
	if err := jsonReq(t, `{"ServiceId":"s","Ptr":null,"List":null,"Count":null}`).Decode(&k); err != nil || k.Ptr != nil || k.List != nil {
		t.Fatalf("null: %v %+v", err, k)
	}
	// Top-level maps take everything but the common parameters.
	var m map[string]any
	if err := jsonReq(t, `{"A":1,"Version":"x","B":{"C":"d"}}`).Decode(&m); err != nil || len(m) != 2 || m["A"] != 1.0 {
		t.Fatalf("map: %v %v", err, m)
	}
}

func TestDecodeForm(t *testing.T) {
	var k kitchen
	q := url.Values{
		"ServiceId": {"service-1"}, "Name": {"a b"}, "Count": {"-5"}, "Small": {"127"}, "Port": {"8080"}, "Ratio": {"1.25"},
		"On": {"true"}, "Ptr": {"0"}, "StrNum": {"3"},
		"List.0": {"10"}, "List.2": {"30"}, "List.10": {"100"}, // gaps are closed up, order is numeric
		"Objs.1.Key": {"k1"}, "Objs.0.Key": {"k0"}, "Objs.0.Value": {"v0"},
		"Nested.Name": {"nm"}, "Nested.Values.0": {"x"}, "Nested.Values.1": {"y"},
		"Labels.a": {"1"}, "Any.p.q": {"r"}, "Raw": {"text"}, "When": {"2024-01-02T03:04:05Z"}, "Num": {"12"},
		"Action": {"X"}, "Nonce": {"1"}, "Signature": {"s"}, "SignatureMethod": {"HmacSHA256"}, "RequestClient": {"c"}, "Language": {"zh-CN"},
	}
	if err := formReq(t, q.Encode()).Decode(&k); err != nil {
		t.Fatal(err)
	}
	want := kitchen{
		base: base{"service-1"}, Name: "a b", Count: -5, Small: 127, Port: 8080, Ratio: 1.25, On: true, Ptr: new(int64(0)), StrNum: 3,
		List: []int{10, 30, 100}, Objs: []*tag{{"k0", "v0"}, {"k1", ""}}, Nested: &filter{Name: "nm", Values: []string{"x", "y"}},
		Labels: map[string]string{"a": "1"}, Any: map[string]any{"p": map[string]any{"q": "r"}}, Raw: json.RawMessage(`"text"`),
		When: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Num: "12",
	}
	if !reflect.DeepEqual(k, want) {
		t.Fatalf("got  %+v\nwant %+v", k, want)
	}
	// What the SDK's flatStructure sends for DescribeServicesStatus.
	var d describeServicesStatus
	if err := formReq(t, "Filters.0.Name=ServiceId&Filters.0.Values.0=a&Filters.1.Name=Environment&Limit=20&Offset=0").Decode(&d); err != nil {
		t.Fatal(err)
	}
	if *d.Limit != 20 || *d.Offset != 0 || len(d.Filters) != 2 || d.Filters[1].Values != nil {
		t.Fatalf("%+v", d)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, src, in string
		code, param   string
	}{
		{"json unknown", "json", `{"ServiceId":"s","Colour":1}`, CodeUnknownParameter, "Colour"},
		{"json unknown nested", "json", `{"ServiceId":"s","Nested":{"Name":"n","Valeus":[]}}`, CodeUnknownParameter, "Nested.Valeus"},
		{"json unknown in array", "json", `{"ServiceId":"s","Objs":[{"Key":"k"},{"Kye":"k"}]}`, CodeUnknownParameter, "Objs.1.Kye"},
		{"json case matters", "json", `{"ServiceId":"s","name":"n"}`, CodeUnknownParameter, "name"},
		{"json skipped field", "json", `{"ServiceId":"s","Skipped":"x"}`, CodeUnknownParameter, "Skipped"},
		{"json unexported", "json", `{"ServiceId":"s","unexposed":"x"}`, CodeUnknownParameter, "unexposed"},
		{"json string for int", "json", `{"ServiceId":"s","Count":"1"}`, CodeInvalidParameter, "Count"},
		{"json float for int", "json", `{"ServiceId":"s","Count":1.5}`, CodeInvalidParameter, "Count"},
		{"json exponent for int", "json", `{"ServiceId":"s","Count":1e3}`, CodeInvalidParameter, "Count"},
		{"json int overflow", "json", `{"ServiceId":"s","Small":128}`, CodeInvalidParameter, "Small"},
		{"json int64 overflow", "json", `{"ServiceId":"s","Count":9223372036854775808}`, CodeInvalidParameter, "Count"},
		{"json negative uint", "json", `{"ServiceId":"s","Port":-1}`, CodeInvalidParameter, "Port"},
		{"json number for string", "json", `{"ServiceId":5}`, CodeInvalidParameter, "ServiceId"},
		{"json string for bool", "json", `{"ServiceId":"s","On":"true"}`, CodeInvalidParameter, "On"},
		{"json object for array", "json", `{"ServiceId":"s","List":{"0":1}}`, CodeInvalidParameter, "List"},
		{"json string in int array", "json", `{"ServiceId":"s","List":[1,"2"]}`, CodeInvalidParameter, "List.1"},
		{"json array for struct", "json", `{"ServiceId":"s","Nested":[]}`, CodeInvalidParameter, "Nested"},
		{"json bad time", "json", `{"ServiceId":"s","When":"yesterday"}`, CodeInvalidParameter, "When"},
		{"json ,string not a number", "json", `{"ServiceId":"s","StrNum":"x"}`, CodeInvalidParameter, "StrNum"},
		{"json missing required", "json", `{"Name":"n"}`, CodeMissingParameter, "ServiceId"},
		{"json null required", "json", `{"ServiceId":null}`, CodeMissingParameter, "ServiceId"},
		{"json missing nested required", "json", `{"ServiceId":"s","Nested":{"Values":[]}}`, CodeMissingParameter, "Nested.Name"},
		{"json empty required", "json", `{"ServiceId":""}`, CodeMissingParameter, "ServiceId"},
		{"json empty nested required", "json", `{"ServiceId":"s","Nested":{"Name":""}}`, CodeMissingParameter, "Nested.Name"},
		{"form unknown", "form", `ServiceId=s&Colour=1`, CodeUnknownParameter, "Colour"},
		{"form unknown nested", "form", `ServiceId=s&Objs.0.Kye=1`, CodeUnknownParameter, "Objs.0.Kye"},
		{"form bad int", "form", `ServiceId=s&Count=1.5`, CodeInvalidParameter, "Count"},
		{"form int overflow", "form", `ServiceId=s&Small=300`, CodeInvalidParameter, "Small"},
		{"form bad bool", "form", `ServiceId=s&On=yes`, CodeInvalidParameter, "On"},
		{"form bad float", "form", `ServiceId=s&Ratio=half`, CodeInvalidParameter, "Ratio"},
		{"form scalar for array", "form", `ServiceId=s&List=1`, CodeInvalidParameter, "List"},
		{"form members for scalar", "form", `ServiceId=s&Name.0=a`, CodeInvalidParameter, "Name"},
		{"form value and members", "form", `ServiceId=s&Nested=x&Nested.Name=y`, CodeInvalidParameter, "Nested"},
		{"form non-index", "form", `ServiceId=s&List.a=1`, CodeInvalidParameter, "List.a"},
		{"form padded index", "form", `ServiceId=s&List.01=1`, CodeInvalidParameter, "List.01"},
		{"form negative index", "form", `ServiceId=s&List.-1=1`, CodeInvalidParameter, "List.-1"},
		{"form missing required", "form", `Name=n&Action=X`, CodeMissingParameter, "ServiceId"},
		{"form missing nested required", "form", `ServiceId=s&Nested.Values.0=v`, CodeMissingParameter, "Nested.Name"},
		{"form empty required", "form", `ServiceId=&Name=n`, CodeMissingParameter, "ServiceId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r *Request
			if tc.src == "json" {
				r = jsonReq(t, tc.in)
			} else {
				r = formReq(t, tc.in)
			}
			var k kitchen
			err := r.Decode(&k)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %v is not an *Error", err)
			}
			if e.Code != tc.code || !strings.Contains(e.Message, "`"+tc.param+"`") {
				t.Fatalf("got %s, want %s naming `%s`", e, tc.code, tc.param)
			}
		})
	}
}

func TestDecodeProgrammingErrors(t *testing.T) {
	r := jsonReq(t, `{"A":1}`)
	var k kitchen
	for _, dst := range []any{k, nil, (*kitchen)(nil), new(chan int)} {
		err := r.Decode(dst)
		var e *Error
		if err == nil || errors.As(err, &e) {
			t.Errorf("Decode(%T) = %v, want a plain error", dst, err)
		}
	}
}

func TestJSONBodyErrors(t *testing.T) {
	for body, want := range map[string]string{
		``:                      "",
		`  `:                    "",
		`{}`:                    "",
		`{"a":`:                 CodeInvalidParameter,
		`[]`:                    CodeInvalidParameter,
		`"x"`:                   CodeInvalidParameter,
		`null`:                  CodeInvalidParameter,
		`{}x`:                   CodeInvalidParameter,
		`{"a":1,"a":1}`:         CodeInvalidParameter,
		`{"a":{"b":1,"b":2}}`:   CodeInvalidParameter,
		`{"a":[{"b":1,"b":2}]}`: CodeInvalidParameter,
		strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100): CodeInvalidParameter,
	} {
		_, err := NewRequest("X", []byte(body))
		got := ""
		if err != nil {
			got = err.(*Error).Code
		}
		if got != want {
			t.Errorf("%.40q: %v, want %q", body, err, want)
		}
	}
	_, err := NewRequest("X", []byte(`{"a":[{"b":1,"b":2}]}`))
	if !strings.Contains(err.Error(), "`a.0.b`") {
		t.Errorf("duplicate path: %v", err)
	}
}

func TestHasAndParams(t *testing.T) {
	r := jsonReq(t, `{"Limit":0,"Region":"x","Filters":[]}`)
	if !r.Has("Limit") || r.Has("Offset") || r.Has("Region") {
		t.Fatal("Has")
	}
	if got := strings.Join(r.Params(), ","); got != "Filters,Limit" {
		t.Fatalf("Params = %s", got)
	}
	f := formReq(t, "Filters.0.Name=a&Action=X")
	if !f.Has("Filters") || f.Has("Action") || strings.Join(f.Params(), ",") != "Filters" {
		t.Fatal("form Has/Params")
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"ServiceId":"s","Objs":[{"Key":"k"}],"Nested":{"Name":"n"},"Any":[1,{"a":null}]}`,
		`{"List":[1,2,3],"Count":-1,"Port":1,"Ratio":1e300}`,
		`{"Labels":{"a":"b"},"Raw":[true,false,null],"When":"2024-01-02T03:04:05Z"}`,
		`{"a":{"a":{"a":{}}}}`, `[]`, ``, `{"StrNum":"12"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewRequest("X", b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("non-*Error %v", err)
			}
			return
		}
		var k kitchen
		if err := r.Decode(&k); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("non-*Error %v", err)
			}
		}
		var m map[string]any
		if err := r.Decode(&m); err != nil {
			t.Fatalf("map: %v", err)
		}
	})
}

func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{
		`ServiceId=s&Objs.0.Key=k&Nested.Values.1=v&List.3=4`,
		`Filters.0.Name=a&Filters.0.Values.0=b&Limit=20`,
		`a..b=1`, `Nested=1&Nested.Name=2`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		vals, e := parseParams(q)
		if e != nil {
			return
		}
		n, e := formTree(vals)
		if e != nil {
			return
		}
		r := &Request{body: n}
		var k kitchen
		if err := r.Decode(&k); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("non-*Error %v", err)
			}
		}
	})
}

// TestDecodeRequiredEmpty: a required list that is empty, or a required
// pointer to an empty string, is missing too; one element or a value is
// enough.
func TestDecodeRequiredEmpty(t *testing.T) {
	type req struct {
		Ids  []string `json:"Ids" tcapi:"required"`
		Desc *string  `json:"Desc" tcapi:"required"`
	}
	for body, want := range map[string]string{
		`{"Ids":[],"Desc":"d"}`:    "Ids",
		`{"Ids":["a"],"Desc":""}`:  "Desc",
		`{"Ids":["a"],"Desc":"d"}`: "",
	} {
		var in req
		err := jsonReq(t, body).Decode(&in)
		var e *Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", body, err)
		case want != "" && (!errors.As(err, &e) || e.Code != CodeMissingParameter || !strings.Contains(e.Message, "`"+want+"`")):
			t.Errorf("%s: %v, want MissingParameter %s", body, err, want)
		}
	}
}

// TestParams: the members Decode matches, as a client sees them.
func TestParams(t *testing.T) {
	var got []string
	for _, p := range Params(reflect.TypeFor[*kitchen]()) {
		got = append(got, fmt.Sprintf("%s:%s:%v:%v", p.Name, p.Type, p.Required, p.OmitEmpty))
	}
	if got[0] != "ServiceId:string:true:false" || got[1] != "Name:string:false:false" || !slices.Contains(got, "StrNum:int:false:false") {
		t.Fatalf("Params: %v", got)
	}
	if Params(reflect.TypeFor[int]()) != nil {
		t.Fatal("Params of a non-struct")
	}
	type omit struct {
		A string `json:"a,omitempty"`
		B int    `json:"-"`
		c int
	}
	if ps := Params(reflect.TypeFor[omit]()); len(ps) != 1 || ps[0].Name != "a" || !ps[0].OmitEmpty {
		t.Fatalf("Params: %+v", ps)
	}
}
