package admin

import (
	"maps"
	"slices"
)

// ActionNames lists the Actions the Action API serves, sorted: the keys of
// the registration table (actions.go), for clients that check their own
// list against it (cmd/edgegate ctl's tests).
func ActionNames() []string {
	return slices.Sorted(maps.Keys((&Admin{}).actions()))
}
