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

//go:build linux

package gnet

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2/internal/uring"
)

// peekHandler logs BatchPeeker calls and OnTraffic in the order they come.
type peekHandler struct {
	*testHandler
	mu  sync.Mutex
	log []string
	el  []EventLoop
	off bool // PeekBatch says no
}

func (h *peekHandler) PeekBatch(el EventLoop) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.off
}

func (h *peekHandler) OnPeek(c Conn, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, "peek "+string(data))
}

func (h *peekHandler) OnPeekEnd(el EventLoop) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log, h.el = append(h.log, "end"), append(h.el, el)
}

func (h *peekHandler) events() ([]string, []EventLoop) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.log), slices.Clone(h.el)
}

// A batch of completions is shown to OnPeek, connection by connection,
// then OnPeekEnd with the loop, before any of its OnTraffic calls; the
// bytes OnTraffic then reads are the same ones. A batch of one, or one
// PeekBatch declines, is not shown.
func TestBatchingPeek(t *testing.T) {
	r, err := uring.New(4)
	if err != nil {
		t.Skipf("the kernel refuses io_uring: %v", err)
	}
	r.Close()
	h := &peekHandler{testHandler: &testHandler{}}
	h.traffic = func(c Conn) Action {
		in, _ := c.Next(-1)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.log = append(h.log, "traffic "+string(in))
		return None
	}
	addr, _ := serveAs(t, h, h.testHandler, WithWriteBatching(WriteDeferredURing, 0), WithReadBatching(true), WithRingIO(true))
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a := dial()
	first := <-h.opened
	b := dial()
	// One write alone is a batch of one: not peeked.
	_, _ = a.Write([]byte("alone"))
	eventuallyLog(t, h, "traffic alone")

	// Hold the loop while both write, so one wait returns both recvs.
	both := func(x, y string) {
		hold, held := make(chan struct{}), make(chan struct{})
		_ = first.EventLoop().Execute(context.Background(), RunnableFunc(func(context.Context) error {
			close(held)
			<-hold
			return nil
		}))
		<-held
		_, _ = a.Write([]byte(x))
		_, _ = b.Write([]byte(y))
		time.Sleep(50 * time.Millisecond)
		close(hold)
		eventuallyLog(t, h, "traffic "+x, "traffic "+y)
	}
	both("one", "two")
	// A batch PeekBatch declines is handled without peeking.
	h.mu.Lock()
	h.off = true
	h.mu.Unlock()
	both("three", "four")

	got, els := h.events()
	t.Logf("%q", got)
	want := []string{"traffic alone", "peek one", "peek two", "end", "traffic one", "traffic two", "traffic three", "traffic four"}
	if !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
	if len(els) != 1 || els[0] != first.EventLoop() {
		t.Fatalf("OnPeekEnd got loops %v, want the connections' loop", els)
	}
}

func eventuallyLog(t *testing.T, h *peekHandler, want ...string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		got, _ := h.events()
		n := 0
		for _, w := range want {
			if slices.Contains(got, w) {
				n++
			}
		}
		if n == len(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %q; calls %q", want, got)
		}
	}
}
