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
	"os"
	"runtime"
	"runtime/metrics"
	"time"

	"golang.org/x/sys/unix"

	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/logging"

	"github.com/panjf2000/gnet/v2/internal/uring"
)

// Ring I/O (WithRingIO, Linux 6.1): the loop waits in io_uring_enter
// instead of epoll_wait, and one call per turn does the turn's socket
// work. Each stream connection keeps a recv armed in the loop's ring,
// which takes a buffer of the loop's provided-buffer ring when bytes come
// (and is armed again once they are handled: one recv at a time, so a
// pause leaves the rest in the kernel as epoll's reads do); the batch's
// writes (send or sendmsg, MSG_DONTWAIT, as WriteDeferredURing) are queued at the
// batch's end and go to the kernel with the next wait. The ring posts
// completions only when its thread waits (IORING_SETUP_DEFER_TASKRUN), so
// the loop's goroutine keeps its thread, and a busy loop can ask one wait
// for several arrivals (Linux 6.12's min_wait; see ringLingerMax): a turn
// costs one system call and one wake-up where batched reads cost an
// epoll_wait and two io_uring_enter calls and wake for every arrival
// (BENCHMARKS.md, issue 18).
//
// Connections are not in epoll: a connection the kernel refuses bytes
// gets a one-shot POLLOUT poll in the ring; PauseRead cancels the recv and
// ResumeRead arms it again. Epoll keeps the listeners and the task
// eventfd; a one-shot poll of the epoll descriptor in the ring says when
// to ask epoll_wait (with a zero timeout) for them.
//
// A completion names its connection by descriptor and a generation (the
// number can be reused once closed), so a late completion of a closed
// connection is dropped. Closing cancels the connection's operations
// (the kernel's reference keeps the socket until the cancel runs, at the
// next enter of the same turn).

const (
	ringKindSend = iota + 1
	ringKindRecv
	ringKindPollOut
	ringKindEpoll
	ringKindCancel
	ringKindFiles // a registered-file slot filled or emptied

	ringEntries  = 512      // SQEs per enter
	ringCQ       = 4096     // completions a turn can hold before the kernel keeps them aside
	ringBufCount = 256      // provided buffers per loop
	ringBufSize  = 16 << 10 // one recv completion's bytes at most
	ringGroup    = 1
	// ringFiles caps the registered file table (slot = descriptor; 8
	// bytes a slot in the kernel: 1 MiB a loop). A connection whose
	// descriptor is past it, or past RLIMIT_NOFILE, is named by its
	// descriptor as before.
	ringFiles = 1 << 17

	// A busy loop (a turn found two or more arrivals, and it holds at
	// least ringLingerConns connections) waits up to ringLingerUs for up
	// to ringLingerMax arrivals rather than waking for each: on this
	// project's test machine a wake-up costs more than the request's own
	// work in the gateway (BENCHMARKS.md, issue 18). Few connections mean
	// a closed loop of few requests, where waiting for more only delays
	// the ones there: no waiting then.
	ringLingerMax   = 32
	ringLingerUs    = 30
	ringLingerConns = 64
	// A batching wait keeps the loop's P (uring.Ring.EnterMin, raw): the
	// Go runtime would otherwise hand it to another thread and back for
	// every wait past 20 µs (sysmon; measured: about 0.35 futex and
	// nanosleep calls per proxied request). It ends after
	// ringLingerBoundUs even with nothing come, so other goroutines wait
	// at most that long for the P; an idle loop's wait is an ordinary
	// blocking one.
	ringLingerBoundUs = 200

	// ringYield: see PATCHES.md ("Yields when others wait"): the waiter
	// looks every ringYield whether another goroutine is runnable and
	// yields then (5 ms without looking starved the TLS handshake
	// workers); it yields every ringYieldIdle regardless, for what the
	// run queues do not show yet (timers due, network-ready goroutines,
	// which the scheduler takes in only when a P schedules).
	ringYield     = time.Millisecond
	ringYieldIdle = 10 * time.Millisecond
)

