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
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/queue"
)

// Read back-pressure (gnet #712, #676, #722), see PATCHES.md.
//
// Level-triggered: epoll keeps one event mask per descriptor, so pausing
// leaves EPOLLIN out of it, and every later change of write interest (the
// write path arms EPOLLOUT on EAGAIN and drops it once the outbound buffer
// drains) goes through pollReadWrite/pollRead, which keep it out while paused.
// Edge-triggered: the mask never changes; eventloop.read returns at once for
// a paused connection (so the edge is consumed without reading), and
// ResumeRead queues a read, which picks up whatever arrived meanwhile.

// PauseRead implements Conn.PauseRead.
func (c *conn) PauseRead() error {
	if c.isDatagram {
		return errorx.ErrUnsupportedOp
	}
	if !c.opened {
		return net.ErrClosed
	}
	if c.readPaused {
		return nil
	}
	c.readPaused = true
	if c.inRing {
		return c.ringPause()
	}
	if c.loop.engine.opts.EdgeTriggeredIO {
		return nil
	}
	if c.outboundBuffer.IsEmpty() {
		return c.pollRead()
	}
	return c.pollReadWrite()
}

// ResumeRead implements Conn.ResumeRead.
func (c *conn) ResumeRead() error {
	if c.isDatagram {
		return errorx.ErrUnsupportedOp
	}
	if !c.opened {
		return net.ErrClosed
	}
	if !c.readPaused {
		return nil
	}
	c.readPaused = false
	if c.inRing {
		return c.ringResume()
	}
	if c.loop.engine.opts.EdgeTriggeredIO {
		// The edges that came while paused are gone: read now.
		return c.loop.poller.Trigger(queue.LowPriority, c.loop.read0, c)
	}
	if c.outboundBuffer.IsEmpty() {
		return c.pollRead()
	}
	return c.pollReadWrite()
}

// pollReadWrite arms writable events (outbound data is pending), and
// readable ones unless reading is paused. Level-triggered mode only.
func (c *conn) pollReadWrite() error {
	if c.inRing {
		c.loop.batch.ringArmPollOut(c)
		return nil
	}
	if c.readPaused {
		return c.loop.poller.ModWrite(&c.pollAttachment, false)
	}
	return c.loop.poller.ModReadWrite(&c.pollAttachment, false)
}

// pollRead disarms writable events (the outbound buffer is empty), and
// keeps readable ones unless reading is paused. Level-triggered mode only.
func (c *conn) pollRead() error {
	if c.inRing {
		return nil // an armed POLLOUT poll finds the buffer empty and stops
	}
	if c.readPaused {
		return c.loop.poller.ModNone(&c.pollAttachment)
	}
	return c.loop.poller.ModRead(&c.pollAttachment, false)
}

// stopListening implements Engine.StopListening. The syscalls are safe from
// any goroutine; listenMu keeps the pollers and listeners from being set up
// or closed meanwhile. A listener event the loop fetched before the delete
// may still reach accept, which then fails: acceptors check ln.stopped.
// The descriptor stays open (closed with the engine), so its number cannot
// be reused by a connection while the loops still know it as a listener.
func (eng *engine) stopListening() error {
	eng.listenMu.Lock()
	defer eng.listenMu.Unlock()
	var (
		found    int
		firstErr error
	)
	stop := func(el *eventloop) {
		for _, ln := range el.listeners {
			if ln.fd < 0 { // closed with the engine
				continue
			}
			found++
			if ln.stopped.Swap(true) {
				continue
			}
			err := el.poller.Delete(ln.fd)
			// On Linux, SHUT_RD on a listening TCP socket ends its listening
			// state (inet_shutdown: tcp_disconnect), and a Unix one refuses
			// connect (unix_stream_connect checks RCV_SHUTDOWN).
			if err == nil && ln.network != "udp" {
				err = os.NewSyscallError("shutdown", unix.Shutdown(ln.fd, unix.SHUT_RD))
			}
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("gnet: stop listener %s://%s: %w", ln.network, ln.address, err)
			}
		}
	}
	if eng.ingress != nil {
		stop(eng.ingress)
	} else {
		eng.eventLoops.iterate(func(_ int, el *eventloop) bool {
			stop(el)
			return true
		})
	}
	if found == 0 {
		return errorx.ErrEmptyEngine // not started yet, or stopped
	}
	return firstErr
}
