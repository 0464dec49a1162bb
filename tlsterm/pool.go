package tlsterm

import "time"

// pool bounds the handshakes of one Server or Client: at most cap(slots)
// run at once, each on its own goroutine; at most cap(queue) more wait
// without a goroutine; beyond that a handshake ends at once with ErrBusy.
type pool struct {
	timeout time.Duration
	slots   chan struct{}
	queue   chan *Handshake
}

func newPool(timeout time.Duration, maxHS, maxQ int) pool {
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	if maxHS <= 0 {
		maxHS = DefaultMaxHandshakes
	}
	if maxQ <= 0 {
		maxQ = DefaultMaxQueued
	}
	return pool{timeout: timeout, slots: make(chan struct{}, maxHS), queue: make(chan *Handshake, maxQ)}
}

// enqueue starts h on a free slot, or queues it, or refuses it with ErrBusy.
func (p *pool) enqueue(h *Handshake) {
	select {
	case p.slots <- struct{}{}:
		go p.worker(h)
		return
	default:
	}
	select {
	case p.queue <- h:
		// A worker may have released its slot between our two selects
		// without seeing h: take a slot if there is one and drain.
		select {
		case p.slots <- struct{}{}:
			go p.worker(nil)
		default:
		}
	default:
		h.stop(ErrBusy)
	}
}

// worker runs handshakes on one goroutine until the queue is empty, then
// frees its slot. The re-check after freeing closes the race with enqueue.
func (p *pool) worker(h *Handshake) {
	for {
		if h != nil {
			h.run()
		}
		select {
		case h = <-p.queue:
			continue
		default:
		}
		<-p.slots
		if len(p.queue) == 0 {
			return
		}
		select {
		case p.slots <- struct{}{}:
			h = nil
		default:
			return
		}
	}
}

// Stats are the handshake counters at one moment.
type Stats struct {
	Running int // handshakes holding a slot
	Queued  int // handshakes waiting for one
}

// Stats reads the counters (racy by nature; for metrics and tests).
func (p *pool) Stats() Stats {
	return Stats{Running: len(p.slots), Queued: len(p.queue)}
}
