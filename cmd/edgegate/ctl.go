package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// ctl's defaults: those of `edgegate run`.
const (
	defaultRegion   = "ap-guangzhou"
	defaultEndpoint = "http://127.0.0.1:9000"
	defaultData     = "./data"
)

const ctlUsage = `usage: edgegate ctl [--endpoint URL] [--ca FILE] [--data DIR] [--region R] ACTION [--Param value ...] [--json '{...}']
       edgegate ctl ACTION --help     the parameters of ACTION and their types

Signs ACTION with TC3-HMAC-SHA256 and sends it to the Action API
(--endpoint, default http://127.0.0.1:9000; an https endpoint is verified
against the PEM certificates in --ca, or the system's roots), printing the
JSON response.
Credentials come from EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY, or
DIR/admin-credentials.json (--data, default ./data).

Parameters take the type the Action declares (the seed's, as the official
SDK's request models have them), whatever the value looks like:
  --VersionName 20261204144853        a string is sent as written
  --Limit 20   --EnableCORS true      integers, numbers, true/false
  --RequestConfig.Path /x             a field of an object
  --RequestConfig '{"Path": "/x"}'    a whole object, as JSON
  --NetTypes OUTER --NetTypes INNER   an array, one element a flag...
  --NetTypes '["OUTER", "INNER"]'     ...or as a JSON array
  --Filters.0.Name ServiceName --Filters.0.Values demo
                                      element 0 of an array of objects
  --json '{"Limit": 20}'              raw JSON parameters, sent unchecked
                                      (for what the table below lacks)
--Name=value works too. An unknown Action or parameter, or a value that is
not of the declared type, is refused before anything is sent.
Exit status: 0 on success, 1 on an error response, 2 on a usage or
transport error.
`

// ctlOptions are ctl's own options (lower case, unlike parameters).
var ctlOptions = []string{"endpoint", "data", "region", "json", "help"}

// ctlFlag is one --name value of the command line, in order.
type ctlFlag struct{ name, val string }

// ctlCmd runs `edgegate ctl` and returns the process exit status.
func ctlCmd(args []string, stdout, stderr io.Writer) int {
	if code, ok := ctlSubcommand(args, stdout, stderr); ok { // ctlimport.go: import, sdk
		return code
	}
	endpoint, data, region, caFile := defaultEndpoint, defaultData, defaultRegion, ""
	var flags []ctlFlag
	var action string
	help := false
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		if !strings.HasPrefix(a, "--") {
			if action != "" {
				fmt.Fprintf(stderr, "ctl: unexpected argument %q (one Action a call)\n", a)
				return 2
			}
			action = a
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if name == "help" || name == "h" {
			help = true
			continue
		}
		if !hasVal {
			if len(args) == 0 {
				fmt.Fprintf(stderr, "ctl: --%s needs a value\n", name)
				return 2
			}
			val, args = args[0], args[1:]
		}
		switch name {
		case "endpoint":
			endpoint = strings.TrimSuffix(val, "/")
		case "data":
			data = val
		case "region":
			region = val
		case "ca":
			caFile = val
		default:
			// json, or an Action parameter (checked once the Action is known).
			flags = append(flags, ctlFlag{name, val})
		}
	}
	if action == "" {
		if help {
			fmt.Fprint(stdout, ctlUsage)
			writeActionList(stdout)
			return 0
		}
		fmt.Fprint(stderr, ctlUsage)
		return 2
	}
	act := findAction(action)
	if act == nil {
		msg := fmt.Sprintf("ctl: unknown Action %q", action)
		names := make([]string, len(ctlActions))
		for i := range ctlActions {
			names[i] = ctlActions[i].name
		}
		if close := closest(action, names); len(close) > 0 {
			msg += "; did you mean " + strings.Join(close, " or ") + "?"
		}
		fmt.Fprintln(stderr, msg+" (edgegate ctl --help lists them)")
		return 2
	}
	if help {
		writeActionHelp(stdout, act)
		return 0
	}
	params, err := ctlParams(act, flags)
	if err != nil {
		fmt.Fprintf(stderr, "ctl: %s: %v (edgegate ctl %s --help lists its parameters)\n", action, err, action)
		return 2
	}
	id, key := os.Getenv("EDGEGATE_SECRET_ID"), os.Getenv("EDGEGATE_SECRET_KEY")
	if id == "" || key == "" {
		if id, key, err = admin.ReadCredentials(data); err != nil {
			fmt.Fprintf(stderr, "ctl: no credentials: set EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY, or point --data at the admin's data directory (%v)\n", err)
			return 2
		}
	}
	hc, err := controlHTTPClient(caFile, "")
	if err != nil {
		fmt.Fprintf(stderr, "ctl: --ca: %v\n", err)
		return 2
	}
	c := &tcapi.Client{Endpoint: endpoint, SecretId: id, SecretKey: key, Region: region, Version: "2018-08-08", Service: "apigateway", HTTP: hc}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	raw, err := c.Call(ctx, action, params)
	var apiErr *tcapi.Error
	switch {
	case errors.As(err, &apiErr):
		out, _ := json.MarshalIndent(map[string]any{"Error": map[string]string{"Code": apiErr.Code, "Message": apiErr.Message}}, "", "  ")
		fmt.Fprintf(stdout, "%s\n", out)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "ctl: %v\n", err)
		return 2
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(raw)
	}
	fmt.Fprintf(stdout, "%s\n", pretty.Bytes())
	return 0
}

