package accesslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Log.
type Options struct {
	// Dir holds the segments (access-<time>.log) and their indexes
	// (.idx). Required; created when absent. One Log per directory.
	Dir string
	// MaxSize rotates the segment before a line would take it past this
	// many bytes; default 128 MiB, at most 4 GiB.
	MaxSize int64
	// MaxAge rotates a segment this old (by its name's time); default 1h.
	MaxAge time.Duration
	// Keep is how many sealed segments are kept (the oldest go first);
	// default 168. MaxTotal, when > 0, also removes the oldest while the
	// sealed segments and their indexes take more bytes than it.
	Keep     int
	MaxTotal int64
	// RingSlots is each loop's ring size, a power of two; default 4096.
	// A ring takes RingSlots × SlotSize bytes (SlotSize is about 1.2 KiB).
	RingSlots int
	// Poll is how long the writer waits when every ring is empty, and
	// about the longest a written line stays in its buffer (lines arriving
	// are drained every drainEvery, written out every Poll); default 10ms.
	Poll time.Duration
	// Now is the clock for segment names and MaxAge (tests); default
	// time.Now.
	Now func() time.Time
	// NoSync skips the fsyncs of sealing (tests, tmpfs). By default a
	// segment, its index and the directory are synced when it is sealed.
	NoSync bool
	// Log receives write failures; default slog.Default().
	Log *slog.Logger
}

// Stats are a Log's counts.
type Stats struct {
	Written  int64 // lines written
	Dropped  int64 // records refused by full rings (never blocking a loop)
	Lost     int64 // lines the writer could not write (disk errors)
	Segments int64 // segments sealed since New
}

// Log is the access log: the loops' rings and the one writer goroutine
// that drains them into rotated, indexed JSON-lines segments.
type Log struct {
	opts  Options
	rings atomic.Pointer[[]*Ring]
	mu    sync.Mutex // serialises Ring's growth
	pid   int32

	stop      chan struct{}
	flushReq  chan chan error
	done      chan struct{}
	closeOnce sync.Once

	written, lost, sealed atomic.Int64

	// The writer's own.
	f         *os.File
	w         *bufio.Writer
	b         *builder
	segPath   string
	segStart  time.Time
	size      int64
	lastID    int64
	buf       []byte
	tc        timeCache // the writer's formatted second
	now       time.Time // read once per drain
	broken    bool      // the segment failed; open a new one at retryAt
	retryAt   time.Time
	lastFlush time.Time

	seals      chan sealJob
	sealerDone chan struct{}
	errMu      sync.Mutex
	err        error // the last failure, for Flush and Close
}

const (
	segPrefix  = "access-"
	segTime    = "20060102T150405.000Z"
	logSuffix  = ".log"
	idxSuffix  = ".idx"
	defMaxSize = 128 << 20
)

// segName is the file name of the segment with id (Unix milliseconds,
// UTC): access-20240102T150405.123Z.log. Names sort by time.
func segName(id int64) string {
	return segPrefix + time.UnixMilli(id).UTC().Format(segTime) + logSuffix
}

