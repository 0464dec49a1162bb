package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sclientInfo is what one `openssl s_client` session printed about the
// connection (OpenSSL 3.0's wording).
type sclientInfo struct {
	Session   string `json:"session"` // New or Reused
	Protocol  string `json:"protocol"`
	Cipher    string `json:"cipher"`
	Group     string `json:"group"`     // "Server Temp Key: X25519, 253 bits" → X25519
	Signature string `json:"signature"` // "Peer signature type: ECDSA" (full handshakes)
	ALPN      string `json:"alpn"`
	Verify    string `json:"verify"` // "0 (ok)"
	Status    string `json:"status"` // the HTTP status line read over the connection
}

// parseSClient reads s_client's output:
//
//	Peer signature type: ECDSA
//	Server Temp Key: X25519, 253 bits
//	New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256
//	ALPN protocol: http/1.1
//	Verify return code: 0 (ok)
//	HTTP/1.1 200 OK
func parseSClient(out string) (sclientInfo, error) {
	var s sclientInfo
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "New, ") || strings.HasPrefix(line, "Reused, "):
			// New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256
			f := strings.Split(line, ", ")
			if len(f) == 3 && strings.HasPrefix(f[2], "Cipher is ") {
				s.Session, s.Protocol, s.Cipher = f[0], f[1], strings.TrimPrefix(f[2], "Cipher is ")
			}
		case strings.HasPrefix(line, "Server Temp Key: ") || strings.HasPrefix(line, "Peer Temp Key: "):
			_, v, _ := strings.Cut(line, ": ")
			s.Group, _, _ = strings.Cut(v, ",")
		case strings.HasPrefix(line, "Peer signature type: "):
			s.Signature = strings.TrimPrefix(line, "Peer signature type: ")
		case strings.HasPrefix(line, "ALPN protocol: "):
			s.ALPN = strings.TrimPrefix(line, "ALPN protocol: ")
		case strings.HasPrefix(line, "Verify return code: ") && s.Verify == "":
			s.Verify = strings.TrimPrefix(line, "Verify return code: ")
		case strings.HasPrefix(line, "HTTP/1.") && s.Status == "":
			s.Status = line
		}
	}
	if s.Session == "" || s.Cipher == "" {
		return s, errors.New("s_client output has no \"New, …\" or \"Reused, …\" line (handshake failed?)")
	}
	return s, nil
}

// tlsProbe is one peer's connection parameters as a verifying OpenSSL
// client saw them, and whether its session resumed.
type tlsProbe struct {
	Key     string      `json:"key"`
	Label   string      `json:"label"`
	Full    sclientInfo `json:"full"`
	Resumed sclientInfo `json:"resumed"`
	Problem string      `json:"problem,omitempty"` // what differs from the expected settings
}

// Expected parameters on every peer.
const (
	wantProtocol = "TLSv1.3"
	wantCipher   = "TLS_AES_128_GCM_SHA256"
	wantGroup    = "X25519"
)

// check lists what differs from the conditions the HTTPS part promises.
func (t *tlsProbe) check() {
	var p []string
	f, r := t.Full, t.Resumed
	if f.Session != "New" || f.Protocol != wantProtocol || f.Cipher != wantCipher || f.Group != wantGroup {
		p = append(p, fmt.Sprintf("full handshake: %s %s %s %s", f.Session, f.Protocol, f.Cipher, f.Group))
	}
	if f.Verify != "0 (ok)" {
		p = append(p, "certificate verification: "+f.Verify)
	}
	if f.Signature != "ECDSA" {
		p = append(p, "signature: "+f.Signature)
	}
	if r.Session != "Reused" || r.Cipher != wantCipher {
		p = append(p, fmt.Sprintf("second connection with the ticket: %s %s", r.Session, r.Cipher))
	}
	for _, s := range []string{f.Status, r.Status} {
		if !strings.HasPrefix(s, "HTTP/1.1 200") {
			p = append(p, fmt.Sprintf("answer %q", s))
			break
		}
	}
	t.Problem = strings.Join(p, "; ")
}

// probeTLS connects twice with s_client: a full handshake that saves the
// session (its ticket), then one that offers it.
func probeTLS(ctx context.Context, e *env, p *peer) tlsProbe {
	t := tlsProbe{Key: p.key, Label: p.label}
	sess := filepath.Join(e.dir, p.key+"-"+strconv.Itoa(p.port)+".sess")
	var err error
	if t.Full, err = sclient(ctx, e, p, "-sess_out", sess); err == nil {
		t.Resumed, err = sclient(ctx, e, p, "-sess_in", sess)
	}
	if err != nil {
		t.Problem = err.Error()
		return t
	}
	t.check()
	return t
}

func sclient(ctx context.Context, e *env, p *peer, sessArgs ...string) (sclientInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	args := append([]string{"s_client", "-connect", "127.0.0.1:" + strconv.Itoa(p.port),
		"-servername", benchHost, "-CAfile", e.certs.CAFile, "-alpn", "http/1.1", "-ign_eof"}, sessArgs...)
	cmd := exec.CommandContext(ctx, e.tools["openssl"], args...)
	cmd.Stdin = bytes.NewReader(handshakeRequest(p.path))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return sclientInfo{}, fmt.Errorf("openssl s_client to %s: %w\n%s", p.label, err, tail(string(out), 10))
	}
	return parseSClient(string(out))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