// runnableMetric is the Go runtime's count of goroutines ready to run
// but not running (Go 1.26).
const runnableMetric = "/sched/goroutines/runnable:goroutines"

// ringUD packs a completion's owner: kind, generation (24 bits) and descriptor.
func ringUD(kind int, fd int, gen uint32) uint64 {
	return uint64(uint32(fd))<<32 | uint64(gen&0xffffff)<<8 | uint64(kind)
}

func ringSplit(ud uint64) (kind int, fd int, gen uint32) {
	return int(ud & 0xff), int(int32(ud >> 32)), uint32(ud>>8) & 0xffffff
}

// ringState is the loop's part of ring I/O (on ioBatch).
type ringState struct {
	bufs     *uring.BufRing
	gen      uint32
	epArmed  bool
	enabled  bool
	want     uint32           // arrivals a wait asks for (1: wake at the first)
	yielded  time.Time        // last look (ringYield)
	gosched  time.Time        // last yield
	runnable []metrics.Sample // runnableMetric, read by othersRunnable
	noLinger bool             // the kernel has no batching waits
	epReady  bool
	inflight int // sends and file-slot updates queued or submitted, not yet settled
	sendRes  []int32
	events   []ringEvent // completions other than sends, taken in a turn
	arm      []*conn     // connections whose recv or POLLOUT poll is armed at the turn's end
	peeker   BatchPeeker // the handler, if it is one
	// byFD is the loop's ring connections by descriptor (ringRegister to
	// ringForget): a completion finds its connection by an index instead
	// of the connection matrix's map (runtime.mapaccess1_fast64 was 0.6 %
	// of the plain proxy's CPU, two or three look-ups a request).
	byFD []*conn
}

type ringEvent struct {
	ud    uint64
	res   int32
	flags uint32
}

// setupRing sets b up for ring I/O; false: the kernel cannot (the caller
// sets up batched reads instead).
func (b *ioBatch) setupRing() bool {
	r, err := uring.NewDeferred(ringEntries, ringCQ)
	if err != nil {
		logging.Warnf("gnet: event-loop(%d): ring I/O unavailable (%v)", b.el.idx, err)
		return false
	}
	bufs, err := r.RegisterBufRing(ringGroup, ringBufCount, ringBufSize)
	if err != nil {
		logging.Warnf("gnet: event-loop(%d): ring I/O unavailable (%v)", b.el.idx, err)
		r.Close()
		return false
	}
	b.ring = r
	b.iovs = make([]unix.Iovec, 0, r.Cap()*batchMaxSegs)
	b.queued = make([]*conn, 0, r.Cap())
	b.rs = &ringState{
		want:     1,
		bufs:     bufs,
		sendRes:  make([]int32, r.Cap()),
		events:   make([]ringEvent, 0, ringCQ),
		runnable: []metrics.Sample{{Name: runnableMetric}},
		arm:      make([]*conn, 0, 256),
	}
	b.rs.peeker, _ = b.el.eventHandler.(BatchPeeker)
	b.el.poller.SetWaiter(b.ringWait)
	return true
}

// room makes space for n more SQEs, submitting what is queued when the
// ring is full (completions are picked up by the next turn).
func (b *ioBatch) room(n int) {
	if b.ring.Room() >= n {
		return
	}
	b.ringSync()
}

// ringArmRecv arms c's recv at the turn's end (ringArm): a pause later
// in the turn then still keeps it from reading.
func (b *ioBatch) ringArmRecv(c *conn) {
	if c.recvArmed || c.armPending {
		return
	}
	c.armPending = true
	b.rs.arm = append(b.rs.arm, c)
}

