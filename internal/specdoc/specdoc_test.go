package specdoc

import (
	"strings"
	"testing"
)

const sample = `# title

## 1. Envelope (seed lines 1-2)

### 1.1 Endpoint

| Item | Value |
|---|---|
| Host | x |

## 3. APIs (API相关接口) — seed lines 3222-3752

### CreateApi

Seed lines 3224-3354. Create an API inside an existing service. Rate limit 20/s; updated 2021-10-14 10:44:56.

| Input | Type | Req | Meaning |
|---|---|---|---|
| ServiceId | String | yes | Unique ID. |
| RequestConfig | ApiRequestConfig | no | Frontend config (path + method). |

| Output | Type | Meaning |
|---|---|---|
| Result | CreateApiRsp | Created API. |

## 14. Plugin types and PluginData (seed lines 1695-1939)

### Not an Action

| Input | Type | Req | Meaning |
|---|---|---|---|
| X | String | yes | x |
`

const structs = `## 1. Data structures (seed lines 7211-9120), alphabetical

### ApiRequestConfig

Seed lines 8494-8503. API frontend request config.

| Field | Type | Req | Null | Meaning |
|---|---|---|---|---|
| Path | String | yes | no | Path. |
| Method | String | yes | no | Method. |
`

func TestParse(t *testing.T) {
	as, err := ParseActions(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("%d Actions: %+v", len(as), as)
	}
	a := as[0]
	if a.Name != "CreateApi" || a.Group != "APIs" || a.SeedLines != "3224-3354" || a.Summary != "Create an API inside an existing service." {
		t.Errorf("%+v", a)
	}
	want := []Field{{"ServiceId", "String", true, "Unique ID."}, {"RequestConfig", "ApiRequestConfig", false, "Frontend config (path + method)."}}
	if len(a.Params) != 2 || a.Params[0] != want[0] || a.Params[1] != want[1] {
		t.Errorf("params %+v", a.Params)
	}
	ss, err := ParseStructs(strings.NewReader(structs))
	if err != nil || len(ss) != 1 || ss[0].Name != "ApiRequestConfig" || len(ss[0].Fields) != 2 || ss[0].Fields[1] != (Field{"Method", "String", true, "Method."}) {
		t.Fatalf("%+v %v", ss, err)
	}
	src, err := Render("main", "x", as, ss)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"CreateApi": {Group: "APIs"`, `{"ServiceId", "String", true, "Unique ID."}, {"RequestConfig"`, `"ApiRequestConfig": {`, "var specGroups = []string{\n\t\"APIs\",\n}"} {
		if !strings.Contains(string(src), w) {
			t.Errorf("rendered source lacks %q:\n%s", w, src)
		}
	}
	// A row that does not fit the table is an error, not a silent skip.
	bad := strings.Replace(sample, "| ServiceId | String | yes | Unique ID. |", "| ServiceId | String | yes |", 1)
	if _, err := ParseActions(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "want 4 cells") {
		t.Errorf("short row: %v", err)
	}
	if _, err := ParseActions(strings.NewReader("# nothing\n")); err == nil {
		t.Error("no Actions: no error")
	}
}
