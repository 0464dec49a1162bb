package main

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// envInfo describes the machine and the software measured.
type envInfo struct {
	Date         string `json:"date"`
	Command      string `json:"command"`
	CPUModel     string `json:"cpu_model"`
	CPUs         int    `json:"cpus"`
	Kernel       string `json:"kernel"`
	OS           string `json:"os"`
	Go           string `json:"go"`
	Nginx        string `json:"nginx"`
	HAProxy      string `json:"haproxy"`
	Wrk          string `json:"wrk"`
	OpenSSL      string `json:"openssl"` // the library nginx, HAProxy and wrk use here (Debian's one)
	Commit       string `json:"edgegate_commit"`
	LoadAvgStart string `json:"loadavg_start"`
	LoadAvgEnd   string `json:"loadavg_end"`
	NofileLimit  uint64 `json:"rlimit_nofile"`
}

func collectEnv(root string, tools map[string]string) envInfo {
	e := envInfo{
		Date:         time.Now().UTC().Format(time.RFC3339),
		Command:      strings.TrimSpace("go run ./bench " + shellJoin(os.Args[1:])),
		CPUs:         runtime.NumCPU(),
		Kernel:       readTrim("/proc/sys/kernel/osrelease"),
		LoadAvgStart: loadAvg(),
	}
	for _, line := range strings.Split(readTrim("/proc/cpuinfo"), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			e.CPUModel = strings.TrimSpace(v)
			break
		}
	}
	for _, line := range strings.Split(readTrim("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			e.OS = strings.Trim(v, `"`)
		}
	}
	e.Go = strings.TrimPrefix(firstLine(cmdOut(root, "go", "version")), "go version ")
	e.Nginx = strings.TrimPrefix(firstLine(cmdOut(root, tools["nginx"], "-v")), "nginx version: ")
	e.HAProxy, _, _ = strings.Cut(firstLine(cmdOut(root, tools["haproxy"], "-v")), " - ")
	e.HAProxy = strings.Replace(e.HAProxy, " version ", " ", 1)
	e.Wrk, _, _ = strings.Cut(firstLine(cmdOut(root, tools["wrk"], "-v")), " Copyright")
	e.OpenSSL, _, _ = strings.Cut(firstLine(cmdOut(root, tools["openssl"], "version")), " (")
	e.Commit = firstLine(cmdOut(root, "git", "describe", "--always", "--dirty", "--abbrev=12"))
	return e
}

func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// cmdOut runs a version command (read-only) and returns stdout+stderr even
// when it exits non-zero (wrk -v does).
func cmdOut(dir, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
