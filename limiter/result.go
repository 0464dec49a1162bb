package limiter

import "time"

// Result is what a check decided and what a 429 response needs
// (Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining,
// X-RateLimit-Reset).
type Result struct {
	OK        bool
	Limit     int64         // the limit that decided (the tightest one on success)
	Remaining int64         // admissions left in the window (approximate with leases)
	Reset     time.Duration // refusals: until an admission frees up; 0 on success
}

// RetryAfter is Reset in whole seconds, rounded up, at least 1 (RFC 9110
// §10.2.3 delay-seconds).
func (r Result) RetryAfter() int64 {
	return max(1, int64((r.Reset+time.Second-1)/time.Second))
}