// segID reads a segment's id back from its file name.
func segID(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, segPrefix)
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, logSuffix)
	if !ok {
		return 0, false
	}
	t, err := time.Parse(segTime, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

func idxPath(logPath string) string { return strings.TrimSuffix(logPath, logSuffix) + idxSuffix }

// New starts a Log in opts.Dir: it indexes any segment a crash left
// unsealed, opens a new segment and starts the writer.
func New(opts Options) (*Log, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("%w: Dir is required", errOptions)
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = defMaxSize
	}
	if opts.MaxSize > 4<<30 {
		return nil, fmt.Errorf("%w: MaxSize %d: at most 4 GiB", errOptions, opts.MaxSize)
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Hour
	}
	if opts.Keep <= 0 {
		opts.Keep = 168
	}
	if opts.RingSlots <= 0 {
		opts.RingSlots = 4096
	}
	if opts.RingSlots&(opts.RingSlots-1) != 0 {
		return nil, fmt.Errorf("%w: RingSlots %d is not a power of two", errOptions, opts.RingSlots)
	}
	if opts.Poll <= 0 {
		opts.Poll = 10 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("accesslog: %w", err)
	}
	l := &Log{opts: opts, pid: int32(os.Getpid()), stop: make(chan struct{}), flushReq: make(chan chan error),
		done: make(chan struct{}), buf: make([]byte, 0, 8<<10), seals: make(chan sealJob, 4), sealerDone: make(chan struct{})}
	l.rings.Store(&[]*Ring{})
	if err := l.recover(); err != nil {
		return nil, err
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	l.retain()
	go l.sealer()
	go l.run()
	return l, nil
}

// Ring returns loop's ring, creating it (and any below it) on first use.
// Call it when a loop starts, not per request.
func (l *Log) Ring(loop int) *Ring {
	if rs := *l.rings.Load(); loop < len(rs) {
		return rs[loop]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rs := *l.rings.Load()
	if loop < len(rs) {
		return rs[loop]
	}
	grown := make([]*Ring, loop+1)
	copy(grown, rs)
	for i := len(rs); i <= loop; i++ {
		grown[i] = newRing(l.opts.RingSlots)
	}
	l.rings.Store(&grown)
	return grown[loop]
}

// Dropped sums the records the rings refused.
func (l *Log) Dropped() int64 {
	var n int64
	for _, r := range *l.rings.Load() {
		n += r.Dropped()
	}
	return n
}

// Stats reads the Log's counts.
func (l *Log) Stats() Stats {
	return Stats{Written: l.written.Load(), Dropped: l.Dropped(), Lost: l.lost.Load(), Segments: l.sealed.Load()}
}

// Flush returns once every record committed before the call is written
// to the segment file (visible to a Searcher; not synced to disk), with
// the writer's last write failure, if any.
func (l *Log) Flush() error {
	ch := make(chan error, 1)
	select {
	case l.flushReq <- ch:
	case <-l.done:
		return ErrClosed
	}
	return <-ch
}

// Close drains the rings, seals the segment (synced, indexed) and stops
// the writer. The loops must have stopped appending: a record committed
// after Close is never written.
func (l *Log) Close() error {
	l.closeOnce.Do(func() { close(l.stop) })
	<-l.done
	return l.lastErr()
}

// drainEvery is how long the writer sleeps between drains while lines
// arrive. It batches: a drain takes a few hundred lines at once, while
// they are still in cache, instead of the writer spinning on every line
// beside the loops (on a 1-CPU gateway each spin was taken from them).
// With as many Ps as busy loops the timer fires only when a loop yields,
// every 10 ms under load (gnet's ringYieldIdle): a 4,096-slot ring holds
// 10 ms of a loop's lines up to 400,000 requests/s.
const drainEvery = 2 * time.Millisecond

func (l *Log) run() {
	defer close(l.done)
	wait := time.NewTimer(l.opts.Poll)
	defer wait.Stop()
	for {
		n := l.drainAll()
		// An idle segment is sealed on time too (write checks a busy one).
		if l.size > 0 && l.now.Sub(l.segStart) >= l.opts.MaxAge {
			l.rotate()
		}
		if n == 0 || time.Since(l.lastFlush) >= l.opts.Poll {
			l.flush()
		}
		if n > 0 && n >= l.opts.RingSlots/4 {
			continue // falling behind: drain again at once
		}
		d := l.opts.Poll
		if n > 0 {
			d = min(drainEvery, l.opts.Poll)
		}
		wait.Reset(d)
		select {
		case <-l.stop:
			l.drainAll()
			l.handOff()
			close(l.seals)
			<-l.sealerDone
			return
		case ch := <-l.flushReq:
			l.drainAll()
			l.flush()
			// The sealer answers, once what was handed to it is done.
			l.seals <- sealJob{reply: ch}
		case <-wait.C:
		}
	}
}

func (l *Log) drainAll() int {
	// One clock reading a drain: write's MaxAge test needs no finer time.
	l.now = l.opts.Now()
	n := 0
	for _, r := range *l.rings.Load() {
		n += r.drain(l.write)
	}
	return n
}

// write appends one record to the segment, rotating first when the line
// would take the segment past MaxSize.
func (l *Log) write(r *Record) {
	r.PID = l.pid
	l.buf = r.appendJSON(l.buf[:0], &l.tc)
	if l.broken && !l.reopen() {
		l.lost.Add(1)
		return
	}
	if l.size > 0 && l.size+int64(len(l.buf)) > l.opts.MaxSize || l.now.Sub(l.segStart) >= l.opts.MaxAge {
		if l.rotate(); l.broken {
			l.lost.Add(1)
			return
		}
	}
	if _, err := l.w.Write(l.buf); err != nil {
		l.fail(err)
		l.lost.Add(1)
		return
	}
	l.b.add(r, l.size, len(l.buf))
	l.size += int64(len(l.buf))
	l.written.Add(1)
}

// fail marks the segment broken after a write error; the writer opens a
// new one at most once a second, counting the lines in between as lost.
func (l *Log) fail(err error) {
	if !l.broken {
		l.opts.Log.Error("access log write failed; lines are counted as lost until a new segment opens", "segment", l.segPath, "err", err)
	}
	l.errMu.Lock()
	l.err = fmt.Errorf("accesslog: %w", err)
	l.errMu.Unlock()
	l.broken = true
	l.retryAt = l.opts.Now().Add(time.Second)
}

func (l *Log) reopen() bool {
	if l.opts.Now().Before(l.retryAt) {
		return false
	}
	l.rotate()
	return !l.broken
}

func (l *Log) flush() {
	l.lastFlush = time.Now()
	if l.w == nil || l.broken {
		return
	}
	if err := l.w.Flush(); err != nil {
		l.fail(err)
	}
}

// rotate hands the segment to the sealer and opens the next one.
func (l *Log) rotate() {
	l.handOff()
	if err := l.open(); err != nil {
		l.fail(err)
	}
}

// sealJob is a segment for the sealer (or, with reply set, a Flush to
// answer once the jobs before it are done).
type sealJob struct {
	f     *os.File
	path  string
	b     *builder
	reply chan error
}

// handOff flushes the segment's buffer and passes the segment to the
// sealer, so the writer never waits for a sync.
func (l *Log) handOff() {
	if l.f == nil {
		return
	}
	if !l.broken {
		if err := l.w.Flush(); err != nil {
			l.fail(err)
		}
	}
	l.seals <- sealJob{f: l.f, path: l.segPath, b: l.b}
	l.f, l.w, l.b = nil, nil, nil
}

// sealer seals the segments handed to it, in order: syncs the segment
// (unless NoSync), writes its index (or removes it when it holds no
// line), then applies retention.
func (l *Log) sealer() {
	defer close(l.sealerDone)
	for j := range l.seals {
		if j.reply != nil {
			j.reply <- l.lastErr()
			continue
		}
		if !l.opts.NoSync {
			if err := j.f.Sync(); err != nil {
				l.setErr(err)
			}
		}
		dropAll(j.f) // sealed: only searches read it now
		j.f.Close()
		if j.b.sum.lines == 0 {
			os.Remove(j.path)
			continue
		}
		if err := j.b.writeIndex(idxPath(j.path), !l.opts.NoSync); err != nil {
			l.setErr(err)
			continue
		}
		if !l.opts.NoSync {
			syncDir(l.opts.Dir)
		}
		l.sealed.Add(1)
		l.retain()
	}
}

func (l *Log) setErr(err error) {
	l.opts.Log.Error("access log: sealing a segment failed", "err", err)
	l.errMu.Lock()
	l.err = fmt.Errorf("accesslog: %w", err)
	l.errMu.Unlock()
}

func (l *Log) lastErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}

// open creates the next segment, named by the clock (made unique and
// increasing: a name taken or older moves one millisecond on).
func (l *Log) open() error {
	now := l.opts.Now()
	id := now.UnixMilli()
	if id <= l.lastID {
		id = l.lastID + 1
	}
	path := filepath.Join(l.opts.Dir, segName(id))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("accesslog: open segment: %w", err)
	}
	l.lastID = id
	l.f, l.segPath, l.segStart, l.size, l.broken = f, path, now, 0, false
	// Through writeback: the page-cache advice follows every write.
	l.w = bufio.NewWriterSize(&writeback{f: f}, 256<<10)
	l.b = &builder{}
	return nil
}

