package limiter

import "sync/atomic"

// The table's words live outside the Go heap where the OS lets us map
// memory (words_unix.go): a 1M-key table is 84 MB of pointer-free words
// that never move or die before the Table, and counted in the heap it
// would double the garbage the collector lets pile up before it runs
// (GOGC's target is twice the live heap). Measured: a gateway with a
// TrafficControl plugin (so the default table) grew from 20 MiB to 112 MiB
// of RSS over 30,000 full TLS handshakes with the table on the heap, and
// to 27 MiB with it off the heap.

// words is a table's array of words.
type words struct {
	w    []atomic.Uint64
	free func()       // unmaps w (nil: the garbage collector frees it)
	huge func() error // backs w with huge pages (nil: not possible here)
}

// newWords returns n zeroed words.
func newWords(n uint64) words {
	if w, ok := mapWords(n); ok {
		return w
	}
	return words{w: make([]atomic.Uint64, n)}
}
