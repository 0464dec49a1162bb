package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/openapi"
)

const ctlImportUsage = `usage: edgegate ctl import FILE --ServiceId ID (--backend URL | --mock TEXT) [--dry-run]
         [--timeout SECONDS] [--oauth-api ApiId] [--endpoint URL] [--ca FILE] [--data DIR] [--region R]
       edgegate ctl sdk --ServiceId ID --GenEnvironment ENV --GenLanguage Go|Python|JavaScript [--out DIR]

import reads an OpenAPI 3.0/3.1 document (YAML or JSON) and creates one API
per operation in service ID with CreateApi (an ANY API that Edgegate
exported is one API again). Paths, methods, parameters (path, query,
header; form-body properties), their types, defaults and required flags,
summary/description and the security scheme (Edgegate key pair → SECRET,
app → APP, bearer/OAuth → OAUTH, none → NONE) are mapped; x-edgegate-*
extensions restore what OpenAPI cannot say (prefix and regex paths, ANY).
A document path without x-edgegate-path matches exactly ("=/path"), or as a
{param} template. The backend is not in an OpenAPI document: --backend
http://host:port sends each API to the same path there (ServiceType HTTP),
--mock TEXT answers TEXT (ServiceType MOCK). OAUTH APIs need their
authorization API: the one in the same document (x-edgegate-api-id and
x-edgegate-auth-relation-api-id; it is created first), else --oauth-api
ApiId. Anything the gateway cannot express
(cookie parameters, array/object parameters, other auth schemes, partial
{param} segments, $refs outside #/components/parameters) is refused before
anything is created. --dry-run prints the CreateApi calls instead.

sdk calls GenerateApiDocument and downloads the document and the SDK into
--out (default ./<ServiceId>-<env>-<lang>), unpacked.

Exit status: 0 on success, 1 on an error response, 2 on a usage, document
or transport error.
`

// ctlImportCmd and ctlSDKCmd are ctl's import and sdk words: their own
// options after ctl's (in g).
func ctlImportCmd(g *ctlGlobal, args []string, stdout, stderr io.Writer) int {
	return ctlSubRun("import", g, args, stdout, stderr)
}

func ctlSDKCmd(g *ctlGlobal, args []string, stdout, stderr io.Writer) int {
	return ctlSubRun("sdk", g, args, stdout, stderr)
}

func ctlSubRun(sub string, g *ctlGlobal, args []string, stdout, stderr io.Writer) int {
	opts, err := parseSubFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "ctl %s: %v\n\n%s", sub, err, ctlImportUsage)
		return exitUsage
	}
	opts.endpoint, opts.data, opts.region, opts.caFile = strings.TrimSuffix(g.endpoint, "/"), g.data, g.region, g.ca
	if opts.help {
		fmt.Fprint(stdout, ctlImportUsage)
		return 0
	}
	if sub == "import" {
		return ctlImport(opts, stdout, stderr)
	}
	return ctlSDK(opts, stdout, stderr)
}

type subOpts struct {
	endpoint, data, region, caFile string
	file                           string
	kv                             map[string]string // --ServiceId etc.
	dryRun, help                   bool
}

func parseSubFlags(args []string) (*subOpts, error) {
	o := &subOpts{endpoint: defaultEndpoint, data: defaultData, region: defaultRegion, kv: map[string]string{}}
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		if !strings.HasPrefix(a, "--") {
			if o.file != "" {
				return nil, fmt.Errorf("unexpected argument %q", a)
			}
			o.file = a
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		switch name {
		case "dry-run":
			o.dryRun = true
			continue
		case "help", "h":
			o.help = true
			continue
		}
		if !hasVal {
			if len(args) == 0 {
				return nil, fmt.Errorf("--%s needs a value", name)
			}
			val, args = args[0], args[1:]
		}
		own := map[string]*string{"endpoint": &o.endpoint, "data": &o.data, "region": &o.region, "ca": &o.caFile}
		switch p := own[name]; {
		case p != nil:
			*p = val
		case strings.Contains(" ServiceId backend mock timeout oauth-api GenEnvironment GenLanguage out ", " "+name+" "):
			o.kv[name] = val
		default:
			return nil, fmt.Errorf("unknown option --%s", name)
		}
	}
	o.endpoint = strings.TrimSuffix(o.endpoint, "/")
	return o, nil
}

// client is the signed Action API client (as ctl's) and its HTTP client.
func (o *subOpts) client() (*tcapi.Client, *http.Client, error) {
	id, key := os.Getenv("EDGEGATE_SECRET_ID"), os.Getenv("EDGEGATE_SECRET_KEY")
	if id == "" || key == "" {
		var err error
		if id, key, err = admin.ReadCredentials(o.data); err != nil {
			return nil, nil, fmt.Errorf("no credentials: set EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY, or point --data at the admin's data directory (%v)", err)
		}
	}
	hc, err := controlHTTPClient(o.caFile, "")
	if err != nil {
		return nil, nil, fmt.Errorf("--ca: %v", err)
	}
	return &tcapi.Client{Endpoint: o.endpoint, SecretId: id, SecretKey: key, Region: o.region, Version: "2018-08-08", Service: "apigateway", HTTP: hc}, hc, nil
}