// ringArm queues the recvs and POLLOUT polls of the connections that
// still want them (recvs poll first: each is armed after the bytes before
// were handled, and the kernel checks readiness as it arms).
func (b *ioBatch) ringArm() {
	rs := b.rs
	for i := 0; i < len(rs.arm); i++ { // a sync (room) may add to it
		c := rs.arm[i]
		rs.arm[i] = nil
		recv, out := c.armPending, c.outPending
		c.armPending, c.outPending = false, false
		if !c.opened {
			continue // closed (registration opens it before the turn ends)
		}
		if recv && !c.recvArmed && !c.readPaused {
			b.room(1)
			b.ring.QueueRecvSelect(c.fd, c.ringFixed, ringGroup, ringUD(ringKindRecv, c.fd, c.ringGen), true)
			c.recvArmed = true
		}
		if out && !c.outArmed && !c.outboundBuffer.IsEmpty() {
			b.room(1)
			b.ring.QueuePoll(c.fd, c.ringFixed, unix.POLLOUT, ringUD(ringKindPollOut, c.fd, c.ringGen))
			c.outArmed = true
		}
	}
	rs.arm = rs.arm[:0]
}

// ringCancelRecv ends c's armed recv (PauseRead; one not armed yet is
// skipped by ringArm); its last completion comes later.
func (b *ioBatch) ringCancelRecv(c *conn) {
	if c.recvArmed {
		b.ringCancel(c, ringKindRecv)
	}
}

// ringCancel queues the cancel of c's operation of kind.
func (b *ioBatch) ringCancel(c *conn, kind int) {
	b.room(1)
	b.ring.QueueCancel(ringUD(kind, c.fd, c.ringGen), ringUD(ringKindCancel, c.fd, c.ringGen))
}

// ringArmPollOut asks for POLLOUT on c (the kernel refused some bytes),
// at the turn's end (ringArm): it may come from settling a send, when the
// ring must not be entered.
func (b *ioBatch) ringArmPollOut(c *conn) {
	if c.outArmed || c.outPending {
		return
	}
	c.outPending = true
	b.rs.arm = append(b.rs.arm, c)
}

// ringRegister takes c into ring I/O (instead of epoll); false: not for
// this loop or connection.
func (b *ioBatch) ringRegister(c *conn) bool {
	if b == nil || b.rs == nil || c.isDatagram {
		return false
	}
	b.rs.gen++
	c.ringGen = b.rs.gen
	c.inRing = true
	// The connection's operations name its registered slot (its
	// descriptor's number), filled ahead of them; see PATCHES.md.
	if c.fd < int(b.ring.Files()) {
		b.ringSlot(c, c.fd)
		c.ringFixed = true
	}
	if c.fd >= len(b.rs.byFD) {
		b.rs.byFD = append(b.rs.byFD, make([]*conn, c.fd+1-len(b.rs.byFD))...)
	}
	b.rs.byFD[c.fd] = c
	if !c.readPaused {
		b.ringArmRecv(c)
	}
	return true
}

// ringForget cancels what c has in flight before its descriptor closes.
func (b *ioBatch) ringForget(c *conn) {
	if c.fd < len(b.rs.byFD) && b.rs.byFD[c.fd] == c {
		b.rs.byFD[c.fd] = nil
	}
	if c.recvArmed {
		b.ringCancel(c, ringKindRecv)
		c.recvArmed = false
	}
	if c.outArmed {
		b.ringCancel(c, ringKindPollOut)
		c.outArmed = false
	}
	if c.ringFixed {
		// Emptied after the cancels; the slot's reference keeps the socket
		// open until then, as the cancels do.
		b.ringSlot(c, -1)
		c.ringFixed = false
	}
}

// ringSlot queues setting c's registered slot to fd (-1 empties it); its
// completion counts with the sends (inflight).
func (b *ioBatch) ringSlot(c *conn, fd int) {
	b.room(1)
	b.ring.QueueFilesUpdate(c.fd, fd, ringUD(ringKindFiles, c.fd, c.ringGen))
	b.rs.inflight++
}

