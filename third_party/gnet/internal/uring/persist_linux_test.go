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
	"errors"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newPersistRing is a deferred ring enabled on the test's thread (locked
// to it until the test ends).
func newPersistRing(t *testing.T) (*Ring, *BufRing) {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	r, err := NewDeferred(8, 64)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("the kernel refuses io_uring: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.RegisterBufRing(3, 4, 8)
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	if err := r.Enable(); err != nil {
		b.CloseWith(r)
		t.Fatal(err)
	}
	t.Cleanup(func() { b.CloseWith(r) })
	return r, b
}

// enterFor enters the ring until n completions came and pops them (a
// wait a signal ended early is tried again, at most three times).
func enterFor(t *testing.T, r *Ring, n int) []completion {
	t.Helper()
	var cs []completion
	for try := 0; try < 4 && len(cs) < n; try++ {
		if err := r.Enter(uint32(n - len(cs))); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, popAll(r)...)
	}
	return cs
}

type completion struct {
	ud    uint64
	res   int32
	flags uint32
}

func popAll(r *Ring) (cs []completion) {
	for {
		ud, res, flags, ok := r.Pop()
		if !ok {
			return cs
		}
		cs = append(cs, completion{ud, res, flags})
	}
}

// A recv with buffer select waits (poll first) for bytes, fills one
// provided buffer and completes once; with the group dry it fails with
// ENOBUFS and works again once buffers come back; a cancel ends a waiting
// one.
func TestRecvSelectBuffers(t *testing.T) {
	r, b := newPersistRing(t)
	a, c := socketpair(t)
	r.QueueRecvSelect(a, false, 3, 7, true)
	if err := r.Enter(0); err != nil {
		t.Fatal(err)
	}
	if cs := popAll(r); len(cs) != 0 {
		t.Fatalf("completions before any data: %+v", cs)
	}
	if _, err := unix.Write(c, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	cs := enterFor(t, r, 1)
	if len(cs) != 1 || cs[0].ud != 7 || cs[0].res != 5 || cs[0].flags&CQEBuffer == 0 {
		t.Fatalf("first arrival: %+v", cs)
	}
	first := uint16(cs[0].flags >> 16)
	if got := string(b.Buf(first)[:5]); got != "hello" {
		t.Fatalf("buffer holds %q", got)
	}
	// 40 bytes, 8 a buffer: three more recvs take the other three
	// buffers, the fourth finds the group dry.
	if _, err := unix.Write(c, make([]byte, 40)); err != nil {
		t.Fatal(err)
	}
	var bids []uint16
	for i := 0; i < 4; i++ {
		r.QueueRecvSelect(a, false, 3, uint64(10+i), false)
		cs = enterFor(t, r, 1)
		if len(cs) != 1 {
			t.Fatalf("recv %d: %+v", i, cs)
		}
		if i < 3 {
			if cs[0].res != 8 || cs[0].flags&CQEBuffer == 0 {
				t.Fatalf("recv %d: %+v", i, cs[0])
			}
			bids = append(bids, uint16(cs[0].flags>>16))
		} else if cs[0].res != -int32(unix.ENOBUFS) {
			t.Fatalf("recv with the group dry: %+v", cs[0])
		}
	}
	for _, bid := range append(bids, first) {
		b.Recycle(bid)
	}
	b.Publish()
	r.QueueRecvSelect(a, false, 3, 20, true)
	if cs = enterFor(t, r, 1); len(cs) != 1 || cs[0].res != 8 || cs[0].flags&CQEBuffer == 0 {
		t.Fatalf("after the buffers came back: %+v", cs)
	}
	// Drain the rest, then a waiting recv is cancelled.
	if n, _ := unix.Read(a, make([]byte, 64)); n != 8 {
		t.Fatalf("left in the socket: %d bytes, want 8", n)
	}
	r.QueueRecvSelect(a, false, 3, 30, true)
	r.QueueCancel(30, 31)
	got := map[uint64]int32{}
	for _, x := range enterFor(t, r, 2) {
		got[x.ud] = x.res
	}
	if got[30] != -int32(unix.ECANCELED) || got[31] != 0 {
		t.Fatalf("cancel: %v", got)
	}
}

// EOF completes a recv with 0; a poll for POLLOUT on a writable socket
// completes at once; sendmsg reports its bytes.
func TestRecvEOFPollSend(t *testing.T) {
	r, _ := newPersistRing(t)
	a, c := socketpair(t)
	r.QueueRecvSelect(a, false, 3, 1, true)
	r.QueuePoll(a, false, unix.POLLOUT, 2)
	r.QueueSendTo(a, false, iovs("pi", "ng"), 3) // sendmsg
	r.QueueSendTo(a, false, iovs("pong"), 4)     // send
	got := map[uint64]completion{}
	for _, x := range enterFor(t, r, 3) {
		got[x.ud] = x
	}
	if got[2].res&int32(unix.POLLOUT) == 0 || got[3].res != 4 || got[4].res != 4 {
		t.Fatalf("poll, sendmsg and send: %+v", got)
	}
	if p := make([]byte, 16); func() bool { n, err := unix.Read(c, p); return n != 8 || err != nil || string(p[:n]) != "pingpong" }() {
		t.Fatalf("peer read %q, want the sendmsg's bytes then the send's", p)
	}
	if err := unix.Close(c); err != nil {
		t.Fatal(err)
	}
	cs := enterFor(t, r, 1)
	if len(cs) != 1 || cs[0].ud != 1 || cs[0].res != 0 {
		t.Fatalf("EOF: %+v", cs)
	}
}

// A batching wait asks for 3 completions: with one there it returns once
// the minimum wait has passed, not before, and it does not return with
// none. A signal (the Go runtime's) may end a wait early; a wait that
// ended early is tried again, at most three times, as the loop would.
func TestEnterMinWaitsThenTakesWhatCame(t *testing.T) {
	r, _ := newPersistRing(t)
	a, c := socketpair(t)
	r.QueueRecvSelect(a, false, 3, 1, true)
	if err := r.Enter(0); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = unix.Write(c, []byte("x"))
	}()
	start := time.Now()
	var cs []completion
	for try := 0; try < 4 && len(cs) == 0; try++ {
		if err := r.EnterMin(3, 20000, 3600e6, false); errors.Is(err, unix.EINVAL) {
			t.Skipf("the kernel has no min_wait (before 6.12): %v", err)
		} else if err != nil {
			t.Fatal(err)
		}
		cs = popAll(r)
	}
	took := time.Since(start)
	if len(cs) != 1 || cs[0].ud != 1 || cs[0].res != 1 {
		t.Fatalf("completions: %+v", cs)
	}
	// The byte came after 50 ms (nothing before it: no early return);
	// the 20 ms minimum had passed by then, so it returned with one.
	if took < 45*time.Millisecond || took > 5*time.Second {
		t.Fatalf("returned after %v", took)
	}
	r.QueueRecvSelect(a, false, 3, 2, true)
	_, _ = unix.Write(c, []byte("y"))
	var long bool
	for try := 0; try < 4 && !long; try++ {
		t0 := time.Now()
		if err := r.EnterMin(3, 20000, 3600e6, false); err != nil {
			t.Fatal(err)
		}
		long = time.Since(t0) >= 15*time.Millisecond
	}
	if cs := popAll(r); len(cs) != 1 || !long {
		t.Fatalf("one completion at once, asked for 3: %+v, a wait of the 20 ms minimum: %v", cs, long)
	}
}

