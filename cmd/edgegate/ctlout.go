package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// ctl's exit statuses by error class (README "The control plane", ctl
// --help). Scripts branch on them, so they never change meaning.
const (
	exitOK       = 0
	exitUsage    = 1 // bad command line or parameter; nothing was sent
	exitAuth     = 2 // AuthFailure*, UnauthorizedOperation*
	exitNotFound = 3 // ResourceNotFound*, InvalidAction
	exitInvalid  = 4 // InvalidParameter*, MissingParameter*, UnknownParameter*
	exitLimit    = 5 // LimitExceeded*, RequestLimitExceeded*, ResourceInsufficient*
	exitServer   = 6 // InternalError*, or an answer that is not the Action API's
	exitNetwork  = 7 // no connection, timeout, TLS
	exitRefused  = 8 // FailedOperation*, ResourceInUse*, UnsupportedOperation*, any other code
)

// exitFor classes an error Code by its first part (the seed's common
// error codes, spec/DATA_AND_ERRORS.md).
func exitFor(code string) int {
	head, _, _ := strings.Cut(code, ".")
	switch head {
	case "AuthFailure", tcapi.CodeUnauthorizedOperation:
		return exitAuth
	case tcapi.CodeResourceNotFound, tcapi.CodeInvalidAction:
		return exitNotFound
	case tcapi.CodeInvalidParameter, tcapi.CodeInvalidParameterValue, tcapi.CodeMissingParameter,
		tcapi.CodeUnknownParameter, tcapi.CodeRequestSizeLimitExceeded:
		return exitInvalid
	case tcapi.CodeLimitExceeded, tcapi.CodeRequestLimitExceeded, tcapi.CodeResourceInsufficient:
		return exitLimit
	case tcapi.CodeInternalError, "InternalServerError":
		return exitServer
	}
	return exitRefused
}

// ctlCallError reports a failed call on stderr: an error answer's Code,
// Message and RequestId, or the transport error; and returns its status.
func ctlCallError(stderr io.Writer, action string, raw json.RawMessage, err error) int {
	var apiErr *tcapi.Error
	if errors.As(err, &apiErr) {
		var r struct{ RequestId string }
		_ = json.Unmarshal(raw, &r)
		fmt.Fprintf(stderr, "ctl: %s failed\nCode: %s\nMessage: %s\nRequestId: %s\n", action, apiErr.Code, apiErr.Message, r.RequestId)
		return exitFor(apiErr.Code)
	}
	fmt.Fprintf(stderr, "ctl: %v\n", err)
	if isNetError(err) {
		return exitNetwork
	}
	return exitServer
}

// isNetError: the request never got an HTTP answer (tcapi wraps the
// *url.Error of http.Client.Do; a status or envelope problem is not one).
func isNetError(err error) bool {
	var ue interface {
		error
		Timeout() bool
	}
	return errors.As(err, &ue)
}

// ctlInput reads --cli-input-json (FILE, file://FILE, or - for stdin):
// one JSON object whose members are typed like flags.
func ctlInput(act *ctlAction, src string, stdin io.Reader) (map[string]any, error) {
	params := map[string]any{}
	if src == "" {
		return params, nil
	}
	var b []byte
	var err error
	if src == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, 16<<20))
	} else {
		b, err = os.ReadFile(strings.TrimPrefix(src, "file://"))
	}
	if err != nil {
		return nil, fmt.Errorf("--cli-input-json: %v", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || d.More() {
		return nil, fmt.Errorf("--cli-input-json %s: want one JSON object of parameters (%v)", src, err)
	}
	root := act.schema()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f := root.fields[k]
		if f == nil {
			return nil, fmt.Errorf("--cli-input-json: %w", unknownParam(k, root.names, ""))
		}
		if err := f.check(m[k], k); err != nil {
			return nil, fmt.Errorf("--cli-input-json: %w", err)
		}
		params[k] = m[k]
	}
	return params, nil
}

