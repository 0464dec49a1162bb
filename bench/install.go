package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tools maps each program the harness needs to the Debian package with it.
var tools = []struct{ bin, pkg string }{
	{"nginx", "nginx"},
	{"haproxy", "haproxy"},
	{"wrk", "wrk"},
	{"taskset", "util-linux"},
	{"openssl", "openssl"}, // s_client probes of the HTTPS peers
}

// policyRCD is Debian's hook that decides whether maintainer scripts may
// start services; exit 101 forbids it, so installing nginx or HAProxy does
// not start a daemon on 0.0.0.0:80 behind our back.
const policyRCD = "/usr/sbin/policy-rc.d"

// lookTool finds a program on PATH or in the sbin directories, which a
// non-login root shell may lack.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// ensureTools installs whatever of nginx, haproxy, wrk, taskset and openssl is
// missing with apt-get (non-interactive; `apt-get update` only when the
// first install fails) and returns the path of each program.
func ensureTools() (map[string]string, error) {
	var missing []string
	for _, t := range tools {
		if _, err := lookTool(t.bin); err != nil {
			missing = append(missing, t.pkg)
		}
	}
	if len(missing) > 0 {
		logf("installing %s with apt-get", strings.Join(missing, ", "))
		if err := aptInstall(missing); err != nil {
			return nil, err
		}
	}
	paths := map[string]string{}
	for _, t := range tools {
		p, err := lookTool(t.bin)
		if err != nil {
			return nil, fmt.Errorf("%w after installing %s", err, t.pkg)
		}
		paths[t.bin] = p
	}
	return paths, nil
}

func aptInstall(pkgs []string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("missing %s and not root: install them (apt-get install -y %s) and rerun",
			strings.Join(pkgs, " "), strings.Join(pkgs, " "))
	}
	if _, err := os.Stat(policyRCD); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(policyRCD, []byte("#!/bin/sh\n# written by edgegate bench during apt-get install\nexit 101\n"), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", policyRCD, err)
		}
		defer os.Remove(policyRCD)
	}
	install := append([]string{"install", "-y", "-q", "--no-install-recommends"}, pkgs...)
	if out, err := apt(install...); err != nil {
		logf("apt-get install failed (%v); running apt-get update and retrying", err)
		if out2, err := apt("update", "-q"); err != nil {
			return fmt.Errorf("apt-get update: %w\n%s%s", err, out, out2)
		}
		if out, err := apt(install...); err != nil {
			return fmt.Errorf("apt-get install %s: %w\n%s", strings.Join(pkgs, " "), err, out)
		}
	}
	return nil
}

// apt runs apt-get non-interactively, bounded in time. It is deliberately
// not tied to the run's context: interrupting dpkg half-way leaves the
// system's package state broken, so Ctrl-C reaches apt-get itself (same
// process group) and apt decides.
func apt(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "NEEDRESTART_MODE=a")
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	return out.Bytes(), err
}

// buildGateway compiles cmd/edgegate into dir and returns the binary's path.
func buildGateway(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "edgegate")
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/edgegate")
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/edgegate: %w\n%s", err, out)
	}
	return bin, nil
}

// repoRoot walks up from the working directory to Edgegate's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/edgegate/edgegate")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the edgegate module (go.mod not found)")
		}
		dir = parent
	}
}

// raiseNofile lifts RLIMIT_NOFILE (soft and, as root, hard) to at least want,
// so the harness can hold the idle connections and the proxies it starts
// (which inherit the limit) can accept them.
func raiseNofile(want uint64) (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Max < want {
		up := syscall.Rlimit{Cur: want, Max: want}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up); err == nil {
			return want, nil
		}
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	return rl.Cur, nil
}
