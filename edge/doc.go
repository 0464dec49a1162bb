// Package edge is the data plane: a gnet v2 event-loop HTTP/1.1 engine and
// reverse proxy.
//
// Threading model: one gnet event loop per core. Every connection, client
// or upstream, belongs to exactly one loop, and all of its state is touched
// only on that loop's goroutine; upstream connections are enrolled on the
// client's loop (EventLoop.Enroll) and pooled per loop, so a proxied request
// never crosses goroutines and needs no lock. Cross-loop state (target
// health, the installed snapshot) is reached through atomics only. Request
// counters are per loop (stats.go): a cache-line-padded block that only the
// owning loop writes, summed on read by Server.Stats, the connection cap,
// the tick and the drain.
// A target is one (address, health config) pair, shared by the snapshots
// that name it and retired when none does: each loop then drops its pooled
// connections to it in a task on its own goroutine (targets.go).
// Goroutines exist for dialing new upstream connections, active health
// checks (one per checked target) and the ticker that drives per-loop
// sweeps; never per request. There is no clock goroutine (DESIGN's coarse
// atomic clock): the loop's one precise reading per callback, taken for
// latencies anyway, serves deadlines and limiter windows too, and the
// Date header is kept per loop (clock.go), so an idle gateway sleeps.
//
// A client connection is a small state machine (client.go: reading a head,
// reading a body, waiting for the answer, tunnel, flush, linger) whose
// process() switches on the state; request.go reads and routes a head,
// body.go pumps the body, forward.go is the upstream attempt, respond.go the
// gateway-made answers, timeouts.go the deadlines.
//
// HTTPS (tls.go, tlsserver.go, tlscerts.go, scheme.go): Config.TLSListen
// adds a listener to the same gnet engine (gnet.Rotate); OnOpen tells its
// connections by the listener's port. A TLS connection's handshake runs in
// tlsterm off the loop: OnTraffic feeds it gnet's bytes, its flights go out
// through gnet's thread-safe AsyncWrite (copied), and its end comes back
// with EventLoop.Execute; the loop never waits on a handshake. Then the
// record layer (tlsterm.Conn) runs on the loop. Every read of the client's
// request bytes and every write to the client goes through clientio.go:
// plain connections call gnet directly (one nil test), TLS ones read from
// a plaintext buffer that tlsConn fills by opening whole records from
// gnet's inbound buffer, and write by sealing into the loop's seal buffer
// (records of up to 16 KiB) handed to gnet's Write. The plaintext buffers
// are the loop's, lent while a connection has unread bytes and returned
// when it has none, so an idle TLS connection holds only its record keys;
// back-pressure counts ciphertext (gnet's buffers). The certificate table
// is part of the runtime (built with it, installed on the tlsterm.Server
// after the pointer store); a goroutine rotates the session ticket keys.
// Never call gnet's Discard with 0: it empties the buffer (consume).
//
// HTTPS backends (uptls.go, upstreamio.go): a target is keyed by (address,
// health config, snapshot.TLS), and a TLS target holds one tlsterm.Client,
// built with the runtime (side-effect free) and dropped with the target,
// shared by the loops (its session cache resumes new connections). A new
// upstream connection runs the client handshake with the same adapter as
// the server side (Feed from the upstream's OnTraffic, flights through
// AsyncWrite, the end through Execute); bytes the backend sends before the
// end reaches the loop are kept, so the alert of a backend that refuses
// our client certificate and hangs up still gives the error. Then every
// read and write of an upstream goes through upstreamio.go: requests are
// sealed (the writer's sealer), responses opened into a plaintext buffer
// lent by the loop (recIn, shared with tls.go) and relayed as on plain
// connections; process() goes on while whole records wait. Pooled TLS
// connections keep only their record keys; close_notify goes out on
// close, and a backend's close_notify is its close (stale-retry rules
// unchanged). Handshake failures answer UpstreamTLSError and count for
// passive health; active checks use the same TLS settings.
//
// The running configuration is one immutable *runtime behind an
// atomic.Pointer; a request keeps the runtime it started with.
//
// gnet upstream has no read back-pressure (gnet #712, #676, #722): the
// module is replaced by a pinned fork, third_party/gnet (its PATCHES.md),
// whose Conn.PauseRead/ResumeRead backpressure.go uses to stop reading a
// side whose peer cannot take more, and whose Engine.StopListening stops
// the listeners for a graceful drain (Server.Shutdown). Nothing here
// touches gnet's epoll sets.
//
// I/O batching (iobatch.go, Config.IOBatching, issue 18): the fork also
// defers the writes made on a loop to the end of its batch of events and,
// by default, has the loop wait in io_uring_enter itself with a recv
// armed per connection and the batch's writes sent with the next wait
// (ring I/O; batched reads and writes after epoll_wait where the kernel
// is older). Nothing here changes for it: writes still go through gnet's Write/Writev, OutboundBuffered
// counts deferred bytes (a connection defers at most min(16 KiB, LowWater),
// so back-pressure still sees only what the socket refused), and a close
// after a flush (closeWhenFlushed) calls Flush before it looks.
//
// Authentication (auth.go) keeps an auth.Verifier and a token cache per
// loop, created on first use.
//
// Rate limits (limits.go) check limiter counters kept in the Server's
// Registry by stable id, so a reload keeps every window and quota.
// Before a batch of requests is served, peek.go guesses their per-IP
// table keys from the raw bytes (the fork's BatchPeeker) and prefetches
// them together, so their cache misses overlap.
//
// Observation (obs.go, obslog.go, metrics.go): a request's facts are
// noted on its client (reqObs) where each is known and recorded once, in
// finishRequest, into per-loop counter blocks that only their loop writes
// (atomic adds) and the Each* readers sum, and, with Config.AccessLog, into
// the loop's accesslog.Ring (a full ring drops and counts). Series numbers
// (per API, limit rule, backend address) are handed out while a snapshot
// is built and last for the process, so counts survive swaps.
//
// Backend signatures (backendsign.go): a request to an API bound to a
// signature key is signed once its head is built, with the loop's
// backendsign.Signer, and signed again when a retry changes its Host.
//
// Imports: http1, ascii, router, snapshot, model, ipset, auth, cond, limiter,
// tlsterm, accesslog, backendsign; never admin.
package edge
