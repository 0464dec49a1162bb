package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
)

const defaultRegion = "ap-guangzhou"

const ctlUsage = `usage: edgegate ctl [--endpoint URL] [--data DIR] [--region R] ACTION [--json '{...}'] [--Param value ...]

Signs ACTION with TC3-HMAC-SHA256 and sends it to the Action API, printing
the JSON response. Credentials come from EDGEGATE_SECRET_ID and
EDGEGATE_SECRET_KEY, or DIR/admin-credentials.json (--data, default ./data).

Parameters: --json gives the whole parameter object; --Name value sets one
(dotted names nest: --RequestConfig.Path /x). A value that is valid JSON
(a number, true/false, [..] or {..}) is sent as such, anything else as a
string; to send digits as a string, quote them: --Name '"123"'.
Exit status: 0 on success, 1 on an error response, 2 on a usage or
transport error.
`

// ctlCmd runs `edgegate ctl` and returns the process exit status.
func ctlCmd(args []string, stdout, stderr io.Writer) int {
	endpoint, data, region := "http://127.0.0.1:9000", "./data", defaultRegion
	params := map[string]any{}
	var action string
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		if !strings.HasPrefix(a, "--") {
			if action != "" {
				fmt.Fprintf(stderr, "ctl: unexpected argument %q\n\n%s", a, ctlUsage)
				return 2
			}
			action = a
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if name == "help" || name == "h" {
			fmt.Fprint(stdout, ctlUsage)
			return 0
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
		case "json":
			var m map[string]any
			if err := json.Unmarshal([]byte(val), &m); err != nil {
				fmt.Fprintf(stderr, "ctl: --json: %v\n", err)
				return 2
			}
			for k, v := range m {
				params[k] = v
			}
		default:
			if name == "" || name[0] < 'A' || name[0] > 'Z' {
				fmt.Fprintf(stderr, "ctl: unknown option --%s (Action parameters start with a capital letter)\n", name)
				return 2
			}
			setParam(params, strings.Split(name, "."), parseValue(val))
		}
	}
	if action == "" {
		fmt.Fprint(stderr, ctlUsage)
		return 2
	}
	id, key := os.Getenv("EDGEGATE_SECRET_ID"), os.Getenv("EDGEGATE_SECRET_KEY")
	if id == "" || key == "" {
		var err error
		if id, key, err = admin.ReadCredentials(data); err != nil {
			fmt.Fprintf(stderr, "ctl: no credentials: set EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY, or point --data at the admin's data directory (%v)\n", err)
			return 2
		}
	}
	c := &tcapi.Client{Endpoint: endpoint, SecretId: id, SecretKey: key, Region: region, Version: "2018-08-08", Service: "apigateway"}
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

// parseValue sends JSON-looking values as JSON, the rest as strings.
func parseValue(s string) any {
	var v any
	if s != "" && json.Unmarshal([]byte(s), &v) == nil {
		return v
	}
	return s
}

func setParam(m map[string]any, path []string, v any) {
	for len(path) > 1 {
		next, ok := m[path[0]].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[path[0]] = next
		}
		m, path = next, path[1:]
	}
	m[path[0]] = v
}
