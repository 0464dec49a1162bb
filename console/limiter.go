package console

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// maxLimitedAddrs bounds the sign-in limiter's table. Full of live entries,
// it refuses sign-ins from new addresses until some expire: failing closed
// keeps a flood of addresses from either growing memory or resetting the
// counts of the ones that matter.
const maxLimitedAddrs = 10000

// loginLimiter counts failed sign-ins per client address in fixed windows.
type loginLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	byAddr map[netip.Prefix]*failures
}

type failures struct {
	start time.Time
	n     int
}

// clientKey is the address a request counts against: the peer's IPv4
// address, or the /64 of an IPv6 one (a host usually holds a whole /64).
// X-Forwarded-For is not trusted: the admin listener is not behind a proxy
// that this code could know of.
func clientKey(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	a = a.Unmap()
	if a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.Prefix(64)
	return p
}

// allowed reports whether the address may try to sign in now, and when
// not, how long until it may.
func (l *loginLimiter) allowed(k netip.Prefix, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.byAddr[k]
	if f == nil {
		if len(l.byAddr) >= maxLimitedAddrs {
			l.sweep(now)
			if len(l.byAddr) >= maxLimitedAddrs {
				return false, l.window
			}
		}
		return true, 0
	}
	if now.Sub(f.start) >= l.window {
		delete(l.byAddr, k)
		return true, 0
	}
	if f.n >= l.max {
		return false, f.start.Add(l.window).Sub(now)
	}
	return true, 0
}

// failed counts a failed sign-in.
func (l *loginLimiter) failed(k netip.Prefix, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.byAddr[k]
	if f == nil || now.Sub(f.start) >= l.window {
		if f == nil && len(l.byAddr) >= maxLimitedAddrs {
			return // allowed refuses new addresses until there is room
		}
		f = &failures{start: now}
		l.byAddr[k] = f
	}
	f.n++
}

// succeeded forgets the address's failures.
func (l *loginLimiter) succeeded(k netip.Prefix) {
	l.mu.Lock()
	delete(l.byAddr, k)
	l.mu.Unlock()
}

func (l *loginLimiter) sweep(now time.Time) {
	for k, f := range l.byAddr {
		if now.Sub(f.start) >= l.window {
			delete(l.byAddr, k)
		}
	}
}
