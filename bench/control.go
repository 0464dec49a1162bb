package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// The control-plane part (issue 18): route-table compile time and memory
// at 10,000 and 50,000 APIs (router's Go benchmark), and how long after a
// ReleaseService answers the edge serves the release, with 10,000 APIs
// released (a real `edgegate run` driven by the official SDK).

// controlResults is the control-plane part.
type controlResults struct {
	Compile []compileFigure `json:"compile"`
	Release *releaseFigures `json:"release,omitempty"`
	Targets []target        `json:"targets"`
}

// compileFigure is one size of BenchmarkCompileSizes: medians over -count
// of the time (RunsMs each), the table's kept heap, the bytes and
// allocations per compile.
type compileFigure struct {
	APIs                             int
	Ms, TableMiB, AllocMiB, AllocsOp float64
	RunsMs                           []float64
	AllocBytes                       []float64 `json:"-"`
}

// releaseFigures is the release-to-serve measurement: Services × APIs
// created and released in LoadSeconds, then Releases rounds of
// ReleaseService, each its request-to-answer time (ActionMs) and the time
// from the answer until the edge served it (ServedMs).
type releaseFigures struct {
	Services, APIs, Releases int
	LoadSeconds              float64
	ActionMs, ServedMs       []float64
}

const (
	releaseServices = 50
	releaseAPIs     = 200 // per service: the tenant limit
	releaseRounds   = 15
	compileCount    = 3
)

// controlPart runs both measurements.
func controlPart(ctx context.Context, e *env, o *options, root string) (*controlResults, error) {
	r := &controlResults{}
	var err error
	logf("control plane: router.Compile at 10,000 and 50,000 APIs (go test -bench CompileSizes -count %d)", compileCount)
	if r.Compile, err = compileBench(ctx, root); err != nil {
		return nil, err
	}
	for _, c := range r.Compile {
		logf("control plane: compile %s APIs: %.1f ms, table %.1f MiB", fmtInt(float64(c.APIs)), c.Ms, c.TableMiB)
	}
	services := releaseServices
	if o.LargeScale < 1 {
		services = max(1, int(float64(services)*o.LargeScale))
	}
	if r.Release, err = releaseToServe(ctx, e, services); err != nil {
		return nil, err
	}
	r.targets()
	return r, nil
}

// compileBench runs router's BenchmarkCompileSizes and takes medians.
func compileBench(ctx context.Context, root string) ([]compileFigure, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "CompileSizes", "-benchtime", "5x",
		"-count", strconv.Itoa(compileCount), "./router/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("router compile benchmark: %w\n%s", err, out)
	}
	return parseCompileBench(string(out))
}

// parseCompileBench reads lines like
//
//	BenchmarkCompileSizes/apis=10000-2  5  82922287 ns/op  13127568 table-bytes  27303617 B/op  247462 allocs/op
func parseCompileBench(out string) ([]compileFigure, error) {
	by := map[int]*compileFigure{}
	var order []int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkCompileSizes/apis=") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkCompileSizes/apis=")
		if i := strings.IndexByte(name, '-'); i >= 0 {
			name = name[:i]
		}
		n, err := strconv.Atoi(name)
		if err != nil {
			return nil, fmt.Errorf("compile benchmark line %q: %w", sc.Text(), err)
		}
		c := by[n]
		if c == nil {
			c = &compileFigure{APIs: n}
			by[n] = c
			order = append(order, n)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("compile benchmark line %q: %w", sc.Text(), err)
			}
			switch f[i+1] {
			case "ns/op":
				c.RunsMs = append(c.RunsMs, v/1e6)
			case "table-bytes":
				c.TableMiB = max(c.TableMiB, v/(1<<20))
			case "B/op":
				c.AllocBytes = append(c.AllocBytes, v)
			case "allocs/op":
				c.AllocsOp = v
			}
		}
	}
	var res []compileFigure
	for _, n := range order {
		c := by[n]
		c.Ms, c.AllocMiB = median(c.RunsMs), median(c.AllocBytes)/(1<<20)
		res = append(res, *c)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("compile benchmark printed no result:\n%s", out)
	}
	return res, nil
}

