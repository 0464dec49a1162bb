package edge

import (
	"fmt"

	"github.com/panjf2000/gnet/v2"
)

// I/O batching (issue 18). A proxied keep-alive request costs four socket
// calls (read the client, write the backend, read the backend, write the
// client), and an event loop handles several requests per wake-up. The
// pinned gnet fork (third_party/gnet, PATCHES.md) defers every write made
// on a loop to the end of its batch of events and sends each connection's
// bytes once there. By default (ring I/O) the loop waits in io_uring_enter
// itself: each connection keeps a recv armed in the loop's ring, the
// batch's writes go to the kernel with the next wait, and a busy loop's
// wait collects several arrivals: one system call, and one wake-up, per
// turn. Without ring I/O (kernel before 6.1) the loop waits in epoll_wait
// and reads, then writes, each batch's sockets with one io_uring_enter
// each (IOBatchReads).

// IOBatching is how the event loops batch their socket calls.
type IOBatching uint8

const (
	// IOBatchAuto is IOBatchRing where the kernel allows it, else
	// IOBatchReads, else IOBatchDefer. The default.
	IOBatchAuto IOBatching = iota
	// IOBatchWrites batches only the writes through io_uring.
	IOBatchWrites
	// IOBatchDefer defers writes to the end of each batch, one
	// write/writev per connection (no io_uring).
	IOBatchDefer
	// IOBatchOff reads and writes each socket at once (gnet's own way).
	IOBatchOff
	// IOBatchReads waits in epoll_wait and reads, then writes, each
	// batch's sockets with one io_uring_enter each.
	IOBatchReads
	// IOBatchRing waits in io_uring_enter itself, with a recv armed per
	// connection and the batch's writes sent with the next wait: one
	// system call per turn of the loop, and a busy loop's wait collects
	// several arrivals (Linux 6.1+; else IOBatchReads).
	IOBatchRing
)

var ioBatchNames = []string{"auto", "writes", "defer", "off", "reads", "ring"}

// ParseIOBatching reads auto, ring, reads, writes, defer or off.
func ParseIOBatching(s string) (IOBatching, error) {
	if s == "" {
		return IOBatchAuto, nil
	}
	for i, n := range ioBatchNames {
		if s == n {
			return IOBatching(i), nil
		}
	}
	return 0, fmt.Errorf("I/O batching %q: want auto, ring, reads, writes, defer or off", s)
}

// batchDeferMax is a connection's deferred bytes past which a write goes
// out at once: larger writes gain nothing from waiting, and keeping it at
// most LowWater means OutboundBuffered counts past HighWater only bytes
// the socket refused (the back-pressure checks).
const batchDeferMax = 16 << 10

// ioBatchOptions are the gnet options for cfg.
func ioBatchOptions(cfg *Config) gnet.Option {
	mode, reads, ring := gnet.WriteDeferredURing, true, true
	switch cfg.IOBatching {
	case IOBatchReads:
		ring = false
	case IOBatchWrites:
		reads, ring = false, false
	case IOBatchDefer:
		mode, reads, ring = gnet.WriteDeferred, false, false
	case IOBatchOff:
		mode, reads, ring = gnet.WriteNow, false, false
	}
	return func(o *gnet.Options) {
		gnet.WithWriteBatching(mode, min(batchDeferMax, cfg.LowWater))(o)
		gnet.WithReadBatching(reads)(o)
		gnet.WithRingIO(ring)(o)
	}
}

// IOBatching describes the batching the running loops use ("now",
// "deferred", "deferred+io_uring", with "+reads" when reads are batched
// too, "+ring" when the loops wait in io_uring); empty before Start.
func (s *Server) IOBatching() string {
	select {
	case <-s.running:
	default:
		return ""
	}
	m := s.eng.WriteBatching()
	switch {
	case s.eng.RingIO():
		return m.String() + "+ring"
	case m == gnet.WriteDeferredURing && s.cfg.IOBatching != IOBatchWrites:
		return m.String() + "+reads"
	}
	return m.String()
}
