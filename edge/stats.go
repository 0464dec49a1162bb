package edge

import (
	"sync/atomic"

	"golang.org/x/sys/cpu"
)

// counter names one of a loop's counts.
type counter uint8

// The per-loop counts. To add one: a constant here (before numCounters),
// a field in Stats and its line in Server.Stats; the owning loop counts it
// with l.ctr.add. The block grows by 8 bytes and stays padded. Counts of a
// finer grain (per API, for metrics) follow the same rule: one padded
// block per loop, sized when the loop starts or a snapshot is installed,
// written by that loop only and summed by the reader.
const (
	cRequests       counter = iota // request heads served (gateway-made answers included)
	cInflight                      // requests between head and end of response
	cConns                         // open client connections
	cPaused                        // connections on the loop's watch list (a side paused, or flushing)
	cGatewayErrors                 // gateway-made 4xx/5xx answers
	cFrontendErrors                // refusals by the access checks (the seed's 前端错误, not billed)
	cConnsRefused                  // closed at accept by Config.AdmitConn
	cUpstreamDials
	cUpstreamReused
	cRetries
	cTLSHandshakes   // TLS handshakes completed (tls.go)
	cTLSFailed       // TLS handshakes that failed, timed out or found no slot
	cUpTLSHandshakes // upstream TLS handshakes completed (uptls.go)
	cUpTLSResumed    // of which resumed a session
	cUpTLSFailed     // upstream TLS handshakes that failed or timed out
	numCounters
)

// counters is one event loop's block of counts. Only the owning loop
// writes it, so an add never contends with another core; readers (Stats,
// the connection cap, the tick, the drain) load each count atomically and
// sum the loops. The pads keep the block on cache lines of its own, so
// neither another loop's counts nor the owner's other hot fields share a
// line that a reader pulls away.
type counters struct {
	_ cpu.CacheLinePad
	n [numCounters]atomic.Int64
	_ cpu.CacheLinePad
}

// add counts d on k. Call it only from the owning loop's goroutine.
func (c *counters) add(k counter, d int64) { c.n[k].Add(d) }

// Stats is a reading of the engine's counts, summed over the loops.
type Stats struct {
	Conns          int64 // open client connections
	Inflight       int64 // requests being served
	Requests       int64
	GatewayErrors  int64 // gateway-made 4xx/5xx answers
	FrontendErrors int64 // refusals by IP control, auth and flow control
	ConnsRefused   int64 // closed at accept by Config.AdmitConn
	UpstreamDials  int64
	UpstreamReused int64
	Retries        int64
	Swaps          int64 // snapshots installed
	// TLSHandshakes completed; TLSHandshakeFailures: failed (alert, bad
	// input), timed out or refused for want of a handshake slot.
	TLSHandshakes, TLSHandshakeFailures int64
	// UpstreamTLSHandshakes to HTTPS backends completed (UpstreamTLSResumed
	// of them resumed a session); UpstreamTLSFailures failed or timed out.
	UpstreamTLSHandshakes, UpstreamTLSResumed, UpstreamTLSFailures int64
}

// Stats sums every loop's counts. Each count is exact for its loop; the
// sum is not one instant's (loops keep counting while it is read).
func (s *Server) Stats() Stats {
	var t [numCounters]int64
	for _, l := range *s.loops.Load() {
		for k := range t {
			t[k] += l.ctr.n[k].Load()
		}
	}
	return Stats{
		Conns: t[cConns], Inflight: t[cInflight], Requests: t[cRequests],
		GatewayErrors: t[cGatewayErrors], FrontendErrors: t[cFrontendErrors], ConnsRefused: t[cConnsRefused],
		UpstreamDials: t[cUpstreamDials], UpstreamReused: t[cUpstreamReused], Retries: t[cRetries],
		Swaps: s.swaps.Load(), TLSHandshakes: t[cTLSHandshakes], TLSHandshakeFailures: t[cTLSFailed],
		UpstreamTLSHandshakes: t[cUpTLSHandshakes], UpstreamTLSResumed: t[cUpTLSResumed], UpstreamTLSFailures: t[cUpTLSFailed],
	}
}

// sum is one count over all loops.
func (s *Server) sum(k counter) int64 {
	var n int64
	for _, l := range *s.loops.Load() {
		n += l.ctr.n[k].Load()
	}
	return n
}

// Inflight is the number of requests being served.
func (s *Server) Inflight() int64 { return s.sum(cInflight) }

// Conns is the number of open client connections.
func (s *Server) Conns() int64 { return s.sum(cConns) }