// benchAPIPath is the request path of generated API j: plain and `^~`
// prefixes, exact and {param} paths in turn (param: it has {id}).
func benchAPIPath(j int) (path string, param bool) {
	seg := fmt.Sprintf("s%d", j)
	switch j % 4 {
	case 0:
		return "/" + seg + "/items/", false
	case 1:
		return "=/" + seg + "/get", false
	case 2:
		return "/" + seg + "/users/{id}", true
	}
	return "^~/" + seg + "/static/", false
}

// releaseToServe starts `edgegate run` on an empty store, creates services
// × releaseAPIs APIs and releases every service, then measures
// releaseRounds releases of the first service after a change of its probe
// API: from the Action's answer until the edge answers with the change.
func releaseToServe(ctx context.Context, e *env, services int) (*releaseFigures, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	admin, err := freePort()
	if err != nil {
		return nil, err
	}
	const id, key = "AKIDbenchadmin0123456789", "bench-admin-secret-0123456789"
	data := filepath.Join(e.dir, "edgegate-release-data")
	p, err := e.sup.start("edgegate-release", cpuUnderTest, []string{"GOMAXPROCS=1", "EDGEGATE_SECRET_ID=" + id, "EDGEGATE_SECRET_KEY=" + key},
		filepath.Join(e.dir, "edgegate-release.log"), e.gate, "run", "--data", data,
		"--listen", "127.0.0.1:"+strconv.Itoa(port), "--admin-listen", "127.0.0.1:"+strconv.Itoa(admin),
		"--loops", "1", "--drain-timeout", "1s", "--action-rate", "-1")
	if err != nil {
		return nil, err
	}
	defer e.sup.stop(p)
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = "127.0.0.1:"+strconv.Itoa(admin), "HTTP"
	c, err := apigw.NewClient(common.NewCredential(id, key), "ap-guangzhou", cpf)
	if err != nil {
		return nil, err
	}
	if err := waitAdmin(ctx, p, admin); err != nil {
		return nil, err
	}
	f := &releaseFigures{Services: services, APIs: services * releaseAPIs, Releases: releaseRounds}
	logf("release to serve: creating %d services × %d APIs through the Action API", services, releaseAPIs)
	t0 := time.Now()
	svcs, probes, err := createTables(c, services, e.originPort())
	if err != nil {
		return nil, err
	}
	for _, s := range svcs {
		if err := release(c, s); err != nil {
			return nil, err
		}
	}
	f.LoadSeconds = time.Since(t0).Seconds()
	edge := &edgeProbe{url: "http://127.0.0.1:" + strconv.Itoa(port) + "/release/probe", host: svcs[0] + ".localhost",
		c: &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1}}}
	if err := edge.waitFor(ctx, "v0", 10*time.Second); err != nil {
		return nil, fmt.Errorf("release to serve: the first release: %w", err)
	}
	logf("release to serve: %d APIs created and released in %.1f s; measuring %d releases", f.APIs, f.LoadSeconds, releaseRounds)
	for i := 1; i <= releaseRounds; i++ {
		want := "v" + strconv.Itoa(i)
		ma := apigw.NewModifyApiRequest()
		ma.ServiceId, ma.ApiId = common.StringPtr(svcs[0]), common.StringPtr(probes[0])
		ma.ServiceType, ma.Protocol = common.StringPtr("MOCK"), common.StringPtr("HTTP")
		ma.RequestConfig = &apigw.RequestConfig{Path: common.StringPtr("=/probe"), Method: common.StringPtr("GET")}
		ma.ServiceMockReturnMessage = common.StringPtr(want)
		if _, err := c.ModifyApi(ma); err != nil {
			return nil, fmt.Errorf("release to serve: ModifyApi: %w", err)
		}
		sent := time.Now()
		if err := release(c, svcs[0]); err != nil {
			return nil, err
		}
		answered := time.Now()
		if err := edge.waitFor(ctx, want, 10*time.Second); err != nil {
			return nil, fmt.Errorf("release to serve: release %d: %w", i, err)
		}
		served := time.Now()
		f.ActionMs = append(f.ActionMs, float64(answered.Sub(sent))/1e6)
		f.ServedMs = append(f.ServedMs, float64(served.Sub(answered))/1e6)
	}
	logf("release to serve: answer → served median %.2f ms, max %.2f ms; ReleaseService itself median %.1f ms",
		median(f.ServedMs), maxOf(f.ServedMs), median(f.ActionMs))
	return f, nil
}

