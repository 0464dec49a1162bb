package tcapi

import (
	"container/heap"
	"crypto/sha256"
	"sync"

	"github.com/edgegate/edgegate/admin/ratelimit"
)

// Limits are per-Action request rates, enforced per SecretId with
// RequestLimitExceeded. The zero value (&Limits{}) disables limiting.
type Limits struct {
	// Default is the requests per second of an Action not in PerAction;
	// zero or negative: unlimited.
	Default int
	// PerAction overrides Default for single Actions; zero or negative:
	// unlimited.
	PerAction map[string]int
}

// DefaultLimits returns the seed's limits (each Action's 默认接口请求频率限制):
// 20 requests per second, DescribeApi 100.
func DefaultLimits() *Limits {
	return &Limits{Default: ratelimit.DefaultRate, PerAction: map[string]int{"DescribeApi": 100}}
}

func (l *Limits) rate(action string) int {
	if r, ok := l.PerAction[action]; ok {
		return r
	}
	return l.Default
}

// nonceCache remembers the v1 (SecretId, Nonce) pairs that were accepted,
// each until its request's Timestamp leaves the skew window (after which the
// timestamp check refuses a replay anyway). It holds at most max entries; a
// full cache refuses new pairs rather than forgetting live ones, so replay
// protection never silently lapses.
type nonceCache struct {
	mu   sync.Mutex
	max  int
	seen map[nonceKey]int64 // → expiry, UNIX seconds
	exp  expHeap
}

// nonceKey is a truncated SHA-256 of SecretId and Nonce: fixed size, so the
// memory per entry is bounded whatever the client sends.
type nonceKey [16]byte

func makeNonceKey(secretId, nonce string) nonceKey {
	h := sha256.Sum256([]byte(secretId + "\x00" + nonce))
	var k nonceKey
	copy(k[:], h[:])
	return k
}

type nonceResult uint8

const (
	nonceFresh nonceResult = iota
	nonceReplayed
	nonceFull
)

// add records k until expiry unless it is already live.
func (c *nonceCache) add(k nonceKey, expiry, now int64) nonceResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[nonceKey]int64{}
	}
	for len(c.exp) > 0 && c.exp[0].exp < now {
		e := heap.Pop(&c.exp).(expEntry)
		if c.seen[e.key] == e.exp {
			delete(c.seen, e.key)
		}
	}
	if _, live := c.seen[k]; live {
		return nonceReplayed
	}
	if len(c.seen) >= c.max {
		return nonceFull
	}
	c.seen[k] = expiry
	heap.Push(&c.exp, expEntry{expiry, k})
	return nonceFresh
}

func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

type expEntry struct {
	exp int64
	key nonceKey
}

type expHeap []expEntry

func (h expHeap) Len() int           { return len(h) }
func (h expHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h expHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expHeap) Push(x any)        { *h = append(*h, x.(expEntry)) }
func (h *expHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
