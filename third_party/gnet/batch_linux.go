// Copyright (c) 2026 The Edgegate Authors. All rights reserved.
//
// Part of Edgegate's patch to gnet (see PATCHES.md), under gnet's license:
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package gnet

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"

	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/logging"

	"github.com/panjf2000/gnet/v2/internal/uring"
)

// Write batching (WithWriteBatching), see PATCHES.md.
//
// Conn.Write and Conn.Writev on a loop copy the bytes into the loop's arena
// and put the connection on the loop's dirty list; once the loop has
// handled a batch of events and tasks (before it waits in epoll_wait
// again), every dirty connection is written once: with write/writev each
// (WriteDeferred), or all of them in one io_uring_enter
// (WriteDeferredURing). What the kernel does not take goes to the
// connection's outbound buffer and EPOLLOUT, as gnet does for a short
// write. A connection whose deferred bytes would pass the per-connection
// limit, or that has too many pieces, is written at once instead.
//
// Invariant: a connection has deferred bytes (pend) only while its outbound
// buffer is empty, so the bytes keep their order: a write that finds the
// outbound buffer non-empty appends there, and every path that moves
// deferred bytes to the outbound buffer empties pend at the same time.

// Read batching (WithReadBatching, level-triggered, with the ring): a
// readable connection is not read while the loop goes through the events
// epoll_wait returned; at the end of the batch every such connection gets
// one recv, all in one io_uring_enter, into its slot of the loop's read
// slab, and then OnTraffic, in event order, exactly as eventloop.read
// would have called it. A connection closed by an earlier OnTraffic of the
// batch drops what was read for it; one paused by an earlier OnTraffic
// keeps the bytes in its inbound buffer unannounced (as bytes that
// arrived before a pause). A full slot leaves the rest in the kernel:
// level-triggered epoll reports the connection again.

const (
	batchArenaSize = 256 << 10 // a loop's deferred bytes before everything is flushed early
	batchMaxSegs   = 8         // pieces per connection before it is flushed early
	batchRingSize  = 256       // connections per io_uring_enter
	batchSlabSize  = 1 << 20   // a loop's read slab, split among the batch's reads
	batchMinSlot   = 4 << 10   // smallest read slot (more reads wait for the next submit)
	// DefaultWriteBatchMax is a connection's deferred bytes past which a
	// write is sent at once (WithWriteBatching with max <= 0).
	DefaultWriteBatchMax = 16 << 10
)

type ioBatch struct {
	el    *eventloop
	max   int
	arena []byte
	dirty []*conn
	next  []*conn // the dirty list being flushed swaps with this one

	ring    *uring.Ring
	iovs    []unix.Iovec // the queued connections' pieces, back to back; never grows
	queued  []*conn      // the connection of each queued write
	scratch [][]byte

	failed []*conn // write errors, closed once the flush is over
	errs   []error

	reading bool    // read batching is on
	reads   []*conn // connections to read at the end of the batch
	slab    []byte  // their recv buffers
	rqueued []*conn // the connection of each queued recv
	rbufs   [][]byte

	rs    *ringState // ring I/O (ring_linux.go); nil: off
	atEnd bool       // flush runs at the batch's end (ring I/O defers its sends to the wait)
}

// newIOBatch sets up el's batching per the engine's options; nil when
// batching is off.
func newIOBatch(el *eventloop) *ioBatch {
	opts := el.engine.opts
	if opts.WriteBatching == WriteNow {
		return nil
	}
	b := &ioBatch{el: el, max: opts.WriteBatchMax, arena: make([]byte, 0, batchArenaSize), next: make([]*conn, 0, 64)}
	if b.max <= 0 {
		b.max = DefaultWriteBatchMax
	}
	if b.max > batchArenaSize/2 {
		b.max = batchArenaSize / 2
	}
	switch {
	case opts.WriteBatching != WriteDeferredURing:
	case opts.RingIO && !opts.EdgeTriggeredIO && b.setupRing():
		el.engine.ringIO.Store(true)
	default:
		r, err := uring.New(batchRingSize)
		if err != nil {
			logging.Warnf("gnet: event-loop(%d): io_uring unavailable (%v); write batching uses write/writev per connection", el.idx, err)
			break
		}
		b.ring = r
		b.iovs = make([]unix.Iovec, 0, r.Cap()*batchMaxSegs)
		b.queued = make([]*conn, 0, r.Cap())
		if opts.ReadBatching && !opts.EdgeTriggeredIO {
			b.reading = true
			b.slab = make([]byte, batchSlabSize)
		}
	}
	el.poller.SetBatchEnd(b.end)
	el.engine.batchMode.Store(int32(b.mode()))
	return b
}