// ringFlush queues the sends of list (the dirty connections); they go to
// the kernel with the next enter. With sync, that enter is now and they
// are settled before it returns (the arena is full, or the caller is not
// the batch's end).
func (b *ioBatch) ringFlush(list []*conn, sync bool) {
	rs := b.rs
	for _, c := range list {
		c.dirty = false
		if !c.opened || c.pendLen == 0 {
			c.clearPend()
			continue
		}
		if len(b.queued) == cap(b.queued) || b.ring.Room() < 1 {
			b.ringSync()
		}
		i := len(b.queued)
		rs.sendRes[i] = -int32(unix.EIO)
		b.ring.QueueSendTo(c.fd, c.ringFixed, b.pendIovs(c), uint64(i)<<8|ringKindSend)
		b.queued = append(b.queued, c)
		rs.inflight++
	}
	if sync {
		b.ringSync()
	}
}

// ringSync submits what is queued without waiting and settles the sends
// (each completes or fails with EAGAIN within the call); other
// completions are kept for the turn.
func (b *ioBatch) ringSync() {
	if err := b.ring.Enter(0); err != nil {
		logging.Warnf("gnet: event-loop(%d): %v", b.el.idx, err)
	}
	b.ringSettleSends()
}

// ringSettleSends takes the posted completions and, once every queued
// send's is in, applies their outcomes (they complete inline,
// MSG_DONTWAIT, on the kernels ring I/O needs; should one not be posted
// yet, it waits for it). The caller frees the arena and closes the failed.
func (b *ioBatch) ringSettleSends() {
	b.ringReap()
	for b.rs.inflight > 0 {
		if err := b.ring.Enter(1); err != nil {
			// The outcome is lost: the stream's state is unknown, so the
			// sends fail (their results stay EIO), as in Submit.
			logging.Warnf("gnet: event-loop(%d): %v", b.el.idx, err)
			b.rs.inflight = 0
			break
		}
		b.ringReap()
	}
	for i, c := range b.queued {
		res := b.rs.sendRes[i]
		var err error
		n := int(res)
		if res < 0 {
			n, err = 0, unix.Errno(-res)
		}
		b.settle(c, n, err)
		b.queued[i] = nil
	}
	b.queued = b.queued[:0]
	b.iovs = b.iovs[:0]
}

// ringReap takes every posted completion: sends' results by index, the
// others kept for ringEvents.
func (b *ioBatch) ringReap() {
	rs := b.rs
	for {
		ud, res, flags, ok := b.ring.Pop()
		if !ok {
			break
		}
		switch kind := int(ud & 0xff); kind {
		case ringKindSend:
			rs.sendRes[ud>>8] = res
			rs.settled()
		case ringKindEpoll:
			rs.epArmed, rs.epReady = false, true
		case ringKindCancel:
		case ringKindFiles:
			rs.settled()
			if res < 0 {
				// The slot's operations fail (EBADF) and close the
				// connection: reported, not silent.
				logging.Warnf("gnet: event-loop(%d): registered file update for fd %d: %v", b.el.idx, int32(ud>>32), unix.Errno(-res))
			}
		default:
			rs.events = append(rs.events, ringEvent{ud, res, flags})
		}
	}
}

// settled counts one send's or file update's completion in. After a
// failed settle gave up on the rest (inflight 0), a late one is not
// counted below zero: a wait would then ask for 2^32 completions.
func (rs *ringState) settled() {
	if rs.inflight > 0 {
		rs.inflight--
	}
}

