package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/edge"
)

// demo makes sure a released demo service exists (through the Action API,
// as a user would) and prints how to call it.
func demo(f *runFlags, srv *edge.Server, a *admin.Admin) error {
	id, key, err := admin.ReadCredentials(f.data)
	if err != nil {
		return err
	}
	endpoint := f.adminTLS.scheme() + "://" + adminHostPort(f.adminListen)
	c := &tcapi.Client{Endpoint: endpoint, SecretId: id, SecretKey: key,
		Region: defaultRegion, Version: "2018-08-08", Service: "apigateway", HTTP: f.adminTLS.selfClient()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var list struct {
		Result struct {
			ServiceSet []struct{ ServiceId string } `json:"ServiceSet"`
		} `json:"Result"`
	}
	if err := callInto(ctx, c, "DescribeServicesStatus", map[string]any{
		"Filters": []map[string]any{{"Name": "ServiceName", "Values": []string{"demo"}}}}, &list); err != nil {
		return err
	}
	var svc string
	if len(list.Result.ServiceSet) > 0 {
		svc = list.Result.ServiceSet[0].ServiceId
	} else {
		var created struct{ ServiceId string }
		if err := callInto(ctx, c, "CreateService", map[string]any{"ServiceName": "demo", "Protocol": "http&https"}, &created); err != nil {
			return err
		}
		svc = created.ServiceId
		if err := callInto(ctx, c, "CreateApi", map[string]any{
			"ServiceId": svc, "ApiName": "hello", "Protocol": "HTTP", "ServiceType": "MOCK", "ServiceTimeout": 15,
			"RequestConfig":            map[string]string{"Path": "/hello", "Method": "GET"},
			"ServiceMockReturnMessage": `{"message":"hello from edgegate"}`,
		}, nil); err != nil {
			return err
		}
		if err := callInto(ctx, c, "ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "ReleaseDesc": "demo"}, nil); err != nil {
			return err
		}
	}
	base := f.baseDomain
	if base == "" {
		base = "localhost"
	}
	// The ctl hint carries the flags that differ from ctl's defaults, so
	// that it works as printed.
	hint := shellQuote(os.Args[0]) + " ctl"
	if endpoint != defaultEndpoint {
		hint += " --endpoint " + shellQuote(endpoint)
	}
	if f.adminTLS.enabled() {
		hint += " --ca " + shellQuote(f.adminTLS.certFile)
	}
	if f.data != defaultData {
		hint += " --data " + shellQuote(f.data)
	}
	try := fmt.Sprintf("  curl -i http://%s.%s:%d/release/hello\n", svc, base, listenPort(srv.Addr()))
	if srv.TLSAddr() != "" {
		host := svc + "." + base
		caPath, err := demoCertificate(ctx, c, f.data, host)
		if err != nil {
			return fmt.Errorf("demo certificate: %w", err)
		}
		try += fmt.Sprintf("  curl -i --cacert %s https://%s:%d/release/hello\n", shellQuote(caPath), host, listenPort(srv.TLSAddr()))
	}
	fmt.Fprintf(os.Stderr, "\nDemo service %s is released. Try:\n\n%s\n"+
		"Manage it with the Action API, e.g.:\n\n  %s DescribeServicesStatus\n\n",
		svc, try, hint)
	return nil
}

// adminHostPort is where a client on this host reaches the admin listener:
// a wildcard host (":9000", "0.0.0.0:9000", "[::]:9000") becomes loopback.
func adminHostPort(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func callInto(ctx context.Context, c *tcapi.Client, action string, params, out any) error {
	raw, err := c.Call(ctx, action, params)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
