package tlsterm

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"fmt"
)

// keyLog receives crypto/tls's NSS key log lines (Config.KeyLogWriter, one
// line per Write: "LABEL <client_random hex> <secret hex>\n") and keeps the
// secrets the record layer needs. One per handshake.
type keyLog struct {
	clientRandom [32]byte // from the first line: every line must carry it
	haveRandom   bool
	master       secret // TLS 1.2 CLIENT_RANDOM
	resumed      secret // TLS 1.2 master secret carried in the session (ticket or client cache)
	clientHS     secret // CLIENT_HANDSHAKE_TRAFFIC_SECRET
	serverHS     secret // SERVER_HANDSHAKE_TRAFFIC_SECRET
	clientApp    secret // CLIENT_TRAFFIC_SECRET_0
	serverApp    secret // SERVER_TRAFFIC_SECRET_0
}

type secret struct {
	b [48]byte
	n int
}

func (s *secret) bytes() []byte { return s.b[:s.n] }

func (k *keyLog) Write(line []byte) (int, error) {
	f := bytes.Fields(line)
	if len(f) != 3 {
		return 0, fmt.Errorf("key log line with %d fields", len(f))
	}
	var dst *secret
	switch string(f[0]) {
	case "CLIENT_RANDOM":
		dst = &k.master
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
		dst = &k.clientHS
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		dst = &k.serverHS
	case "CLIENT_TRAFFIC_SECRET_0":
		dst = &k.clientApp
	case "SERVER_TRAFFIC_SECRET_0":
		dst = &k.serverApp
	default:
		return len(line), nil // early data secrets: never used (0-RTT is off)
	}
	if hex.DecodedLen(len(f[1])) != 32 || hex.DecodedLen(len(f[2])) > 48 {
		return 0, fmt.Errorf("key log %s: bad lengths", f[0])
	}
	var cr [32]byte
	if _, err := hex.Decode(cr[:], f[1]); err != nil || (k.haveRandom && cr != k.clientRandom) {
		return 0, fmt.Errorf("key log %s: not this handshake's client random", f[0])
	}
	k.clientRandom, k.haveRandom = cr, true
	n, err := hex.Decode(dst.b[:], f[2])
	if err != nil {
		return 0, err
	}
	dst.n = n
	return len(line), nil
}

// ticketExtraTag marks the SessionState.Extra entry that carries a TLS 1.2
// master secret.
const ticketExtraTag = "tlsterm/tls12-master\x00"

// wrap is the WrapSession hook: a TLS 1.2 ticket also carries the master
// secret in SessionState.Extra, because crypto/tls logs no key for a
// resumed TLS 1.2 session and the record layer needs it then. The ticket is
// encrypted with the server's ticket keys like the secret crypto/tls keeps in it.
func (k *keyLog) wrap(cs tls.ConnectionState, ss *tls.SessionState) *tls.SessionState {
	m := k.master
	if m.n == 0 {
		m = k.resumed // a resumed session's new ticket wraps the same secret
	}
	if cs.Version == tls.VersionTLS12 && m.n == 48 {
		ss.Extra = append(ss.Extra, append([]byte(ticketExtraTag), m.bytes()...))
	}
	return ss
}

// unwrap is the UnwrapSession hook: it keeps a ticket's TLS 1.2 master
// secret for the handoff of a resumed session.
func (k *keyLog) unwrap(ss *tls.SessionState) {
	if ss == nil {
		return
	}
	for _, e := range ss.Extra {
		if m, ok := bytes.CutPrefix(e, []byte(ticketExtraTag)); ok && len(m) == 48 {
			k.resumed.n = copy(k.resumed.b[:], m)
		}
	}
}

// handoff builds the record layer from the logged secrets and the records
// crypto/tls wrote and read, checking the keys against those records and
// counting the records already protected under the application keys.
func (h *Handshake) handoff(cs tls.ConnectionState) (*Conn, error) {
	s := suiteByID(cs.CipherSuite)
	if s == nil {
		return nil, fmt.Errorf("%w: cipher suite %#x", ErrKeyHandoff, cs.CipherSuite)
	}
	// Each side's flight, as far as crypto/tls wrote or read it.
	client, server := h.read, h.written
	if h.cl != nil {
		client, server = h.written, h.read
	}
	var (
		c   *Conn
		err error
	)
	if cs.Version == tls.VersionTLS13 {
		c, err = handoff13(s, &h.klog, client, server)
	} else {
		c, err = handoff12(s, &h.klog, client, server)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyHandoff, err)
	}
	if h.cl != nil {
		// Built facing the client; the client reads what the server writes.
		c.in, c.out = c.out, c.in
		c.client = true
	}
	return c, nil
}

// handoff13: both application secrets come from the key log. Each
// direction's sequence number is the number of records crypto/tls already
// protected under that direction's application key, counted by opening
// every encrypted record of the flight, under the handshake key first, then
// the application key: no assumption about how many there are. The server's
// are its NewSessionTickets when crypto/tls is the server (it seals them
// before Handshake returns, RFC 8446 §4.6.1); the others are 0, because a
// client sends nothing after its Finished and record-by-record feeding
// keeps crypto/tls from reading past the peer's Finished.
func handoff13(s *suiteInfo, k *keyLog, client, server []byte) (*Conn, error) {
	hl := s.hashLen()
	if s.tls12 || k.clientApp.n != hl || k.serverApp.n != hl || k.serverHS.n != hl || k.clientHS.n != hl {
		return nil, fmt.Errorf("tls 1.3 secrets missing from the key log")
	}
	c, err := newConn13(s, k.clientApp.bytes(), k.serverApp.bytes())
	if err != nil {
		return nil, err
	}
	if err := count13(s, k.serverHS.bytes(), &c.out, server, "server"); err != nil {
		return nil, err
	}
	if err := count13(s, k.clientHS.bytes(), &c.in, client, "client"); err != nil {
		return nil, err
	}
	return c, nil
}

