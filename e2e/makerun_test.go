package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRunDemoHints runs `make run` with other ports and data through
// ARGS, as the README's quick start shows, and then the two commands the
// demo prints, as printed: the curl reaches the demo API, and the ctl hint
// reaches the Action API on the --admin-listen and --data used (issue 11
// defect 7: ARGS was ignored, and the hint always named the defaults).
func TestMakeRunDemoHints(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl (make test installs it)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	listen := "127.0.0.1:" + strconv.Itoa(freePort(t))
	// A wildcard admin address: the hint must turn it into one a client
	// can dial.
	adminPort := strconv.Itoa(freePort(t))
	data := filepath.Join(t.TempDir(), "data two")
	cmd := exec.Command("make", "--no-print-directory", "run",
		"ARGS=--listen "+listen+" --admin-listen :"+adminPort+" --data '"+data+"'")
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // make and the gateway it starts
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	logs := &lockedBuffer{}
	hints := make(chan []string, 1)
	go func() {
		var got []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			logs.Write([]byte(line + "\n"))
			if s := strings.TrimSpace(line); strings.HasPrefix(s, "curl ") || strings.Contains(s, " ctl ") {
				if got = append(got, s); len(got) == 2 {
					hints <- got
				}
			}
		}
		exited <- cmd.Wait()
	}()
	var h []string
	select {
	case h = <-hints:
	case err := <-exited:
		exited <- err
		t.Fatalf("make run exited: %v\n%s", err, logs.String())
	case <-time.After(3 * time.Minute): // make builds the binary first
		t.Fatalf("no demo hints:\n%s", logs.String())
	}
	// The gateway runs where ARGS said.
	if _, err := os.Stat(filepath.Join(data, "admin-credentials.json")); err != nil {
		t.Fatalf("--data from ARGS not used: %v\n%s", err, logs.String())
	}
	waitListening(t, listen, exited, logs)
	waitListening(t, "127.0.0.1:"+adminPort, exited, logs)
	if !strings.Contains(h[0], ":"+listen[strings.LastIndexByte(listen, ':')+1:]+"/") {
		t.Errorf("the curl hint names another port than --listen %s: %s", listen, h[0])
	}
	run := func(line string) string {
		t.Helper()
		c := exec.Command("bash", "-c", line)
		c.Dir = root
		c.Env = append(os.Environ(), "EDGEGATE_SECRET_ID=", "EDGEGATE_SECRET_KEY=")
		b, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("the printed command %q failed: %v\n%s\ngateway:\n%s", line, err, b, logs.String())
		}
		return string(b)
	}
	if got := run(h[0]); !strings.Contains(got, "200 OK") || !strings.Contains(got, "hello from edgegate") {
		t.Errorf("%s:\n%s", h[0], got)
	}
	if got := run(h[1]); !strings.Contains(got, `"ServiceName": "demo"`) {
		t.Errorf("%s:\n%s", h[1], got)
	}
}
