package e2e

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// examples/backendverify as a process of its own: the backend of the
// signature key tests (hwsign_test.go).

var (
	verifierOnce sync.Once
	verifierBin  string
	verifierErr  error // the build's
)

// backendVerifier is a running examples/backendverify.
type backendVerifier struct {
	*proc
	Addr string
}

// startVerifier builds (once) and runs examples/backendverify with a key.
func startVerifier(t *testing.T, typ, key, secret, alg string) *backendVerifier {
	t.Helper()
	verifierOnce.Do(func() {
		// Beside the gateway's binary: TestMain removes both.
		verifierBin = filepath.Join(filepath.Dir(gatewayBin), "backendverify")
		out, err := exec.Command("go", "build", "-o", verifierBin, "../examples/backendverify").CombinedOutput()
		if err != nil {
			verifierErr = err
			t.Logf("%s", out)
		}
	})
	if verifierErr != nil {
		t.Fatal(verifierErr)
	}
	cmd := exec.Command(verifierBin, "-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "EDGEGATE_SIGN_TYPE="+typ, "EDGEGATE_SIGN_KEY="+key, "EDGEGATE_SIGN_SECRET="+secret, "EDGEGATE_SIGN_ALGORITHM="+alg)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.stop(syscall.SIGTERM) })
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("backendverify: %q %v", line, err)
	}
	return &backendVerifier{p, addr}
}

// verified is what backendverify answers for a request it accepted.
type verified struct {
	Method, Path, Query, Body string
	Headers                   http.Header
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }
