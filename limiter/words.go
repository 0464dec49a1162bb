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

// newWords returns n zeroed words and the function that frees them (nil
// when the garbage collector does).
func newWords(n uint64) ([]atomic.Uint64, func()) {
	if w, free, ok := mapWords(n); ok {
		return w, free
	}
	return make([]atomic.Uint64, n), nil
}
