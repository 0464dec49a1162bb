package edge

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Keep-alive requests over TLS 1.2 and 1.3, proxied and mocked, reach the
// backend with X-Forwarded-Proto https; the plain listener beside it still
// says http.
func TestTLSProxy(t *testing.T) {
	s := startTLSServer(t, Config{}, anyAPI("api-p", "/p", protoEcho(t)), mockAPI("api-m", "/m", "mocked"))
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := tlsConfig(t, "service-t.localhost")
		cfg.MinVersion, cfg.MaxVersion = v, v
		c := mustDialTLS(t, s, cfg)
		if st := c.ConnectionState(); st.Version != v || st.NegotiatedProtocol != "" {
			t.Fatalf("version %#x alpn %q", st.Version, st.NegotiatedProtocol)
		}
		br := bufio.NewReader(c)
		for i := range 3 {
			if resp, body := exchange(t, c, br, getReq("service-t.localhost", "/release/p")); resp.StatusCode != 200 || body != "proto=https" {
				t.Fatalf("%#x request %d: %d %q", v, i, resp.StatusCode, body)
			}
			if resp, body := exchange(t, c, br, getReq("service-t.localhost", "/release/m")); resp.StatusCode != 200 || body != "mocked" {
				t.Fatalf("%#x mock %d: %d %q", v, i, resp.StatusCode, body)
			}
		}
	}
	pc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if resp, body := exchange(t, pc, bufio.NewReader(pc), getReq("service-t.localhost", "/release/p")); resp.StatusCode != 200 || body != "proto=http" {
		t.Fatalf("plain: %d %q", resp.StatusCode, body)
	}
	if st := s.Stats(); st.TLSHandshakes != 2 || st.TLSHandshakeFailures != 0 {
		t.Errorf("stats %+v", st)
	}
}

// ALPN: http/1.1 is selected when offered; an h2-only client is refused.
func TestTLSALPN(t *testing.T) {
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	cfg := tlsConfig(t, "service-t.localhost")
	cfg.NextProtos = []string{"h2", "http/1.1"}
	if c := mustDialTLS(t, s, cfg); c.ConnectionState().NegotiatedProtocol != "http/1.1" {
		t.Fatalf("alpn %q", c.ConnectionState().NegotiatedProtocol)
	}
	cfg.NextProtos = []string{"h2"}
	if _, err := dialTLS(t, s, cfg); err == nil || !strings.Contains(err.Error(), "no application protocol") {
		t.Fatalf("h2-only: %v", err)
	}
}

// SNI picks the certificate: a bound domain's own (ECDSA or RSA), the
// default wildcard for the default domains, the default for an unknown
// name and for a client that sends no SNI.
func TestTLSSNI(t *testing.T) {
	f := getTLSFix(t)
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	for _, c := range []struct {
		sni  string
		want string // serial of the certificate served
	}{
		{"api.example.com", f.api.Cert.SerialNumber.String()},
		{"API.Example.com", f.api.Cert.SerialNumber.String()},
		{"secure.example.com", f.api.Cert.SerialNumber.String()},
		{"rsa.example.com", f.rsa.Cert.SerialNumber.String()},
		{"service-t.localhost", f.def.Cert.SerialNumber.String()},
		{"unknown.example.org", f.def.Cert.SerialNumber.String()},
		{"", f.def.Cert.SerialNumber.String()},
	} {
		cfg := tlsConfig(t, c.sni)
		if c.sni == "unknown.example.org" || c.sni == "" {
			cfg.InsecureSkipVerify = true // the default certificate does not name it
		}
		conn := mustDialTLS(t, s, cfg)
		if got := conn.ConnectionState().PeerCertificates[0].SerialNumber.String(); got != c.want {
			t.Errorf("sni %q: certificate %s, want %s", c.sni, got, c.want)
		}
		host := c.sni
		if host == "" || host == "unknown.example.org" {
			host = "service-t.localhost"
		}
		if resp, body := exchange(t, conn, bufio.NewReader(conn), getReq(host, "/release/m")); resp.StatusCode != 200 || body != "mocked" {
			t.Errorf("sni %q: %d %q", c.sni, resp.StatusCode, body)
		}
	}
}

// Without a default certificate an unknown name fails the handshake with
// unrecognized_name (RFC 6066 §3) and the connection closes.
func TestTLSNoDefaultCertificate(t *testing.T) {
	p := tlsPublished(t, mockAPI("api-m", "/m", "mocked"))
	p.Certificates = p.Certificates[:2] // c-api and c-rsa, no default
	s := startPublished(t, p, Config{Loops: 1, TLSListen: "on"})
	if _, err := dialTLS(t, s, tlsConfig(t, "api.example.com")); err != nil {
		t.Fatal(err)
	}
	_, err := dialTLS(t, s, tlsConfig(t, "unknown.example.org"))
	if err == nil || !strings.Contains(err.Error(), "unrecognized name") {
		t.Fatalf("unknown name: %v", err)
	}
	waitFor(t, "the failure counted", func() bool { return s.Stats().TLSHandshakeFailures == 1 })
}

