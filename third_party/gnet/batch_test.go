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
	"io"
	"math/rand"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2/internal/uring"
)

// Tests of the Edgegate patch's I/O batching (batch_linux.go) over real
// loopback TCP, in every mode.

type batchMode struct {
	name  string
	opts  []Option
	want  WriteBatching // what Engine.WriteBatching must report (io_uring allowed)
	reads bool
}

func batchModes(t *testing.T) []batchMode {
	modes := []batchMode{
		{"now", nil, WriteNow, false},
		{"deferred", []Option{WithWriteBatching(WriteDeferred, 0)}, WriteDeferred, false},
		{"deferred-ET", []Option{WithWriteBatching(WriteDeferred, 0), WithEdgeTriggeredIO(true)}, WriteDeferred, false},
		{"uring", []Option{WithWriteBatching(WriteDeferredURing, 0)}, WriteDeferredURing, false},
		{"uring-ET", []Option{WithWriteBatching(WriteDeferredURing, 0), WithEdgeTriggeredIO(true)}, WriteDeferredURing, false},
		{"uring-reads", []Option{WithWriteBatching(WriteDeferredURing, 0), WithReadBatching(true)}, WriteDeferredURing, true},
		{"ring", []Option{WithWriteBatching(WriteDeferredURing, 0), WithReadBatching(true), WithRingIO(true)}, WriteDeferredURing, true},
	}
	if r, err := uring.New(4); err != nil {
		t.Logf("io_uring unavailable (%v): its modes fall back to deferred writes", err)
		for i := range modes {
			modes[i].want = WriteDeferred
		}
	} else {
		r.Close()
	}
	return modes
}

// echo answers every read with the same bytes, in pieces that exercise
// Write, Writev and writes past the deferral limit.
func echo(c Conn) Action {
	buf, _ := c.Next(-1)
	for len(buf) > 0 {
		k := 1 + len(buf)/3
		if len(buf) > 3 && k%2 == 0 {
			_, _ = c.Writev([][]byte{buf[:k/2], buf[k/2 : k]})
		} else {
			_, _ = c.Write(buf[:k])
		}
		buf = buf[k:]
	}
	return None
}

// Many clients, each a stream of messages from 1 byte to 40 KiB: every
// byte comes back, in order, whatever the batching.
func TestBatchingEchoesInOrder(t *testing.T) {
	for _, m := range batchModes(t) {
		t.Run(m.name, func(t *testing.T) {
			h := &testHandler{traffic: echo}
			addr, eng := serve(t, h, append(m.opts, WithMulticore(true), WithNumEventLoop(2), WithReusePort(true))...)
			var wg sync.WaitGroup
			errs := make(chan error, 32)
			for i := 0; i < 32; i++ {
				wg.Add(1)
				go func(seed int64) {
					defer wg.Done()
					errs <- echoClient(addr, seed)
				}(int64(i))
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := eng.WriteBatching(); got != m.want {
				t.Fatalf("Engine.WriteBatching() = %v, want %v", got, m.want)
			}
			if got, want := eng.RingIO(), m.name == "ring" && m.want == WriteDeferredURing; got != want {
				t.Fatalf("Engine.RingIO() = %v, want %v", got, want)
			}
		})
	}
}

func echoClient(addr string, seed int64) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	rng := rand.New(rand.NewSource(seed))
	var sent bytes.Buffer
	for i := 0; i < 60; i++ {
		n := 1 + rng.Intn(40<<10)
		if i%3 != 0 {
			n = 1 + rng.Intn(300)
		}
		msg := make([]byte, n)
		rng.Read(msg)
		sent.Write(msg)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(sent.Bytes())
		errc <- err
	}()
	got := make([]byte, sent.Len())
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return err
	}
	if !bytes.Equal(got, sent.Bytes()) {
		return errEcho
	}
	return nil
}

var errEcho = io.ErrUnexpectedEOF