// writeTable writes the answer as tccli's table output does: the Result's
// main list (see mainList) as columns, one row an element, with the list's
// total when the Result has one; any other answer as FIELD VALUE rows.
func writeTable(w io.Writer, raw json.RawMessage) error {
	v, err := decodeOrdered(raw)
	if err != nil {
		return err
	}
	resp, ok := v.(oobj)
	if !ok {
		return fmt.Errorf("the answer is not an object")
	}
	top, inResult := resp, false
	if r, ok := resp.get("Result").(oobj); ok {
		top, inResult = r, true
	}
	if list, ok := resp.get("Result").([]any); ok {
		return writeRows(w, list)
	}
	if list, ok := mainList(top); ok {
		for _, t := range top {
			if t.k == "TotalCount" {
				fmt.Fprintf(w, "%s: %s\n", t.k, cell(t.v))
			}
		}
		return writeRows(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tVALUE")
	for _, kv := range top {
		fmt.Fprintf(tw, "%s\t%s\n", kv.k, cell(kv.v))
	}
	if inResult {
		fmt.Fprintf(tw, "RequestId\t%s\n", cell(resp.get("RequestId")))
	}
	return tw.Flush()
}

// mainList is o's list when o is a page of one (the seed's list answers:
// TotalCount and one array of objects, like ServiceSet): its only array
// member, every element an object, beside at most two scalars (TotalCount,
// ConText) and the RequestId. A single resource (DescribeService) is not.
func mainList(o oobj) ([]any, bool) {
	var list []any
	found, scalars := false, 0
	for _, kv := range o {
		switch x := kv.v.(type) {
		case []any:
			if found {
				return nil, false
			}
			for _, e := range x {
				if _, ok := e.(oobj); !ok {
					return nil, false
				}
			}
			list, found = x, true
		case oobj:
			return nil, false
		default:
			if kv.k != "RequestId" {
				scalars++
			}
		}
	}
	return list, found && scalars <= 2
}

func writeRows(w io.Writer, list []any) error {
	var cols []string
	for _, e := range list {
		if o, ok := e.(oobj); ok {
			for _, kv := range o {
				if !slices.Contains(cols, kv.k) {
					cols = append(cols, kv.k)
				}
			}
		}
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "(none)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(cols) == 0 {
		fmt.Fprintln(tw, "VALUE")
		for _, e := range list {
			fmt.Fprintln(tw, cell(e))
		}
		return tw.Flush()
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, e := range list {
		o, _ := e.(oobj)
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = cell(o.get(c))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// cell is one value as table text: scalars as written, the rest as
// compact JSON cut at 60 characters; tabs and newlines would break the
// columns, so they are escaped.
func cell(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		s = x
	case json.Number:
		s = x.String()
	case bool:
		s = fmt.Sprint(x)
	default:
		b, _ := json.Marshal(plain(v))
		s = string(b)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
	}
	return strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// oobj is a JSON object with its members in order (table columns follow
// the answer's order).
type oobj []okv

type okv struct {
	k string
	v any
}

func (o oobj) get(k string) any {
	for _, kv := range o {
		if kv.k == k {
			return kv.v
		}
	}
	return nil
}

// plain turns oobj values back into maps for encoding.
func plain(v any) any {
	switch x := v.(type) {
	case oobj:
		m := make(map[string]any, len(x))
		for _, kv := range x {
			m[kv.k] = plain(kv.v)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func decodeOrdered(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return decodeValue(d)
}

func decodeValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := oobj{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			o = append(o, okv{k.(string), v})
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		a := []any{}
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.Token()
		return a, err
	}
	return t, nil
}

// sample is a value of p's type with every field present, strings str: the
// --generate-cli-skeleton template (str ""), and a test's probe.
func (p *param) sample(str string) any {
	switch p.kind {
	case pString:
		return str
	case pInt, pUint, pFloat:
		return 0
	case pBool:
		return false
	case pArray:
		return []any{p.elem.sample(str)}
	case pMap:
		return map[string]any{"k": p.elem.sample(str)}
	}
	m := map[string]any{}
	for _, n := range p.names {
		m[n] = p.fields[n].sample(str)
	}
	return m
}
