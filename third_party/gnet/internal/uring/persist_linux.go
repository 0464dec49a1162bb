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

package uring

import (
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Operations that stay in flight between calls (the event loop's ring
// mode): a recv per connection into a ring of provided buffers,
// one-shot polls, cancels, and sendmsg tagged by the caller. They are
// queued with Queue*, handed to the kernel by Enter, which may also wait,
// and their completions read one by one with Pop, each carrying the
// user data it was queued with. The caller must not mix these with
// Submit, whose completions are found by index.

// Completion flags (IORING_CQE_F_*).
const (
	CQEBuffer = 1 << 0 // the completion used a provided buffer: its id is flags >> 16
)

const (
	setupCQSize       = 1 << 3  // IORING_SETUP_CQSIZE
	setupRDisabled    = 1 << 6  // IORING_SETUP_R_DISABLED: enabled later, by the issuing thread
	setupSingleIssuer = 1 << 12 // IORING_SETUP_SINGLE_ISSUER (6.0)
	setupDeferTaskrun = 1 << 13 // IORING_SETUP_DEFER_TASKRUN (6.1)

	registerEnableRings = 12
	registerFiles2      = 13     // IORING_REGISTER_FILES2 (5.13)
	rsrcRegisterSparse  = 1 << 0 // IORING_RSRC_REGISTER_SPARSE (5.19)
	enterExtArg         = 1 << 3

	opFilesUpdate = 20     // IORING_OP_FILES_UPDATE
	sqeFixedFile  = 1 << 0 // IOSQE_FIXED_FILE
)

// RegisterFiles gives the ring an empty table of n registered files
// (Linux 5.19). An operation queued with fixed set names a table slot
// instead of a descriptor, which spares the kernel a look-up and a
// reference count (fget, fput) per operation. Slots are filled and
// emptied with QueueFilesUpdate. The kernel refuses n = 0 or past 1<<20
// (EINVAL) and past the process's RLIMIT_NOFILE (EMFILE).
func (r *Ring) RegisterFiles(n uint32) error {
	reg := struct { // struct io_uring_rsrc_register
		nr, flags uint32
		resv2     uint64
		data      uint64
		tags      uint64
	}{nr: n, flags: rsrcRegisterSparse}
	if _, _, errno := unix.Syscall6(sysRegister, uintptr(r.fd), registerFiles2, uintptr(unsafe.Pointer(&reg)), unsafe.Sizeof(reg), 0, 0); errno != 0 {
		return os.NewSyscallError("io_uring_register", errno)
	}
	r.files = n
	return nil
}

// Files is the size of the registered file table (0: none).
func (r *Ring) Files() uint32 { return r.files }

// QueueFilesUpdate queues setting table slot to descriptor fd (-1 empties
// it; the table's reference to the file is dropped then). It runs when
// the kernel takes it, before any operation queued after it: an
// operation on the slot may be queued right behind it. The completion
// carries ud.
func (r *Ring) QueueFilesUpdate(slot int, fd int, ud uint64) {
	i := (*r.sqTail + r.queued) & *r.sqMask
	r.push(sqe{
		opcode:   opFilesUpdate,
		fd:       -1,
		off:      uint64(slot),
		addr:     uint64(uintptr(unsafe.Pointer(&r.updFD[i]))),
		len:      1,
		userData: ud,
	})
	// The kernel reads the value when it takes the operation: it lives in
	// the SQE's own cell, which a later operation reuses only after this
	// one was taken.
	r.updFD[i] = int32(fd)
}

// fixedFlag is the SQE flag that makes its fd a registered slot.
func fixedFlag(fixed bool) uint8 {
	if fixed {
		return sqeFixedFile
	}
	return 0
}

// NewDeferred sets up a ring with a completion queue of cq entries (a
// power of two, at least entries) whose completions are posted only when
// its one issuing thread waits for them (IORING_SETUP_DEFER_TASKRUN,
// Linux 6.1): a waiter is woken once as many have come as it asked for,
// not once per arrival. The ring starts disabled: the thread that will
// issue every call enables it (Enable) and must stay the only one
// (runtime.LockOSThread).
func NewDeferred(entries, cq uint32) (*Ring, error) {
	p := params{flags: setupSubmitAll | setupCQSize | setupRDisabled | setupSingleIssuer | setupDeferTaskrun, cqEntries: cq}
	return setup(entries, &p)
}

// Enable binds a ring set up by NewDeferred to the calling thread and
// starts it.
func (r *Ring) Enable() error {
	if _, _, errno := unix.Syscall6(sysRegister, uintptr(r.fd), registerEnableRings, 0, 0, 0, 0); errno != 0 {
		return os.NewSyscallError("io_uring_register", errno)
	}
	return nil
}

// getEventsArg is struct io_uring_getevents_arg.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// Room is how many more operations can be queued before Enter.
func (r *Ring) Room() int {
	used := *r.sqTail + r.queued - atomic.LoadUint32(r.sqHead)
	return int(r.entries - used)
}

// push queues s; the caller has checked Room.
func (r *Ring) push(s sqe) {
	if r.Room() <= 0 {
		panic("uring: queue full")
	}
	r.sqes[(*r.sqTail+r.queued)&*r.sqMask] = s
	r.queued++
}

// QueueSendTo queues the sending of iov's bytes to fd (MSG_DONTWAIT |
// MSG_NOSIGNAL; fd a registered slot with fixed) with user data ud; see
// sendSQE. The bytes must stay untouched until the completion is popped;
// iov itself and the message header only until the next enter, which
// hands the operation to the kernel.
func (r *Ring) QueueSendTo(fd int, fixed bool, iov []unix.Iovec, ud uint64) {
	r.push(sendSQE(fd, fixed, iov, &r.msgs[(*r.sqTail+r.queued)&*r.sqMask], ud))
}

// QueueRecvSelect queues one recv on fd into a buffer of group, chosen
// when bytes are there (Linux 5.19). With pollFirst the kernel waits for
// readiness before trying (IORING_RECVSEND_POLL_FIRST: no failed attempt
// when the caller knows nothing is there yet). It completes once: with
// the bytes (CQEBuffer set), 0 at EOF, or an error (ENOBUFS: the group ran
// dry). fd is a registered slot with fixed.
func (r *Ring) QueueRecvSelect(fd int, fixed bool, group uint16, ud uint64, pollFirst bool) {
	var prio uint16
	if pollFirst {
		prio = recvPollFirst
	}
	r.push(sqe{
		opcode:   opRecv,
		flags:    sqeBufferSelect | fixedFlag(fixed),
		ioprio:   prio,
		fd:       int32(fd),
		bufIndex: group,
		userData: ud,
	})
}

// QueuePoll queues a one-shot poll of fd for events (POLLIN, POLLOUT);
// fd is a registered slot with fixed.
func (r *Ring) QueuePoll(fd int, fixed bool, events uint32, ud uint64) {
	r.push(sqe{
		opcode:   opPollAdd,
		flags:    fixedFlag(fixed),
		fd:       int32(fd),
		msgFlags: events, // poll32_events
		userData: ud,
	})
}

// QueueCancel queues the cancel of the operation queued with user data
// target; its own completion carries ud.
func (r *Ring) QueueCancel(target, ud uint64) {
	r.push(sqe{
		opcode:   opAsyncCancel,
		fd:       -1,
		addr:     target,
		userData: ud,
	})
}

// Enter hands every queued operation to the kernel and, with wait > 0,
// returns once the completion queue holds at least wait completions (or a
// signal interrupted the wait: the caller pops what is there and comes
// back). Operations the kernel could not take yet stay queued for the
// next Enter.
func (r *Ring) Enter(wait uint32) error {
	if wait == 0 {
		// Nothing to wait for: every operation queued here either
		// completes at once (MSG_DONTWAIT, cancels) or is armed, so the
		// call does not block and need not tell the Go scheduler.
		return r.enter(0, 0, 0, 0, true)
	}
	return r.enter(wait, enterGetEvents, 0, 0, false)
}

// enter hands the queued operations to the kernel in one io_uring_enter
// (Enter, EnterMin). A signal's EINTR, or ETIME of a wait's bound, is
// not an error: the caller pops what is there and comes back.
func (r *Ring) enter(wait uint32, flags, arg, argSz uintptr, raw bool) error {
	if n := r.queued; n > 0 {
		r.queued = 0
		atomic.StoreUint32(r.sqTail, *r.sqTail+n)
		r.unsub += n
	}
	if r.unsub == 0 && wait == 0 {
		return nil
	}
	call := unix.Syscall6
	if raw {
		call = unix.RawSyscall6
	}
	got, _, errno := call(sysEnter, uintptr(r.fd), uintptr(r.unsub), uintptr(wait), flags, arg, argSz)
	switch errno {
	case 0:
		if uint32(got) < r.unsub {
			r.unsub -= uint32(got)
		} else {
			r.unsub = 0
		}
		return nil
	case unix.EINTR, unix.ETIME:
		return nil
	}
	return os.NewSyscallError("io_uring_enter", errno)
}

// EnterMin is Enter with a batching wait (Linux 6.12,
// IORING_ENTER_EXT_ARG's min_wait_usec): wait for up to minWaitUs
// microseconds for wait completions; once that time has passed, return
// as soon as there is at least one, and after maxUs in any case. With
// raw the call is made without telling the Go scheduler (RawSyscall6):
// its thread keeps its P for the bounded wait instead of having it handed
// to another thread and back, which a wait past 20 µs otherwise costs
// (sysmon retakes it); other goroutines on that P wait meanwhile, so
// maxUs must stay small. EINVAL: the kernel is older.
func (r *Ring) EnterMin(wait, minWaitUs, maxUs uint32, raw bool) error {
	// struct io_uring_getevents_arg: no signal mask, a relative timeout.
	// Both live in the Ring, which does not move, so the kernel's
	// pointers stay good.
	r.waitTs = unix.Timespec{Sec: int64(maxUs / 1e6), Nsec: int64(maxUs%1e6) * 1000}
	r.waitArg = getEventsArg{sigmaskSz: 8, minWait: minWaitUs, ts: uint64(uintptr(unsafe.Pointer(&r.waitTs)))}
	return r.enter(wait, enterGetEvents|enterExtArg, uintptr(unsafe.Pointer(&r.waitArg)), unsafe.Sizeof(r.waitArg), raw)
}

// Pop takes the next completion: its user data, result (bytes, or a
// negated errno) and flags; ok false when there is none.
func (r *Ring) Pop() (ud uint64, res int32, flags uint32, ok bool) {
	head := *r.cqHead
	if head == atomic.LoadUint32(r.cqTail) {
		return 0, 0, 0, false
	}
	c := &r.cqes[head&r.cqMask]
	ud, res, flags = c.userData, c.res, c.flags
	atomic.StoreUint32(r.cqHead, head+1)
	return ud, res, flags, true
}

// BufRing is a ring of provided buffers (Linux 5.19) that recvs with
// buffer select fill: the kernel takes one per completion; the caller
// gives it back with Recycle once done with the bytes, and Publish makes
// the given-back buffers visible to the kernel.
type BufRing struct {
	ring    []byte // count io_uring_buf entries; the tail overlays entry 0's last 2 bytes
	mem     []byte // count buffers of size bytes
	size    int
	mask    uint16
	tail    uint16
	pub     uint16
	entries []bufEntry
}

// bufEntry is struct io_uring_buf.
type bufEntry struct {
	addr uint64
	len  uint32
	bid  uint16
	resv uint16
}

// RegisterBufRing registers count buffers (a power of two, at most
// 32,768) of size bytes as group, all given to the kernel.
func (r *Ring) RegisterBufRing(group uint16, count, size int) (*BufRing, error) {
	if count <= 0 || count > 1<<15 || count&(count-1) != 0 {
		return nil, os.NewSyscallError("io_uring_register", unix.EINVAL)
	}
	b := &BufRing{size: size, mask: uint16(count - 1)}
	var err error
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS
	if b.ring, err = unix.Mmap(-1, 0, count*int(unsafe.Sizeof(bufEntry{})), prot, flags); err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	if b.mem, err = unix.Mmap(-1, 0, count*size, prot, flags); err != nil {
		_ = unix.Munmap(b.ring)
		return nil, os.NewSyscallError("mmap", err)
	}
	b.entries = unsafe.Slice((*bufEntry)(unsafe.Pointer(&b.ring[0])), count)
	reg := struct {
		ringAddr    uint64
		ringEntries uint32
		bgid        uint16
		flags       uint16
		resv        [3]uint64
	}{ringAddr: uint64(uintptr(unsafe.Pointer(&b.ring[0]))), ringEntries: uint32(count), bgid: group}
	if _, _, errno := unix.Syscall6(sysRegister, uintptr(r.fd), registerPbufRing, uintptr(unsafe.Pointer(&reg)), 1, 0, 0); errno != 0 {
		b.free()
		return nil, os.NewSyscallError("io_uring_register", errno)
	}
	for i := 0; i < count; i++ {
		b.Recycle(uint16(i))
	}
	b.Publish()
	return b, nil
}

// Buf is buffer bid, whole.
func (b *BufRing) Buf(bid uint16) []byte {
	off := int(bid) * b.size
	return b.mem[off : off+b.size : off+b.size]
}

// Recycle gives buffer bid back (seen by the kernel after Publish).
func (b *BufRing) Recycle(bid uint16) {
	e := &b.entries[b.tail&b.mask]
	e.addr = uint64(uintptr(unsafe.Pointer(&b.mem[int(bid)*b.size])))
	e.len = uint32(b.size)
	e.bid = bid
	b.tail++
}

// Publish makes the recycled buffers visible to the kernel. The tail is
// the 16 bits after entry 0's bid; both are written here as one 32-bit
// store, which orders the entries' writes before it.
func (b *BufRing) Publish() {
	if b.pub == b.tail {
		return
	}
	b.pub = b.tail
	w := (*uint32)(unsafe.Pointer(&b.ring[12]))
	atomic.StoreUint32(w, uint32(b.entries[0].bid)|uint32(b.tail)<<16)
}

// free unmaps the buffers; after the ring closed (the kernel drops the
// registration with it).
func (b *BufRing) free() {
	if b.ring != nil {
		_ = unix.Munmap(b.ring)
		b.ring = nil
	}
	if b.mem != nil {
		_ = unix.Munmap(b.mem)
		b.mem = nil
	}
	b.entries = nil
}

// CloseWith closes r and then frees b's memory, which the kernel may use
// until the ring is gone.
func (b *BufRing) CloseWith(r *Ring) {
	r.Close()
	b.free()
}
