package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// groupOf is a's group as the seed has it (spec/ACTIONS.md), or ctl's own
// for Edgegate's Actions.
func groupOf(a *ctlAction) string {
	if sa, ok := specActions[a.name]; ok {
		return sa.Group
	}
	return a.group
}

// actionGroups returns the groups in the seed's order, Edgegate's after,
// each with its Actions in ctlActions' order.
func actionGroups() (names []string, byGroup map[string][]*ctlAction) {
	byGroup = map[string][]*ctlAction{}
	var extra []string
	for i := range ctlActions {
		a := &ctlActions[i]
		g := groupOf(a)
		if byGroup[g] == nil && !slices.Contains(specGroups, g) {
			extra = append(extra, g)
		}
		byGroup[g] = append(byGroup[g], a)
	}
	for _, g := range append(slices.Clone(specGroups), extra...) {
		if len(byGroup[g]) > 0 {
			names = append(names, g)
		}
	}
	return names, byGroup
}

// writeActionList writes the Actions by group, one line each.
func writeActionList(w io.Writer) {
	width := 0
	for _, a := range ctlActions {
		width = max(width, len(a.name))
	}
	groups, byGroup := actionGroups()
	fmt.Fprint(w, "\nActions:")
	for _, g := range groups {
		fmt.Fprintf(w, "\n  %s\n", g)
		for _, a := range byGroup[g] {
			fmt.Fprintf(w, "    %-*s  %s\n", width, a.name, a.summary)
		}
	}
}

// walkParams calls fn for every parameter of act at every depth: flag is
// its flag name (N for an array index), path its field names.
func (a *ctlAction) walkParams(fn func(flag string, path []string, p *param)) {
	var walk func(p *param, prefix string, path []string)
	walk = func(p *param, prefix string, path []string) {
		for _, n := range p.names {
			f := p.fields[n]
			fp := append(slices.Clone(path), n)
			fn(prefix+n, fp, f)
			el, sub := f, prefix+n+"."
			for el.kind == pArray {
				el, sub = el.elem, sub+"N."
			}
			if el.kind == pObject {
				walk(el, sub, fp)
			}
		}
	}
	walk(a.schema(), "", nil)
}

// writeActionHelp lists act's parameters with their declared types, and
// the seed's required flags and descriptions where the seed has them.
func writeActionHelp(w io.Writer, act *ctlAction) {
	fmt.Fprintf(w, "edgegate ctl %s: %s.\n", act.name, act.summary)
	if sa, ok := specActions[act.name]; ok {
		fmt.Fprintf(w, "%s (seed lines %s)\n", sa.Summary, sa.SeedLines)
	} else {
		fmt.Fprintln(w, "An Edgegate extension (not in the seed).")
	}
	fmt.Fprintf(w, "Group: %s.\n\nParameters:\n", groupOf(act))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	indexed, any := false, false
	act.walkParams(func(flag string, path []string, p *param) {
		any = true
		indexed = indexed || strings.Contains(flag, ".N")
		req, desc := "", ""
		if f, ok := specFieldAt(act.name, path); ok {
			desc = f.Meaning
			if f.Required {
				req = "required"
			}
		}
		fmt.Fprintf(tw, "  --%s\t%s\t%s\t%s\n", flag, p.what(), req, desc)
	})
	if !any {
		fmt.Fprintln(tw, "  none")
	}
	tw.Flush()
	if indexed {
		fmt.Fprintln(w, "\nN is an array index: 0, then 1, ... (edgegate ctl help shows the syntax).")
	}
	fmt.Fprintln(w, "\"required\" is the seed's: the server checks it. --cli-input-json FILE takes them all as one JSON object.")
}

// writeParamList is the short list for an error: the top-level parameters.
func writeParamList(w io.Writer, act *ctlAction) {
	fmt.Fprintf(w, "Parameters of %s (edgegate ctl help %s describes them):\n", act.name, act.name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	root := act.schema()
	for _, n := range root.names {
		req := ""
		if f, ok := specFieldAt(act.name, []string{n}); ok && f.Required {
			req = "required"
		}
		fmt.Fprintf(tw, "  --%s\t%s\t%s\n", n, root.fields[n].what(), req)
	}
	if len(root.names) == 0 {
		fmt.Fprintln(tw, "  none")
	}
	tw.Flush()
}
