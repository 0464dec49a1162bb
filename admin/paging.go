package admin

import (
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// Responses shared by many Actions.

// result is the Response of an Action whose seed output is one member,
// Result.
type result[T any] struct {
	Result T `json:"Result"`
}

// resultOf answers v as Result, or err.
func resultOf[T any](v T, err error) (*result[T], error) {
	if err != nil {
		return nil, err
	}
	return &result[T]{v}, nil
}

// done answers Result true (the seed's "Result Bool" of writing Actions),
// or err.
func done(err error) (*result[bool], error) { return resultOf(true, err) }

// none is the Response of an Action whose seed output is RequestId only.
type none struct{}

// Filter is the seed's Filter.
type Filter struct {
	Name   string
	Values []string
}

// pageParams are the seed's Limit and Offset of Describe* lists.
type pageParams struct {
	Limit, Offset *int64
}

// listParams are paging and the seed's Filters.
type listParams struct {
	pageParams
	Filters []Filter
}

// bounds validates Limit (default 20, at most 100) and Offset (default 0).
func (p pageParams) bounds() (limit, offset int, err error) {
	l, o := int64(20), int64(0)
	if p.Limit != nil {
		l = *p.Limit
	}
	if p.Offset != nil {
		o = *p.Offset
	}
	if l < 1 || l > 100 {
		return 0, 0, tcapi.Errorf(errInvalidValue, "Limit %d: want 1 to 100", l)
	}
	if o < 0 {
		return 0, 0, tcapi.Errorf(errInvalidValue, "Offset %d: must not be negative", o)
	}
	return int(l), int(o), nil
}

// describeList answers a Describe* list: it validates paging (p nil: the
// Action has none, every item is answered), then the filter names against
// allowed (nil: the Action takes no filter), then collects the matching
// items in one read transaction. It returns how many matched and the page
// asked for (never nil, so JSON says []).
func describeList[T any](a *Admin, p *pageParams, in []Filter, allowed []string, collect func(tx *buntdb.Tx, fs filters) ([]T, error)) (int, []T, error) {
	limit, offset := -1, 0
	if p != nil {
		var err error
		if limit, offset, err = p.bounds(); err != nil {
			return 0, nil, err
		}
	}
	fs, err := parseFilters(in, allowed...)
	if err != nil {
		return 0, nil, err
	}
	var all []T
	err = a.db.View(func(tx *buntdb.Tx) error {
		var err error
		all, err = collect(tx, fs)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if limit < 0 {
		return len(all), orEmpty(all), nil
	}
	return len(all), page(all, limit, offset), nil
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

// matchSub: no filter, or one of vs contains one of its values (names are
// searched by substring, as the console's search box does; a keyword
// searches several).
func (fs filters) matchSub(name string, vs ...string) bool {
	vals, ok := fs[name]
	if !ok {
		return true
	}
	return anySub(vals, vs...)
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

// anySub: one of vals is a case-insensitive substring of one of fields.
func anySub(vals []string, fields ...string) bool {
	for _, v := range vals {
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), strings.ToLower(v)) {
				return true
			}
		}
	}
	return false
}
