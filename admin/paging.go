package admin

import (
	"strings"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// Filter is the seed's Filter.
type Filter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// paging validates Limit (default 20, at most 100) and Offset (default 0).
func paging(limit, offset *int64) (int, int, error) {
	l, o := int64(20), int64(0)
	if limit != nil {
		l = *limit
	}
	if offset != nil {
		o = *offset
	}
	if l < 1 || l > 100 {
		return 0, 0, tcapi.Errorf(errInvalidValue, "Limit %d: want 1 to 100", l)
	}
	if o < 0 {
		return 0, 0, tcapi.Errorf(errInvalidValue, "Offset %d: must not be negative", o)
	}
	return int(l), int(o), nil
}

// page returns items[offset:offset+limit] (never nil, so JSON says []).
func page[T any](items []T, limit, offset int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(len(items), offset+limit)
	return items[offset:end]
}

// filters maps a filter name to its accepted values.
type filters map[string][]string

// parseFilters checks filter names against the Action's list.
func parseFilters(in []Filter, allowed ...string) (filters, error) {
	fs := filters{}
	for _, f := range in {
		ok := false
		for _, a := range allowed {
			ok = ok || a == f.Name
		}
		if !ok {
			return nil, tcapi.Errorf(errFilterName, "filter %q is not supported here (supported: %s)", f.Name, strings.Join(allowed, ", "))
		}
		fs[f.Name] = append(fs[f.Name], f.Values...)
	}
	return fs, nil
}

// match: no filter, or v equals one of its values.
func (fs filters) match(name, v string) bool {
	vals, ok := fs[name]
	if !ok {
		return true
	}
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

// matchSub: no filter, or v contains one of its values (names are searched
// by substring, as the console's search box does).
func (fs filters) matchSub(name, v string) bool {
	vals, ok := fs[name]
	if !ok {
		return true
	}
	for _, x := range vals {
		if strings.Contains(strings.ToLower(v), strings.ToLower(x)) {
			return true
		}
	}
	return false
}

// matchAny: no filter, or one of vs equals one of its values.
func (fs filters) matchAny(name string, vs []string) bool {
	if _, ok := fs[name]; !ok {
		return true
	}
	for _, v := range vs {
		if fs.match(name, v) {
			return true
		}
	}
	return false
}
