package compression

import (
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Pool bounds.
const (
	// DefaultMaxEncoders bounds the encoders one loop keeps alive, in use
	// or idle (see doc.go, "Memory").
	DefaultMaxEncoders = 32
	// MaxEncoderBytes bounds the heap of one encoder at any level
	// Config accepts (measured: TestEncoderMemory).
	MaxEncoderBytes = 2 << 20
)

// numKeys: gzip levels 1-9, then zstd levels 1-MaxZstdLevel.
const numKeys = 9 + MaxZstdLevel

// PoolConfig sizes a Pool.
type PoolConfig struct {
	// MaxEncoders bounds the encoders alive (in use plus idle); 0 means
	// DefaultMaxEncoders. The loop's compression memory is at most
	// MaxEncoders * MaxEncoderBytes.
	MaxEncoders int
}

// PoolStats are a pool's counters, read on its loop.
type PoolStats struct {
	Live    int    // encoders alive: in use plus idle
	Idle    int    // encoders waiting in the pool
	Created uint64 // encoders ever built (steady state: not growing)
	Dropped uint64 // idle encoders let go to make room for another level
	Busy    uint64 // Gets refused because MaxEncoders were in use
}

// Pool holds one event loop's encoders, reset and reused per response so
// that the steady state allocates nothing. It belongs to its loop: no
// mutex, no goroutine; do not share it.
type Pool struct {
	max   int
	free  [numKeys][]*Encoder
	stats PoolStats
}

// NewPool returns an empty pool.
func NewPool(c PoolConfig) *Pool {
	p := &Pool{max: c.MaxEncoders}
	if p.max <= 0 {
		p.max = DefaultMaxEncoders
	}
	return p
}

// Stats returns the pool's counters.
func (p *Pool) Stats() PoolStats { return p.stats }

// Acquire returns an encoder for a compressing decision, or nil when d is
// not compressing. When every encoder the pool may keep is in use, it
// changes d to identity with Reason Busy (Vary stays: the choice still
// depended on Accept-Encoding) and returns nil. Call it before rendering
// the head.
func (p *Pool) Acquire(d *Decision, pol *Policy) *Encoder {
	if d.Coding == Identity {
		return nil
	}
	e := p.Get(d.Coding, pol.Level(d.Coding))
	if e == nil {
		d.Coding, d.Reason = Identity, Busy
	}
	return e
}

// Get returns an encoder for coding c at level, ready for a new body, or
// nil when MaxEncoders are in use. It panics on a coding or level that no
// compiled Policy yields.
func (p *Pool) Get(c Coding, level int) *Encoder {
	k := key(c, level)
	if f := p.free[k]; len(f) > 0 {
		e := f[len(f)-1]
		f[len(f)-1] = nil
		p.free[k] = f[:len(f)-1]
		p.stats.Idle--
		e.reset()
		return e
	}
	if p.stats.Live >= p.max {
		if !p.dropIdle() {
			p.stats.Busy++
			return nil
		}
	}
	e := newEncoder(c, level, k)
	p.stats.Live++
	p.stats.Created++
	e.reset()
	return e
}

// Put gives e back for reuse, whether or not its body was closed (an
// aborted response's encoder is reset on the next Get). e must not be
// used after Put.
func (p *Pool) Put(e *Encoder) {
	if e == nil {
		return
	}
	e.out.b = nil
	p.free[e.key] = append(p.free[e.key], e)
	p.stats.Idle++
}

// dropIdle lets one idle encoder of any level go, to make room for one of
// another level; false when none is idle.
func (p *Pool) dropIdle() bool {
	for k := range p.free {
		if f := p.free[k]; len(f) > 0 {
			f[len(f)-1] = nil
			p.free[k] = f[:len(f)-1]
			p.stats.Idle--
			p.stats.Live--
			p.stats.Dropped++
			return true
		}
	}
	return false
}

func key(c Coding, level int) uint8 {
	switch {
	case c == Gzip && level >= 1 && level <= 9:
		return uint8(level - 1)
	case c == Zstd && level >= 1 && level <= MaxZstdLevel:
		return uint8(9 + level - 1)
	}
	panic("compression: no encoder for " + c.String() + " at this level")
}

// newEncoder builds an encoder. zstd runs synchronously (concurrency 1:
// no goroutines), with a bounded window, the lower-memory tables and no
// checksum (the transport already checks the bytes; RFC 8878 §3.1.1
// makes it optional).
func newEncoder(c Coding, level int, k uint8) *Encoder {
	e := &Encoder{coding: c, key: k}
	var err error
	if c == Gzip {
		e.gz, err = gzip.NewWriterLevel(nil, level)
	} else {
		e.zs, err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.EncoderLevel(level)),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(ZstdWindow),
			zstd.WithLowerEncoderMem(true),
			zstd.WithEncoderCRC(false))
	}
	if err != nil {
		panic("compression: " + err.Error()) // the options are constants checked by tests
	}
	return e
}