// ctlParams builds the parameter object of act from the flags, typed by
// act's declaration; --json objects are merged in as they are.
func ctlParams(act *ctlAction, flags []ctlFlag) (map[string]any, error) {
	root := act.schema()
	params := map[string]any{}
	for _, f := range flags {
		if f.name == "json" {
			var m map[string]any
			if err := json.Unmarshal([]byte(f.val), &m); err != nil {
				return nil, fmt.Errorf("--json: want a JSON object: %v", err)
			}
			for k, v := range m {
				params[k] = v
			}
			continue
		}
		path := strings.Split(f.name, ".")
		p := root.fields[path[0]]
		if p == nil {
			// ctl's own options are near misses too (--endpiont).
			return nil, unknownParam(path[0], append(slices.Clone(root.names), ctlOptions...), "")
		}
		v, err := p.set(params[path[0]], path[1:], path[0], f.val)
		if err != nil {
			return nil, err
		}
		params[path[0]] = v
	}
	return params, nil
}

// writeActionList writes the Actions by group, one line each.
func writeActionList(w io.Writer) {
	width := 0
	for _, a := range ctlActions {
		width = max(width, len(a.name))
	}
	group := ""
	fmt.Fprint(w, "\nActions:")
	for _, a := range ctlActions {
		if a.group != group {
			group = a.group
			fmt.Fprintf(w, "\n  %s\n", group)
		}
		fmt.Fprintf(w, "    %-*s  %s\n", width, a.name, a.summary)
	}
}

// writeActionHelp lists act's parameters with their types.
func writeActionHelp(w io.Writer, act *ctlAction) {
	fmt.Fprintf(w, "edgegate ctl %s: %s.\nGroup: %s.\n\nParameters:\n", act.name, act.summary, act.group)
	root := act.schema()
	if len(root.names) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	indexed := false
	var walk func(p *param, prefix string)
	walk = func(p *param, prefix string) {
		for _, n := range p.names {
			f := p.fields[n]
			fmt.Fprintf(tw, "  --%s%s\t%s\n", prefix, n, f.what())
			el, sub := f, prefix+n+"."
			for el.kind == pArray {
				el, sub = el.elem, sub+"N."
				indexed = indexed || el.kind == pObject
			}
			if el.kind == pObject {
				walk(el, sub)
			}
		}
	}
	walk(root, "")
	tw.Flush()
	if indexed {
		fmt.Fprintln(w, "\nN is an array index: 0, then 1, ... (edgegate ctl --help shows the syntax).")
	}
}
