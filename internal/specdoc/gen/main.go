// Command gen renders shared/spec's Action and structure tables as Go
// source (see package specdoc).
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/edgegate/edgegate/internal/specdoc"
)

func main() {
	spec := flag.String("spec", "/work/shared/spec", "the directory holding ACTIONS.md and DATA_AND_ERRORS.md")
	out := flag.String("o", "actiondocs_gen.go", "output file")
	pkg := flag.String("pkg", "main", "package name")
	flag.Parse()
	src, err := specdoc.Generate(*spec, *pkg)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Clean(*out), src, 0o644); err != nil {
		log.Fatal(err)
	}
}