// ringWait is the loop's wait (netpoll.Poller.SetWaiter): hand the queued
// operations to the kernel, wait for at least one completion beyond the
// sends' own, and handle them; true when epoll has events.
func (b *ioBatch) ringWait() (bool, error) {
	rs := b.rs
	// The loop keeps its thread, so a yield hands the P to another thread
	// and back (two thread switches): yield once a ringYield when other
	// goroutines are ready (TLS handshakes), and once a ringYieldIdle
	// anyway (timers: the access log's writer drains on one); a wait that
	// blocks lets them run too.
	if now := time.Now(); now.Sub(rs.yielded) >= ringYield {
		rs.yielded = now
		if now.Sub(rs.gosched) >= ringYieldIdle || rs.othersRunnable() {
			rs.gosched = now
			runtime.Gosched()
		}
	}
	if !rs.enabled {
		// The loop's goroutine is locked to its thread (ringLocked), the
		// ring's one issuer from here on.
		if err := b.ring.Enable(); err != nil {
			return false, err
		}
		rs.enabled = true
		n := uint64(ringFiles)
		var lim unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur < n {
			n = lim.Cur
		}
		if err := b.ring.RegisterFiles(uint32(n)); err != nil {
			logging.Warnf("gnet: event-loop(%d): no registered files, operations name descriptors (%v)", b.el.idx, err)
		}
	}
	if !rs.epArmed {
		b.room(1)
		b.ring.QueuePoll(b.el.poller.FD(), false, unix.POLLIN, ringKindEpoll)
		rs.epArmed = true
	}
	b.ringArm()
	rs.bufs.Publish()
	wait := uint32(1)
	if len(rs.events) > 0 || rs.epReady {
		wait = 0 // a sync during the last turn took completions: handle them first
	} else {
		wait += uint32(rs.inflight)
	}
	var err error
	if wait > 0 && rs.want > 1 {
		// Busy: wait a little for more than one arrival (see want).
		if err = b.ring.EnterMin(wait+rs.want-1, ringLingerUs, ringLingerBoundUs, true); errors.Is(err, unix.EINVAL) {
			logging.Warnf("gnet: event-loop(%d): batching waits unavailable (%v)", b.el.idx, err)
			rs.noLinger, rs.want, err = true, 1, b.ring.Enter(wait)
		}
	} else {
		err = b.ring.Enter(wait)
	}
	if err != nil {
		logging.Warnf("gnet: event-loop(%d): %v", b.el.idx, err)
	}
	b.ringSettleSends()
	if len(b.dirty) == 0 {
		b.arena = b.arena[:0] // the last batch's sends are settled
	}
	b.closeFailed()
	got := uint32(len(rs.events))
	if rs.epReady {
		got++
	}
	if wait > 0 && !rs.noLinger {
		if got >= 2 && b.el.countConn() >= ringLingerConns {
			rs.want = ringLingerMax
		} else {
			rs.want = 1
		}
	}
	err = b.ringEvents()
	ready := rs.epReady
	rs.epReady = false
	return ready, err
}

// othersRunnable reports whether the Go runtime has goroutines ready to
// run (the loop's own is running, so not counted); true when the runtime
// does not say (a kind other than a count: an older or newer runtime).
func (rs *ringState) othersRunnable() bool {
	metrics.Read(rs.runnable)
	v := rs.runnable[0].Value
	return v.Kind() != metrics.KindUint64 || v.Uint64() > 0
}

// ringEvents handles the kept completions in order (more may be added by
// a sync while handling them).
func (b *ioBatch) ringEvents() error {
	rs := b.rs
	var stop error
	if bp := rs.peeker; bp != nil && len(rs.events) > 1 && bp.PeekBatch(b.el) {
		b.ringPeek(bp)
	}
	for i := 0; i < len(rs.events); i++ {
		ev := rs.events[i]
		kind, fd, gen := ringSplit(ev.ud)
		var err error
		switch kind {
		case ringKindRecv:
			err = b.ringRecv(fd, gen, ev.res, ev.flags)
		case ringKindPollOut:
			err = b.ringWritable(fd, gen, ev.res)
		}
		if err != nil && stop == nil && errors.Is(err, errorx.ErrEngineShutdown) {
			stop = err
		}
	}
	rs.events = rs.events[:0]
	return stop
}

