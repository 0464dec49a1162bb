package edge

import (
	"time"
)

// clock is the server's monotonic time base. There is no ticking
// goroutine: a 1 ms ticker woke an idle gateway 1,000 times a second, and
// with one P each tick took the P from the loop's thread waiting in its
// system call. The loops read the precise clock once per callback
// (loop.enter) and keep the Date header's text per loop (loop.httpDate).
type clock struct {
	base time.Time
}

const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT" // RFC 9110 §5.6.7

func newClock() *clock { return &clock{base: time.Now()} }

// now is the loop's time in ns since the clock base: the reading taken
// when the current callback began, or a fresh one outside a callback.
func (l *loop) now() int64 {
	if l.busy > 0 {
		return l.pnow
	}
	return l.s.clk.preciseNow()
}

// wallClock is a loop's view of the wall clock, refreshed at most once a
// second: the Date header (RFC 9110 §6.6.1) and unix seconds for
// key-pair auth's X-Date window and backend signing.
type wallClock struct {
	date  []byte // IMF-fixdate of sec
	sec   int64  // unix seconds
	until int64  // precise clock at which sec ends
}

// refreshWall reads the wall clock when the second the loop knows of has
// passed.
func (l *loop) refreshWall() {
	now := l.now()
	if now < l.wall.until && l.wall.date != nil {
		return
	}
	t := time.Now()
	l.wall.sec = t.Unix()
	l.wall.date = t.UTC().AppendFormat(l.wall.date[:0], imfFixdate)
	l.wall.until = now + int64(time.Second) - int64(t.Nanosecond())
}

// httpDate returns the current IMF-fixdate for the Date header.
func (l *loop) httpDate() []byte {
	l.refreshWall()
	return l.wall.date
}

// unix returns the current unix time in seconds.
func (l *loop) unix() int64 {
	l.refreshWall()
	return l.wall.sec
}
