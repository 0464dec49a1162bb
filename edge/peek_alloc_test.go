//go:build !race

package edge

import "testing"

// Noting and touching a batch's keys allocates nothing.
func TestBatchPeekAllocs(t *testing.T) {
	f := newPeekFixture(t)
	cl, head := f.conn("127.0.0.1", f.rule), []byte(peekHead)
	if n := testing.AllocsPerRun(100, func() {
		f.s.OnPeek(cl, head)
		f.s.OnPeek(cl, head)
		f.s.OnPeekEnd(nil)
	}); n != 0 {
		t.Errorf("%v allocations per batch", n)
	}
}
