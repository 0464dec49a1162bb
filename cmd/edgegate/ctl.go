package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
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

const ctlUsage = `usage: edgegate ctl [options] ACTION [--Param value ...] [--cli-input-json FILE|-] [--json '{...}']
       edgegate ctl help [ACTION]       the Actions by group; ACTION's parameters
       edgegate ctl ACTION --help       the same
       edgegate ctl completion bash|zsh a shell completion script

Signs ACTION with TC3-HMAC-SHA256 and sends it to the Action API, printing
the answer. Options (anywhere on the line):
  --endpoint URL   the Action API (default http://127.0.0.1:9000); an https
                   endpoint is verified against --ca FILE (PEM), or the
                   system's roots
  --data DIR       where admin-credentials.json is (default ./data), unless
                   EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY are set
  --region R       X-TC-Region (default ap-guangzhou)
  --output json|table
                   json (default): the Response as sent; table: the
                   Result's main list as columns (or its fields as rows)

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
  --cli-input-json FILE               the parameters as a JSON object from
                                      FILE (file://FILE too; - is stdin),
                                      typed like flags; flags override it
  --generate-cli-skeleton             print ACTION's parameters as a JSON
                                      template for --cli-input-json
  --json '{"Limit": 20}'              raw JSON parameters, sent unchecked
                                      (for what the table below lacks)
--Name=value works too. An unknown Action or parameter, or a value that is
not of the declared type, is refused before anything is sent.

Exit status (an error answer's Code, Message and RequestId go to stderr):
  0 success                 4 invalid parameter (InvalidParameter*,
  1 usage, refused locally    MissingParameter, UnknownParameter)
  2 authentication          5 limit or quota (LimitExceeded*,
    (AuthFailure*,            RequestLimitExceeded, ResourceInsufficient)
    UnauthorizedOperation)  6 server (InternalError*, or an answer that is
  3 not found                 not the Action API's)
    (ResourceNotFound*,     7 network (no connection, timeout, TLS)
    InvalidAction)          8 refused operation (FailedOperation*,
                              ResourceInUse, UnsupportedOperation*, others)
`

// ctlGlobalOptions are ctl's own options (lower case, unlike parameters),
// taken from anywhere on the command line; ctlSetGlobal sets each.
var ctlGlobalOptions = []string{"endpoint", "data", "region", "ca", "output"}

var ctlSetGlobal = map[string]func(g *ctlGlobal, v string) error{
	"endpoint": func(g *ctlGlobal, v string) error { g.endpoint = strings.TrimSuffix(v, "/"); return nil },
	"data":     func(g *ctlGlobal, v string) error { g.data = v; return nil },
	"region":   func(g *ctlGlobal, v string) error { g.region = v; return nil },
	"ca":       func(g *ctlGlobal, v string) error { g.ca = v; return nil },
	"output": func(g *ctlGlobal, v string) error {
		if v != "json" && v != "table" {
			return fmt.Errorf("--output %q: json or table", v)
		}
		g.output = v
		return nil
	},
}

// ctlOptions are the lower-case names beside an Action's parameters.
var ctlOptions = append(slices.Clone(ctlGlobalOptions), "json", "cli-input-json", "generate-cli-skeleton", "help")

// ctlGlobal holds ctl's own options.
type ctlGlobal struct {
	endpoint, data, region, ca, output string
}

// ctlSubcommand runs a ctl word that is not an Action with the arguments
// after it, ctl's own options taken out (in g), and returns the exit status.
type ctlSubcommand func(g *ctlGlobal, args []string, stdout, stderr io.Writer) int

// ctlSubcommands are ctl's words that are not Actions, one line each (set
// in init: completion lists them).
var ctlSubcommands map[string]ctlSubcommand

func init() {
	ctlSubcommands = map[string]ctlSubcommand{
		"help":       ctlHelpCmd,
		"completion": ctlCompletionCmd,
		"import":     ctlImportCmd, // ctlimport.go
		"sdk":        ctlSDKCmd,    // sdkfetch.go
	}
}

// ctlFlag is one --name value of the command line, in order.
type ctlFlag struct{ name, val string }

// ctlCmd runs `edgegate ctl` and returns the process exit status.
func ctlCmd(args []string, stdout, stderr io.Writer) int {
	g := &ctlGlobal{endpoint: defaultEndpoint, data: defaultData, region: defaultRegion, output: "json"}
	rest, err := g.parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "ctl: %v\n", err)
		return exitUsage
	}
	word := ""
	for i, a := range rest {
		if !strings.HasPrefix(a, "-") {
			word = a
			if sub := ctlSubcommands[a]; sub != nil {
				return sub(g, append(slices.Clone(rest[:i]), rest[i+1:]...), stdout, stderr)
			}
			break
		}
		if !strings.Contains(a, "=") && a != "--help" && a != "-h" {
			break // an Action parameter before the Action: ctlCall says so
		}
	}
	if word == "" && slices.ContainsFunc(rest, func(a string) bool { return a == "--help" || a == "-h" }) {
		return ctlHelpCmd(g, nil, stdout, stderr)
	}
	return ctlCall(g, rest, stdout, stderr)
}

