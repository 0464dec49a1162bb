package edge

import (
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// discardConn is the inbound side of a gnet.Conn with gnet's Discard
// semantics (third_party/gnet connection_unix.go: n <= 0, or n past the
// end, empties the buffer).
type discardConn struct {
	gnet.Conn
	in []byte
}

func (d *discardConn) Peek(int) ([]byte, error) { return d.in, nil }
func (d *discardConn) InboundBuffered() int     { return len(d.in) }
func (d *discardConn) Discard(n int) (int, error) {
	if n <= 0 || n >= len(d.in) {
		k := len(d.in)
		d.in = nil
		return k, nil
	}
	d.in = d.in[n:]
	return n, nil
}

// A chunked request body whose trailer line arrives in pieces: a pump that
// consumes nothing (the decoder waits for the whole line) must keep the
// bytes. It called gnet's Discard(0), which drops the whole buffer, and the
// trailer (and any request pipelined behind it) was lost.
func TestPumpKeepsPartialTrailer(t *testing.T) {
	s := startTestServer(t, mockAPI("api-m", "/m", "mocked"))
	d := &discardConn{}
	cl := &client{l: &loop{s: s}, c: d, state: stBody, body: bodyChunked, ans: ansStarted}
	cl.dec.Reset()
	d.in = []byte("5\r\nhello\r\n0\r\nX-T: a")
	cl.pumpBody()
	if string(d.in) != "X-T: a" {
		t.Fatalf("after the chunks: %q", d.in)
	}
	d.in = append(d.in, 'b')
	cl.pumpBody()
	if string(d.in) != "X-T: ab" {
		t.Fatalf("a pump that consumed nothing left %q", d.in)
	}
}
