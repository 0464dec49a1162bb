package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
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
func searchAll(t *testing.T, c *gw.Client, svc string, conds ...*gw.LogQuery) ([]string, int) {
	t.Helper()
	var lines []string
	pages := 0
	ctx := ""
	for {
		req := gw.NewDescribeLogSearchRequest()
		req.ServiceId = common.StringPtr(svc)
		req.StartTime = common.StringPtr(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		req.EndTime = common.StringPtr(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		req.Limit = common.Uint64Ptr(100)
		req.Sort = common.StringPtr("asc")
		req.LogQuerys = conds
		if ctx != "" {
			req.ConText = common.StringPtr(ctx)
		}
		resp, err := c.DescribeLogSearch(req)
		if sdkCode(err) == "RequestLimitExceeded" {
			// The Action API's per-credential rate (20/s) counts every
			// page: back off as a client of the seed's API would.
			time.Sleep(time.Second)
			continue
		}
		r := mustSDK(resp, err).Response
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
	st, id, err := tryGetID(c, cp, svc, path)
	if err != nil {
		t.Fatal(err)
	}
	return st, id
}

// tryGetID is getID for any goroutine.
func tryGetID(c *http.Client, cp *controlPlane, svc, path string) (int, string, error) {
	req, _ := http.NewRequest("GET", "http://"+cp.Addr+path, nil)
	req.Host = svc + ".localhost"
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Request-Id"), nil
}

// DescribeLogSearch through the official SDK over the lines `run` wrote:
// ConText paging over more lines than a page returns each line once, and
// a request is found by the X-Request-Id it got.
func TestLogSearchThroughSDK(t *testing.T) {
	defer catchSDK(t)
	dir := logDir(t)
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
		one, _ = searchAll(t, c, svc, &gw.LogQuery{Name: common.StringPtr("req_id"), Operator: common.StringPtr("="), Value: common.StringPtr(id)})
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
	dir := logDir(t)
	cp := startControlPlane(t, "--access-log-dir", dir, "--access-log-max-size", "16KiB", "--access-log-keep", "10000")
	c := cp.sdk("", "")
	svc, _ := sdkService(t, c, "rotate")
	waitFor(t, 10*time.Second, "release served", func() bool { s, _ := cp.get(svc, "/release/a"); return s == 200 })
	const workers, each = 8, 250
	const n = workers * each
	got := make(chan string, n) // request ids; "" for a failure
	for range workers {
		go func() {
			hc := clientFrom("")
			for range each {
				st, id, err := tryGetID(hc, cp, svc, "/release/a")
				if err != nil || st != 200 {
					id = ""
				}
				got <- id
			}
		}()
	}
	ids := map[string]bool{}
	for range n {
		id := <-got
		if id == "" || ids[id] {
			t.Fatalf("a request failed or repeated an id (%q)", id)
		}
		ids[id] = true
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
	// The writer's buffer reaches the file within its poll (10ms), after
	// the counts: scan until the lines are there.
	var onDisk, svcLines, found int
	ok = eventually(10*time.Second, func() bool {
		onDisk, svcLines = scanLines(t, dir, svc, ids)
		if int64(onDisk)+d != n {
			return false
		}
		lines, _ := searchAll(t, c, svc) // the probes' lines included
		found = len(lines)
		return found == svcLines
	})
	if !ok {
		t.Errorf("%d lines on disk + %d dropped, want %d requests; search found %d of the service's %d lines", onDisk, d, n, found, svcLines)
	}
	t.Logf("%d requests: %d segments, %d lines, %d dropped", n, segs, onDisk, d)
}

// Split mode: `edge --access-log-dir D` writes, `admin --access-log-dir
// D` (a shared directory) answers DescribeLogSearch over it; an admin
// without the flag answers UnsupportedOperation.
func TestLogSearchSplitMode(t *testing.T) {
	defer catchSDK(t)
	dir := logDir(t)
	admin := startAdmin(t, "--access-log-dir", dir)
	e := admin.startEdgeVia("edge-log", "http://"+admin.Admin, "--access-log-dir", dir)
	c := admin.sdk("", "")
	svc, _ := sdkService(t, c, "splitlog")
	waitFor(t, 10*time.Second, "release on the edge", func() bool { s, _ := e.get(svc, "/release/a"); return s == 200 })
	st, id := getID(t, clientFrom(""), e, svc, "/release/b")
	if st != 200 {
		t.Fatal(st)
	}
	var one []string
	waitFor(t, 10*time.Second, "the edge's line found through the admin", func() bool {
		one, _ = searchAll(t, c, svc, &gw.LogQuery{Name: common.StringPtr("req_id"), Operator: common.StringPtr("="), Value: common.StringPtr(id)})
		return len(one) == 1
	})
	if !strings.Contains(one[0], id) || !strings.Contains(one[0], "["+svc+"]") {
		t.Errorf("line %q", one[0])
	}
	plain := startAdmin(t)
	req := gw.NewDescribeLogSearchRequest()
	req.ServiceId = common.StringPtr(svc)
	req.StartTime, req.EndTime = common.StringPtr("2026-01-01 00:00:00"), common.StringPtr("2027-01-01 00:00:00")
	if _, err := plain.sdk("", "").DescribeLogSearch(req); sdkCode(err) != "UnsupportedOperation" {
		t.Errorf("admin without an access-log directory: %v", err)
	}
}
