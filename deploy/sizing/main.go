// Command sizing computes the cluster guide's table (deploy/README.md,
// "A 350k QPS cluster") from the measured rates in BENCHMARKS.md:
//
//	go run ./deploy/sizing            # print the table
//	go run ./deploy/sizing -write     # and replace it in deploy/README.md
//
// Run it after `make bench` (which rewrites BENCHMARKS.md). The per-core
// rate is the proxy run's req/s divided by Edgegate's CPU share (the
// "Proxy → nginx origin" table: one event loop on one CPU; the load side
// often saturates first, so the raw rate understates one core), and for
// HTTPS the table's own "per peer core" column. The proxy with key-pair
// auth and limits is that rate times the two measured throughput ratios
// of BENCHMARKS.md: key-pair auth ÷ no auth (BenchmarkProxyAuthRatio) and
// limits ÷ none (BenchmarkProxyLimitsRatio). -write replaces the table in
// deploy/README.md and in BENCHMARKS.md.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Inputs are the measured figures the table is computed from.
type Inputs struct {
	Run          string  // the BENCHMARKS.md run they come from
	ProxyRPS     float64 // Edgegate proxy req/s on one loop
	ProxyCPU     float64 // its CPU share, 0..1
	HTTPSPerCore float64 // HTTPS keep-alive proxy req/s per core
	AuthRatio    float64 // proxy throughput with key-pair auth ÷ without
	LimitsRatio  float64 // proxy throughput with limits ÷ without
}

// The planning rules (README "A 350k QPS cluster").
const (
	target   = 350000 // requests per second, cluster-wide
	headroom = 0.5    // loops at most 50% busy at the target
	reserved = 2      // cores per node left to softirq (NIC), the kernel and the Go runtime
)

var nodeSizes = []int{16, 32, 64}

const (
	begin = "<!-- sizing:begin -->"
	end   = "<!-- sizing:end -->"
)

func main() {
	bench := flag.String("benchmarks", "BENCHMARKS.md", "the benchmark results to read")
	readme := flag.String("readme", "deploy/README.md", "the guide whose table -write replaces")
	write := flag.Bool("write", false, "replace the table in -readme and in -benchmarks")
	flag.Parse()
	b, err := os.ReadFile(*bench)
	if err == nil {
		var in Inputs
		if in, err = Parse(b); err == nil {
			t := Table(in)
			fmt.Print(t)
			if *write {
				err = errors.Join(replace(*readme, t), replace(*bench, t))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizing:", err)
		os.Exit(1)
	}
}

// Parse reads the figures from BENCHMARKS.md.
func Parse(b []byte) (Inputs, error) {
	var in Inputs
	if m := regexp.MustCompile(`### Results of (\S+)`).FindSubmatch(b); m != nil {
		in.Run = string(m[1])
	}
	proxy := section(b, "#### Proxy → nginx origin")
	cols := row(proxy, "Edgegate")
	if len(cols) < 7 {
		return in, errors.New("no Edgegate row in the \"Proxy → nginx origin\" table of BENCHMARKS.md")
	}
	var err1, err2, err3 error
	in.ProxyRPS, err1 = number(cols[1])
	cpu, err2 := number(cols[5])
	in.ProxyCPU = cpu / 100
	https := row(section(b, "#### HTTPS keep-alive proxy"), "Edgegate")
	if len(https) < 3 {
		return in, errors.New("no Edgegate row in the \"HTTPS keep-alive proxy\" table of BENCHMARKS.md")
	}
	in.HTTPSPerCore, err3 = number(https[2])
	var err4, err5 error
	auth := regexp.MustCompile(`\| proxy throughput, key-pair auth ÷ the same route without auth \| \*\*([\d.]+)\*\*`).FindSubmatch(b)
	limits := row(section(b, "### Proxy throughput with limits attached"), "**median**")
	if auth == nil || len(limits) < 4 {
		return in, errors.New("BENCHMARKS.md lacks the key-pair auth ratio (section Access) or the limits ratio (Proxy throughput with limits attached)")
	}
	in.AuthRatio, err4 = number(string(auth[1]))
	in.LimitsRatio, err5 = number(strings.Trim(limits[3], "*"))
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil || in.ProxyCPU <= 0 || in.ProxyRPS <= 0 || in.HTTPSPerCore <= 0 || in.AuthRatio <= 0 || in.LimitsRatio <= 0 {
		return in, fmt.Errorf("BENCHMARKS.md figures unreadable: %+v %v", in, err)
	}
	return in, nil
}

// section is the text after heading up to the next heading.
func section(b []byte, heading string) []byte {
	i := bytes.Index(b, []byte(heading))
	if i < 0 {
		return nil
	}
	s := b[i+len(heading):]
	if j := bytes.Index(s, []byte("\n#")); j >= 0 {
		s = s[:j]
	}
	return s
}

// row returns the cells of the table row whose first cell is name.
func row(s []byte, name string) []string {
	for _, l := range strings.Split(string(s), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) > 0 && cells[0] == name {
			return cells
		}
	}
	return nil
}

func number(s string) (float64, error) {
	return strconv.ParseFloat(strings.NewReplacer(",", "", "%", "").Replace(strings.Fields(s + " x")[0]), 64)
}

// Table renders the guide's table for in, between the markers.
func Table(in Inputs) string {
	perCore := in.ProxyRPS / in.ProxyCPU
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nInputs (BENCHMARKS.md, run %s): proxy %s req/s at %.0f%% of one CPU; HTTPS keep-alive proxy %s req/s per core; key-pair auth ratio %.3f; limits ratio %.3f.\n\n",
		begin, in.Run, commas(in.ProxyRPS), in.ProxyCPU*100, commas(in.HTTPSPerCore), in.AuthRatio, in.LimitsRatio)
	fmt.Fprintf(&b, "| traffic | req/s per core | cores at 100%% | loop cores at ≤%.0f%% | ", headroom*100)
	for _, n := range nodeSizes {
		fmt.Fprintf(&b, "%d-core nodes (N+1) | ", n)
	}
	b.WriteString("\n|---|--:|--:|--:|")
	for range nodeSizes {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	for _, r := range []struct {
		name string
		rate float64
	}{{"HTTP proxy, key-pair auth + limits", perCore * in.AuthRatio * in.LimitsRatio}, {"plain HTTP proxy", perCore}, {"HTTPS keep-alive proxy", in.HTTPSPerCore}} {
		full := int(math.Ceil(target / r.rate))
		loops := int(math.Ceil(target / (r.rate * headroom)))
		fmt.Fprintf(&b, "| %s | %s | %d | %d | ", r.name, commas(r.rate), full, loops)
		for _, n := range nodeSizes {
			fmt.Fprintf(&b, "%d | ", (loops+n-reserved-1)/(n-reserved)+1)
		}
		b.WriteString("\n")
	}
	b.WriteString(end + "\n")
	return strings.ReplaceAll(b.String(), " \n", "\n")
}

func commas(f float64) string {
	s := strconv.Itoa(int(math.Round(f)))
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// replace puts t between the markers of the file at path.
func replace(path, t string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i, j := bytes.Index(b, []byte(begin)), bytes.Index(b, []byte(end))
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s block", path, begin, end)
	}
	out := append(append(append([]byte{}, b[:i]...), t...), b[j+len(end)+1:]...)
	return os.WriteFile(path, out, 0o644)
}
