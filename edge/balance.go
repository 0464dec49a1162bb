package edge

// pick chooses a target for a: weighted round-robin over the ones that are
// up, skipping exclude. A backend with one target always gets it: ejecting
// the only target would turn a blip into a cool-down of 502s.
func (l *loop) pick(a *apiRT, exclude *target) *target {
	n := len(a.sched)
	if n == 0 {
		return nil
	}
	if len(a.targets) == 1 {
		if a.targets[0] == exclude {
			return nil
		}
		return a.targets[0]
	}
	for a.id >= len(l.cursors) {
		l.cursors = append(l.cursors, 0)
	}
	c := l.cursors[a.id]
	now := l.now()
	for i := 0; i < n; i++ {
		t := a.targets[a.sched[(int(c)+i)%n]]
		if t != exclude && t.available(now) {
			l.cursors[a.id] = c + uint32(i) + 1
			return t
		}
	}
	return nil
}

// schedule spreads targets by weight with nginx's smooth weighted
// round-robin, so heavy targets are interleaved rather than bunched.
func schedule(weights []int) []uint16 {
	total := 0
	for _, w := range weights {
		total += w
	}
	cur := make([]int, len(weights))
	out := make([]uint16, 0, total)
	for range total {
		best := 0
		for i, w := range weights {
			cur[i] += w
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, uint16(best))
	}
	return out
}
