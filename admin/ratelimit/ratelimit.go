// Package ratelimit is the management interfaces' request rate per
// credential and operation: the Action API's per-Action rates (seed
// 默认接口请求频率限制) and the Huawei REST interface's per-operation rate.
// It is not the data plane's limiter (package limiter): a call here is a
// management call, rare and already authenticated, so a mutex is fine.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is a token bucket per (credential, operation) holding at most
// one second's worth of requests. Only authenticated credentials reach
// it, so the map is bounded by credentials × operations; idle full
// buckets are swept once it holds more than sweepOver.
type Limiter struct {
	mu      sync.Mutex
	buckets map[key]*bucket
	sweepAt time.Time
}

const sweepOver = 4096

// DefaultRate is an operation's rate per credential unless configured:
// the seed's 默认接口请求频率限制 (20 requests per second per Action),
// which the Huawei REST interface follows per operation.
const DefaultRate = 20

type key struct{ cred, op string }

type bucket struct {
	tokens float64
	last   time.Time
}

// Allow takes one token from cred's bucket for op, refilled at rate per
// second; rate zero or negative is unlimited.
func (rl *Limiter) Allow(cred, op string, rate int, now time.Time) bool {
	if rate <= 0 {
		return true
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.buckets == nil {
		rl.buckets = map[key]*bucket{}
	}
	if len(rl.buckets) > sweepOver && now.After(rl.sweepAt) {
		for k, b := range rl.buckets {
			if now.Sub(b.last) > time.Second {
				delete(rl.buckets, k)
			}
		}
		rl.sweepAt = now.Add(time.Second)
	}
	k := key{cred, op}
	b := rl.buckets[k]
	if b == nil {
		b = &bucket{tokens: float64(rate), last: now}
		rl.buckets[k] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(b.tokens+el.Seconds()*float64(rate), float64(rate))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
