package edge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/edgegate/edgegate/tlsterm"
)

// The HTTPS listener: one gnet engine runs both listeners (gnet.Rotate), so
// HTTPS connections share the event loops, pools and counters of plain
// ones; OnOpen tells them apart by the listener's port.

// tlsDefaults checks and fills the HTTPS settings.
func (c *Config) tlsDefaults() error {
	if c.TLSListen == "" {
		if c.TLSCertFile != "" || c.TLSKeyFile != "" {
			return errors.New("edge: a TLS certificate is given but no TLS listen address")
		}
		return nil
	}
	port, err := listenPort(c.TLSListen)
	if err != nil {
		return fmt.Errorf("edge: TLS listen address %q: %w", c.TLSListen, err)
	}
	if plain, err := listenPort(c.Listen); err == nil && port != 0 && plain == port {
		return fmt.Errorf("edge: TLS listen address %q uses the plain listener's port", c.TLSListen)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return errors.New("edge: a TLS certificate needs both its chain and its key file")
	}
	if c.PublicHTTPSPort < 0 || c.PublicHTTPSPort > 65535 {
		return fmt.Errorf("edge: public HTTPS port %d out of range", c.PublicHTTPSPort)
	}
	if c.TLSHandshakeTimeout <= 0 {
		c.TLSHandshakeTimeout = tlsterm.DefaultHandshakeTimeout
	}
	if c.TLSMaxHandshakes <= 0 {
		c.TLSMaxHandshakes = tlsterm.DefaultMaxHandshakes
	}
	if c.TLSTicketKeyPeriod <= 0 {
		c.TLSTicketKeyPeriod = tlsterm.DefaultTicketKeyPeriod
	}
	return nil
}

func listenPort(addr string) (int, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return 0, errors.New("bad port")
	}
	return p, nil
}

// serverTLS is the Server's HTTPS state.
type serverTLS struct {
	tlsSrv   *tlsterm.Server // nil without TLSListen
	tlsPort  int
	fileCert *tlsterm.KeyPair // Config.TLSCertFile/TLSKeyFile
	plainBig int              // size of a large plaintext buffer (tls.go)
	tlsStop  chan struct{}
}

// loadTLS reads the default certificate files before the first snapshot
// is built (the build falls back to it).
func (s *Server) loadTLS() error {
	// Upstream TLS connections use the large buffers too (uptls.go).
	s.plainBig = s.cfg.Limits.MaxHeaderBytes + maxFormBody + tlsterm.MaxPlaintext
	if s.cfg.TLSListen == "" {
		return nil
	}
	s.tlsPort, _ = listenPort(s.cfg.TLSListen)
	if s.cfg.TLSCertFile == "" {
		return nil
	}
	chain, err := os.ReadFile(s.cfg.TLSCertFile)
	if err != nil {
		return fmt.Errorf("edge: TLS certificate: %w", err)
	}
	key, err := os.ReadFile(s.cfg.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("edge: TLS key: %w", err)
	}
	kp, warn, err := parseCertificate(chain, key, false)
	if err != nil {
		return fmt.Errorf("edge: TLS certificate %s: %w", s.cfg.TLSCertFile, err)
	}
	if warn != "" {
		s.log.Warn("edge: TLS certificate "+s.cfg.TLSCertFile+": "+warn, "not_after", kp.NotAfter)
	}
	s.fileCert = kp
	return nil
}

// newTLSServer creates the handshake server once the first runtime (and
// its certificate table) exists.
func (s *Server) newTLSServer() error {
	if s.cfg.TLSListen == "" {
		return nil
	}
	ts, err := tlsterm.NewServer(tlsterm.Config{
		Certificates:     s.rt.Load().certs,
		HandshakeTimeout: s.cfg.TLSHandshakeTimeout,
		MaxHandshakes:    s.cfg.TLSMaxHandshakes,
	})
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	s.tlsSrv = ts
	s.tlsStop = make(chan struct{})
	return nil
}

// installCerts hands a stored runtime's certificates to new handshakes;
// established connections keep the keys they have.
func (s *Server) installCerts(rt *runtime) {
	if s.tlsSrv != nil {
		s.tlsSrv.SetCertificates(rt.certs)
	}
}

// listenAddrs lists the engine's listeners, the HTTPS one checked like
// Listen (ownListen: not owned by another process unless ReusePort, port 0
// resolved).
func (s *Server) listenAddrs() ([]string, error) {
	addrs := []string{"tcp://" + s.cfg.Listen}
	if s.tlsSrv == nil {
		return addrs, nil
	}
	var err error
	if s.cfg.TLSListen, s.tlsPort, err = ownListen(s.cfg.TLSListen, s.tlsPort, s.cfg.ReusePort); err != nil {
		return nil, err
	}
	return append(addrs, "tcp://"+s.cfg.TLSListen), nil
}

// TLSAddr is the HTTPS listening address ("" without TLSListen).
func (s *Server) TLSAddr() string {
	if s.tlsSrv == nil {
		return ""
	}
	return s.cfg.TLSListen
}

// isTLS reports whether c came in on the HTTPS listener (gnet gives an
// accepted connection its listener's address as the local one).
func (s *Server) isTLS(c gnet.Conn) bool {
	if s.tlsSrv == nil {
		return false
	}
	a, ok := c.LocalAddr().(*net.TCPAddr)
	return ok && a.Port == s.tlsPort
}

// redirectPort is the port forced-HTTPS redirects name; 0 leaves it out.
func (s *Server) redirectPort() int {
	p := s.cfg.PublicHTTPSPort
	if p == 0 {
		p = s.tlsPort
	}
	if p == 443 {
		return 0
	}
	return p
}

// rotateTickets makes a new session ticket key current every period
// (tlsterm keeps the previous ones, so tickets resume for 3 to 4 periods).
func (s *Server) rotateTickets() {
	t := time.NewTicker(s.cfg.TLSTicketKeyPeriod)
	defer t.Stop()
	for {
		select {
		case <-s.tlsStop:
			return
		case <-s.stopped:
			return
		case <-t.C:
			if err := s.tlsSrv.RotateTicketKeys(); err != nil {
				s.log.Warn("edge: session ticket key rotation failed; the current key stays", "err", err)
			}
		}
	}
}

// startTLS starts what HTTPS runs beside the loops.
func (s *Server) startTLS() {
	if s.tlsSrv != nil {
		go s.rotateTickets()
	}
}

// stopTLS stops it (Shutdown).
func (s *Server) stopTLS() {
	if s.tlsStop != nil {
		close(s.tlsStop)
	}
}
