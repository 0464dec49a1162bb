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
	clientRandom [32]byte // from the ClientHello (Handshake.Feed) or the log
	haveRandom   bool
	master       secret // TLS 1.2 CLIENT_RANDOM
	resumed      secret // TLS 1.2 master secret carried in the session ticket
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
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		dst = &k.serverHS
	case "CLIENT_TRAFFIC_SECRET_0":
		dst = &k.clientApp
	case "SERVER_TRAFFIC_SECRET_0":
		dst = &k.serverApp
	default:
		return len(line), nil // CLIENT_HANDSHAKE_TRAFFIC_SECRET: not needed
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

// handoff builds the record layer from the logged secrets and the bytes the
// server sent, checking the keys against those bytes.
func (h *Handshake) handoff(cs tls.ConnectionState) (*Conn, error) {
	s := suiteByID(cs.CipherSuite)
	if s == nil {
		return nil, fmt.Errorf("%w: cipher suite %#x", ErrKeyHandoff, cs.CipherSuite)
	}
	var (
		c   *Conn
		err error
	)
	if cs.Version == tls.VersionTLS13 {
		c, err = handoff13(s, &h.klog, h.written)
	} else {
		c, err = handoff12(s, &h.klog, h.written)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyHandoff, err)
	}
	return c, nil
}

// handoff13: both application secrets come from the key log. The client's
// read sequence starts at 0 (record-by-record feeding means crypto/tls read
// nothing after the client Finished); the server's write sequence is the
// number of records crypto/tls already sealed under the application key
// (its NewSessionTickets, RFC 8446 §4.6.1). Those are counted by opening
// each encrypted record the server sent, under the handshake key first,
// then the application key: no assumption about how many tickets go out.
func handoff13(s *suiteInfo, k *keyLog, written []byte) (*Conn, error) {
	if s.tls12 || k.clientApp.n != s.hashLen() || k.serverApp.n != s.hashLen() || k.serverHS.n != s.hashLen() {
		return nil, fmt.Errorf("tls 1.3 secrets missing from the key log")
	}
	hsAEAD, hsIV, err := keys13(s, k.serverHS.bytes())
	if err != nil {
		return nil, err
	}
	c, err := newConn13(s, k.clientApp.bytes(), k.serverApp.bytes())
	if err != nil {
		return nil, err
	}
	hs := halfConn{aead: hsAEAD, iv: hsIV}
	longest := 0
	for rec, rest := nextRecord(written); rec != nil; rec, rest = nextRecord(rest) {
		longest = max(longest, len(rec))
	}
	scratch := make([]byte, 0, longest) // not in place: a failed Open wipes its output
	appStarted := false
	for rec, rest := nextRecord(written); rec != nil; rec, rest = nextRecord(rest) {
		if rec[0] != recordAppData {
			continue // ServerHello, HelloRetryRequest, change_cipher_spec: in clear
		}
		hdr, body := rec[:recordHeaderLen], rec[recordHeaderLen:]
		if !appStarted {
			if _, err := hs.aead.Open(scratch[:0], hs.nonceXOR(), body, hdr); err == nil {
				hs.seq++
				continue
			}
			appStarted = true
		}
		if _, err := c.out.aead.Open(scratch[:0], c.out.nonceXOR(), body, hdr); err != nil {
			return nil, fmt.Errorf("server record %d opens under neither key", hs.seq+c.out.seq)
		}
		c.out.seq++
	}
	if hs.seq == 0 {
		return nil, fmt.Errorf("no server handshake records seen")
	}
	return c, nil
}

// handoff12: the key block comes from the master secret and both randoms
// (the server random read from the ServerHello that went out); a resumed
// session's master secret comes from its ticket (see wrap). Each side's
// Finished was record 0 under the new keys, so both sequences start at 1.
// The server's Finished record is opened as a check of the derivation.
func handoff12(s *suiteInfo, k *keyLog, written []byte) (*Conn, error) {
	master := k.master
	if master.n == 0 {
		master = k.resumed // a resumed session: no key log line
	}
	if !s.tls12 || master.n != 48 {
		return nil, fmt.Errorf("tls 1.2 master secret missing from the key log and ticket")
	}
	// Record header (5), handshake header (4), server_version (2), random (32).
	if len(written) < 43 || written[0] != recordHandshake || written[5] != 2 {
		return nil, fmt.Errorf("no ServerHello in the server's output")
	}
	c, err := newConn12(s, master.bytes(), k.clientRandom[:], written[11:43])
	if err != nil {
		return nil, err
	}
	var fin []byte
	afterCCS := false
	for rec, rest := nextRecord(written); rec != nil; rec, rest = nextRecord(rest) {
		if afterCCS {
			fin = rec
			break
		}
		afterCCS = rec[0] == recordCCS
	}
	if fin == nil {
		return nil, fmt.Errorf("no server Finished in the server's output")
	}
	probe := Conn{suite: s, in: c.out}
	probe.in.seq = 0 // the Finished is the first record under the new key
	scratch := make([]byte, 0, len(fin))
	if _, err := probe.open12(scratch, fin); err != nil {
		return nil, fmt.Errorf("server Finished does not open under the derived key")
	}
	return c, nil
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
// both sequences at 1 (after the Finished messages).
func newConn12(s *suiteInfo, master, clientRandom, serverRandom []byte) (*Conn, error) {
	cli, srv, err := keys12(s, master, clientRandom, serverRandom)
	if err != nil {
		return nil, err
	}
	c := &Conn{suite: s}
	c.in.aead, c.in.iv, c.in.seq = cli.aead, cli.iv, 1
	c.out.aead, c.out.iv, c.out.seq = srv.aead, srv.iv, 1
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
