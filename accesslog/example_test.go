package accesslog_test

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/edgegate/edgegate/accesslog"
)

// The edge's side: one Ring per event loop, taken when the loop starts;
// per request, fill a slot in place and commit it (or count nothing more:
// a full ring drops and counts by itself). The admin's side: a Searcher
// over the same directory.
func Example() {
	dir, _ := os.MkdirTemp("", "accesslog-example")
	defer os.RemoveAll(dir)
	log, err := accesslog.New(accesslog.Options{Dir: dir, MaxSize: 64 << 20, MaxAge: time.Hour, Keep: 48, RingSlots: 4096})
	if err != nil {
		panic(err)
	}
	ring := log.Ring(0) // loop 0, at its start

	// At the end of a request, on loop 0's goroutine:
	if r := ring.Slot(); r != nil {
		r.Time = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano()
		r.Status, r.UpstreamStatus, r.Scheme = 200, 200, accesslog.HTTPS
		r.Latency, r.Backend = 12*time.Millisecond, 10*time.Millisecond
		r.BytesIn, r.BytesOut = 310, 1200
		r.SetString(accesslog.ReqID, "5f0c9a1e2b3d4c5e0000000000000001")
		r.SetString(accesslog.Service, "service-demo")
		r.SetString(accesslog.Env, "release")
		r.SetString(accesslog.API, "api-hello")
		r.SetString(accesslog.Path, "/hello")
		r.SetAddr(accesslog.ClientIP, netip.MustParseAddr("198.51.100.7"))
		r.SetAddrPort(accesslog.Upstream, netip.MustParseAddrPort("127.0.0.1:8080"))
		ring.Commit()
	}
	log.Flush() // tests only; the writer flushes every Poll by itself

	s, _ := accesslog.OpenSearcher(dir)
	s.Location = time.UTC
	page, err := s.Search(accesslog.Query{Service: "service-demo", Limit: 10,
		Start: time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 5, 7, 0, 0, 0, 0, time.UTC),
		Conds: []accesslog.Cond{{Name: "req_id", Op: "=", Value: "5f0c9a1e2b3d4c5e0000000000000001"}}})
	if err != nil {
		panic(err)
	}
	line := page.Lines[0]
	fmt.Println(line[:strings.Index(line, "[tcp_rtt")])
	fmt.Println(len(page.Lines), page.Next == "", log.Dropped())
	log.Close() // after the loops stopped
	// Output:
	// [-][release][service-demo][-][api-hello][/hello][HTTPS][rsp_st:200][ups_st:200][cip:198.51.100.7][uip:127.0.0.1:8080][vip:-][rsp_len:1200][req_len:310][req_t:0.012][ups_rsp_t:0.010][ups_conn_t:-][ups_head_t:-][err_msg:-]
	// 1 true 0
}