// importCall is one CreateApi call of an import.
type importCall struct {
	params   map[string]any
	where    string
	source   string // x-edgegate-api-id in the document
	relation string // an authorization API imported with it, by its source id
}

// importCalls maps the document to CreateApi parameters: authorization
// APIs first, so that the business APIs naming them (by their ids in the
// document) can be pointed at the new ones.
func importCalls(o *subOpts, doc []byte, stderr io.Writer) ([]importCall, error) {
	svc := o.kv["ServiceId"]
	if svc == "" {
		return nil, fmt.Errorf("--ServiceId is required")
	}
	backend, mock := o.kv["backend"], o.kv["mock"]
	if (backend == "") == (mock == "") {
		return nil, fmt.Errorf("give exactly one of --backend URL and --mock TEXT (an OpenAPI document names no backend)")
	}
	timeout := int64(15)
	if s := o.kv["timeout"]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--timeout %q: want seconds > 0", s)
		}
		timeout = n
	}
	ims, err := openapi.Parse(doc)
	if err != nil {
		return nil, err
	}
	if len(ims) == 0 {
		return nil, fmt.Errorf("the document has no operations")
	}
	authz := map[string]bool{}
	for _, im := range ims {
		if im.API.ApiBusinessType == "OAUTH" && im.SourceId != "" {
			authz[im.SourceId] = true
		}
	}
	sort.SliceStable(ims, func(i, j int) bool {
		return ims[i].API.ApiBusinessType == "OAUTH" && ims[j].API.ApiBusinessType != "OAUTH"
	})
	var calls []importCall
	for _, im := range ims {
		call := importCall{where: im.Where, source: im.SourceId}
		for _, w := range im.Warnings {
			fmt.Fprintf(stderr, "ctl import: warning: %s\n", w)
		}
		a := im.API
		a.ServiceId = svc
		a.ServiceTimeout = timeout
		if a.AuthType == "OAUTH" && a.ApiBusinessType != "OAUTH" {
			switch {
			case authz[a.AuthRelationApiId]:
				call.relation = a.AuthRelationApiId
				a.AuthRelationApiId = "<ApiId of the imported " + a.AuthRelationApiId + ">"
			case o.kv["oauth-api"] != "":
				a.AuthRelationApiId = o.kv["oauth-api"]
			default:
				return nil, fmt.Errorf("%s: an OAUTH API needs its authorization API: one in the document, or --oauth-api ApiId", im.Where)
			}
		}
		if mock != "" {
			a.ServiceType, a.ServiceMockReturnMessage = "MOCK", mock
		} else {
			a.ServiceType = "HTTP"
			a.ServiceConfig.Url = backend
			a.ServiceConfig.Path = backendPath(a.RequestConfig.Path)
		}
		b, _ := json.Marshal(a)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		delete(m, "ApiId")
		call.params = m
		calls = append(calls, call)
	}
	return calls, nil
}

// backendPath is the backend path for a front-end Path: the same path
// ({param} templates kept); "/" for a regex.
func backendPath(p string) string {
	switch {
	case strings.HasPrefix(p, "="):
		return p[1:]
	case strings.HasPrefix(p, "^~"):
		return p[2:]
	case strings.HasPrefix(p, "~"):
		return "/"
	}
	return p
}

func ctlImport(o *subOpts, stdout, stderr io.Writer) int {
	if o.file == "" {
		fmt.Fprintf(stderr, "ctl import: FILE is required\n\n%s", ctlImportUsage)
		return exitUsage
	}
	doc, err := os.ReadFile(o.file)
	if err != nil {
		fmt.Fprintf(stderr, "ctl import: %v\n", err)
		return exitUsage
	}
	calls, err := importCalls(o, doc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ctl import: %s: %v\n", o.file, err)
		return exitUsage
	}
	if o.dryRun {
		for _, c := range calls {
			b, _ := json.MarshalIndent(c.params, "", "  ")
			fmt.Fprintf(stdout, "CreateApi %s\n", b)
		}
		fmt.Fprintf(stderr, "ctl import: dry run: %d APIs, nothing created\n", len(calls))
		return 0
	}
	c, _, err := o.client()
	if err != nil {
		fmt.Fprintf(stderr, "ctl import: %v\n", err)
		return exitUsage
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ApiId\tMethod\tPath\tAuthType\tfrom")
	created := map[string]string{} // source id → new ApiId
	for i, call := range calls {
		params := call.params
		if call.relation != "" {
			params["AuthRelationApiId"] = created[call.relation]
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		raw, err := c.Call(ctx, "CreateApi", params)
		cancel()
		if err != nil {
			tw.Flush()
			fmt.Fprintf(stderr, "ctl import: %d of %d APIs created before this one failed\n", i, len(calls))
			return reportCall(stdout, stderr, "CreateApi for "+call.where, err)
		}
		var r struct {
			Result struct{ ApiId, Path, Method string }
		}
		_ = json.Unmarshal(raw, &r)
		if call.source != "" {
			created[call.source] = r.Result.ApiId
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", r.Result.ApiId, r.Result.Method, r.Result.Path, params["AuthType"], call.where)
	}
	tw.Flush()
	return 0
}
