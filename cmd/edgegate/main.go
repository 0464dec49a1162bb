// Command edgegate is the Edgegate API gateway.
//
//	edgegate run [flags]   all-in-one: data plane (and, later, control plane)
//	edgegate version
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
  run       run the gateway (edgegate run -h for flags)
  version   print the version
`)
}