// A client that reads nothing for a while: what the batches' writes
// cannot send goes to the outbound buffer (OutboundBuffered counts it) and
// arrives in order once it reads. The client sends one byte at a time and
// each byte is answered with 200 bytes, so batches end with deferred
// pieces (below the deferral limit) and, with a small send buffer, the
// batch-end flush meets a full socket.
func TestBatchingSlowReader(t *testing.T) {
	for _, m := range batchModes(t) {
		t.Run(m.name, func(t *testing.T) {
			const asks, piece = 5000, 200
			var off int
			var maxQueued int
			h := &testHandler{traffic: func(c Conn) Action {
				if off == 0 {
					_ = c.SetWriteBuffer(4 << 10) // full soon: batch-end flushes meet EAGAIN
				}
				in, _ := c.Next(-1)
				buf := make([]byte, piece)
				for range in {
					for i := range buf {
						buf[i] = byte((off + i) % 251)
					}
					off += piece
					_, _ = c.Write(buf)
				}
				if q := c.OutboundBuffered(); q > maxQueued {
					maxQueued = q
				}
				return None
			}}
			addr, _ := serve(t, h, m.opts...)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for i := 0; i < asks; i++ {
				if _, err := conn.Write([]byte{'x'}); err != nil {
					t.Fatal(err)
				}
			}
			c := <-h.opened
			eventually(t, c, "every byte answered", func() bool { return off == asks*piece })
			var queued int
			onLoop(t, c, func() { queued = c.OutboundBuffered() })
			if queued == 0 || maxQueued == 0 {
				t.Fatalf("1 MB to a client that reads nothing: %d queued (at most %d)", queued, maxQueued)
			}
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			got := make([]byte, asks*piece)
			if n, err := io.ReadFull(conn, got); err != nil {
				var q int
				var in, out bool
				onLoop(t, c, func() { q = c.OutboundBuffered(); in, out = interest(t, c.Fd()) })
				t.Fatalf("read %d of %d: %v (%d still queued; epoll in %v out %v)", n, len(got), err, q, in, out)
			}
			for i, b := range got {
				if b != byte(i%251) {
					t.Fatalf("byte %d is %d, want %d", i, b, i%251)
				}
			}
			eventually(t, c, "the outbound buffer drained", func() bool { return c.OutboundBuffered() == 0 })
		})
	}
}

// A response written just before Close, or before Flush, is sent:
// deferred bytes go out with the close, and Flush sends them at once.
func TestBatchingCloseAndFlush(t *testing.T) {
	for _, m := range batchModes(t) {
		t.Run(m.name, func(t *testing.T) {
			var flushedLeft = -1
			h := &testHandler{traffic: func(c Conn) Action {
				in, _ := c.Next(-1)
				if string(in) == "close" {
					_, _ = c.Write([]byte("bye"))
					return Close
				}
				_, _ = c.Write([]byte("flushed"))
				if m.want != WriteNow && c.OutboundBuffered() != len("flushed") {
					flushedLeft = -2 // deferred bytes must count as buffered
				} else {
					_ = c.Flush()
					flushedLeft = c.OutboundBuffered()
				}
				return None
			}}
			addr, _ := serve(t, h, m.opts...)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _ = conn.Write([]byte("flush"))
			buf := make([]byte, 7)
			if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "flushed" {
				t.Fatalf("read %q, %v", buf, err)
			}
			c := <-h.opened
			eventually(t, c, "the handler ran", func() bool { return flushedLeft != -1 })
			if flushedLeft != 0 {
				t.Fatalf("after Flush OutboundBuffered() = %d (-2: deferred bytes not counted)", flushedLeft)
			}
			_, _ = conn.Write([]byte("close"))
			rest, err := io.ReadAll(conn)
			if err != nil || string(rest) != "bye" {
				t.Fatalf("before the close: %q, %v", rest, err)
			}
		})
	}
}

