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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/logging"
	"golang.org/x/sys/unix"
)

// Tests of the Edgegate patch (PauseRead, ResumeRead, StopListening) over
// real loopback TCP. Run them with and without -tags poll_opt; each pause
// test runs level- and edge-triggered.

// testHandler hands every event to the test's functions.
type testHandler struct {
	BuiltinEventEngine
	booted  chan Engine
	opened  chan Conn
	traffic func(c Conn) Action
}

func (h *testHandler) OnBoot(eng Engine) Action {
	h.booted <- eng
	return None
}

func (h *testHandler) OnOpen(c Conn) ([]byte, Action) {
	select {
	case h.opened <- c:
	default:
	}
	return nil, None
}

func (h *testHandler) OnTraffic(c Conn) Action { return h.traffic(c) }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serve runs an engine for h on a loopback port until the test ends.
func serve(t *testing.T, h *testHandler, opts ...Option) (string, Engine) {
	t.Helper()
	return serveAs(t, h, h, opts...)
}

// serveAs is serve with eh, a handler built around h, as the handler.
func serveAs(t *testing.T, eh EventHandler, h *testHandler, opts ...Option) (string, Engine) {
	t.Helper()
	h.booted = make(chan Engine, 1)
	h.opened = make(chan Conn, 1)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	done := make(chan error, 1)
	opts = append(opts, WithLogLevel(logging.ErrorLevel))
	go func() { done <- Run(eh, "tcp://"+addr, opts...) }()
	var eng Engine
	select {
	case eng = <-h.booted:
	case err := <-done:
		t.Fatalf("engine did not start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return addr, eng
}

// onLoop runs f on c's event-loop and waits for it.
func onLoop(t *testing.T, c Conn, f func()) {
	t.Helper()
	done := make(chan struct{})
	err := c.EventLoop().Execute(context.Background(), RunnableFunc(func(context.Context) error {
		f()
		close(done)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("event-loop task did not run")
	}
}

// eventually polls cond on c's event-loop until it holds.
func eventually(t *testing.T, c Conn, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		onLoop(t, c, func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // poll interval, not a sync point
	}
}

// interest reports what the kernel's epoll set holds for fd (test only):
// EPOLLIN and EPOLLOUT of its registration in an epoll set of this process.
// It may run on an event-loop, so it reports with t.Error.
func interest(t *testing.T, fd int) (in, out bool) {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Error(err)
	}
	want := strconv.Itoa(fd)
	for _, e := range ents {
		info, err := os.ReadFile("/proc/self/fdinfo/" + e.Name())
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			f := strings.Fields(line)
			if len(f) < 4 || f[0] != "tfd:" || f[1] != want || f[2] != "events:" {
				continue
			}
			ev, err := strconv.ParseUint(f[3], 16, 32)
			if err != nil {
				t.Error(err)
			}
			return ev&unix.EPOLLIN != 0, ev&unix.EPOLLOUT != 0
		}
	}
	t.Errorf("fd %d is in no epoll set", fd)
	return
}

// trigger is how a pause test's engine learns of readable connections:
// level- or edge-triggered epoll, or ring I/O (ring_linux.go: no epoll).
type trigger struct{ et, ring bool }

func (m trigger) opts(more ...Option) []Option {
	o := []Option{WithEdgeTriggeredIO(m.et)}
	if m.ring {
		o = append(o, WithWriteBatching(WriteDeferredURing, 0), WithReadBatching(true), WithRingIO(true))
	}
	return append(o, more...)
}

func eachTrigger(t *testing.T, f func(t *testing.T, m trigger)) {
	t.Run("level", func(t *testing.T) { f(t, trigger{}) })
	t.Run("edge", func(t *testing.T) { f(t, trigger{et: true}) })
	t.Run("ring", func(t *testing.T) { f(t, trigger{ring: true}) })
}

// TestPauseReadHoldsBytesInKernel: a connection paused in OnTraffic is not
// read any more (a fast sender blocks, the inbound buffer stops growing);
// ResumeRead delivers all that waited in the kernel, although the sender
// has stopped by then (edge-triggered: no new edge will come).
func TestPauseReadHoldsBytesInKernel(t *testing.T) {
	eachTrigger(t, func(t *testing.T, m trigger) {
		et := m.et
		const pauseAt = 256 << 10
		var (
			paused     bool
			atPause    int
			calls      int
			callsPause int
		)
		h := &testHandler{traffic: func(c Conn) Action {
			calls++
			if !paused && c.InboundBuffered() >= pauseAt {
				if err := c.PauseRead(); err != nil {
					t.Errorf("PauseRead: %v", err)
				}
				paused, atPause, callsPause = true, c.InboundBuffered(), calls
			}
			return None // keep everything in the inbound buffer
		}}
		addr, _ := serve(t, h, m.opts(WithSocketRecvBuffer(64<<10))...)
		cl, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		sc := <-h.opened

		// Write until the kernel pushes back; without the pause the
		// server would take all 64 MiB.
		const limit = 64 << 20
		chunk := bytes.Repeat([]byte("p"), 64<<10)
		written := 0
		_ = cl.SetWriteDeadline(time.Now().Add(time.Second))
		for written < limit {
			n, err := cl.Write(chunk)
			written += n
			if err != nil {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatal(err)
				}
				break
			}
		}
		if written >= limit {
			t.Fatalf("the sender never blocked: the server took %d MiB while paused", written>>20)
		}
		var inbound, n int
		onLoop(t, sc, func() { inbound, n = sc.InboundBuffered(), calls })
		if !paused {
			t.Fatal("never paused")
		}
		if inbound != atPause || n != callsPause {
			t.Fatalf("read on after the pause: inbound %d (at pause %d), OnTraffic calls %d (at pause %d)", inbound, atPause, n, callsPause)
		}
		if written-inbound <= 0 {
			t.Fatalf("nothing waits in the kernel: written %d, inbound %d", written, inbound)
		}
		if m.ring {
			// Not in epoll at all: the inbound checks above are the test.
		} else if in, out := interest(t, sc.Fd()); !et && (in || out) {
			t.Fatalf("paused with nothing to send, the connection is polled for in=%v out=%v: a busy loop", in, out)
		}

		onLoop(t, sc, func() {
			if err := sc.ResumeRead(); err != nil {
				t.Errorf("ResumeRead: %v", err)
			}
		})
		eventually(t, sc, "the bytes held in the kernel", func() bool { return sc.InboundBuffered() == written })
		t.Logf("paused at %d KiB; %d KiB waited in the kernel", atPause>>10, (written-atPause)>>10)
	})
}

// TestPauseReadSurvivesWriteDrain: a response too large for the socket
// arms EPOLLOUT while the connection is paused; the write path must not
// re-arm reading when it drains (nor when it first hits EAGAIN).
func TestPauseReadSurvivesWriteDrain(t *testing.T) {
	eachTrigger(t, func(t *testing.T, m trigger) {
		et := m.et
		const respSize = 16 << 20
		resp := bytes.Repeat([]byte("r"), respSize)
		var (
			calls           int
			pending         int
			pendIn, pendOut bool
		)
		h := &testHandler{traffic: func(c Conn) Action {
			calls++
			if calls == 1 {
				_, _ = c.Discard(-1)
				if err := c.PauseRead(); err != nil {
					t.Errorf("PauseRead: %v", err)
				}
				_, _ = c.Write(resp)
				pending = c.OutboundBuffered()
				if !m.ring {
					pendIn, pendOut = interest(t, c.Fd())
				}
			}
			return None
		}}
		addr, _ := serve(t, h, m.opts(WithSocketSendBuffer(64<<10))...)
		cl, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		sc := <-h.opened
		_ = cl.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := cl.Write([]byte("go")); err != nil {
			t.Fatal(err)
		}
		// The first response byte: the server has paused and written.
		first := make([]byte, 1)
		if _, err := io.ReadFull(cl, first); err != nil {
			t.Fatal(err)
		}
		after := bytes.Repeat([]byte("a"), 4<<10)
		if _, err := cl.Write(after); err != nil {
			t.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, io.LimitReader(cl, respSize-1)); err != nil || n != respSize-1 {
			t.Fatalf("response: %d bytes, %v", n, err)
		}
		var inbound, out, n int
		onLoop(t, sc, func() { inbound, out, n = sc.InboundBuffered(), sc.OutboundBuffered(), calls })
		if pending == 0 {
			t.Fatal("the response fit in the socket: EPOLLOUT was never armed")
		}
		if out != 0 || inbound != 0 || n != 1 {
			t.Fatalf("after the drain: outbound %d, inbound %d, OnTraffic calls %d; want 0, 0, 1 (reading resumed behind the pause)", out, inbound, n)
		}
		if !et && !m.ring {
			if pendIn || !pendOut {
				t.Errorf("paused with a response pending: polled for in=%v out=%v, want out only", pendIn, pendOut)
			}
			if in, out := interest(t, sc.Fd()); in || out {
				t.Errorf("paused after the drain: polled for in=%v out=%v, want neither (EPOLLIN re-armed, or EPOLLOUT left to spin)", in, out)
			}
		}
		onLoop(t, sc, func() {
			if err := sc.ResumeRead(); err != nil {
				t.Errorf("ResumeRead: %v", err)
			}
		})
		eventually(t, sc, "the bytes sent during the pause", func() bool { return sc.InboundBuffered() == len(after) && calls == 2 })
		t.Logf("%d KiB of the response were pending when paused", pending>>10)
	})
}

// TestResumeThenPauseInOneTurn: a paused connection resumed and paused
// again by the same task (the next pipelined request waits behind a slow
// one) reads nothing meanwhile, although bytes wait in the kernel; ring
// I/O arms the recv only at the turn's end for this (it read 16 KiB a
// cycle when it armed at once).
func TestResumeThenPauseInOneTurn(t *testing.T) {
	eachTrigger(t, func(t *testing.T, m trigger) {
		var calls int
		h := &testHandler{traffic: func(c Conn) Action {
			calls++
			if calls == 1 {
				if err := c.PauseRead(); err != nil {
					t.Errorf("PauseRead: %v", err)
				}
			}
			return None
		}}
		addr, _ := serve(t, h, m.opts()...)
		cl, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		sc := <-h.opened
		if _, err := cl.Write([]byte("first")); err != nil {
			t.Fatal(err)
		}
		eventually(t, sc, "the first bytes", func() bool { return calls == 1 })
		if _, err := cl.Write(bytes.Repeat([]byte("w"), 32<<10)); err != nil {
			t.Fatal(err)
		}
		var before int
		for i := 0; i < 50; i++ {
			onLoop(t, sc, func() {
				before = sc.InboundBuffered()
				if err := sc.ResumeRead(); err != nil {
					t.Errorf("ResumeRead: %v", err)
				}
				if err := sc.PauseRead(); err != nil {
					t.Errorf("PauseRead: %v", err)
				}
			})
			time.Sleep(2 * time.Millisecond) // turns in which a stray recv would complete
		}
		var after, n int
		onLoop(t, sc, func() { after, n = sc.InboundBuffered(), calls })
		if after != before || after != len("first") || n != 1 {
			t.Fatalf("read while paused: inbound %d (was %d), OnTraffic calls %d", after, before, n)
		}
		onLoop(t, sc, func() {
			if err := sc.ResumeRead(); err != nil {
				t.Errorf("ResumeRead: %v", err)
			}
		})
		eventually(t, sc, "the bytes after the resume", func() bool { return sc.InboundBuffered() == len("first")+32<<10 })
	})
}

// TestPauseReadErrors: UDP has no pause.
func TestPauseReadErrors(t *testing.T) {
	h := &testHandler{traffic: func(c Conn) Action {
		if err := c.PauseRead(); !errors.Is(err, errorx.ErrUnsupportedOp) {
			t.Errorf("PauseRead on UDP: %v, want ErrUnsupportedOp", err)
		}
		_, _ = c.Write([]byte("ok"))
		return None
	}}
	h.booted = make(chan Engine, 1)
	h.opened = make(chan Conn, 1)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	done := make(chan error, 1)
	go func() { done <- Run(h, "udp://"+addr, WithLogLevel(logging.ErrorLevel)) }()
	eng := <-h.booted
	defer func() {
		_ = eng.Stop(context.Background())
		<-done
	}()
	uc, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	buf := make([]byte, 8)
	_ = uc.SetDeadline(time.Now().Add(10 * time.Second))
	for {
		// The engine may not poll yet: send until it answers.
		_, _ = uc.Write([]byte("x"))
		_ = uc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := uc.Read(buf); err == nil {
			break
		}
	}
}

// TestStopListening: new connections are refused at once, on every
// listener (SO_REUSEPORT gives each loop its own), while an established
// connection keeps being served; callable on an event-loop too.
func TestStopListening(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reusePort bool
		fromLoop  bool
	}{
		{"reuseport", true, false},
		{"reuseport-on-loop", true, true},
		{"acceptor", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var eng Engine
			var engMu sync.Mutex
			h := &testHandler{traffic: func(c Conn) Action {
				buf, _ := c.Next(-1)
				if string(buf) == "stop" {
					engMu.Lock()
					e := eng
					engMu.Unlock()
					buf = []byte(fmt.Sprint(e.StopListening()))
				}
				_, _ = c.Write(buf)
				return None
			}}
			addr, e := serve(t, h, WithMulticore(true), WithNumEventLoop(2), WithReusePort(tc.reusePort))
			engMu.Lock()
			eng = e
			engMu.Unlock()
			cl, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			_ = cl.SetDeadline(time.Now().Add(20 * time.Second))
			echo := func(msg, want string) {
				t.Helper()
				if _, err := cl.Write([]byte(msg)); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(want))
				if _, err := io.ReadFull(cl, got); err != nil || string(got) != want {
					t.Fatalf("echo %q: %q, %v", msg, got, err)
				}
			}
			echo("ping", "ping")

			// Dial throughout, so listener events race with the stop.
			stopDial := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stopDial:
							return
						default:
						}
						if c, err := net.Dial("tcp", addr); err == nil {
							c.Close()
						}
					}
				}()
			}
			if tc.fromLoop {
				echo("stop", "<nil>")
			} else if err := e.StopListening(); err != nil {
				t.Fatal(err)
			}
			close(stopDial)
			wg.Wait()

			for i := 0; i < 32; i++ {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err == nil {
					c.Close()
					t.Fatalf("dial %d after StopListening was accepted", i)
				}
				if !errors.Is(err, syscall.ECONNREFUSED) {
					t.Fatalf("dial %d after StopListening: %v, want connection refused", i, err)
				}
			}
			echo("still", "still")
			if err := e.StopListening(); err != nil {
				t.Errorf("second StopListening: %v", err)
			}
			if n := e.CountConnections(); n < 1 {
				t.Errorf("CountConnections %d after the stop", n)
			}
		})
	}
}
