package tlsterm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sclient is a running `openssl s_client`.
type sclient struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
	done  chan struct{}
}

func (s *sclient) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(b)
}

func (s *sclient) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func needTool(t *testing.T, name string) {
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not installed (make test installs it with apt-get)", name)
	}
}

func startSClient(t *testing.T, ts *testServer, args ...string) *sclient {
	t.Helper()
	needTool(t, "openssl")
	args = append([]string{"s_client", "-connect", ts.addr, "-servername", "example.com",
		"-CAfile", writeCA(t), "-verify_return_error"}, args...)
	s := &sclient{cmd: exec.Command("openssl", args...), done: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = s, s
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	return s
}

func (s *sclient) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		t.Fatalf("send %q: %v\n%s", line, err, s.output())
	}
}

func (s *sclient) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(s.output(), want) {
		select {
		case <-deadline:
			t.Fatalf("no %q in:\n%s", want, s.output())
		case <-s.done:
			if !strings.Contains(s.output(), want) {
				t.Fatalf("s_client exited without %q:\n%s", want, s.output())
			}
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// finish closes stdin (s_client then sends close_notify) and waits for exit.
func (s *sclient) finish(t *testing.T) {
	t.Helper()
	s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("s_client did not exit:\n%s", s.output())
	}
}

func TestOpenSSLSuites(t *testing.T) {
	ts := startServer(t, Config{}, true)
	cases := [][]string{
		{"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"},
		{"-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"},
		{"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"},
		{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"},
		{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"},
		{"-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"},
		{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"},
		{"-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"},
		{"-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"},
	}
	for _, args := range cases {
		s := startSClient(t, ts, args...)
		s.send(t, "hello")
		s.waitFor(t, "echo:hello")
		s.waitFor(t, "Cipher is "+args[2])
		s.finish(t)
		if e := ts.next(t); !errors.Is(e.err, ErrCloseNotify) {
			t.Fatalf("%v: server end %v", args, e.err)
		}
	}
	// A TLS 1.3 client that takes only RSA-PSS signatures gets the RSA
	// certificate (selection asks ClientHelloInfo.SupportsCertificate).
	s := startSClient(t, ts, "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256")
	s.send(t, "hello")
	s.waitFor(t, "echo:hello")
	s.waitFor(t, "subject=CN = rsa")
	s.finish(t)
	ts.next(t)
	// A cipher we do not offer: the handshake fails.
	s = startSClient(t, ts, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256")
	s.finish(t)
	if e := ts.next(t); e.err == nil {
		t.Fatal("CBC suite accepted")
	}
}

func TestOpenSSLKeyUpdate(t *testing.T) {
	ts := startServer(t, Config{}, true)
	s := startSClient(t, ts, "-tls1_3")
	s.send(t, "hello")
	s.waitFor(t, "echo:hello")
	// s_client drops the rest of a stdin read that starts with a command
	// letter: wait for each KEYUPDATE before sending the next line.
	for i, cmd := range []string{"k", "K", "K"} { // k: update_not_requested; K: requested, we answer
		s.send(t, cmd)
		eventually(t, "KEYUPDATE", 10*time.Second, func() bool { return strings.Count(s.output(), "KEYUPDATE") == i+1 })
		ping := fmt.Sprintf("ping%d", i)
		s.send(t, ping)
		s.waitFor(t, "echo:"+ping)
	}
	s.finish(t)
	if e := ts.next(t); !errors.Is(e.err, ErrCloseNotify) {
		t.Fatalf("server end %v", e.err)
	}
}

func TestOpenSSLRenegotiation(t *testing.T) {
	ts := startServer(t, Config{}, true)
	s := startSClient(t, ts, "-tls1_2")
	s.send(t, "hello")
	s.waitFor(t, "echo:hello")
	s.send(t, "R")
	s.waitFor(t, "RENEGOTIATING")
	if e := ts.next(t); !errors.Is(e.err, ErrRenegotiation) {
		t.Fatalf("server end %v", e.err)
	}
	s.finish(t) // we closed: s_client exits
}

func TestOpenSSLResumption(t *testing.T) {
	ts := startServer(t, Config{}, true)
	for _, v := range []string{"-tls1_2", "-tls1_3"} {
		sess := filepath.Join(t.TempDir(), "sess.pem")
		s := startSClient(t, ts, v, "-sess_out", sess)
		s.send(t, "hello")
		s.waitFor(t, "echo:hello") // the TLS 1.3 ticket has been read by now
		s.finish(t)
		ts.next(t)
		s = startSClient(t, ts, v, "-sess_in", sess)
		s.send(t, "again")
		s.waitFor(t, "echo:again")
		s.waitFor(t, "Reused, TLSv1.")
		s.finish(t)
		ts.next(t)

	}
}

func TestOpenSSLEarlyDataRefused(t *testing.T) {
	// 0-RTT is off. Our tickets allow no early data, so a client only offers
	// it with a ticket from another server that did (RFC 8446 §4.2.10):
	// crypto/tls answers unsupported_extension and the handshake ends.
	// Such a ticket comes from openssl s_server -early_data here.
	other, otherAddr := startSServer(t, getPKI(t).ecdsa, "-early_data", "-tls1_3", "-naccept", "1")
	dir := t.TempDir()
	sess := filepath.Join(dir, "sess.pem")
	s := startSClient(t, &testServer{addr: otherAddr}, "-tls1_3", "-sess_out", sess)
	s.waitFor(t, "Verify return code: 0")
	s.send(t, "ticket-probe")
	other.waitFor(t, "ticket-probe") // s_server printed our line: the ticket came before it
	s.finish(t)

	ts := startServer(t, Config{}, true)
	early := filepath.Join(dir, "early.txt")
	writeFile(t, early, "early\n")
	s = startSClient(t, ts, "-tls1_3", "-sess_in", sess, "-early_data", early)
	e := ts.next(t)
	if e.err == nil || !strings.Contains(e.err.Error(), "early data") {
		t.Fatalf("server end %v", e.err)
	}
	s.waitFor(t, "unsupported extension")
	s.finish(t)
}

func TestCurl(t *testing.T) {
	needTool(t, "curl")
	ts := startServer(t, Config{}, false)
	_, port, _ := net.SplitHostPort(ts.addr)
	ca := writeCA(t)
	for _, extra := range [][]string{nil, {"--tlsv1.2", "--tls-max", "1.2"}, {"--http2"}} {
		args := append([]string{"-sS", "--cacert", ca, "--resolve", "www.example.com:" + port + ":127.0.0.1",
			"https://www.example.com:" + port + "/a", "https://www.example.com:" + port + "/big"}, extra...)
		out, err := exec.Command("curl", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", extra, err, out)
		}
		want := "hello www.example.com /a"
		if !strings.HasPrefix(string(out), want) || !strings.HasSuffix(string(out), strings.Repeat("0123456789abcdef", 2500)) {
			t.Fatalf("curl %v: %.200q", extra, out)
		}
		if !strings.Contains(string(out), `alpn="http/1.1"`) {
			t.Fatalf("curl %v: alpn: %.200q", extra, out)
		}
		// Both URLs used one connection (keep-alive).
		if e := ts.next(t); e.err == nil || e.st.ServerName != "www.example.com" {
			t.Fatalf("curl %v: end %+v", extra, e)
		}
		select {
		case e := <-ts.ends:
			t.Fatalf("curl %v opened a second connection: %+v", extra, e)
		default:
		}
	}
}
