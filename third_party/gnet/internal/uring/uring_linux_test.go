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
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func newRing(t *testing.T, n uint32) *Ring {
	t.Helper()
	r, err := New(n)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("the kernel refuses io_uring: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func socketpair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func iov(bs ...[]byte) []unix.Iovec {
	out := make([]unix.Iovec, len(bs))
	for i, b := range bs {
		out[i].Base = &b[0]
		out[i].SetLen(len(b))
	}
	return out
}

// Writes to several sockets go out in one Submit, each with its own
// result; a full socket reports EAGAIN (MSG_DONTWAIT) and a closed peer
// EPIPE, and the ring is reused across Submits.
func TestSubmitSends(t *testing.T) {
	r := newRing(t, 8)
	a1, b1 := socketpair(t)
	a2, b2 := socketpair(t)
	a3, b3 := socketpair(t)
	unix.Close(b3)
	for round := 0; round < 3; round++ {
		v1 := iov([]byte("hello "), []byte("world"))
		v2 := iov([]byte("second"))
		v3 := iov([]byte("gone"))
		i1, i2, i3 := r.QueueSendmsg(a1, v1), r.QueueSendmsg(a2, v2), r.QueueSendmsg(a3, v3)
		if r.Queued() != 3 {
			t.Fatalf("queued %d", r.Queued())
		}
		if err := r.Submit(); err != nil {
			t.Fatal(err)
		}
		if n, err := r.Result(i1); n != 11 || err != nil {
			t.Fatalf("round %d: first: %d, %v", round, n, err)
		}
		if n, err := r.Result(i2); n != 6 || err != nil {
			t.Fatalf("round %d: second: %d, %v", round, n, err)
		}
		if _, err := r.Result(i3); !errors.Is(err, unix.EPIPE) {
			t.Fatalf("round %d: closed peer: %v", round, err)
		}
		buf := make([]byte, 64)
		if n, _ := unix.Read(b1, buf); !bytes.Equal(buf[:n], []byte("hello world")) {
			t.Fatalf("read %q", buf[:n])
		}
		if n, _ := unix.Read(b2, buf); !bytes.Equal(buf[:n], []byte("second")) {
			t.Fatalf("read %q", buf[:n])
		}
	}
	// Fill a socket: the send that does not fit reports EAGAIN at once
	// instead of waiting for room.
	big := make([]byte, 1<<20)
	for {
		i := r.QueueSendmsg(a1, iov(big))
		if err := r.Submit(); err != nil {
			t.Fatal(err)
		}
		n, err := r.Result(i)
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil || n == 0 {
			t.Fatalf("filling: %d, %v", n, err)
		}
	}
	_ = b2
}

// Reads from several sockets in one Submit: data, EAGAIN for an empty
// socket (MSG_DONTWAIT), 0 for the peer's EOF.
func TestSubmitRecvs(t *testing.T) {
	r := newRing(t, 4)
	a1, b1 := socketpair(t)
	_, b2 := socketpair(t)
	a3, b3 := socketpair(t)
	unix.Write(a1, []byte("request"))
	unix.Close(a3)
	buf := make([]byte, 3*64)
	i1 := r.QueueRecv(b1, buf[:64])
	i2 := r.QueueRecv(b2, buf[64:128])
	i3 := r.QueueRecv(b3, buf[128:])
	if err := r.Submit(); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Result(i1); err != nil || string(buf[:n]) != "request" {
		t.Fatalf("recv: %q, %v", buf[:n], err)
	}
	if _, err := r.Result(i2); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("empty socket: %v", err)
	}
	if n, err := r.Result(i3); n != 0 || err != nil {
		t.Fatalf("EOF: %d, %v", n, err)
	}
}
