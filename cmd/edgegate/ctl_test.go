package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// TestCtlParams: parameters take the declared type of the Action, not the
// look of the value (issue 11 defect 6).
func TestCtlParams(t *testing.T) {
	for _, c := range []struct {
		name, action string
		args         []string
		want         string // JSON, or "error: <substring>"
	}{
		{"digits stay a string", "UpdateService",
			[]string{"--ServiceId", "s", "--VersionName", "20261204144853"},
			`{"ServiceId":"s","VersionName":"20261204144853"}`},
		{"JSON text stays a string", "ModifyApiIncrement",
			[]string{"--PublicKey", `{"kty":"OKP"}`, "--BusinessType", "true"},
			`{"BusinessType":"true","PublicKey":"{\"kty\":\"OKP\"}"}`},
		{"nested string that looks like JSON", "CreateApi",
			[]string{"--OauthConfig.PublicKey", `{"kty":"RSA"}`, "--ServiceMockReturnMessage", "[1]"},
			`{"OauthConfig":{"PublicKey":"{\"kty\":\"RSA\"}"},"ServiceMockReturnMessage":"[1]"}`},
		{"quotes are part of a string", "CreateService",
			[]string{"--ServiceName", `"123"`}, `{"ServiceName":"\"123\""}`},
		{"empty string", "CreateService", []string{"--ServiceDesc="}, `{"ServiceDesc":""}`},
		{"integers and booleans", "CreateApi",
			[]string{"--ServiceTimeout", "15", "--EnableCORS", "true", "--ServiceTsfHealthCheckConf.IsHealthCheck=false"},
			`{"EnableCORS":true,"ServiceTimeout":15,"ServiceTsfHealthCheckConf":{"IsHealthCheck":false}}`},
		{"negative integer", "ModifyServiceEnvironmentStrategy", []string{"--Strategy", "-1"}, `{"Strategy":-1}`},
		{"unsigned", "EdgeSync", []string{"--Revision", "18446744073709551615"}, `{"Revision":18446744073709551615}`},
		{"map of integers", "EdgeSync", []string{"--Quotas.plan-a", "5", "--Quotas.plan-b", "0"}, `{"Quotas":{"plan-a":5,"plan-b":0}}`},
		{"nested object by parts", "CreateApi",
			[]string{"--RequestConfig.Path", "/x", "--RequestConfig.Method", "GET"},
			`{"RequestConfig":{"Method":"GET","Path":"/x"}}`},
		{"whole object then a part", "CreateApi",
			[]string{"--RequestConfig", `{"Path": "/x"}`, "--RequestConfig.Method", "GET"},
			`{"RequestConfig":{"Method":"GET","Path":"/x"}}`},
		{"string array by repetition", "CreateService",
			[]string{"--NetTypes", "OUTER", "--NetTypes", "INNER"}, `{"NetTypes":["OUTER","INNER"]}`},
		{"string array as JSON", "BindSecretIds",
			[]string{"--AccessKeyIds", `["AKID1", "2"]`}, `{"AccessKeyIds":["AKID1","2"]}`},
		{"string array by index", "BindSecretIds",
			[]string{"--AccessKeyIds.0", "123", "--AccessKeyIds.1", "[x"}, `{"AccessKeyIds":["123","[x"]}`},
		{"object array by index", "DescribeServicesStatus",
			[]string{"--Filters.0.Name", "ServiceName", "--Filters.0.Values", "demo", "--Filters.1.Name", "ServiceId", "--Filters.1.Values.0", "7"},
			`{"Filters":[{"Name":"ServiceName","Values":["demo"]},{"Name":"ServiceId","Values":["7"]}]}`},
		{"object array as JSON", "CreateApi",
			[]string{"--RequestParameters", `[{"Name":"id","Required":true}]`},
			`{"RequestParameters":[{"Name":"id","Required":true}]}`},
		{"seed field the SDK lacks", "CreateApi",
			[]string{"--TokenTimeout", "60", "--ServiceConfig.UpstreamId", "u", "--ServiceConfig.Url", "http://a"},
			`{"ServiceConfig":{"UpstreamId":"u","Url":"http://a"},"TokenTimeout":60}`},
		{"Action the SDK lacks", "AttachPlugin",
			[]string{"--PluginId", "p", "--ApiIds", "a1", "--ApiIds", "a2"}, `{"ApiIds":["a1","a2"],"PluginId":"p"}`},
		{"embedded paging fields", "DescribePluginApis", []string{"--PluginId", "p", "--Limit", "5"}, `{"Limit":5,"PluginId":"p"}`},
		{"raw --json is sent as written", "DescribeServicesStatus",
			[]string{"--json", `{"Limit": 5, "Future": "x"}`, "--Offset", "2"}, `{"Future":"x","Limit":5,"Offset":2}`},

		{"not an integer", "DescribeServicesStatus", []string{"--Limit", "abc"}, `error: --Limit: "abc" is not an integer`},
		{"not a whole number", "DescribeServicesStatus", []string{"--Limit", "1.5"}, `error: --Limit: "1.5" is not an integer`},
		{"not a boolean", "CreateApi", []string{"--EnableCORS", "yes"}, `error: --EnableCORS: "yes" is not true or false`},
		{"negative unsigned", "EdgeSync", []string{"--Revision", "-1"}, `error: --Revision: "-1" is not an integer`},
		{"unknown parameter", "CreateService", []string{"--ServiceNmae", "x"}, "error: no parameter --ServiceNmae; did you mean --ServiceName?"},
		{"wrong case", "DescribeServicesStatus", []string{"--limit", "1"}, "error: no parameter --limit; did you mean --Limit?"},
		{"an option misspelt", "DescribeServicesStatus", []string{"--endpiont", "x"}, "error: no parameter --endpiont; did you mean --endpoint?"},
		{"unknown nested", "CreateApi", []string{"--RequestConfig.Pth", "/x"}, "error: no parameter --RequestConfig.Pth; did you mean --RequestConfig.Path?"},
		{"unknown in JSON", "CreateApi", []string{"--RequestConfig", `{"Pth":"/x"}`}, "error: no parameter --RequestConfig.Pth; did you mean --RequestConfig.Path?"},
		{"wrong JSON type", "BindSecretIds", []string{"--AccessKeyIds", `[1]`}, "error: --AccessKeyIds.0: want a string, not a number"},
		{"bad JSON", "CreateApi", []string{"--RequestConfig", `{"Path":`}, "error: --RequestConfig: want an object in JSON"},
		{"scalar has no parts", "DescribeServicesStatus", []string{"--Limit.x", "1"}, "error: --Limit.x: Limit is an integer; it has no parts"},
		{"index skipped", "DescribeServicesStatus", []string{"--Filters.1.Name", "x"}, "error: --Filters.1: give --Filters.0 first"},
		{"index not a number", "DescribeServicesStatus", []string{"--Filters.a.Name", "x"}, "error: --Filters.a: Filters is an array"},
		{"object array from text", "DescribeServicesStatus", []string{"--Filters", "x"}, "error: --Filters: want a JSON array of objects"},
		{"--json not an object", "DescribeServicesStatus", []string{"--json", `[1]`}, "error: --json: want a JSON object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			act := findAction(c.action)
			if act == nil {
				t.Fatalf("no Action %s", c.action)
			}
			var flags []ctlFlag
			for i := 0; i < len(c.args); i++ {
				name, val, ok := strings.Cut(strings.TrimPrefix(c.args[i], "--"), "=")
				if !ok {
					i++
					val = c.args[i]
				}
				flags = append(flags, ctlFlag{name, val})
			}
			params, err := ctlParams(act, flags)
			if want, isErr := strings.CutPrefix(c.want, "error: "); isErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("got %v, %v; want an error saying %q", params, err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(params); string(got) != c.want {
				t.Errorf("params %s\nwant     %s", got, c.want)
			}
		})
	}
}

func TestCtlUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"DescribeServicesStatus", "--json", "{"}, "--json"},
		{[]string{"DescribeServicesStatus", "--lower", "x"}, "no parameter --lower"},
		{[]string{"DescribeServicesStatus", "--Limit"}, "--Limit needs a value"},
		{[]string{"DescribeServicesStatus", "B"}, "unexpected argument"},
		{[]string{"DescribeServicesStatus", "--data", t.TempDir()}, "no credentials"},
		{[]string{"CreateServce"}, `unknown Action "CreateServce"; did you mean CreateService?`},
		{[]string{"describeservicesstatus"}, "did you mean DescribeServicesStatus?"},
		{[]string{"Nothing"}, `unknown Action "Nothing" (edgegate ctl help lists them)`},
		{[]string{"DescribeServicesStatus", "--Limit", "abc"}, `DescribeServicesStatus: --Limit: "abc" is not an integer`},
		{[]string{"DescribeServicesStatus", "--Limit", "abc"}, "Parameters of DescribeServicesStatus (edgegate ctl help DescribeServicesStatus describes them):\n  --Limit    integer"},
		{[]string{"DescribeServicesStatus", "--output", "yaml"}, `--output "yaml": json or table`},
		{[]string{"DescribeServicesStatus", "--endpoint"}, "--endpoint needs a value"},
		{[]string{"help", "CreateServce"}, "did you mean CreateService?"},
		{[]string{"completion", "fish"}, "completion bash|zsh"},
		{[]string{"DescribeServicesStatus", "--cli-input-json", "/nonexistent.json"}, "--cli-input-json: open /nonexistent.json"},
	} {
		var out, errb bytes.Buffer
		t.Setenv("EDGEGATE_SECRET_ID", "")
		t.Setenv("EDGEGATE_SECRET_KEY", "")
		if code := ctlCmd(c.args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q, want %d and %q", c.args, code, errb.String(), exitUsage, c.want)
		}
	}
}

