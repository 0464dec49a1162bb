package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/edgegate/edgegate/bpf"
	"golang.org/x/sys/unix"
)

// TestXDPNetns runs the gateway in its own network namespace with the XDP
// prefilter attached (native mode) to its end of a veth pair; a client
// namespace holds two source addresses. The denied one completes no TCP
// handshake (its SYNs are dropped: the connect times out, it is neither
// refused nor reset), the allowed one gets 200; a firewall file change and
// SIGHUP flip them without a restart. A crash leaves the program filtering
// (pinned link and maps); the restart takes them over; a clean exit
// detaches.
func TestXDPNetns(t *testing.T) {
	if err := bpf.Probe(); err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, unix.EPERM) {
			t.Skipf("kernel refuses BPF here: %v", err)
		}
		t.Fatalf("load the XDP program: %v", err)
	}
	var rnd [3]byte
	rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	nsGW, nsCli := "eg-gw-"+id, "eg-cl-"+id
	vGW, vCli := "egg"+id, "egc"+id // IFNAMSIZ: at most 15 bytes
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// Registered first, so it runs last: after the processes are gone.
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", nsGW).Run()
		exec.Command("ip", "netns", "del", nsCli).Run()
		exec.Command("ip", "link", "del", vGW).Run() // if it never moved
	})
	ip("netns", "add", nsGW)
	ip("netns", "add", nsCli)
	ip("link", "add", vGW, "type", "veth", "peer", "name", vCli)
	ip("link", "set", vGW, "netns", nsGW)
	ip("link", "set", vCli, "netns", nsCli)
	ip("-n", nsGW, "addr", "add", "10.201.0.1/24", "dev", vGW)
	ip("-n", nsCli, "addr", "add", "10.201.0.2/24", "dev", vCli)
	ip("-n", nsCli, "addr", "add", "10.201.0.3/24", "dev", vCli)
	for _, ns := range []string{nsGW, nsCli} {
		ip("-n", ns, "link", "set", "lo", "up")
	}
	ip("-n", nsGW, "link", "set", vGW, "up")
	ip("-n", nsCli, "link", "set", vCli, "up")

	up := startUpstreamIn(t, nsGW)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	fwPath := filepath.Join(dir, "firewall.yaml")
	if err := os.WriteFile(cfgPath, []byte(config(up, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFW := func(deny string) {
		t.Helper()
		if err := os.WriteFile(fwPath, []byte("deny: ["+deny+"]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeFW("10.201.0.3")
	// The pins live on a bpffs the test mounts (ip netns exec keeps other
	// mounts), so a second gateway finds the first one's maps and link.
	bpffs := filepath.Join(dir, "bpffs")
	if err := os.Mkdir(bpffs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("bpf", bpffs, "bpf", 0, "mode=0700"); err != nil {
		t.Fatalf("mount bpffs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(bpffs, unix.MNT_DETACH) })

	// Fixed ports are safe here: the namespace is this test's alone.
	// ip netns exec execs in place, so the gateway is the command's process.
	start := func() *proc {
		return launch(t, exec.Command("ip", "netns", "exec", nsGW, gatewayBin, "run", "--data", filepath.Join(dir, "data"),
			"--listen", "10.201.0.1:8080", "--admin-listen", "10.201.0.1:9000", "--config", cfgPath,
			"--firewall", fwPath, "--xdp", "native", "--xdp-iface", vGW, "--xdp-pin", filepath.Join(bpffs, "edgegate")))
	}
	g := start()

	// curl from the client namespace with a chosen source address: the
	// HTTP status, or curl's exit code (28: connect timed out).
	get := func(src, url string) (string, int) {
		out, err := exec.Command("ip", "netns", "exec", nsCli, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
			"--interface", src, "--connect-timeout", "1", "--max-time", "5",
			"-H", "Host: "+testService+".localhost", url).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	const api = "http://10.201.0.1:8080/release/echo"
	waitOK := func(src string) {
		t.Helper()
		var code string
		var rc int
		if !eventually(10*time.Second, func() bool {
			if g.exitedWithin(0) {
				t.Fatalf("gateway exited: %v\n%s", g.err, g.logs)
			}
			code, rc = get(src, api)
			return code == "200"
		}) {
			t.Fatalf("%s: no 200 (status %q, curl exit %d)", src, code, rc)
		}
	}
	denied := func(src string) {
		t.Helper()
		if code, rc := get(src, api); rc != 28 {
			t.Fatalf("%s: curl exit %d status %q, want 28 (connect timeout: no handshake)", src, rc, code)
		}
	}

	waitOK("10.201.0.2")
	if !strings.Contains(g.logs.String(), "mode=xdp-native") {
		t.Fatalf("gateway did not attach XDP in native mode:\n%s", g.logs)
	}
	denied("10.201.0.3")

	// Per-rule counters: the deny rule dropped the SYNs.
	body, rc := exec.Command("ip", "netns", "exec", nsCli, "curl", "-s", "--max-time", "5",
		"http://10.201.0.1:9000/stats/firewall").Output()
	if rc != nil {
		t.Fatalf("stats: %v", rc)
	}
	var st struct {
		Mode  string
		Rules []bpf.RuleCounter
	}
	if err := json.Unmarshal(body, &st); err != nil || len(st.Rules) != 2 {
		t.Fatalf("stats %s: %v", body, err)
	}
	if st.Rules[1].Dropped == 0 || st.Rules[0].Passed == 0 || st.Rules[1].ConnsRefused != 0 {
		t.Fatalf("counters: %+v", st.Rules)
	}

	// Flip the lists in place.
	writeFW("10.201.0.2")
	n := strings.Count(g.logs.String(), "firewall reloaded")
	g.cmd.Process.Signal(syscall.SIGHUP)
	g.waitLog("firewall reloaded", n)
	waitOK("10.201.0.3")
	denied("10.201.0.2")
	if strings.Count(g.logs.String(), "XDP attached") != 1 {
		t.Fatalf("the program was re-attached:\n%s", g.logs)
	}

	// A crash (SIGKILL) leaves the pinned link: the kernel keeps dropping
	// the denied source while no gateway runs (the allowed one is refused:
	// nothing listens).
	attached := func() bool {
		out, _ := exec.Command("ip", "-n", nsGW, "link", "show", vGW).CombinedOutput()
		return strings.Contains(string(out), "xdp")
	}
	if !attached() {
		t.Fatal("no XDP program on the veth while running")
	}
	g.stop(syscall.SIGKILL)
	if !attached() {
		t.Fatal("the crash detached the program")
	}
	denied("10.201.0.2")
	if _, rc := get("10.201.0.3", api); rc != 7 {
		t.Fatalf("allowed source while down: curl exit %d, want 7 (refused)", rc)
	}

	// The restart reuses the pinned maps and swaps its program onto the
	// pinned link; then a clean exit detaches.
	g = start()
	waitOK("10.201.0.3")
	denied("10.201.0.2")
	for _, want := range []string{"reusing pinned maps", "replaced the program on the pinned link"} {
		if !strings.Contains(g.logs.String(), want) {
			t.Fatalf("restart did not log %q:\n%s", want, g.logs)
		}
	}
	if err := g.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("gateway stop: %v", err)
	}
	if attached() {
		t.Fatal("XDP still attached after a clean exit")
	}
}

// startUpstreamIn runs the upstream role inside network namespace ns.
func startUpstreamIn(t *testing.T, ns string) *upstreamProc {
	t.Helper()
	return startUpstreamCmd(t, exec.Command("ip", "netns", "exec", ns, os.Args[0]))
}

// TestFirewallTwin: without --xdp-iface the accept-time twin judges
// connections on loopback: a denied source is closed before any byte is
// read, an allowed one is served.
func TestFirewallTwin(t *testing.T) {
	up := startUpstream(t)
	fw := filepath.Join(t.TempDir(), "fw.json")
	if err := os.WriteFile(fw, []byte(`{"deny": ["127.0.0.2-127.0.0.3"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, config(up, ""), "--firewall", fw)
	if !strings.Contains(g.logs.String(), "accept-time twin only") {
		t.Fatalf("mode not logged:\n%s", g.logs.String())
	}
	if a := g.get("/echo"); a.status != 200 {
		t.Fatalf("allowed source: %v", a)
	}
	d := net4Dialer("127.0.0.2")
	c, err := d.Dial("tcp", g.Addr)
	if err != nil {
		t.Fatal(err) // the handshake completes; the twin closes it at accept
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /release/echo HTTP/1.1\r\nHost: %s\r\n\r\n", g.Host)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("denied source got a response (%d bytes, %v)", n, err)
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("denied connection was not closed")
	}
}

func net4Dialer(src string) *net.Dialer {
	return &net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
}
