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

import errorx "github.com/panjf2000/gnet/v2/pkg/errors"

// Read back-pressure and StopListening are implemented for epoll only (see
// PATCHES.md). kqueue keeps read and write filters apart, so the write path
// never touches the read filter and needs no change here.

// PauseRead implements Conn.PauseRead: not implemented for kqueue.
func (*conn) PauseRead() error { return errorx.ErrUnsupportedOp }

// ResumeRead implements Conn.ResumeRead: not implemented for kqueue.
func (*conn) ResumeRead() error { return errorx.ErrUnsupportedOp }

func (c *conn) pollReadWrite() error { return c.loop.poller.ModReadWrite(&c.pollAttachment, false) }

func (c *conn) pollRead() error { return c.loop.poller.ModRead(&c.pollAttachment, false) }

func (*engine) stopListening() error { return errorx.ErrUnsupportedOp }
