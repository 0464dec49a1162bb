package accesslog

import (
	"net/netip"
	"time"
)

// Field names a text member of a Record.
type Field uint8

// The text members of a Record. Their JSON names are in jsonNames.
const (
	ReqID    Field = iota // the gateway's request id (X-Request-Id)
	Service               // service id
	Env                   // environment: test, prepub, release
	API                   // API id
	Method                // request method
	Path                  // request path (the URI without the query)
	Host                  // Host header
	ClientIP              // client address (no port)
	Upstream              // upstream address, ip:port
	VIP                   // the gateway address the client reached, ip:port
	Subject               // auth subject: SecretId or app id, never a secret
	Limit                 // limiter decision: "" (no rule), "pass", or the refusing rule
	ErrCode               // gateway error code ("" when none)
	ErrMsg                // gateway error message ("" when none)
	NumFields
)

// TextCap is the room a Record has for all its text members together.
// A member that does not fit is cut at what is left (a long path first
// loses its tail); the numbers are never cut.
const TextCap = 1024

// Scheme is the client side's protocol.
type Scheme uint8

// The schemes.
const (
	HTTP Scheme = iota
	HTTPS
)

// Record is one request's access-log entry. It is a fixed-size value
// without pointers: the edge fills one in place in its ring's slot
// (Ring.Slot) with Set and the number members, so logging allocates
// nothing and the slots cost the GC nothing to scan.
//
// Durations are zero when not measured (printed "-" in the seed's line and
// left out of the JSON line): Backend, Connect and Header when the request
// never reached a backend, RTT when the edge does not read it.
type Record struct {
	// Time is when the request's head was complete, Unix nanoseconds.
	Time int64
	// Latency is the gateway's total time (the seed's req_t); Backend from
	// the start of the upstream attempt to the end of its response
	// (ups_rsp_t), Connect the upstream connect time (ups_conn_t), Header
	// until the upstream response head (ups_head_t), RTT the client's
	// TCP round trip (tcp_rtt).
	Latency, Backend, Connect, Header, RTT time.Duration
	// BytesIn is the request's length on the wire (head and body), BytesOut
	// the response's.
	BytesIn, BytesOut int64
	// Status is the status sent to the client; UpstreamStatus the
	// backend's, 0 when the gateway answered itself.
	Status, UpstreamStatus uint16
	Scheme                 Scheme
	// PID is the writing process's id; the writer sets it.
	PID int32

	used uint16
	span [NumFields]struct{ off, n uint16 }
	text [TextCap]byte
}

// reset empties r for reuse; the text bytes are left, unreachable.
func (r *Record) reset() {
	r.Time, r.Latency, r.Backend, r.Connect, r.Header, r.RTT = 0, 0, 0, 0, 0, 0
	r.BytesIn, r.BytesOut, r.Status, r.UpstreamStatus, r.Scheme, r.PID = 0, 0, 0, 0, HTTP, 0
	r.used = 0
	r.span = [NumFields]struct{ off, n uint16 }{}
}

// Set copies b into member f, cut to the room left. Setting a member
// twice leaves the first copy's bytes used.
func (r *Record) Set(f Field, b []byte) {
	if f >= NumFields {
		return
	}
	n := copy(r.text[r.used:], b)
	r.span[f].off, r.span[f].n = r.used, uint16(n)
	r.used += uint16(n)
}

// SetString is Set for a string.
func (r *Record) SetString(f Field, s string) {
	if f >= NumFields {
		return
	}
	n := copy(r.text[r.used:], s)
	r.span[f].off, r.span[f].n = r.used, uint16(n)
	r.used += uint16(n)
}

// SetAddr writes a's text form into f (empty for the zero Addr).
func (r *Record) SetAddr(f Field, a netip.Addr) {
	if !a.IsValid() {
		r.Set(f, nil)
		return
	}
	r.setAppended(f, func(b []byte) []byte { return a.AppendTo(b) })
}

// SetAddrPort writes ap's text form (ip:port, [v6]:port) into f.
func (r *Record) SetAddrPort(f Field, ap netip.AddrPort) {
	if !ap.IsValid() {
		r.Set(f, nil)
		return
	}
	r.setAppended(f, func(b []byte) []byte { return ap.AppendTo(b) })
}

// maxAddrText is the longest text form of an address with port and zone
// that setAppended lets append in place (a longer zone is cut).
const maxAddrText = 64

func (r *Record) setAppended(f Field, app func([]byte) []byte) {
	if f >= NumFields || TextCap-int(r.used) < maxAddrText {
		r.Set(f, nil)
		return
	}
	// Capacity maxAddrText: AppendTo writes in place and never grows it.
	out := app(r.text[r.used : r.used : int(r.used)+maxAddrText])
	if len(out) > maxAddrText || (len(out) > 0 && &out[0] != &r.text[r.used]) {
		r.Set(f, nil)
		return
	}
	r.span[f].off, r.span[f].n = r.used, uint16(len(out))
	r.used += uint16(len(out))
}

// Get returns member f. The bytes are r's: they live as long as r is not
// reset or overwritten (a ring slot: until the next Slot on that ring
// reaches it again).
func (r *Record) Get(f Field) []byte {
	if f >= NumFields {
		return nil
	}
	s := r.span[f]
	return r.text[s.off : s.off+s.n]
}

// String returns member f as a string (allocates; not for the hot path).
func (r *Record) String(f Field) string { return string(r.Get(f)) }

// CopyFrom makes r a copy of src, moving only the text src uses.
func (r *Record) CopyFrom(src *Record) {
	r.Time, r.Latency, r.Backend, r.Connect, r.Header, r.RTT = src.Time, src.Latency, src.Backend, src.Connect, src.Header, src.RTT
	r.BytesIn, r.BytesOut, r.Status, r.UpstreamStatus, r.Scheme, r.PID = src.BytesIn, src.BytesOut, src.Status, src.UpstreamStatus, src.Scheme, src.PID
	r.used, r.span = src.used, src.span
	copy(r.text[:src.used], src.text[:src.used])
}
