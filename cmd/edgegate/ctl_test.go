package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCtlParams(t *testing.T) {
	m := map[string]any{}
	setParam(m, []string{"ServiceName"}, parseValue("shop"))
	setParam(m, []string{"Limit"}, parseValue("10"))
	setParam(m, []string{"RequestConfig", "Path"}, parseValue("/x"))
	setParam(m, []string{"RequestConfig", "Method"}, parseValue("GET"))
	setParam(m, []string{"NetTypes"}, parseValue(`["OUTER"]`))
	setParam(m, []string{"Quoted"}, parseValue(`"123"`))
	got, _ := json.Marshal(m)
	want := `{"Limit":10,"NetTypes":["OUTER"],"Quoted":"123","RequestConfig":{"Method":"GET","Path":"/x"},"ServiceName":"shop"}`
	if string(got) != want {
		t.Errorf("params %s\nwant     %s", got, want)
	}
	if v := parseValue(""); !reflect.DeepEqual(v, "") {
		t.Errorf("empty value: %#v", v)
	}
}

func TestCtlUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{}, // no action
		{"DescribeServicesStatus", "--json", "{"},         // bad JSON
		{"DescribeServicesStatus", "--lower", "x"},        // not a parameter
		{"DescribeServicesStatus", "--Limit"},             // no value
		{"A", "B"},                                        // two actions
		{"DescribeServicesStatus", "--data", t.TempDir()}, // no credentials there
	} {
		var out, errb bytes.Buffer
		t.Setenv("EDGEGATE_SECRET_ID", "")
		t.Setenv("EDGEGATE_SECRET_KEY", "")
		if code := ctlCmd(args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := ctlCmd([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "usage") {
		t.Errorf("--help: %d %q", code, out.String())
	}
}