// waitAdmin waits until the admin listener answers /healthz.
func waitAdmin(ctx context.Context, p *proc, port int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if p.Exited() {
			return fmt.Errorf("edgegate run exited during start-up: %v\n%s", p.err, p.logTail())
		}
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("edgegate run: admin not ready: %v\n%s", err, p.logTail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// createTables creates the services and their APIs (eight at a time) and
// returns the service ids and each service's probe API (=/probe, MOCK
// answering "v0").
func createTables(c *apigw.Client, services, origin int) ([]string, []string, error) {
	svcs := make([]string, services)
	probes := make([]string, services)
	for i := range svcs {
		cs := apigw.NewCreateServiceRequest()
		cs.ServiceName = common.StringPtr(fmt.Sprintf("bench%02d", i))
		cs.Protocol = common.StringPtr("http")
		cs.NetTypes = common.StringPtrs([]string{"OUTER"})
		r, err := c.CreateService(cs)
		if err != nil {
			return nil, nil, fmt.Errorf("CreateService: %w", err)
		}
		svcs[i] = *r.Response.ServiceId
	}
	type job struct{ s, j int }
	jobs := make(chan job)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range jobs {
				id, err := createAPI(c, svcs[jb.s], jb.j, origin)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				if jb.j == 0 {
					probes[jb.s] = id
				}
				mu.Unlock()
			}
		}()
	}
	for s := range svcs {
		for j := 0; j < releaseAPIs; j++ {
			jobs <- job{s, j}
		}
	}
	close(jobs)
	wg.Wait()
	return svcs, probes, first
}

// createAPI creates API j of svc: j 0 is the probe; the others are plain
// and `^~` prefixes, exact and {param} paths to the origin, methods cycling.
func createAPI(c *apigw.Client, svc string, j, origin int) (string, error) {
	ca := apigw.NewCreateApiRequest()
	ca.ServiceId = common.StringPtr(svc)
	ca.ApiName = common.StringPtr(fmt.Sprintf("api%d", j))
	ca.ServiceTimeout = common.Int64Ptr(10)
	ca.Protocol = common.StringPtr("HTTP")
	method := []string{"GET", "POST", "ANY"}[j%3]
	var path string
	switch {
	case j == 0:
		path, method = "=/probe", "GET"
		ca.ServiceType = common.StringPtr("MOCK")
		ca.ServiceMockReturnMessage = common.StringPtr("v0")
	default:
		var param bool
		if path, param = benchAPIPath(j); param {
			ca.RequestParameters = []*apigw.RequestParameter{{Name: common.StringPtr("id"), Position: common.StringPtr("path"),
				Type: common.StringPtr("int"), Required: common.BoolPtr(true)}}
		}
		ca.ServiceType = common.StringPtr("HTTP")
		ca.ServiceConfig = &apigw.ServiceConfig{Url: common.StringPtr("http://127.0.0.1:" + strconv.Itoa(origin)),
			Path: common.StringPtr("/"), Method: common.StringPtr("GET")}
	}
	ca.RequestConfig = &apigw.ApiRequestConfig{Path: common.StringPtr(path), Method: common.StringPtr(method)}
	r, err := c.CreateApi(ca)
	if err != nil {
		return "", fmt.Errorf("CreateApi %s %s: %w", svc, path, err)
	}
	return *r.Response.Result.ApiId, nil
}

func release(c *apigw.Client, svc string) error {
	rs := apigw.NewReleaseServiceRequest()
	rs.ServiceId, rs.EnvironmentName, rs.ReleaseDesc = common.StringPtr(svc), common.StringPtr("release"), common.StringPtr("bench")
	if _, err := c.ReleaseService(rs); err != nil {
		return fmt.Errorf("ReleaseService %s: %w", svc, err)
	}
	return nil
}

