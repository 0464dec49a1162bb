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

// Package uring is the smallest io_uring an event loop needs to hand the
// kernel many socket reads or writes in one system call: sendmsg and recv
// only, submitted with MSG_DONTWAIT and waited for in the same
// io_uring_enter, so that every one completes (or fails with EAGAIN)
// before Submit returns and the caller's buffers are free again. No
// SQPOLL, no registered buffers, nothing left in flight between calls.
//
// A Ring belongs to one goroutine (an event loop); it is not safe for
// concurrent use.
package uring

import (
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Kernel ABI (include/uapi/linux/io_uring.h).
const (
	sysSetup = 425
	sysEnter = 426

	opPollAdd     = 6
	opSendmsg     = 9
	opAsyncCancel = 14
	opSend        = 26
	opRecv        = 27

	sysRegister      = 427
	registerPbufRing = 22

	sqeBufferSelect = 1 << 5 // IOSQE_BUFFER_SELECT
	recvPollFirst   = 1 << 0 // IORING_RECVSEND_POLL_FIRST (in sqe.ioprio)

	enterGetEvents = 1 << 0

	setupSubmitAll   = 1 << 7 // 5.18: keep submitting past a failed SQE
	setupCoopTaskrun = 1 << 8 // 5.19: no IPI to run completions

	featSingleMmap = 1 << 0

	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqringOffsets
	cqOff                                                                  cqringOffsets
}

// sqe is struct io_uring_sqe (64 bytes).
type sqe struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	msgFlags uint32
	userData uint64
	bufIndex uint16
	pers     uint16
	spliceFd int32
	addr3    uint64
	pad      uint64
}

// cqe is struct io_uring_cqe (16 bytes).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// Ring is one io_uring instance.
type Ring struct {
	fd      int
	entries uint32

	sqMem, cqMem, sqeMem []byte
	cqOwn                bool // cqMem is a mapping of its own (no IORING_FEAT_SINGLE_MMAP)
	sqHead, sqTail       *uint32
	sqMask               *uint32
	cqHead, cqTail       *uint32
	cqMask               uint32
	sqes                 []sqe
	cqes                 []cqe

	queued uint32 // SQEs written since the last Submit
	unsub  uint32 // SQEs past the tail the kernel has not taken yet (Enter)

	waitArg getEventsArg  // EnterMin's argument
	waitTs  unix.Timespec // and its timeout
	msgs    []unix.Msghdr // sendmsg headers by SQE index, kept for the kernel until it takes them
	res     []int32       // results by SQE index of the last Submit
	files   uint32        // registered file table's size (RegisterFiles)
	updFD   []int32       // QueueFilesUpdate's values, by SQE index
}

// New sets up a ring with room for entries operations per Submit (a power
// of two; the kernel rounds up). It fails where io_uring is absent, older
// than Linux 5.19, disabled (kernel.io_uring_disabled) or filtered
// (seccomp).
func New(entries uint32) (*Ring, error) {
	// Both flags need Linux 5.19, which is also well past the kernels
	// where MSG_DONTWAIT could still be punted to a worker instead of
	// failing with EAGAIN (older ones answer EINVAL: not used).
	p := params{flags: setupSubmitAll | setupCoopTaskrun}
	r, err := setup(entries, &p)
	if err != nil {
		return nil, err
	}
	r.res = make([]int32, r.entries)
	return r, nil
}

// setup makes a ring with params p and maps it.
func setup(entries uint32, p *params) (*Ring, error) {
	fd, _, errno := unix.Syscall(sysSetup, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return nil, os.NewSyscallError("io_uring_setup", errno)
	}
	r := &Ring{fd: int(fd), entries: p.sqEntries, msgs: make([]unix.Msghdr, p.sqEntries), updFD: make([]int32, p.sqEntries)}
	if err := r.mmap(p); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Ring) mmap(p *params) error {
	sqSize := int(p.sqOff.array + p.sqEntries*4)
	cqSize := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(cqe{})))
	single := p.features&featSingleMmap != 0
	if single && cqSize > sqSize {
		sqSize = cqSize
	}
	var err error
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, prot, flags); err != nil {
		return os.NewSyscallError("mmap", err)
	}
	r.cqMem = r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, prot, flags); err != nil {
			r.cqMem = nil
			return os.NewSyscallError("mmap", err)
		}
		r.cqOwn = true
	}
	sqeSize := int(p.sqEntries) * int(unsafe.Sizeof(sqe{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeSize, prot, flags); err != nil {
		return os.NewSyscallError("mmap", err)
	}
	r.sqHead = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.head]))
	r.sqTail = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.tail]))
	r.sqMask = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.ringMask]))
	r.cqHead = (*uint32)(unsafe.Pointer(&r.cqMem[p.cqOff.head]))
	r.cqTail = (*uint32)(unsafe.Pointer(&r.cqMem[p.cqOff.tail]))
	r.cqMask = *(*uint32)(unsafe.Pointer(&r.cqMem[p.cqOff.ringMask]))
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), p.cqEntries)
	// The SQ index array maps ring slots to SQEs one to one, for good.
	array := unsafe.Slice((*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.array])), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	return nil
}

