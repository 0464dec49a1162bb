package main

import (
	"fmt"
	"os"
)

// version is set with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(os.Args[2:])
	case "admin":
		err = adminCmd(os.Args[2:])
	case "edge":
		err = edgeCmd(os.Args[2:])
	case "ctl":
		os.Exit(ctlCmd(os.Args[2:], os.Stdout, os.Stderr))
	case "version", "--version", "-v":
		fmt.Println("edgegate", version)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "edgegate: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "edgegate:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: edgegate <command> [flags]

commands:
  run       the all-in-one gateway: Action API and edge (edgegate run -h)
  admin     the control plane alone (split mode); admin backup|restore copy its store, admin rekey changes its master key
  edge      a data plane following an admin: edge --control URL
  ctl       call the Action API: ctl ACTION [--Param value ...] (ctl --help)
  version   print the version
`)
}
