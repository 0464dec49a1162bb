package cluster

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
)

// Sentinel discovery follows Redis's "Sentinel client spec"
// (https://redis.io/docs/latest/develop/reference/sentinel-clients/):
//
//  1. ask the sentinels in turn, SENTINEL get-master-addr-by-name, and
//     take the first address given; the sentinel that answered moves to
//     the front of the list;
//  2. connect to that address and check with ROLE that it is the primary
//     (a sentinel can be behind a failover);
//  3. on any failure, and whenever the connection breaks, start again at
//     1. A demoted primary refuses the lease script (READONLY), which
//     breaks the connection, so the lessor never keeps writing to a
//     replica.
//
// A primary that lost a failover stays writable until its sentinels
// demote it (about ten seconds after the switch), and a network split can
// keep it so; so, instead of subscribing to +switch-master, a watcher
// goroutine (Lessor.watch) asks again every heartbeat (a second), over a
// held connection to the sentinel that answered last, and the lessor
// moves to the new primary when the answer changes. A sentinel that hangs
// delays only the watcher, never a leasing round.

// sentinels is an ordered view of Options.Sentinels, with the connection
// to the one that answered last; one goroutine's (the lessor's for
// connecting, the watcher's for watching).
type sentinels struct {
	addrs []string
	c     *conn // to addrs[0], which answered last; nil when none is held
}

// master returns the primary's address as the first sentinel that knows
// it says, or the reasons none did.
func (s *sentinels) master(o *Options) (string, error) {
	if s.c != nil {
		addr, err := askSentinel(s.c, o.MasterName)
		if err == nil {
			return addr, nil
		}
		s.close()
	}
	var errs []string
	for i, sa := range s.addrs {
		so := Options{Addr: sa, Username: o.SentinelUsername, Password: o.SentinelPassword, TLS: tlsFor(o.TLS, sa), Timeout: o.Timeout}
		c, err := dial(&so)
		var addr string
		if err == nil {
			if addr, err = askSentinel(c, o.MasterName); err != nil {
				c.close()
			}
		}
		if err != nil {
			errs = append(errs, sa+": "+err.Error())
			continue
		}
		copy(s.addrs[1:i+1], s.addrs[:i]) // sa moves to the front
		s.addrs[0], s.c = sa, c
		return addr, nil
	}
	return "", fmt.Errorf("redis sentinel: no sentinel gave the primary of %q (%s)", o.MasterName, strings.Join(errs, "; "))
}

func (s *sentinels) close() {
	if s.c != nil {
		s.c.close()
		s.c = nil
	}
}

// askSentinel asks a sentinel for the primary's address.
func askSentinel(c *conn, name string) (string, error) {
	c.write("SENTINEL", "get-master-addr-by-name", name)
	r, err := c.flush(1)
	if err != nil {
		return "", err
	}
	switch v := r[0].(type) {
	case redisError:
		return "", v
	case nil:
		return "", fmt.Errorf("does not monitor %q", name)
	case []any:
		if len(v) == 2 {
			host, hok := v[0].(string)
			port, pok := v[1].(string)
			if hok && pok && host != "" && port != "" {
				return net.JoinHostPort(host, port), nil
			}
		}
	}
	return "", fmt.Errorf("bad reply to SENTINEL get-master-addr-by-name: %v", r[0])
}

// checkPrimary asks c's server its ROLE: step 2 of the spec.
func checkPrimary(c *conn) error {
	c.write("ROLE")
	r, err := c.flush(1)
	if err != nil {
		return err
	}
	if e, ok := r[0].(redisError); ok {
		return e
	}
	if a, ok := r[0].([]any); ok && len(a) > 0 {
		if role, _ := a[0].(string); role == "master" {
			return nil
		}
		return fmt.Errorf("redis: %s is a %v, not the primary the sentinel named (a failover in progress?)", c.nc.RemoteAddr(), a[0])
	}
	return fmt.Errorf("redis: bad reply to ROLE: %v", r[0])
}

// tlsFor is the TLS configuration for a connection to addr: base, with
// ServerName set to addr's host when base names none (sentinels and
// discovered primaries each verify as their own host).
func tlsFor(base *tls.Config, addr string) *tls.Config {
	if base == nil || base.ServerName != "" {
		return base
	}
	host, _, _ := net.SplitHostPort(addr)
	tc := base.Clone()
	tc.ServerName = host
	return tc
}
