package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCtlCompletionBash sources the bash script in a real bash and calls
// its function with COMP_WORDS set, checking COMPREPLY.
func TestCtlCompletionBash(t *testing.T) {
	var script, errb bytes.Buffer
	if code := ctlCmd([]string{"completion", "bash"}, &script, &errb); code != 0 {
		t.Fatalf("completion bash: exit %d %s", code, errb.String())
	}
	f := filepath.Join(t.TempDir(), "edgegate.bash")
	if err := os.WriteFile(f, script.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		words []string // the last is the word being completed
		want  []string // all in COMPREPLY
		not   []string // none in COMPREPLY
	}{
		{[]string{"edgegate", "c"}, []string{"ctl"}, []string{"run"}},
		{[]string{"edgegate", "ctl", "CreateSer"}, []string{"CreateService"}, []string{"CreateApi"}},
		{[]string{"edgegate", "ctl", "comp"}, []string{"completion"}, nil},
		{[]string{"edgegate", "ctl", "--endpoint", "http://x", "DescribeServicesS"}, []string{"DescribeServicesStatus"}, nil},
		{[]string{"edgegate", "ctl", "CreateService", "--Serv"}, []string{"--ServiceName", "--ServiceDesc"}, []string{"--ApiName"}},
		{[]string{"edgegate", "ctl", "CreateApi", "--ServiceId", "s", "--RequestConfig."}, []string{"--RequestConfig.Path", "--RequestConfig.Method"}, nil},
		{[]string{"edgegate", "ctl", "CreateApi", "--RequestParameters.0.N"}, []string{"--RequestParameters.0.Name"}, nil},
		{[]string{"edgegate", "ctl", "DescribeServicesStatus", "--out"}, []string{"--output"}, nil},
		{[]string{"edgegate", "ctl", "--output", "t"}, []string{"table"}, []string{"json"}},
		{[]string{"edgegate", "ctl", "help", "DescribeApiK"}, []string{"DescribeApiKey", "DescribeApiKeysStatus"}, nil},
		{[]string{"edgegate", "ctl", "completion", ""}, []string{"bash", "zsh"}, nil},
		{[]string{"edgegate", "ctl", "--"}, []string{"--endpoint", "--output"}, []string{"--ServiceName"}},
	} {
		var words []string
		for _, w := range c.words {
			words = append(words, fmt.Sprintf("%q", w))
		}
		prog := fmt.Sprintf("source %s && complete -p edgegate && COMP_WORDS=(%s) && COMP_CWORD=%d && _edgegate; printf '%%s\\n' \"${COMPREPLY[@]}\"",
			f, strings.Join(words, " "), len(c.words)-1)
		out, err := exec.Command("bash", "--norc", "--noprofile", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", c.words, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if !strings.HasPrefix(lines[0], "complete -F _edgegate edgegate") {
			t.Errorf("complete -p: %q", lines[0])
		}
		got := map[string]bool{}
		for _, l := range lines[1:] {
			got[l] = true
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%v: COMPREPLY %q lacks %q", c.words, lines[1:], w)
			}
		}
		for _, w := range c.not {
			if got[w] {
				t.Errorf("%v: COMPREPLY %q has %q", c.words, lines[1:], w)
			}
		}
	}
	// zsh: the same function through bashcompinit.
	var zsh bytes.Buffer
	if code := ctlCmd([]string{"completion", "zsh"}, &zsh, &errb); code != 0 ||
		!strings.HasPrefix(zsh.String(), "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n") ||
		!strings.HasSuffix(zsh.String(), script.String()) {
		t.Errorf("completion zsh: exit %d, not bashcompinit and the bash script", code)
	}
}

// TestCtlTable: --output table makes columns of the Result's main list in
// the answer's order, with its TotalCount; an answer without a list is
// FIELD VALUE rows.
func TestCtlTable(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{`{"Result":{"TotalCount":2,"ServiceSet":[{"ServiceId":"s-1","ServiceName":"a b","NetTypes":["OUTER"]},{"ServiceId":"s-2","Protocol":"http","ServiceName":""}]},"RequestId":"r"}`,
			"TotalCount: 2\n" +
				"ServiceId  ServiceName  NetTypes   Protocol\n" +
				"s-1        a b          [\"OUTER\"]  -\n" +
				"s-2                     -          http\n"},
		{`{"Result":{"TotalCount":0,"ApiIdStatusSet":[]},"RequestId":"r"}`, "TotalCount: 0\n(none)\n"},
		{`{"Result":{"ServiceId":"s-1","Desc":"x\ty"},"RequestId":"r"}`,
			"FIELD      VALUE\nServiceId  s-1\nDesc       x\\ty\nRequestId  r\n"},
		{`{"ServiceId":"s","ServiceName":"n","Protocol":"http","ApiIdStatusSet":[],"RequestId":"r"}`,
			"FIELD           VALUE\nServiceId       s\nServiceName     n\nProtocol        http\nApiIdStatusSet  []\nRequestId       r\n"},
		{`{"Result":true,"RequestId":"r"}`, "FIELD      VALUE\nResult     true\nRequestId  r\n"},
		{`{"Result":[{"A":1},{"A":2}],"RequestId":"r"}`, "A\n1\n2\n"},
	} {
		var b bytes.Buffer
		if err := writeTable(&b, json.RawMessage(c.raw)); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.raw, b.String(), c.want)
		}
	}
}

