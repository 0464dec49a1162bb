package edge

import (
	"fmt"

	"github.com/panjf2000/gnet/v2"
)

// I/O batching (issue 18). A proxied keep-alive request costs four socket
// calls (read the client, write the backend, read the backend, write the
// client), and an event loop handles several requests per epoll_wait. The
// pinned gnet fork (third_party/gnet, PATCHES.md) can defer every write
// made on a loop to the end of its batch of events and send each
// connection's bytes once there, and with io_uring hand all of a batch's
// writes, and all of its reads, to the kernel in one io_uring_enter each:
// a batch then costs its epoll_wait and two io_uring_enter calls whatever
// number of requests it carries.

// IOBatching is how the event loops batch their socket calls.
type IOBatching uint8

const (
	// IOBatchAuto reads and writes each batch's sockets with one
	// io_uring_enter each where the kernel allows io_uring, else defers
	// writes to the end of the batch (IOBatchDefer). The default.
	IOBatchAuto IOBatching = iota
	// IOBatchWrites batches only the writes through io_uring.
	IOBatchWrites
	// IOBatchDefer defers writes to the end of each batch, one
	// write/writev per connection (no io_uring).
	IOBatchDefer
	// IOBatchOff reads and writes each socket at once (gnet's own way).
	IOBatchOff
)

var ioBatchNames = []string{"auto", "writes", "defer", "off"}

// ParseIOBatching reads auto, writes, defer or off.
func ParseIOBatching(s string) (IOBatching, error) {
	if s == "" {
		return IOBatchAuto, nil
	}
	for i, n := range ioBatchNames {
		if s == n {
			return IOBatching(i), nil
		}
	}
	return 0, fmt.Errorf("I/O batching %q: want auto, writes, defer or off", s)
}

// batchDeferMax is a connection's deferred bytes past which a write goes
// out at once: larger writes gain nothing from waiting, and keeping it at
// most LowWater means OutboundBuffered counts past HighWater only bytes
// the socket refused (the back-pressure checks).
const batchDeferMax = 16 << 10

// ioBatchOptions are the gnet options for cfg.
func ioBatchOptions(cfg *Config) gnet.Option {
	mode, reads := gnet.WriteDeferredURing, true
	switch cfg.IOBatching {
	case IOBatchWrites:
		reads = false
	case IOBatchDefer:
		mode, reads = gnet.WriteDeferred, false
	case IOBatchOff:
		mode, reads = gnet.WriteNow, false
	}
	return func(o *gnet.Options) {
		gnet.WithWriteBatching(mode, min(batchDeferMax, cfg.LowWater))(o)
		gnet.WithReadBatching(reads)(o)
	}
}

// IOBatching describes the batching the running loops use ("now",
// "deferred", "deferred+io_uring", with "+reads" when reads are batched
// too); empty before Start.
func (s *Server) IOBatching() string {
	select {
	case <-s.running:
	default:
		return ""
	}
	m := s.eng.WriteBatching()
	if m == gnet.WriteDeferredURing && s.cfg.IOBatching == IOBatchAuto {
		return m.String() + "+reads"
	}
	return m.String()
}
