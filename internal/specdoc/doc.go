// Package specdoc reads the English digest of the seed's Action chapter
// (shared/spec/ACTIONS.md) and data structures (shared/spec/DATA_AND_ERRORS.md)
// into tables, and renders them as Go source: the descriptions, seed types
// and required flags that `edgegate ctl ACTION --help` prints
// (cmd/edgegate/actiondocs_gen.go, made by `go generate`).
package specdoc
