package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// ctlCompletionCmd is `ctl completion bash|zsh`: a script that completes
// ctl's words, Action names and each Action's parameter names (array
// indices as 0). The lists are written into the script, so completing runs
// no edgegate process.
func ctlCompletionCmd(_ *ctlGlobal, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh") {
		fmt.Fprintln(stderr, "ctl: completion bash|zsh\n  bash: source <(edgegate ctl completion bash)\n  zsh:  source <(edgegate ctl completion zsh)")
		return exitUsage
	}
	if args[0] == "zsh" {
		// zsh runs the bash function through its bash compatibility.
		fmt.Fprint(stdout, "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n")
	}
	fmt.Fprint(stdout, completionScript())
	return exitOK
}

func completionScript() string {
	var b strings.Builder
	names := make([]string, len(ctlActions))
	for i := range ctlActions {
		names[i] = ctlActions[i].name
	}
	subs := make([]string, 0, len(ctlSubcommands))
	for s := range ctlSubcommands {
		subs = append(subs, s)
	}
	slices.Sort(subs)
	opts := make([]string, len(ctlOptions))
	for i, o := range ctlOptions {
		opts[i] = "--" + o
	}
	fmt.Fprintf(&b, `# edgegate shell completion (edgegate ctl completion bash|zsh).
_edgegate_ctl_actions=%q
_edgegate_ctl_words=%q
_edgegate_ctl_options=%q
_edgegate_ctl_params() {
  case "$1" in
`, strings.Join(names, " "), strings.Join(subs, " "), strings.Join(opts, " "))
	for i := range ctlActions {
		a := &ctlActions[i]
		var flags []string
		a.walkParams(func(flag string, _ []string, _ *param) {
			flags = append(flags, "--"+strings.TrimSuffix(strings.ReplaceAll(flag+".", ".N.", ".0."), "."))
		})
		fmt.Fprintf(&b, "    %s) echo %q ;;\n", a.name, strings.Join(flags, " "))
	}
	b.WriteString(`  esac
}
_edgegate() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if (( COMP_CWORD == 1 )); then
    COMPREPLY=($(compgen -W "run admin edge ctl version help" -- "$cur"))
    return
  fi
  [[ ${COMP_WORDS[1]} == ctl ]] || { COMPREPLY=($(compgen -f -- "$cur")); return; }
  case "$prev" in
    --output) COMPREPLY=($(compgen -W "json table" -- "$cur")); return ;;
    --data|--ca|--cli-input-json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  local i w word=""
  for (( i = 2; i < COMP_CWORD; i++ )); do
    w="${COMP_WORDS[i]}"
    if [[ $w == -* ]]; then
      [[ $w == *=* || $w == --help || $w == -h ]] || (( i++ ))
      continue
    fi
    word="$w"
    break
  done
  case "$word" in
    "") if [[ $cur == -* ]]; then
          COMPREPLY=($(compgen -W "$_edgegate_ctl_options" -- "$cur"))
        else
          COMPREPLY=($(compgen -W "$_edgegate_ctl_actions $_edgegate_ctl_words" -- "$cur"))
        fi ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
    help) COMPREPLY=($(compgen -W "$_edgegate_ctl_actions" -- "$cur")) ;;
    *) if [[ $cur == -* ]]; then
         COMPREPLY=($(compgen -W "$(_edgegate_ctl_params "$word") $_edgegate_ctl_options" -- "$cur"))
       elif [[ $prev != --* || $prev == *=* ]]; then
         COMPREPLY=($(compgen -f -- "$cur"))
       fi ;;
  esac
}
complete -F _edgegate edgegate
`)
	return b.String()
}
