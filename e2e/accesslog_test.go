package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// logStats reads the access log's counts from the admin listener.
func logStats(t *testing.T, cp *controlPlane) (written, dropped, segments int64) {
	t.Helper()
	resp, err := httpc.Get("http://" + cp.Admin + "/stats/accesslog")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ Written, Dropped, Lost, Segments int64 }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Lost != 0 {
		t.Fatalf("/stats/accesslog: %+v %v", st, err)
	}
	return st.Written, st.Dropped, st.Segments
}

// edgeRequests is the number of requests the edge has served (/stats).
func edgeRequests(t *testing.T, cp *controlPlane) int64 {
	t.Helper()
	resp, err := httpc.Get("http://" + cp.Admin + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ Requests int64 }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

// searchAll pages through DescribeLogSearch with ConText (Limit 100) and
// returns every line and the number of pages.
func searchAll(t *testing.T, c *apigw.Client, svc string, conds ...*apigw.LogQuery) ([]string, int) {
	t.Helper()
	var lines []string
	pages := 0
	ctx := ""
	for {
		req := apigw.NewDescribeLogSearchRequest()
		req.ServiceId = common.StringPtr(svc)
		req.StartTime = common.StringPtr(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		req.EndTime = common.StringPtr(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		req.Limit = common.Uint64Ptr(100)
		req.Sort = common.StringPtr("asc")
		req.LogQuerys = conds
		if ctx != "" {
			req.ConText = common.StringPtr(ctx)
		}
		r := mustSDK(c.DescribeLogSearch(req)).Response
		pages++
		for _, l := range r.LogSet {
			lines = append(lines, *l)
		}
		if r.ConText == nil || *r.ConText == " " || pages > 200 {
			return lines, pages
		}
		ctx = *r.ConText
	}
}

// getID calls the edge and returns the status and X-Request-Id.
func getID(t *testing.T, c *http.Client, cp *controlPlane, svc, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+cp.Addr+path, nil)
	req.Host = svc + ".localhost"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Request-Id")
}

// DescribeLogSearch through the official SDK over the lines `run` wrote:
// ConText paging over more lines than a page returns each line once, and
// a request is found by the X-Request-Id it got.
func TestLogSearchThroughSDK(t *testing.T) {
	defer catchSDK(t)
	dir := filepath.Join(t.TempDir(), "access")
	cp := startControlPlane(t, "--access-log-dir", dir)
	c := cp.sdk("", "")
	svc, _ := sdkService(t, c, "logs")
	waitFor(t, 10*time.Second, "release served", func() bool { s, _ := cp.get(svc, "/release/a"); return s == 200 })
	const n = 250
	ids := map[string]bool{}
	hc := clientFrom("")
	for i := range n {
		st, id := getID(t, hc, cp, svc, "/release/"+string("ab"[i%2]))
		if st != 200 || len(id) != 32 || ids[id] {
			t.Fatalf("request %d: %d %q", i, st, id)
		}
		ids[id] = true
	}
	// The probes above count too: wait for every line of this service.
	var lines []string
	waitFor(t, 10*time.Second, "lines searchable", func() bool {
		lines, _ = searchAll(t, c, svc)
		return len(lines) >= n
	})
	lines, pages := searchAll(t, c, svc)
	seen := map[string]bool{}
	for _, l := range lines {
		if !strings.Contains(l, "["+svc+"]") {
			t.Fatalf("line of another service: %s", l)
		}
		if seen[l] {
			t.Fatalf("line served twice: %s", l)
		}
		seen[l] = true
	}
	found := 0
	for id := range ids {
		for _, l := range lines {
			if strings.Contains(l, id) {
				found++
				break
			}
		}
	}
	if found != n || pages < 3 {
		t.Errorf("%d of %d requests found in %d lines over %d pages", found, n, len(lines), pages)
	}
	// One request by its id.
	st, id := getID(t, hc, cp, svc, "/release/b")
	if st != 200 {
		t.Fatal(st)
	}
	var one []string
	waitFor(t, 10*time.Second, "request found by id", func() bool {
		one, _ = searchAll(t, c, svc, &apigw.LogQuery{Name: common.StringPtr("req_id"), Operator: common.StringPtr("="), Value: common.StringPtr(id)})
		return len(one) > 0
	})
	if len(one) != 1 || !strings.Contains(one[0], id) || !strings.Contains(one[0], "[rsp_st:200]") {
		t.Errorf("search by req_id %s: %q", id, one)
	}
}

// Rotation under load: with 16 KiB segments many rotate while N requests
// arrive from concurrent clients; every request is a line on disk or a
// counted drop, and DescribeLogSearch finds every line.
func TestAccessLogRotationUnderLoad(t *testing.T) {
	defer catchSDK(t)
	dir := filepath.Join(t.TempDir(), "access")
	cp := startControlPlane(t, "--access-log-dir", dir, "--access-log-max-size", "16KiB", "--access-log-keep", "10000")
	c := cp.sdk("", "")
	svc, _ := sdkService(t, c, "rotate")
	waitFor(t, 10*time.Second, "release served", func() bool { s, _ := cp.get(svc, "/release/a"); return s == 200 })
	const workers, each = 8, 250
	var mu sync.Mutex
	ids := map[string]bool{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := clientFrom("")
			for range each {
				st, id := getID(t, hc, cp, svc, "/release/a")
				if st != 200 {
					t.Errorf("status %d", st)
					return
				}
				mu.Lock()
				ids[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	const n = workers * each
	if len(ids) != n {
		t.Fatalf("%d distinct request ids, want %d", len(ids), n)
	}
	// Every request the edge served (the probes too) is a line or a drop.
	var w, d, segs, reqs int64
	ok := eventually(10*time.Second, func() bool {
		w, d, segs = logStats(t, cp)
		reqs = edgeRequests(t, cp)
		return w+d == reqs
	})
	if !ok {
		t.Fatalf("%d requests served, %d lines written + %d dropped", reqs, w, d)
	}
	if segs < 10 {
		t.Errorf("%d segments sealed, want many with 16 KiB segments", segs)
	}
	// On disk, across the segments: each request's line at most once.
	files, _ := filepath.Glob(filepath.Join(dir, "access-*.log"))
	onDisk, svcLines := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.Contains(l, `"service":"`+svc+`"`) {
				continue
			}
			svcLines++
			var rec struct {
				ReqID string `json:"req_id"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("%s: %q: %v", f, l, err)
			}
			if ids[rec.ReqID] {
				ids[rec.ReqID] = false // seen
				onDisk++
			}
		}
	}
	if int64(onDisk)+d != n {
		t.Errorf("%d lines on disk + %d dropped, want %d requests", onDisk, d, n)
	}
	// The search finds every line of the service (the probes' included).
	lines, _ := searchAll(t, c, svc)
	if len(lines) != svcLines {
		t.Errorf("search found %d lines, %d on disk", len(lines), svcLines)
	}
	t.Logf("%d requests: %d segments, %d lines, %d dropped", n, segs, onDisk, d)
}