// One OnTraffic writes to its connection, then to another, then to its
// own again: the first connection's deferred bytes are two pieces apart
// in the arena (ring I/O sends them with one sendmsg, a single piece with
// a send); each client gets its own bytes, in order.
func TestBatchingInterleavedPieces(t *testing.T) {
	for _, m := range batchModes(t) {
		t.Run(m.name, func(t *testing.T) {
			var other Conn // the loop's goroutine only
			h := &testHandler{traffic: func(c Conn) Action {
				in, _ := c.Next(-1)
				switch string(in) {
				case "b":
					other = c
				case "go":
					_, _ = c.Write([]byte("one,"))
					_, _ = other.Write([]byte("other"))
					_, _ = c.Writev([][]byte{[]byte("two,"), []byte("three")})
				}
				return None
			}}
			addr, _ := serve(t, h, m.opts...)
			dial := func() net.Conn {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { conn.Close() })
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				return conn
			}
			b, a := dial(), dial()
			if _, err := b.Write([]byte("b")); err != nil {
				t.Fatal(err)
			}
			c := <-h.opened
			eventually(t, c, "the handler saw b", func() bool { return other != nil })
			if _, err := a.Write([]byte("go")); err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				conn net.Conn
				want string
			}{{a, "one,two,three"}, {b, "other"}} {
				buf := make([]byte, len(x.want))
				if _, err := io.ReadFull(x.conn, buf); err != nil || string(buf) != x.want {
					t.Fatalf("read %q, %v; want %q", buf, err, x.want)
				}
			}
		})
	}
}

// Read batching: three connections readable in one batch; the first's
// OnTraffic pauses the second and closes the third. The second's bytes,
// read with the batch, wait in its inbound buffer unannounced; the third's
// are dropped with it; nothing reaches OnTraffic for either.
func TestReadBatchingPauseAndCloseInBatch(t *testing.T) {
	r, err := uring.New(4)
	if err != nil {
		t.Skipf("the kernel refuses io_uring: %v", err)
	}
	r.Close()
	t.Run("reads", func(t *testing.T) {
		pauseAndCloseInBatch(t, WithWriteBatching(WriteDeferredURing, 0), WithReadBatching(true))
	})
	t.Run("ring", func(t *testing.T) {
		pauseAndCloseInBatch(t, WithWriteBatching(WriteDeferredURing, 0), WithReadBatching(true), WithRingIO(true))
	})
}

func pauseAndCloseInBatch(t *testing.T, opts ...Option) {
	var mu sync.Mutex
	conns := map[string]Conn{}
	var traffic []string
	h := &testHandler{}
	h.traffic = func(c Conn) Action {
		in, _ := c.Next(-1)
		s := string(in)
		mu.Lock()
		defer mu.Unlock()
		traffic = append(traffic, s)
		switch {
		case len(s) > 6 && s[:6] == "hello-":
			conns[s[6:]] = c
		case s == "act":
			_ = conns["b"].PauseRead()
			_ = c.EventLoop().Close(conns["c"])
		}
		return None
	}
	addr, eng := serve(t, h, opts...)
	dial := func(name string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_, _ = c.Write([]byte("hello-" + name))
		return c
	}
	a, b, c := dial("a"), dial("b"), dial("c")
	var ca Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		ca = conns["a"]
		n := len(conns)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the three connections did not say hello")
		}
		time.Sleep(time.Millisecond)
	}
	if m := eng.WriteBatching(); m != WriteDeferredURing {
		t.Fatalf("io_uring could be set up but the engine uses %v", m)
	}
	// Hold the loop in a task while the three write, so one epoll_wait
	// returns them together, in this order.
	hold := make(chan struct{})
	held := make(chan struct{})
	_ = ca.EventLoop().Execute(context.Background(), RunnableFunc(func(context.Context) error {
		close(held)
		<-hold
		return nil
	}))
	<-held
	_, _ = a.Write([]byte("act"))
	time.Sleep(20 * time.Millisecond)
	_, _ = b.Write([]byte("data-b"))
	time.Sleep(20 * time.Millisecond)
	_, _ = c.Write([]byte("data-c"))
	time.Sleep(20 * time.Millisecond)
	close(hold)

	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("third connection: want EOF after the close, got %v", err)
	}
	mu.Lock()
	cb := conns["b"]
	mu.Unlock()
	eventually(t, cb, "b's bytes in its inbound buffer", func() bool { return cb.InboundBuffered() == len("data-b") })
	mu.Lock()
	got := append([]string(nil), traffic...)
	mu.Unlock()
	t.Logf("traffic %q", got)
	for _, s := range got {
		if s == "data-b" || s == "data-c" {
			t.Fatalf("OnTraffic saw %q: %q", s, got)
		}
	}
	onLoop(t, cb, func() {
		if err := cb.ResumeRead(); err != nil {
			t.Error(err)
		}
		if in, _ := cb.Peek(-1); string(in) != "data-b" {
			t.Errorf("after resume b holds %q", in)
		}
	})
}