// end runs when the loop has handled a batch: the batched reads and their
// OnTraffic, then the deferred writes.
func (b *ioBatch) end() error {
	err := b.readAll()
	b.atEnd = true
	b.flush()
	b.atEnd = false
	return err
}

// queueRead notes that c is readable; readAll reads it (read batching).
func (b *ioBatch) queueRead(c *conn) {
	if !c.readQueued {
		c.readQueued = true
		b.reads = append(b.reads, c)
	}
}

// readAll reads every queued connection, as many per io_uring_enter as
// the ring and the slab hold, and hands each one's bytes to OnTraffic.
func (b *ioBatch) readAll() error {
	for len(b.reads) > 0 {
		k := len(b.reads)
		if k > b.ring.Cap() {
			k = b.ring.Cap()
		}
		if k > batchSlabSize/batchMinSlot {
			k = batchSlabSize / batchMinSlot
		}
		slot := batchSlabSize / k
		if slot > len(b.el.buffer) {
			slot = len(b.el.buffer) // no more than gnet's own read takes
		}
		for i, c := range b.reads[:k] {
			c.readQueued = false
			if !c.opened || c.readPaused {
				continue
			}
			buf := b.slab[i*slot : (i+1)*slot]
			b.ring.QueueRecv(c.fd, buf)
			b.rqueued = append(b.rqueued, c)
			b.rbufs = append(b.rbufs, buf)
		}
		n := copy(b.reads, b.reads[k:])
		for i := n; i < len(b.reads); i++ {
			b.reads[i] = nil
		}
		b.reads = b.reads[:n]
		if err := b.ring.Submit(); err != nil {
			logging.Warnf("gnet: event-loop(%d): %v", b.el.idx, err)
		}
		var stop error
		for i, c := range b.rqueued {
			if stop == nil {
				n, rerr := b.ring.Result(i)
				// As for eventloop.read, only a shutdown ends the loop (a
				// failed close is gnet's to log, not a reason to drop the
				// others' bytes).
				if err := b.el.readDone(c, b.rbufs[i][:n], rerr); errors.Is(err, errorx.ErrEngineShutdown) {
					stop = err
				}
			}
			b.rqueued[i], b.rbufs[i] = nil, nil
		}
		b.rqueued, b.rbufs = b.rqueued[:0], b.rbufs[:0]
		if stop != nil {
			return stop
		}
	}
	return nil
}

// mode is the batching in effect.
func (b *ioBatch) mode() WriteBatching {
	switch {
	case b == nil:
		return WriteNow
	case b.ring != nil:
		return WriteDeferredURing
	}
	return WriteDeferred
}

func (b *ioBatch) close() {
	if b != nil && b.ring != nil {
		if b.rs != nil {
			b.rs.bufs.CloseWith(b.ring)
		} else {
			b.ring.Close()
		}
		b.ring = nil
	}
}

// deferWrite takes data for c (a stream connection with an empty outbound
// buffer) and reports whether it did; false: the caller writes now.
func (b *ioBatch) deferWrite(c *conn, data []byte) bool {
	if len(data) == 0 {
		return true
	}
	if b.flushing() || c.pendLen+len(data) > b.max {
		return false
	}
	b.add(c, data)
	return true
}

// deferWritev is deferWrite for several pieces.
func (b *ioBatch) deferWritev(c *conn, bs [][]byte) bool {
	n := 0
	for _, p := range bs {
		n += len(p)
	}
	if b.flushing() || c.pendLen+n > b.max {
		return false
	}
	for _, p := range bs {
		if len(p) > 0 {
			b.add(c, p)
		}
	}
	return true
}

// flushing reports whether the batch is being flushed: writes made then
// (from a close callback) go out at once.
func (b *ioBatch) flushing() bool { return b.next == nil }

func (b *ioBatch) add(c *conn, p []byte) {
	if len(b.arena)+len(p) > cap(b.arena) {
		b.flush() // empties the arena; c's earlier pieces went out first
	}
	start := len(b.arena)
	b.arena = append(b.arena, p...)
	end := len(b.arena)
	if k := len(c.pend); k > 0 && c.pendEnd == start { // right after c's last piece: extend it
		c.pend[k-1] = b.arena[start-len(c.pend[k-1]) : end : end]
	} else {
		c.pend = append(c.pend, b.arena[start:end:end])
	}
	c.pendEnd = end
	c.pendLen += len(p)
	if !c.dirty {
		c.dirty = true
		b.dirty = append(b.dirty, c)
	}
	if len(c.pend) >= batchMaxSegs {
		b.flushConn(c)
	}
}

// flushConn writes c's deferred bytes now (one write or writev; the rest
// to the outbound buffer, as a short write does).
func (b *ioBatch) flushConn(c *conn) {
	if c.pendLen == 0 {
		return
	}
	b.scratch = append(b.scratch[:0], c.pend...)
	c.clearPend()
	if len(b.scratch) == 1 {
		_, _ = c.sendNow(b.scratch[0])
	} else {
		_, _ = c.sendNowv(b.scratch)
	}
	b.clearScratch()
}

// writeNow sends c's deferred bytes, then data, in one writev (data too
// big to defer, or written while flushing).
func (b *ioBatch) writeNow(c *conn, data []byte) (int, error) {
	b.scratch = append(append(b.scratch[:0], c.pend...), data)
	c.clearPend()
	_, err := c.sendNowv(b.scratch)
	b.clearScratch()
	return len(data), err
}

// writevNow is writeNow for several pieces.
func (b *ioBatch) writevNow(c *conn, bs [][]byte) (n int, err error) {
	b.scratch = append(append(b.scratch[:0], c.pend...), bs...)
	c.clearPend()
	_, err = c.sendNowv(b.scratch)
	b.clearScratch()
	for _, p := range bs {
		n += len(p)
	}
	return n, err
}

func (b *ioBatch) clearScratch() {
	for i := range b.scratch {
		b.scratch[i] = nil
	}
	b.scratch = b.scratch[:0]
}

// flush writes every dirty connection; runs when the loop has handled a
// batch (Poller.SetBatchEnd), when the arena is full, and again while
// closing a failed connection made more writes.
func (b *ioBatch) flush() {
	for len(b.dirty) > 0 {
		list := b.dirty
		b.dirty, b.next = b.next[:0], nil // flushing() while the list is written
		if b.rs != nil {
			b.ringFlush(list, !b.atEnd)
		} else if b.ring != nil {
			b.flushRing(list)
		} else {
			for _, c := range list {
				c.dirty = false
				if c.opened {
					b.flushConn(c)
				} else {
					c.clearPend()
				}
			}
		}
		for i := range list {
			list[i] = nil
		}
		b.next = list[:0]
		if b.rs != nil && b.atEnd {
			return // ring I/O: sent with the next wait, which frees the arena
		}
		b.arena = b.arena[:0]
		b.closeFailed()
	}
	b.arena = b.arena[:0]
}

// flushRing writes list with io_uring: one sendmsg per connection, all in
// one io_uring_enter (more when there are more than the ring holds).
func (b *ioBatch) flushRing(list []*conn) {
	for _, c := range list {
		c.dirty = false
		if !c.opened || c.pendLen == 0 {
			c.clearPend()
			continue
		}
		if b.ring.Queued() == b.ring.Cap() {
			b.submit()
		}
		b.ring.QueueSendmsg(c.fd, b.pendIovs(c))
		b.queued = append(b.queued, c)
	}
	b.submit()
}

