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
	"runtime"
	"runtime/metrics"
	"testing"
)

// TestBatchingSettledNeverNegative: completions that come after a failed
// settle reset the count (a send's or a file update's) leave it at 0, so
// the next wait asks for one arrival, not 2^32.
func TestBatchingSettledNeverNegative(t *testing.T) {
	rs := &ringState{inflight: 2}
	rs.settled()
	rs.settled()
	rs.settled() // late, after the count reached 0
	if rs.inflight != 0 {
		t.Fatalf("inflight %d, want 0", rs.inflight)
	}
}

// TestBatchingOthersRunnable: the waiter's look at the run queues sees a
// goroutine that is ready but not yet run, stops seeing it once it ran,
// and costs no allocation (it runs once a millisecond on a busy loop).
func TestBatchingOthersRunnable(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rs := &ringState{runnable: []metrics.Sample{{Name: runnableMetric}}}
	done := make(chan struct{})
	go func() { close(done) }() // queued on this P, not run: we hold it
	if !rs.othersRunnable() {
		t.Fatal("a goroutine ready to run was not seen")
	}
	<-done
	idle := false
	for i := 0; i < 100 && !idle; i++ {
		runtime.Gosched() // let the runtime's own ready goroutines run too
		idle = !rs.othersRunnable()
	}
	if !idle {
		t.Fatal("a goroutine seen ready after nothing was left to run")
	}
	if n := testing.AllocsPerRun(100, func() { rs.othersRunnable() }); n != 0 {
		t.Fatalf("%v allocations a look", n)
	}
}