// count13 moves app.seq past the records of flight sealed under app's key,
// which follow those sealed under the handshake secret hsSecret. Records in
// clear (hellos, change_cipher_spec) are skipped.
func count13(s *suiteInfo, hsSecret []byte, app *halfConn, flight []byte, who string) error {
	hsAEAD, hsIV, err := keys13(s, hsSecret)
	if err != nil {
		return err
	}
	hs := halfConn{aead: hsAEAD, iv: hsIV}
	longest := 0
	for rec, rest := nextRecord(flight); rec != nil; rec, rest = nextRecord(rest) {
		longest = max(longest, len(rec))
	}
	scratch := make([]byte, 0, longest) // not in place: a failed Open wipes its output
	appStarted := false
	for rec, rest := nextRecord(flight); rec != nil; rec, rest = nextRecord(rest) {
		if rec[0] != recordAppData {
			continue
		}
		hdr, body := rec[:recordHeaderLen], rec[recordHeaderLen:]
		if !appStarted {
			if _, err := hs.aead.Open(scratch[:0], hs.nonceXOR(), body, hdr); err == nil {
				hs.seq++
				continue
			}
			appStarted = true
		}
		if _, err := app.aead.Open(scratch[:0], app.nonceXOR(), body, hdr); err != nil {
			return fmt.Errorf("%s record %d opens under neither key", who, hs.seq+app.seq)
		}
		app.seq++
	}
	if hs.seq == 0 {
		return fmt.Errorf("no %s handshake records seen", who)
	}
	return nil
}

// handoff12: the key block comes from the master secret and both randoms,
// read from the hellos that passed through; a resumed session's master
// secret (no key log line then) comes from its ticket on the server (see
// wrap) and from its cached session on the client (see sessionCache). Each
// side's Finished is record 0 under its new key, so each direction's
// sequence number is the count of records after its change_cipher_spec,
// each opened as a check of the derivation (1: only the Finished).
func handoff12(s *suiteInfo, k *keyLog, client, server []byte) (*Conn, error) {
	master := k.master
	if master.n == 0 {
		master = k.resumed // a resumed session: no key log line
	}
	if !s.tls12 || master.n != 48 {
		return nil, fmt.Errorf("tls 1.2 master secret missing from the key log and session")
	}
	cr, sr := helloRandom(client, 1), helloRandom(server, 2)
	if cr == nil || sr == nil {
		return nil, fmt.Errorf("no ClientHello or ServerHello in the flights")
	}
	c, err := newConn12(s, master.bytes(), cr, sr)
	if err != nil {
		return nil, err
	}
	if err := count12(s, &c.out, server, "server"); err != nil {
		return nil, err
	}
	if err := count12(s, &c.in, client, "client"); err != nil {
		return nil, err
	}
	return c, nil
}

// helloRandom is the random of the hello of type typ (1 ClientHello, 2
// ServerHello) that starts a flight: record header (5), handshake header
// (4), legacy_version (2), random (32). Nil when the flight has none.
func helloRandom(flight []byte, typ byte) []byte {
	if len(flight) < 43 || flight[0] != recordHandshake || flight[5] != typ {
		return nil
	}
	return flight[11:43]
}

// count12 opens the records of flight after its change_cipher_spec with
// half's key, from sequence 0, and sets half.seq past them.
func count12(s *suiteInfo, half *halfConn, flight []byte, who string) error {
	probe := Conn{suite: s, in: *half}
	probe.in.seq = 0
	afterCCS := false
	for rec, rest := nextRecord(flight); rec != nil; rec, rest = nextRecord(rest) {
		if !afterCCS {
			afterCCS = rec[0] == recordCCS
			continue
		}
		if _, err := probe.open12(make([]byte, 0, len(rec)), rec); err != nil {
			return fmt.Errorf("%s Finished does not open under the derived key", who)
		}
	}
	if probe.in.seq == 0 {
		return fmt.Errorf("no %s Finished in its flight", who)
	}
	half.seq = probe.in.seq
	return nil
}

// newConn13 is a server's TLS 1.3 record layer from the two application
// traffic secrets, both sequences at 0.
func newConn13(s *suiteInfo, clientSecret, serverSecret []byte) (*Conn, error) {
	c := &Conn{suite: s, vers13: true}
	var err error
	if c.in.aead, c.in.iv, err = keys13(s, clientSecret); err != nil {
		return nil, err
	}
	if c.out.aead, c.out.iv, err = keys13(s, serverSecret); err != nil {
		return nil, err
	}
	copy(c.in.secret[:], clientSecret)
	copy(c.out.secret[:], serverSecret)
	return c, nil
}

// newConn12 is a server's TLS 1.2 record layer from the master secret,
// both sequences at 0 (handoff12 moves them past the Finished messages).
func newConn12(s *suiteInfo, master, clientRandom, serverRandom []byte) (*Conn, error) {
	cli, srv, err := keys12(s, master, clientRandom, serverRandom)
	if err != nil {
		return nil, err
	}
	c := &Conn{suite: s}
	c.in.aead, c.in.iv = cli.aead, cli.iv
	c.out.aead, c.out.iv = srv.aead, srv.iv
	return c, nil
}

// nextRecord splits the first whole record off b (nil when none is left).
func nextRecord(b []byte) (rec, rest []byte) {
	if len(b) < recordHeaderLen {
		return nil, nil
	}
	n := recordHeaderLen + (int(b[3])<<8 | int(b[4]))
	if len(b) < n {
		return nil, nil
	}
	return b[:n], b[n:]
}