// Session resumption across connections, TLS 1.2 and 1.3.
func TestTLSResumption(t *testing.T) {
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := tlsConfig(t, "api.example.com")
		cfg.MinVersion, cfg.MaxVersion = v, v
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		for i := range 3 {
			c := mustDialTLS(t, s, cfg)
			// A request first: TLS 1.3 tickets arrive after the handshake.
			if resp, body := exchange(t, c, bufio.NewReader(c), getReq("api.example.com", "/release/m")); resp.StatusCode != 200 || body != "mocked" {
				t.Fatalf("%#x conn %d: %d %q", v, i, resp.StatusCode, body)
			}
			if resumed := c.ConnectionState().DidResume; resumed != (i > 0) {
				t.Fatalf("%#x conn %d: resumed %v", v, i, resumed)
			}
			c.Close()
		}
	}
}

// Pipelined requests in one TLS record, and in records split across
// writes, are answered in order.
func TestTLSPipelining(t *testing.T) {
	s := startTLSServer(t, Config{}, anyAPI("api-p", "/p", protoEcho(t)), mockAPI("api-m", "/m", "mocked"))
	c := mustDialTLS(t, s, tlsConfig(t, "service-t.localhost"))
	br := bufio.NewReader(c)
	reqs := getReq("service-t.localhost", "/release/m") + getReq("service-t.localhost", "/release/p") + getReq("service-t.localhost", "/release/m")
	if _, err := io.WriteString(c, reqs); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"mocked", "proto=https", "mocked"} {
		if resp, body := readResp(t, br); resp.StatusCode != 200 || body != want {
			t.Fatalf("response %d: %d %q", i, resp.StatusCode, body)
		}
	}
	// One request cut over three records.
	req := getReq("service-t.localhost", "/release/p")
	for _, part := range []string{req[:7], req[7:20], req[20:]} {
		io.WriteString(c, part)
	}
	if resp, body := readResp(t, br); resp.StatusCode != 200 || body != "proto=https" {
		t.Fatalf("split: %d %q", resp.StatusCode, body)
	}
}

// recordConn records the raw bytes a TLS client reads, to see the records
// the server sent.
type recordConn struct {
	net.Conn
	got []byte
}

func (r *recordConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.got = append(r.got, p[:n]...)
	return n, err
}

// lastRecordType is the type of the last whole record in b.
func lastRecordType(b []byte) byte {
	var typ byte
	for len(b) >= 5 {
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if len(b) < n {
			break
		}
		typ, b = b[0], b[n:]
	}
	return typ
}

// An idle keep-alive connection the gateway closes gets close_notify (RFC
// 8446 §6.1); a response cut short (the backend closed mid-body) does not,
// so the client can tell. TLS 1.2, where an alert record shows its type.
func TestTLSCloseNotify(t *testing.T) {
	short := startHTTPUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "only ten b")
	})
	s := startTLSServer(t, Config{IdleTimeout: 200 * time.Millisecond}, mockAPI("api-m", "/m", "mocked"), anyAPI("api-s", "/short", short))
	dial := func() (*tls.Conn, *recordConn) {
		raw, err := net.Dial("tcp", s.TLSAddr())
		if err != nil {
			t.Fatal(err)
		}
		rc := &recordConn{Conn: raw}
		cfg := tlsConfig(t, "service-t.localhost")
		cfg.MaxVersion = tls.VersionTLS12
		c := tls.Client(rc, cfg)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c, rc
	}
	c, rc := dial()
	br := bufio.NewReader(c)
	exchange(t, c, br, getReq("service-t.localhost", "/release/m"))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle close: %v", err)
	}
	if typ := lastRecordType(rc.got); typ != 21 {
		t.Fatalf("last record type %d, want an alert (close_notify)", typ)
	}
	c, rc = dial()
	br = bufio.NewReader(c)
	io.WriteString(c, getReq("service-t.localhost", "/release/short"))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a cut body read without error")
	}
	if typ := lastRecordType(rc.got); typ != 23 {
		t.Fatalf("last record type %d after a cut response, want application data (no close_notify)", typ)
	}
}

// A request sent right behind the client's Finished may reach the loop
// while the handshake's end is still on its way there (tlsterm's Feed
// then declines it): it must stay in gnet's buffer for the record layer.
// gnet's Discard(0) dropped it, and the client waited forever.
func TestTLSRequestBehindFinished(t *testing.T) {
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	for i := range 200 {
		c := mustDialTLS(t, s, tlsConfig(t, "service-t.localhost"))
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if resp, body := exchange(t, c, bufio.NewReader(c), getReq("service-t.localhost", "/release/m")); resp.StatusCode != 200 || body != "mocked" {
			t.Fatalf("connection %d: %d %q", i, resp.StatusCode, body)
		}
		c.Close()
	}
}

// Session ticket keys rotate on the configured period; a ticket issued
// before a rotation still resumes (tlsterm keeps the previous keys).
func TestTLSTicketKeyRotation(t *testing.T) {
	s := startTLSServer(t, Config{TLSTicketKeyPeriod: 200 * time.Millisecond}, mockAPI("api-m", "/m", "mocked"))
	cfg := tlsConfig(t, "api.example.com")
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(2)
	c := mustDialTLS(t, s, cfg)
	exchange(t, c, bufio.NewReader(c), getReq("api.example.com", "/release/m")) // the ticket arrives
	c.Close()
	first := s.tlsSrv.TicketKeys()[0]
	waitFor(t, "a rotation", func() bool {
		k := s.tlsSrv.TicketKeys()
		return k[0] != first && len(k) >= 2
	})
	c = mustDialTLS(t, s, cfg)
	if !c.ConnectionState().DidResume {
		t.Fatal("a ticket from before the rotation did not resume")
	}
}
