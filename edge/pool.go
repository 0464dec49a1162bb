package edge

// pool is one loop's idle keep-alive connections to one target, used LIFO
// so the hottest connection is reused first and cold ones age out.
type pool struct {
	idle []*upstream
}

// poolGet returns a live idle connection to t, or nil. A retired target
// (a request that started on an older runtime) always dials: its id may
// already name another target's slot.
func (l *loop) poolGet(t *target) *upstream {
	if t.id >= len(l.pools) || t.retired.Load() {
		return nil
	}
	p := &l.pools[t.id]
	for n := len(p.idle); n > 0; n = len(p.idle) {
		u := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		l.obs.addrs.at(t.obsAddr).idle.Add(-1)
		if u.dead || u.closeMe {
			continue
		}
		u.inPool = false
		return u
	}
	return nil
}

// poolPut parks an idle connection, or closes it when the pool is full or
// its target is retired (the slot is dropped or about to be, and may be
// handed to a new target).
func (l *loop) poolPut(u *upstream) {
	if u.dead || u.closeMe || u.c == nil {
		return
	}
	if u.t.retired.Load() {
		u.close()
		return
	}
	for u.t.id >= len(l.pools) {
		l.pools = append(l.pools, pool{})
	}
	p := &l.pools[u.t.id]
	if len(p.idle) >= l.s.cfg.UpstreamMaxIdle {
		u.close()
		return
	}
	u.inPool = true
	u.cl = nil
	u.phase = upHead
	u.parser.Reset()
	u.idleSince = l.now()
	p.idle = append(p.idle, u)
	l.obs.addrs.at(u.t.obsAddr).idle.Add(1)
}

// prune drops dead entries and closes connections idle too long.
func (p *pool) prune(l *loop, now int64) {
	keep := p.idle[:0]
	limit := int64(l.s.cfg.UpstreamIdleTimeout)
	for _, u := range p.idle {
		switch {
		case u.dead || u.closeMe:
		case now-u.idleSince > limit:
			u.inPool = false
			u.close()
		default:
			keep = append(keep, u)
		}
	}
	for i := len(keep); i < len(p.idle); i++ {
		l.obs.addrs.at(p.idle[i].t.obsAddr).idle.Add(-1)
		p.idle[i] = nil
	}
	p.idle = keep
}

// dropTargets closes this loop's idle connections to retired targets and
// lets go of their pool slots, so their ids can be reused (retire). Runs
// on the loop.
func (l *loop) dropTargets(ts []*target) {
	l.enter()
	defer l.exit()
	for _, t := range ts {
		if t.id < len(l.pools) {
			p := &l.pools[t.id]
			for i, u := range p.idle {
				u.inPool = false
				u.close()
				p.idle[i] = nil
				l.obs.addrs.at(t.obsAddr).idle.Add(-1)
			}
			p.idle = p.idle[:0]
		}
		t.slotsHeld.Add(-1)
	}
}