// edgeProbe asks the edge for the probe API over one keep-alive connection.
type edgeProbe struct {
	url, host string
	c         *http.Client
}

// waitFor polls until the probe answers want (bounded by d).
func (p *edgeProbe) waitFor(ctx context.Context, want string, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
		if err != nil {
			return err
		}
		req.Host = p.host
		resp, err := p.c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(b) == want {
				return nil
			}
			last = fmt.Sprintf("%d %q", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the edge still answers %s, want %q", last, want)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// targets evaluates issue 18's control-plane goals.
func (r *controlResults) targets() {
	r.Targets = nil
	for _, c := range r.Compile {
		if c.APIs == 10000 {
			r.Targets = append(r.Targets, target{Name: "route-table compile of 10,000 APIs ≤ 100 ms", Ratio: c.Ms / 100,
				Measured: fmt.Sprintf("%.1f ms (runs %s)", c.Ms, fmtRuns(c.RunsMs)), Status: status(c.Ms <= 100)})
		}
	}
	if f := r.Release; f != nil && len(f.ServedMs) > 0 {
		m := maxOf(f.ServedMs)
		r.Targets = append(r.Targets, target{Name: fmt.Sprintf("release visible on the edge ≤ 50 ms after the Action answers, %s APIs released (every one of %d releases)", fmtInt(float64(f.APIs)), f.Releases),
			Ratio:    m / 50,
			Measured: fmt.Sprintf("max %.2f ms, median %.2f ms", m, median(f.ServedMs)),
			Status:   status(m <= 50)})
	}
}

func fmtRuns(xs []float64) string {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	var b strings.Builder
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.1f", x)
	}
	return b.String()
}

// markdown writes the control-plane section.
func (r *controlResults) markdown(b *strings.Builder) {
	if r == nil {
		return
	}
	sectionHead(b, "Control plane at 10,000 APIs (issue 18)", []string{
		fmt.Sprintf("Compile: `go test ./router -bench CompileSizes -benchtime 5x -count %d` (router/compile_bench_test.go): `router.Compile` of the generated tables (routertest.Generate: 50 and 250 services of 200 APIs; plain and `^~` prefixes, exact, `{param}` and regex paths, methods cycling), medians of the runs; the table's size is the live heap it keeps after GC. It runs on whatever CPU the machine gives it, not pinned.", compileCount),
		"Release to serve: `edgegate run --loops 1 --action-rate -1` (the rate limit lifted only to create the tables quickly) on CPU 0 with an empty store; the official Go SDK (tencentcloud-sdk-go) creates the services and APIs (a MOCK probe API `=/probe` in each, the rest HTTP to the origin) and releases every service, so the released snapshot holds all of them. Then, each round: ModifyApi changes the first service's probe answer, ReleaseService releases it, and the harness polls the edge (one keep-alive connection, back to back) from the moment the Action answers until the probe returns the new answer.",
	})
	b.WriteString("\n| APIs | compile (median) | runs | table kept | allocated per compile | allocations |\n|--:|--:|---|--:|--:|--:|\n")
	for _, c := range r.Compile {
		fmt.Fprintf(b, "| %s | %.1f ms | %s ms | %.1f MiB | %.1f MiB | %s |\n", fmtInt(float64(c.APIs)), c.Ms, fmtRuns(c.RunsMs), c.TableMiB, c.AllocMiB, fmtInt(c.AllocsOp))
	}
	if f := r.Release; f != nil {
		fmt.Fprintf(b, "\n%s services × %d APIs (%s) created and released in %.1f s. %d releases of one service:\n\n",
			fmtInt(float64(f.Services)), releaseAPIs, fmtInt(float64(f.APIs)), f.LoadSeconds, f.Releases)
		b.WriteString("| measure | median | max |\n|---|--:|--:|\n")
		fmt.Fprintf(b, "| ReleaseService, request to answer | %.1f ms | %.1f ms |\n", median(f.ActionMs), maxOf(f.ActionMs))
		fmt.Fprintf(b, "| answer → the edge serves the release | %.2f ms | %.2f ms |\n", median(f.ServedMs), maxOf(f.ServedMs))
	}
	targetTable(b, "Targets (issue 18)", r.Targets)
}