// TestCtlHelp: --help lists every Action under its group, one line each,
// and the parameter syntax; ACTION --help lists the parameters and types.
func TestCtlHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := ctlCmd([]string{"--help"}, &out, &errb); code != 0 {
		t.Fatalf("--help: exit %d %s", code, errb.String())
	}
	help := out.String()
	for _, want := range []string{"usage: edgegate ctl", "--RequestConfig.Path /x", "--Filters.0.Name", "--json", "--cli-input-json", "--output json|table",
		"\nActions:\n  API documents\n    CreateAPIDoc ", "\n  APIs\n    CreateApi ", "\n  Services\n    CreateService ", "\n  Throttling (rate-limit) strategies\n", "5 limit or quota"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	for _, a := range ctlActions {
		if n := strings.Count(help, "\n    "+a.name+" "); n != 1 {
			t.Errorf("--help lists %s %d times", a.name, n)
		}
		if g := groupOf(&a); !strings.Contains(help, "\n  "+g+"\n") {
			t.Errorf("--help lacks the group %q", g)
		}
	}
	var help2 bytes.Buffer
	if code := ctlCmd([]string{"help"}, &help2, &errb); code != 0 || help2.String() != help {
		t.Errorf("ctl help: exit %d, differs from ctl --help", code)
	}
	for _, args := range [][]string{{"CreateApi", "--help"}, {"help", "CreateApi"}} {
		out.Reset()
		if code := ctlCmd(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		// Declared types; the seed's required flags and descriptions, at
		// the top and in structures (spec/ACTIONS.md, DATA_AND_ERRORS.md).
		for _, want := range []string{
			"Create an API inside an existing service (every API belongs to a service). (seed lines 3224-3354)",
			"Group: APIs.",
			"--ServiceTimeout", "integer", "--RequestParameters.N.Required", "boolean", "--TokenTimeout",
			"--RequestConfig.Path ", "Path.",
			"--ServiceId ", "required  Unique ID of the service the API belongs to.",
			"--ApiName ", "User-defined API name.",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v lacks %q:\n%s", args, want, out.String())
			}
		}
		if !regexp.MustCompile(`(?m)^  --ServiceTimeout +integer +required +Backend timeout, seconds\.$`).MatchString(out.String()) {
			t.Errorf("%v: the ServiceTimeout line is not flag, type, required, description:\n%s", args, out.String())
		}
		if !regexp.MustCompile(`(?m)^  --ApiName +string +User-defined API name\.$`).MatchString(out.String()) {
			t.Errorf("%v: the ApiName line is not flag, type, description:\n%s", args, out.String())
		}
	}
	out.Reset()
	if code := ctlCmd([]string{"CreateEdgeCredential", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "An Edgegate extension") {
		t.Errorf("CreateEdgeCredential --help: exit %d\n%s", code, out.String())
	}
}

// TestCtlActionsMatchAdmin: ctl knows exactly the Actions the admin serves,
// and an Action the SDK has is typed by the SDK's own request model.
func TestCtlActionsMatchAdmin(t *testing.T) {
	var names []string
	for _, a := range ctlActions {
		names = append(names, a.name)
		if a.group == "" || a.summary == "" {
			t.Errorf("%s: no group or summary", a.name)
		}
		if strings.Contains(a.req.PkgPath(), "tencentcloud-sdk-go") && a.req.Name() != a.name+"Request" && a.name != "DescribeIPStrategiesStatus" {
			t.Errorf("%s is typed by the SDK's %s", a.name, a.req.Name())
		}
	}
	slices.Sort(names)
	if want := admin.ActionNames(); !reflect.DeepEqual(names, want) {
		t.Errorf("ctl's Actions differ from the admin's\nctl   %v\nadmin %v", names, want)
	}
}

// TestCtlParamsAcceptedByAdmin: every parameter ctl declares, at every
// depth, is one the admin decodes with that type (no UnknownParameter, no
// type error), so the typing never makes ctl send what the server refuses.
func TestCtlParamsAcceptedByAdmin(t *testing.T) {
	dir := t.TempDir()
	a, err := admin.New(admin.Options{DataDir: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	id, key, err := admin.ReadCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &tcapi.Client{Endpoint: srv.URL, SecretId: id, SecretKey: key, Region: defaultRegion, Version: "2018-08-08", Service: "apigateway"}
	for i := range ctlActions {
		act := &ctlActions[i]
		doc := act.schema().sample("x")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.Call(ctx, act.name, doc)
		cancel()
		var apiErr *tcapi.Error
		if errors.As(err, &apiErr) && (apiErr.Code == tcapi.CodeUnknownParameter ||
			apiErr.Code == tcapi.CodeInvalidParameter && strings.Contains(apiErr.Message, "expected")) {
			b, _ := json.Marshal(doc)
			t.Errorf("%s %s: %v", act.name, b, apiErr)
		} else if err != nil && !errors.As(err, &apiErr) {
			t.Fatalf("%s: %v", act.name, err)
		}
	}
}
