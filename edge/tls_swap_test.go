package edge

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testpki"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// swapCert installs tlsPublished(apis) with c-api replaced by leaf.
func swapCert(t *testing.T, s *Server, rev uint64, leaf *testpki.Leaf, apis ...string) {
	t.Helper()
	p := tlsPublished(t, apis...)
	p.Revision = rev
	p.Certificates[0] = certOf("c-api", leaf, false)
	snap, err := snapshot.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Swap(snap); err != nil {
		t.Fatal(err)
	}
}

// Certificate hot swap under load: snapshots alternate between c-api and
// a renewal of it while clients open connections and send requests. No
// request fails, a connection opened before the swaps goes on working
// (it keeps its keys), and new handshakes get the certificate installed.
func TestTLSCertHotSwapUnderLoad(t *testing.T) {
	f := getTLSFix(t)
	renewed := f.ca.Valid(1, "api.example.com", "forced.example.com", "plain.example.com", "secure.example.com")
	api := mockAPI("api-m", "/m", "mocked")
	s := startTLSServer(t, Config{Loops: 2}, api)
	old := mustDialTLS(t, s, tlsConfig(t, "api.example.com"))
	oldBR := bufio.NewReader(old)

	// Clients without keep-alive: every request is a new handshake.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: tlsConfig(t, "api.example.com"), DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.TLSAddr())
		}}}
	var (
		ok, failed atomic.Int64
		seen       sync.Map // serials served
		stop       = make(chan struct{})
		wg         sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get("https://api.example.com/release/m")
				if err != nil {
					failed.Add(1)
					t.Errorf("request: %v", err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(body) != "mocked" {
					failed.Add(1)
					t.Errorf("request: %d %q %v", resp.StatusCode, body, err)
					return
				}
				seen.Store(resp.TLS.PeerCertificates[0].SerialNumber.String(), true)
				ok.Add(1)
			}
		}()
	}
	leaves := []*testpki.Leaf{renewed, f.api}
	for i := range 10 {
		mark := ok.Load()
		waitFor(t, "requests between swaps", func() bool { return ok.Load() >= mark+20 || failed.Load() > 0 })
		swapCert(t, s, uint64(i+2), leaves[i%2], api)
	}
	mark := ok.Load()
	waitFor(t, "requests after the last swap", func() bool { return ok.Load() >= mark+20 || failed.Load() > 0 })
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed (%d served)", failed.Load(), ok.Load())
	}
	for _, l := range []*testpki.Leaf{renewed, f.api} {
		if _, ok := seen.Load(l.Cert.SerialNumber.String()); !ok {
			t.Errorf("certificate %s never served", l.Cert.SerialNumber)
		}
	}
	// The last swap installed f.api again (i = 9): a new handshake gets it.
	if c := mustDialTLS(t, s, tlsConfig(t, "api.example.com")); !c.ConnectionState().PeerCertificates[0].Equal(f.api.Cert) {
		t.Errorf("after the swaps: serial %s", c.ConnectionState().PeerCertificates[0].SerialNumber)
	}
	if resp, body := exchange(t, old, oldBR, getReq("api.example.com", "/release/m")); resp.StatusCode != 200 || body != "mocked" {
		t.Fatalf("connection from before the swaps: %d %q", resp.StatusCode, body)
	}
	t.Logf("%d requests, %d swaps, 0 failed", ok.Load(), s.Stats().Swaps)
}

// A snapshot whose certificate does not parse, or whose domain names an
// unknown certificate, fails to build with a clear error and leaves the
// running table as it was; an expired certificate is served with a warning.
func TestTLSCertBuildErrors(t *testing.T) {
	f := getTLSFix(t)
	s := startTLSServer(t, Config{}, mockAPI("api-m", "/m", "mocked"))
	before := s.rt.Load().certs
	for name, mod := range map[string]func(p *model.Published){
		"bad pem":      func(p *model.Published) { p.Certificates[0].CertificatePEM = "not a certificate" },
		"key mismatch": func(p *model.Published) { p.Certificates[0].PrivateKeyPEM = f.def.KeyPEM() },
		"unknown id":   func(p *model.Published) { p.Services[0].Domains[0].CertificateId = "c-none" },
	} {
		p := tlsPublished(t, mockAPI("api-m", "/m", "mocked"))
		p.Revision = 7
		mod(p)
		snap, err := snapshot.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Swap(snap); err == nil {
			t.Errorf("%s: swapped", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
		if s.rt.Load().certs != before {
			t.Errorf("%s: the table changed", name)
		}
	}
	expired := f.ca.Issue(nil, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "api.example.com")
	swapCert(t, s, 8, expired, mockAPI("api-m", "/m", "mocked"))
	cfg := tlsConfig(t, "api.example.com")
	_, err := dialTLS(t, s, cfg)
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("expired certificate: %v", err)
	}
}