// TestCtlInputJSON: --cli-input-json is typed like flags (an integer given
// as a string is refused, an unknown member named), and flags override it.
func TestCtlInputJSON(t *testing.T) {
	act := findAction("DescribeServicesStatus")
	f := filepath.Join(t.TempDir(), "in.json")
	write := func(s string) {
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"Limit": 5, "Offset": 1, "Filters": [{"Name": "ServiceName", "Values": ["x"]}]}`)
	params, err := ctlInput(act, "file://"+f, nil)
	if err == nil {
		err = ctlParamsInto(params, act, []ctlFlag{{"Offset", "7"}, {"Filters.0.Name", "ServiceId"}})
	}
	if got, _ := json.Marshal(params); err != nil || string(got) != `{"Filters":[{"Name":"ServiceId","Values":["x"]}],"Limit":5,"Offset":7}` {
		t.Errorf("params %s, %v", got, err)
	}
	params, err = ctlInput(act, "-", strings.NewReader(`{"Limit": 3}`))
	if got, _ := json.Marshal(params); err != nil || string(got) != `{"Limit":3}` {
		t.Errorf("stdin: params %s, %v", got, err)
	}
	for in, want := range map[string]string{
		`{"Limit": "5"}`:          "--cli-input-json: --Limit: want an integer, not a string",
		`{"Limt": 5}`:             "--cli-input-json: no parameter --Limt; did you mean --Limit?",
		`{"Filters": [{"X": 1}]}`: "no parameter --Filters.0.X",
		`[1]`:                     "want one JSON object of parameters",
		`{"Limit": 1} {}`:         "want one JSON object of parameters",
	} {
		write(in)
		if _, err := ctlInput(act, f, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

// TestCtlSkeleton: every Action's --generate-cli-skeleton is a JSON object
// that --cli-input-json takes back, with every declared parameter.
func TestCtlSkeleton(t *testing.T) {
	dir := t.TempDir()
	for i := range ctlActions {
		act := &ctlActions[i]
		var out, errb bytes.Buffer
		if code := ctlCmd([]string{act.name, "--generate-cli-skeleton"}, &out, &errb); code != 0 {
			t.Fatalf("%s --generate-cli-skeleton: exit %d %s", act.name, code, errb.String())
		}
		f := filepath.Join(dir, act.name+".json")
		if err := os.WriteFile(f, out.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		params, err := ctlInput(act, f, nil)
		if err != nil {
			t.Errorf("%s: its skeleton is refused: %v\n%s", act.name, err, out.String())
			continue
		}
		if len(params) != len(act.schema().names) {
			t.Errorf("%s: skeleton has %d parameters, the Action %d", act.name, len(params), len(act.schema().names))
		}
	}
}

// TestCtlExitServer: an InternalError answer (which a healthy admin does
// not give on demand) and an answer that is not the Action API's are exit
// 6; the e2e test TestCtlExitCodes covers the other classes against a
// real admin process.
func TestCtlExitServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-TC-Action") == "DescribeServicesStatus" {
			fmt.Fprint(w, `{"Response":{"Error":{"Code":"InternalError","Message":"internal error"},"RequestId":"req-1"}}`)
			return
		}
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	t.Setenv("EDGEGATE_SECRET_ID", "AKIDx")
	t.Setenv("EDGEGATE_SECRET_KEY", "k")
	var out, errb bytes.Buffer
	code := ctlCmd([]string{"--endpoint", srv.URL, "DescribeServicesStatus"}, &out, &errb)
	if code != exitServer || errb.String() != "ctl: DescribeServicesStatus failed\nCode: InternalError\nMessage: internal error\nRequestId: req-1\n" || out.Len() != 0 {
		t.Errorf("InternalError: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := ctlCmd([]string{"--endpoint", srv.URL, "DescribeApi"}, &out, &errb); code != exitServer || !strings.Contains(errb.String(), "502") {
		t.Errorf("HTTP 502: exit %d, stderr %q", code, errb.String())
	}
	for code, want := range map[string]int{
		"AuthFailure.SignatureFailure": exitAuth, "UnauthorizedOperation": exitAuth,
		"ResourceNotFound.InvalidService": exitNotFound, "InvalidAction": exitNotFound,
		"InvalidParameterValue.InvalidFilterNotSupportedName": exitInvalid, "MissingParameter": exitInvalid, "UnknownParameter": exitInvalid,
		"LimitExceeded.ServiceCountLimitExceeded": exitLimit, "RequestLimitExceeded": exitLimit,
		"InternalServerError.ApigwException": exitServer,
		"FailedOperation.ServiceInOperation": exitRefused, "ResourceInUse": exitRefused, "UnsupportedOperation.InvalidAction": exitRefused,
	} {
		if got := exitFor(code); got != want {
			t.Errorf("exitFor(%s) = %d, want %d", code, got, want)
		}
	}
}