// segFile is one segment in the directory.
type segFile struct {
	id     int64
	path   string // the .log
	sealed bool   // has its .idx
	bytes  int64  // .log and .idx
}

// listSegments lists dir's segments, oldest first, with their sizes.
func listSegments(dir string) ([]segFile, error) { return listSegmentFiles(dir, true) }

// listSegmentFiles lists dir's segments, oldest first; sizes costs a
// stat per file (retention needs it, a search does not).
func listSegmentFiles(dir string, sizes bool) ([]segFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	idx := map[string]int64{}
	var out []segFile
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, idxSuffix) {
			var n int64
			if sizes {
				if info, err := e.Info(); err == nil {
					n = info.Size()
				}
			}
			idx[strings.TrimSuffix(name, idxSuffix)] = n
			continue
		}
		id, ok := segID(name)
		if !ok {
			continue
		}
		s := segFile{id: id, path: filepath.Join(dir, name)}
		if sizes {
			if info, err := e.Info(); err == nil {
				s.bytes = info.Size()
			}
		}
		out = append(out, s)
	}
	for i := range out {
		base := strings.TrimSuffix(filepath.Base(out[i].path), logSuffix)
		if n, ok := idx[base]; ok {
			out[i].sealed = true
			out[i].bytes += n
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// retain removes the oldest sealed segments beyond Keep and MaxTotal.
func (l *Log) retain() {
	segs, err := listSegments(l.opts.Dir)
	if err != nil {
		l.opts.Log.Error("access log retention", "err", err)
		return
	}
	var sealed []segFile
	var total int64
	for _, s := range segs {
		if s.sealed { // the active segment has no index yet
			sealed = append(sealed, s)
			total += s.bytes
		}
	}
	for len(sealed) > 0 && (len(sealed) > l.opts.Keep || l.opts.MaxTotal > 0 && total > l.opts.MaxTotal) {
		s := sealed[0]
		// The log first: a Searcher skips an index whose log is gone.
		os.Remove(s.path)
		os.Remove(idxPath(s.path))
		total -= s.bytes
		sealed = sealed[1:]
	}
}

// recover indexes the segments a crash left without an index (their torn
// last line, if any, stays outside the index) and sets the naming floor.
func (l *Log) recover() error {
	segs, err := listSegments(l.opts.Dir)
	if err != nil {
		return fmt.Errorf("accesslog: %w", err)
	}
	for _, s := range segs {
		l.lastID = max(l.lastID, s.id)
		if s.sealed {
			if _, err := openIndex(idxPath(s.path)); !errors.Is(err, errIndex) {
				continue
			}
		}
		b, err := indexSegment(s.path)
		if err != nil {
			return fmt.Errorf("accesslog: recover %s: %w", s.path, err)
		}
		if b.sum.lines == 0 {
			os.Remove(s.path)
			continue
		}
		if err := b.writeIndex(idxPath(s.path), !l.opts.NoSync); err != nil {
			return fmt.Errorf("accesslog: recover %s: %w", s.path, err)
		}
	}
	return nil
}

// indexSegment builds the index of a whole segment file.
func indexSegment(path string) (*builder, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := &builder{}
	_, err = scanLines(f, 0, b)
	return b, err
}

// scanLines adds the whole lines of f from off on to b and returns the
// offset after the last whole line (a torn line is left for later).
// Lines that are not ours are skipped, inside their block's range.
func scanLines(f *os.File, off int64, b *builder) (int64, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, off, 1<<62), 64<<10)
	var rec Record
	skipping := false
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// Longer than any line we write: not ours; skip to its end.
			off += int64(len(line))
			skipping = true
			continue
		}
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, err
		}
		if !skipping && parseJSON(line[:len(line)-1], &rec) == nil {
			b.add(&rec, off, len(line))
		}
		skipping = false
		off += int64(len(line))
	}
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
