package edge

import (
	"sync/atomic"
	"time"
)

// clock is a coarse monotonic clock: one goroutine stores the time every
// tick so the hot path reads an atomic instead of calling time.Now
// (VictoriaMetrics lib/fasttime does the same). Only run writes it.
type clock struct {
	base  time.Time
	nanos atomic.Int64 // since base
	sec   atomic.Int64 // unix seconds of date
	date  atomic.Pointer[[]byte]
}

const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT" // RFC 9110 §5.6.7

func newClock() *clock {
	c := &clock{base: time.Now()}
	c.update()
	return c
}

// now returns nanoseconds since the clock started.
func (c *clock) now() int64 { return c.nanos.Load() }

func (c *clock) update() {
	now := time.Now()
	c.nanos.Store(int64(now.Sub(c.base)))
	if s := now.Unix(); s != c.sec.Load() || c.date.Load() == nil {
		b := now.UTC().AppendFormat(make([]byte, 0, len(imfFixdate)), imfFixdate)
		c.date.Store(&b)
		c.sec.Store(s)
	}
}

// unix returns the current unix time in seconds.
func (c *clock) unix() int64 { return c.sec.Load() }

// httpDate returns the current IMF-fixdate for the Date header.
func (c *clock) httpDate() []byte { return *c.date.Load() }

func (c *clock) run(stop <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c.update()
		}
	}
}