// parse takes ctl's own options out of args and returns the rest in order.
func (g *ctlGlobal) parse(args []string) ([]string, error) {
	var rest []string
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !slices.Contains(ctlGlobalOptions, name) {
			rest = append(rest, a)
			if strings.HasPrefix(a, "--") && !hasVal && name != "help" && len(args) > 0 {
				rest, args = append(rest, args[0]), args[1:] // a parameter's value
			}
			continue
		}
		if !hasVal {
			if len(args) == 0 {
				return nil, fmt.Errorf("--%s needs a value", name)
			}
			val, args = args[0], args[1:]
		}
		if err := ctlSetGlobal[name](g, val); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// client is the signed Action API client g describes.
func (g *ctlGlobal) client() (*tcapi.Client, error) {
	id, key := os.Getenv("EDGEGATE_SECRET_ID"), os.Getenv("EDGEGATE_SECRET_KEY")
	if id == "" || key == "" {
		var err error
		if id, key, err = admin.ReadCredentials(g.data); err != nil {
			return nil, fmt.Errorf("no credentials: set EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY, or point --data at the admin's data directory (%v)", err)
		}
	}
	hc, err := controlHTTPClient(g.ca, "")
	if err != nil {
		return nil, fmt.Errorf("--ca: %v", err)
	}
	return &tcapi.Client{Endpoint: g.endpoint, SecretId: id, SecretKey: key, Region: g.region, Version: "2018-08-08", Service: "apigateway", HTTP: hc}, nil
}

// ctlCall parses ACTION and its parameters, checks them against the
// Action's declaration and calls it.
func ctlCall(g *ctlGlobal, args []string, stdout, stderr io.Writer) int {
	var flags []ctlFlag
	var action, input string
	help, skeleton := false, false
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		if !strings.HasPrefix(a, "--") {
			if action != "" {
				fmt.Fprintf(stderr, "ctl: unexpected argument %q (one Action a call)\n", a)
				return exitUsage
			}
			action = a
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if name == "help" || name == "h" {
			help = true
			continue
		}
		if name == "generate-cli-skeleton" {
			skeleton = true
			continue
		}
		if !hasVal {
			if len(args) == 0 {
				fmt.Fprintf(stderr, "ctl: --%s needs a value\n", name)
				return exitUsage
			}
			val, args = args[0], args[1:]
		}
		if name == "cli-input-json" {
			input = val
			continue
		}
		// json, or an Action parameter (checked once the Action is known).
		flags = append(flags, ctlFlag{name, val})
	}
	if action == "" {
		fmt.Fprint(stderr, ctlUsage)
		return exitUsage
	}
	act := findAction(action)
	if act == nil {
		fmt.Fprintln(stderr, unknownAction(action))
		return exitUsage
	}
	if help {
		writeActionHelp(stdout, act)
		return exitOK
	}
	if skeleton {
		b, _ := json.MarshalIndent(act.schema().sample(""), "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	params, err := ctlInput(act, input, os.Stdin)
	if err == nil {
		err = ctlParamsInto(params, act, flags)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ctl: %s: %v\n\n", action, err)
		writeParamList(stderr, act)
		return exitUsage
	}
	c, err := g.client()
	if err != nil {
		fmt.Fprintf(stderr, "ctl: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	raw, err := c.Call(ctx, action, params)
	if err != nil {
		return ctlCallError(stderr, action, raw, err)
	}
	if g.output == "table" {
		if err := writeTable(stdout, raw); err != nil {
			fmt.Fprintf(stderr, "ctl: --output table: %v\n", err)
			return exitServer
		}
		return exitOK
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(raw)
	}
	fmt.Fprintf(stdout, "%s\n", pretty.Bytes())
	return exitOK
}

// unknownAction says so, with the closest names.
func unknownAction(action string) string {
	msg := fmt.Sprintf("ctl: unknown Action %q", action)
	names := make([]string, len(ctlActions))
	for i := range ctlActions {
		names[i] = ctlActions[i].name
	}
	if close := closest(action, names); len(close) > 0 {
		msg += "; did you mean " + strings.Join(close, " or ") + "?"
	}
	return msg + " (edgegate ctl help lists them)"
}

// ctlHelpCmd is `ctl help [ACTION]`.
func ctlHelpCmd(_ *ctlGlobal, args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		fmt.Fprint(stdout, ctlUsage)
		writeActionList(stdout)
		return exitOK
	case 1:
		if act := findAction(args[0]); act != nil {
			writeActionHelp(stdout, act)
			return exitOK
		}
		fmt.Fprintln(stderr, unknownAction(args[0]))
	default:
		fmt.Fprintln(stderr, "ctl: help [ACTION]")
	}
	return exitUsage
}

// ctlParams builds the parameter object of act from the flags, typed by
// act's declaration; --json objects are merged in as they are.
func ctlParams(act *ctlAction, flags []ctlFlag) (map[string]any, error) {
	params := map[string]any{}
	if err := ctlParamsInto(params, act, flags); err != nil {
		return nil, err
	}
	return params, nil
}

// ctlParamsInto sets the flags into params (what --cli-input-json gave).
func ctlParamsInto(params map[string]any, act *ctlAction, flags []ctlFlag) error {
	root := act.schema()
	for _, f := range flags {
		if f.name == "json" {
			var m map[string]any
			if err := json.Unmarshal([]byte(f.val), &m); err != nil {
				return fmt.Errorf("--json: want a JSON object: %v", err)
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
			return unknownParam(path[0], append(slices.Clone(root.names), ctlOptions...), "")
		}
		v, err := p.set(params[path[0]], path[1:], path[0], f.val)
		if err != nil {
			return err
		}
		params[path[0]] = v
	}
	return nil
}
