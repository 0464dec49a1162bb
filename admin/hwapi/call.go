package hwapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Call is one request to an operation, authenticated.
type Call struct {
	Request   *http.Request
	RequestID string
	AccessKey string // the AK that signed it
	body      []byte
}

// Path is the path parameter name ("acl_id").
func (c *Call) Path(name string) string { return c.Request.PathValue(name) }

// Query is the query parameter name, "" when absent.
func (c *Call) Query(name string) string { return c.Request.URL.Query().Get(name) }

// RequiredQuery is the query parameter name, refused when absent or empty
// (the seed's 是否必选 是).
func (c *Call) RequiredQuery(name string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return "", BadParameter(name, "the parameter is required")
	}
	return v, nil
}

// Body is the raw request body.
func (c *Call) Body() []byte { return c.body }

// Bind decodes the JSON body into v (a pointer to a struct with json
// tags), strictly: an empty body, malformed JSON or trailing data is 400
// APIG.2011; an unknown member or a mistyped value is 400 APIG.2012
// naming it.
func (c *Call) Bind(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return Errorf(http.StatusBadRequest, CodeBadBody, "The request body is empty: the operation takes a JSON object")
	}
	d := json.NewDecoder(bytes.NewReader(c.body))
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			want := te.Type.String()
			if te.Type.Kind() == reflect.Slice {
				want = "array"
			}
			return BadParameter(te.Field, "want "+jsonKind(want)+", not "+te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return BadParameter(name, "the operation has no such parameter")
		}
		return Errorf(http.StatusBadRequest, CodeBadBody, "The request body is not valid JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := d.Token(); err != io.EOF {
		return Errorf(http.StatusBadRequest, CodeBadBody, "The request body has data after its JSON object")
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "an integer"
	case strings.Contains(goType, "string"):
		return "a string"
	case strings.Contains(goType, "bool"):
		return "a boolean"
	case goType == "array":
		return "an array"
	}
	return "an object"
}

// Page is a list's window (seed 001, every list's Query参数: offset
// "偏移量小于0时,自动转换为0", default 0; limit "小于等于0时,自动转换为20,
// 大于500时,自动转换为500", default 20).
type Page struct{ Offset, Limit int }

// Page reads offset and limit; a value that is not an integer is 400.
func (c *Call) Page() (Page, error) {
	p := Page{0, 20}
	q := c.Request.URL.Query()
	if v := q.Get("offset"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return p, BadParameter("offset", "want an integer")
		}
		p.Offset = int(max(0, min(n, 1<<31)))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return p, BadParameter("limit", "want an integer")
		}
		switch {
		case n <= 0:
			p.Limit = 20
		case n > 500:
			p.Limit = 500
		default:
			p.Limit = int(n)
		}
	}
	return p, nil
}

// List is a list reply: total (every match), size (this page's length)
// and the page under key ("acls", "throttles", ...).
func List[T any](key string, all []T, p Page) map[string]any {
	items := []T{}
	if p.Offset < len(all) {
		items = all[p.Offset:min(len(all), p.Offset+p.Limit)]
	}
	return map[string]any{"total": len(all), "size": len(items), key: items}
}

// Search matches a list's name parameters: by substring (case-insensitive)
// unless precise_search names the parameter, then by equality (seed 001:
// precise_search "指定需要精确匹配查找的参数名称", several separated by ",").
type Search struct {
	c       *Call
	precise []string
}

// Search reads precise_search; a name not in allowed is 400.
func (c *Call) Search(allowed ...string) (Search, error) {
	s := Search{c: c}
	if v := c.Query("precise_search"); v != "" {
		for _, n := range strings.Split(v, ",") {
			n = strings.TrimSpace(n)
			if !slices.Contains(allowed, n) {
				return s, BadParameter("precise_search", "want one of: "+strings.Join(allowed, ", "))
			}
			s.precise = append(s.precise, n)
		}
	}
	return s, nil
}

// Match reports whether value matches the query parameter param (true
// when the parameter is absent).
func (s Search) Match(param, value string) bool {
	want := s.c.Query(param)
	switch {
	case want == "":
		return true
	case slices.Contains(s.precise, param):
		return value == want
	}
	return strings.Contains(strings.ToLower(value), strings.ToLower(want))
}

// Exact reports whether value equals the query parameter param (true
// when absent): for IDs and enums.
func (c *Call) Exact(param, value string) bool {
	want := c.Query(param)
	return want == "" || want == value
}
