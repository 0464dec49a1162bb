//go:build !linux

package accesslog

import "os"

// writeback is Linux's (writeback_linux.go); elsewhere the OS's own
// writeback and cache are left alone.
type writeback struct{ started int64 }

const wbChunk = 4 << 20

func newWriteback(*os.File) writeback  { return writeback{} }
func (w *writeback) due(at int64) bool { return at-w.started >= wbChunk }
func (w *writeback) advance(at int64)  { w.started = at }
func dropAll(*os.File)                 {}