// Close releases the ring.
func (r *Ring) Close() {
	maps := [][]byte{r.sqeMem, r.sqMem}
	if r.cqOwn {
		maps = append(maps, r.cqMem)
	}
	for _, m := range maps {
		if m != nil {
			_ = unix.Munmap(m)
		}
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	if r.fd >= 0 {
		_ = unix.Close(r.fd)
		r.fd = -1
	}
}

// Cap is how many writes one Submit takes.
func (r *Ring) Cap() int { return int(r.entries) }

// Queued is how many writes wait for Submit.
func (r *Ring) Queued() int { return int(r.queued) }

// QueueSendmsg queues sendmsg(fd, iov, MSG_DONTWAIT|MSG_NOSIGNAL) (send
// for one piece: sendSQE) and
// returns its index for Result. iov and the memory it points to must stay
// untouched until Submit returns. It panics when the ring is full: check
// Queued against Cap.
func (r *Ring) QueueSendmsg(fd int, iov []unix.Iovec) int {
	i := r.queued
	if i >= r.entries {
		panic("uring: queue full")
	}
	r.sqes[(*r.sqTail+i)&*r.sqMask] = sendSQE(fd, false, iov, &r.msgs[i], uint64(i))
	r.queued++
	return int(i)
}

// sendSQE is the operation that sends iov's bytes: one piece as send,
// which spares the kernel sendmsg's header and iovec copies
// (io_msg_copy_hdr, copy_iovec_from_user and kin: 0.8 % of the plain
// proxy's samples in perf record, 2026-12-07); several as sendmsg with
// m as its header (the kernel copies m and iov when it takes the
// operation).
func sendSQE(fd int, fixed bool, iov []unix.Iovec, m *unix.Msghdr, ud uint64) sqe {
	s := sqe{flags: fixedFlag(fixed), fd: int32(fd), msgFlags: unix.MSG_DONTWAIT | unix.MSG_NOSIGNAL, userData: ud}
	if len(iov) == 1 {
		s.opcode, s.addr, s.len = opSend, uint64(uintptr(unsafe.Pointer(iov[0].Base))), uint32(iov[0].Len)
		return s
	}
	*m = unix.Msghdr{Iov: &iov[0]}
	m.SetIovlen(len(iov))
	s.opcode, s.addr, s.len = opSendmsg, uint64(uintptr(unsafe.Pointer(m))), 1
	return s
}

// QueueRecv queues recv(fd, buf, MSG_DONTWAIT) and returns its index for
// Result (0 bytes: the peer's EOF). buf must stay untouched until Submit
// returns. It panics when the ring is full.
func (r *Ring) QueueRecv(fd int, buf []byte) int {
	i := r.queued
	if i >= r.entries {
		panic("uring: queue full")
	}
	tail := *r.sqTail + i
	s := &r.sqes[tail&*r.sqMask]
	*s = sqe{
		opcode:   opRecv,
		fd:       int32(fd),
		addr:     uint64(uintptr(unsafe.Pointer(&buf[0]))),
		len:      uint32(len(buf)),
		msgFlags: unix.MSG_DONTWAIT,
		userData: uint64(i),
	}
	r.queued++
	return int(i)
}

// Submit hands every queued operation to the kernel in one io_uring_enter
// and waits for all of them; Result then tells each one's outcome. The
// kernel tries each once without blocking (MSG_DONTWAIT), so the wait ends
// as soon as they have been tried. One the kernel did not take reports
// EAGAIN (nothing happened: try again later); one whose outcome is lost
// reports EIO (the stream's state is unknown).
func (r *Ring) Submit() error {
	n := r.queued
	if n == 0 {
		return nil
	}
	r.queued = 0
	for i := uint32(0); i < n; i++ {
		r.res[i] = -int32(unix.EIO)
	}
	tail := *r.sqTail
	atomic.StoreUint32(r.sqTail, tail+n)
	submitted := uint32(0)
	var err error
	for submitted < n {
		got, _, errno := unix.Syscall6(sysEnter, uintptr(r.fd), uintptr(n-submitted), uintptr(n-submitted), enterGetEvents, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			// The kernel took none of the rest: take them back.
			for i := submitted; i < n; i++ {
				r.res[i] = -int32(unix.EAGAIN)
			}
			atomic.StoreUint32(r.sqTail, tail+submitted)
			err = os.NewSyscallError("io_uring_enter", errno)
			break
		}
		submitted += uint32(got)
	}
	if rerr := r.reap(submitted); err == nil {
		err = rerr
	}
	return err
}

// reap collects n completions.
func (r *Ring) reap(n uint32) error {
	for seen := uint32(0); seen < n; {
		head := atomic.LoadUint32(r.cqHead)
		tail := atomic.LoadUint32(r.cqTail)
		if head == tail {
			// Not all posted yet (inline sends are; wait for the rest).
			_, _, errno := unix.Syscall6(sysEnter, uintptr(r.fd), 0, uintptr(n-seen), enterGetEvents, 0, 0)
			if errno != 0 && errno != unix.EINTR {
				return os.NewSyscallError("io_uring_enter", errno)
			}
			continue
		}
		for ; head != tail; head++ {
			c := &r.cqes[head&r.cqMask]
			if c.userData < uint64(len(r.res)) {
				r.res[c.userData] = c.res
			}
			seen++
		}
		atomic.StoreUint32(r.cqHead, head)
	}
	return nil
}

// Result is the outcome of the operation queued at index i by the last
// Submit: bytes sent or received, or the errno.
func (r *Ring) Result(i int) (int, error) {
	res := r.res[i]
	if res < 0 {
		return 0, syscall.Errno(-res)
	}
	return int(res), nil
}
