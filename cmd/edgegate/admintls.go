package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// adminTLS serves the admin listener (the Action API, EdgeSync, /healthz,
// /stats) over HTTPS when --admin-tls-cert and --admin-tls-key are set
// (issue 12: the Action API and the edge-to-control-plane sync can run
// over TLS). The files are read at start, so a bad pair stops the start,
// and read again when either changes, so a renewed certificate is served
// to new connections without a restart.
type adminTLS struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time // the later of the two files' modification times
	checked time.Time
	log     *slog.Logger
}

func (t *adminTLS) register(fs *flag.FlagSet) {
	fs.StringVar(&t.certFile, "admin-tls-cert", "", "serve the admin listener over HTTPS with this PEM certificate chain (with --admin-tls-key; re-read when it changes)")
	fs.StringVar(&t.keyFile, "admin-tls-key", "", "the PEM private key of --admin-tls-cert")
}

func (t *adminTLS) enabled() bool { return t.certFile != "" || t.keyFile != "" }

// serve runs hs on ln, over TLS when configured. It returns at once with
// an error when the certificate files cannot be used.
func (t *adminTLS) serve(hs *http.Server, ln net.Listener, log *slog.Logger) (func() error, error) {
	if !t.enabled() {
		return func() error { return hs.Serve(ln) }, nil
	}
	if t.certFile == "" || t.keyFile == "" {
		return nil, errors.New("--admin-tls-cert and --admin-tls-key go together")
	}
	t.log = log
	c, err := t.load(time.Now())
	if err != nil {
		return nil, err
	}
	if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil {
		// What edges pin (edge --control-pin); it survives renewals that keep the key.
		log.Info("admin TLS: the certificate's public key pin", "pin", spkiPin(leaf))
	}
	hs.TLSConfig = &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return t.load(time.Now()) },
	}
	// HTTP/1.1 only: the Action API's transport bounds (tcapi.Bounds) are
	// written for it, and clients (the SDKs, ctl, edges) speak it.
	hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	return func() error { return hs.ServeTLS(ln, "", "") }, nil
}

// load returns the certificate, reading the files again when one changed
// (looked at no more than once a second).
func (t *adminTLS) load(now time.Time) (*tls.Certificate, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cert != nil && now.Sub(t.checked) < time.Second {
		return t.cert, nil
	}
	t.checked = now
	mod, err := latestModTime(t.certFile, t.keyFile)
	if err != nil {
		if t.cert != nil {
			t.log.Warn("admin TLS: certificate files unreadable; serving the loaded certificate", "err", err)
			return t.cert, nil
		}
		return nil, fmt.Errorf("admin TLS: %w", err)
	}
	if t.cert != nil && mod.Equal(t.modTime) {
		return t.cert, nil
	}
	c, err := tls.LoadX509KeyPair(t.certFile, t.keyFile)
	if err != nil {
		if t.cert != nil {
			// A renewal caught half-written, or a bad one: keep serving.
			t.log.Warn("admin TLS: new certificate files do not load; serving the loaded certificate", "err", err)
			return t.cert, nil
		}
		return nil, fmt.Errorf("admin TLS: %w", err)
	}
	if t.cert != nil {
		t.log.Info("admin TLS: certificate reloaded", "cert", t.certFile)
	}
	t.cert, t.modTime = &c, mod
	return t.cert, nil
}

func latestModTime(paths ...string) (time.Time, error) {
	var latest time.Time
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return time.Time{}, err
		}
		if st.ModTime().After(latest) {
			latest = st.ModTime()
		}
	}
	return latest, nil
}

// selfClient is an HTTP client for this process's own calls to its admin
// listener (the demo): it trusts exactly the certificate being served.
func (t *adminTLS) selfClient() *http.Client {
	if !t.enabled() {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin below: the name may be any listen address
		VerifyConnection: func(cs tls.ConnectionState) error {
			c, err := t.load(time.Now())
			if err != nil {
				return err
			}
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, c.Certificate[0]) {
				return errors.New("admin TLS: the admin listener serves another certificate")
			}
			return nil
		},
	}
	return &http.Client{Transport: tr}
}

// scheme is the admin listener's URL scheme.
func (t *adminTLS) scheme() string {
	if t.enabled() {
		return "https"
	}
	return "http"
}