// A raw batching wait ends at its bound with nothing there (or earlier,
// when a signal interrupts it: the Go runtime preempts threads in raw
// calls; the caller just comes back).
func TestEnterMinRawBounded(t *testing.T) {
	r, _ := newPersistRing(t)
	a, _ := socketpair(t)
	r.QueueRecvSelect(a, false, 3, 1, true)
	start := time.Now()
	for calls := 0; time.Since(start) < 5*time.Millisecond; calls++ {
		t0 := time.Now()
		if err := r.EnterMin(2, 1000, 5000, true); errors.Is(err, unix.EINVAL) {
			t.Skipf("the kernel has no min_wait (before 6.12): %v", err)
		} else if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(t0); took > 2*time.Second {
			t.Fatalf("a 5 ms bound returned after %v", took)
		}
		if calls > 10000 {
			t.Fatal("the wait returns at once: no bound, no wait")
		}
	}
	if cs := popAll(r); len(cs) != 0 {
		t.Fatalf("completions with nothing sent: %+v", cs)
	}
}

// Registered files: a slot filled by QueueFilesUpdate serves the
// operations queued right behind it in the same Enter (recv, poll,
// sendmsg named by slot); the table's reference keeps the socket open
// after its descriptor closes, until the slot is emptied; operations on
// an empty slot fail with EBADF.
func TestFixedFiles(t *testing.T) {
	r, b := newPersistRing(t)
	if err := r.RegisterFiles(64); err != nil {
		t.Fatal(err)
	}
	if r.Files() != 64 {
		t.Fatalf("Files() = %d", r.Files())
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, c := fds[0], fds[1] // a is closed by the test itself
	t.Cleanup(func() { unix.Close(c) })
	const slot = 5
	r.QueueFilesUpdate(slot, a, 100)
	r.QueueRecvSelect(slot, true, 3, 1, true)
	r.QueuePoll(slot, true, unix.POLLOUT, 2)
	r.QueueSendTo(slot, true, iovs("pi", "ng"), 3)
	r.QueueSendTo(slot, true, iovs("!"), 6)
	got := map[uint64]completion{}
	for _, x := range enterFor(t, r, 4) {
		got[x.ud] = x
	}
	if got[100].res != 1 || got[2].res&int32(unix.POLLOUT) == 0 || got[3].res != 4 || got[6].res != 1 {
		t.Fatalf("update, poll, sendmsg and send by slot: %+v", got)
	}
	if n, err := unix.Read(c, make([]byte, 8)); n != 5 || err != nil {
		t.Fatalf("peer read %d, %v", n, err)
	}
	if _, err := unix.Write(c, []byte("pong")); err != nil {
		t.Fatal(err)
	}
	cs := enterFor(t, r, 1)
	if len(cs) != 1 || cs[0].ud != 1 || cs[0].res != 4 || string(b.Buf(uint16(cs[0].flags >> 16))[:4]) != "pong" {
		t.Fatalf("recv by slot: %+v", cs)
	}
	b.Recycle(uint16(cs[0].flags >> 16))
	b.Publish()
	// The descriptor closes; the slot still holds the socket: the peer
	// can write without EPIPE and a recv by slot reads it.
	if err := unix.Close(a); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Write(c, []byte("more")); err != nil {
		t.Fatalf("the slot did not keep the socket: %v", err)
	}
	r.QueueRecvSelect(slot, true, 3, 4, true)
	if cs := enterFor(t, r, 1); len(cs) != 1 || cs[0].res != 4 {
		t.Fatalf("recv by slot after close: %+v", cs)
	} else {
		b.Recycle(uint16(cs[0].flags >> 16))
		b.Publish()
	}
	// Emptied: the socket goes (the peer sees EOF), and the slot refuses.
	r.QueueFilesUpdate(slot, -1, 101)
	r.QueueRecvSelect(slot, true, 3, 5, true)
	got = map[uint64]completion{}
	for _, x := range enterFor(t, r, 2) {
		got[x.ud] = x
	}
	if got[101].res != 1 || got[5].res != -int32(unix.EBADF) {
		t.Fatalf("empty the slot, then recv by it: %+v", got)
	}
	if n, err := unix.Read(c, make([]byte, 8)); n != 0 || err != nil {
		t.Fatalf("peer after the slot emptied: read %d, %v; want EOF", n, err)
	}
}

// iovs is one iovec a piece.
func iovs(pieces ...string) []unix.Iovec {
	v := make([]unix.Iovec, len(pieces))
	for i, p := range pieces {
		v[i].Base = &[]byte(p)[0]
		v[i].SetLen(len(p))
	}
	return v
}