// ringPeek shows a batch's received bytes to the handler before any of
// them is handled (BatchPeeker).
func (b *ioBatch) ringPeek(bp BatchPeeker) {
	rs := b.rs
	for _, ev := range rs.events {
		kind, fd, gen := ringSplit(ev.ud)
		if kind != ringKindRecv || ev.res <= 0 || ev.flags&uring.CQEBuffer == 0 {
			continue
		}
		if c := b.ringConn(fd, gen); c != nil && !c.readPaused {
			bp.OnPeek(c, rs.bufs.Buf(uint16(ev.flags >> 16))[:ev.res])
		}
	}
	bp.OnPeekEnd(b.el)
}

// ringConn is the open connection a completion belongs to, or nil.
func (b *ioBatch) ringConn(fd int, gen uint32) *conn {
	if fd < 0 || fd >= len(b.rs.byFD) {
		return nil
	}
	c := b.rs.byFD[fd]
	if c == nil || !c.inRing || c.ringGen&0xffffff != gen {
		return nil
	}
	return c
}

// ringRecv handles a recv completion: bytes to OnTraffic (as
// eventloop.read), EOF or an error closes, and the recv is armed again
// unless reading is paused or the connection closed.
func (b *ioBatch) ringRecv(fd int, gen uint32, res int32, flags uint32) error {
	bufs := b.rs.bufs
	var data []byte
	if flags&uring.CQEBuffer != 0 {
		bid := uint16(flags >> 16)
		defer bufs.Recycle(bid)
		if res > 0 {
			data = bufs.Buf(bid)[:res]
		}
	}
	c := b.ringConn(fd, gen)
	if c == nil {
		return nil // closed meanwhile
	}
	c.recvArmed = false
	var err error
	switch {
	case res > 0:
		err = b.el.readDone(c, data, nil)
	case res == 0:
		err = b.el.readDone(c, nil, nil) // EOF
	case res == -int32(unix.ECANCELED), res == -int32(unix.ENOBUFS):
	default:
		err = b.el.close(c, os.NewSyscallError("recv", unix.Errno(-res)))
	}
	if c.opened && c.inRing && !c.recvArmed && !c.readPaused {
		b.ringArmRecv(c)
	}
	return err
}

// ringWritable handles POLLOUT: the outbound buffer goes out as
// eventloop.write sends it, and the poll is armed again while bytes
// remain.
func (b *ioBatch) ringWritable(fd int, gen uint32, res int32) error {
	c := b.ringConn(fd, gen)
	if c == nil {
		return nil
	}
	c.outArmed = false
	if res == -int32(unix.ECANCELED) {
		return nil
	}
	if err := b.el.write(c); err != nil {
		return err
	}
	if c.opened && !c.outboundBuffer.IsEmpty() {
		b.ringArmPollOut(c)
	}
	return nil
}

// ringPause and ringResume are PauseRead and ResumeRead for a connection
// in the ring. A pause in the connection's own OnTraffic finds no recv
// armed; one from elsewhere cancels it (bytes it took before the cancel
// wait in the inbound buffer, as bytes that came before a pause).
func (c *conn) ringPause() error {
	c.loop.batch.ringCancelRecv(c)
	return nil
}

func (c *conn) ringResume() error {
	c.loop.batch.ringArmRecv(c)
	if !c.outboundBuffer.IsEmpty() {
		c.loop.batch.ringArmPollOut(c)
	}
	return nil
}

// ringLocked reports whether the loop's goroutine must keep its thread:
// the ring has one issuer (uring.NewDeferred).
func (b *ioBatch) ringLocked() bool { return b != nil && b.rs != nil }

// RingIO reports whether the engine's loops wait in io_uring (WithRingIO,
// set up).
func (e Engine) RingIO() bool {
	if e.Validate() != nil {
		return false
	}
	return e.eng.ringIO.Load()
}
