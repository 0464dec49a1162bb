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

//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package gnet

// Write batching is Linux only (batch_linux.go): on kqueue every loop
// writes at once, and these are never reached with a nil batch.

type ioBatch struct{}

func newIOBatch(*eventloop) *ioBatch                         { return nil }
func (*ioBatch) close()                                      {}
func (*ioBatch) mode() WriteBatching                         { return WriteNow }
func (*ioBatch) deferWrite(*conn, []byte) bool               { return false }
func (*ioBatch) deferWritev(*conn, [][]byte) bool            { return false }
func (*ioBatch) flushConn(*conn)                             {}
func (*ioBatch) writeNow(c *conn, p []byte) (int, error)     { return c.sendNow(p) }
func (*ioBatch) writevNow(c *conn, bs [][]byte) (int, error) { return c.sendNowv(bs) }
func (*ioBatch) ringRegister(*conn) bool                     { return false }
func (*ioBatch) ringForget(*conn)                            {}
func (*ioBatch) ringLocked() bool                            { return false }

// WriteBatching reports the write batching the engine's loops use
// (WithWriteBatching): WriteDeferredURing falls back to WriteDeferred where
// io_uring cannot be set up; WriteNow before the loops run and off Linux.
func (Engine) WriteBatching() WriteBatching { return WriteNow }