// pendIovs appends c's deferred pieces to b.iovs and returns them.
func (b *ioBatch) pendIovs(c *conn) []unix.Iovec {
	start := len(b.iovs)
	for _, p := range c.pend {
		var v unix.Iovec
		v.Base = &p[0]
		v.SetLen(len(p))
		b.iovs = append(b.iovs, v)
	}
	return b.iovs[start:]
}

// submit hands the queued writes to the kernel and settles each one.
func (b *ioBatch) submit() {
	if b.ring.Queued() == 0 {
		return
	}
	if err := b.ring.Submit(); err != nil {
		logging.Warnf("gnet: event-loop(%d): %v", b.el.idx, err)
	}
	for i, c := range b.queued {
		n, err := b.ring.Result(i)
		b.settle(c, n, err)
		b.queued[i] = nil
	}
	b.queued = b.queued[:0]
	b.iovs = b.iovs[:0]
}

// settle applies a write's outcome: done, the rest queued for EPOLLOUT,
// or the connection failed.
func (b *ioBatch) settle(c *conn, n int, err error) {
	switch err {
	case nil, unix.EAGAIN:
	default:
		c.clearPend()
		b.failed = append(b.failed, c)
		b.errs = append(b.errs, os.NewSyscallError("sendmsg", err))
		return
	}
	if n == c.pendLen {
		c.clearPend()
		return
	}
	// The rest waits for EPOLLOUT in the outbound buffer (copied).
	for _, p := range c.pend {
		if n >= len(p) {
			n -= len(p)
			continue
		}
		_, _ = c.outboundBuffer.Write(p[n:])
		n = 0
	}
	c.clearPend()
	if c.loop.engine.opts.EdgeTriggeredIO {
		if err == nil { // not known to be full: go on until EAGAIN
			_ = c.loop.write(c)
		}
		return
	}
	if err := c.pollReadWrite(); err != nil {
		b.failed = append(b.failed, c)
		b.errs = append(b.errs, err)
	}
}

// closeFailed closes the connections whose writes failed; their OnClose
// may write to others, which the caller's loop flushes.
func (b *ioBatch) closeFailed() {
	for i := 0; i < len(b.failed); i++ {
		c, err := b.failed[i], b.errs[i]
		b.failed[i], b.errs[i] = nil, nil
		_ = b.el.close(c, err)
	}
	b.failed, b.errs = b.failed[:0], b.errs[:0]
}

// readDone is the second half of eventloop.read for bytes read by the
// batch (rerr: the recv's error; no bytes and no error: EOF).
func (el *eventloop) readDone(c *conn, data []byte, rerr error) error {
	if !c.opened {
		return nil // closed by an earlier callback of the batch
	}
	if rerr != nil || len(data) == 0 {
		if rerr == unix.EAGAIN {
			return nil
		}
		if rerr == nil {
			rerr = io.EOF
		}
		return el.close(c, os.NewSyscallError("read", rerr))
	}
	if c.readPaused { // paused by an earlier callback: keep, unannounced
		_, _ = c.inboundBuffer.Write(data)
		return nil
	}
	c.buffer = data
	action := el.eventHandler.OnTraffic(c)
	switch action {
	case None:
	case Close:
		return el.close(c, nil)
	case Shutdown:
		return errorx.ErrEngineShutdown
	}
	_, _ = c.inboundBuffer.Write(c.buffer)
	c.buffer = c.buffer[:0]
	return nil
}

// WriteBatching reports the write batching the engine's loops use
// (WithWriteBatching): WriteDeferredURing falls back to WriteDeferred where
// io_uring cannot be set up; WriteNow before the loops run and off Linux.
func (e Engine) WriteBatching() WriteBatching {
	if e.Validate() != nil {
		return WriteNow
	}
	return WriteBatching(e.eng.batchMode.Load())
}
