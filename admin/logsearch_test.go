package admin

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/edgegate/edgegate/accesslog"
)

// logSearchAdmin starts an access log in a temporary directory, writes n
// requests of service svc (one a second from base, ids req-0000..) and
// one of another service, and serves the Action API with a Searcher over
// it, for the official SDK.
func logSearchAdmin(t *testing.T, svc string, n int, base time.Time) *apigw.Client {
	t.Helper()
	logDir := t.TempDir()
	l, err := accesslog.New(accesslog.Options{Dir: logDir, MaxSize: 16 << 10, NoSync: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ring := l.Ring(0)
	put := func(i int, service string, status uint16) {
		r := ring.Slot()
		r.Time = base.Add(time.Duration(i) * time.Second).UnixNano()
		r.Status, r.UpstreamStatus, r.Latency = status, status, time.Duration(i)*time.Millisecond
		r.SetString(accesslog.ReqID, fmt.Sprintf("req-%04d", i))
		r.SetString(accesslog.Service, service)
		r.SetString(accesslog.Env, "release")
		r.SetString(accesslog.API, fmt.Sprintf("api-%d", i%3))
		r.SetString(accesslog.Path, "/p")
		r.SetString(accesslog.Upstream, "127.0.0.1:8080")
		ring.Commit()
	}
	for i := range n {
		status := uint16(200)
		if i%10 == 0 {
			status = 502
		}
		put(i, svc, status)
	}
	put(n, "service-other", 200)
	// Flushed, not closed: the search reads the sealed segments through
	// their indexes and the one being written as a tail.
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s, err := accesslog.OpenSearcher(logDir)
	if err != nil {
		t.Fatal(err)
	}
	s.Location = time.UTC
	t.Setenv("EDGEGATE_SECRET_ID", "AKIDlogsearch")
	t.Setenv("EDGEGATE_SECRET_KEY", "logsearchkey")
	a, err := openTestAdmin(t.TempDir(), Options{LogSearcher: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = u.Host, "HTTP"
	c, err := apigw.NewClient(common.NewCredential("AKIDlogsearch", "logsearchkey"), "ap-guangzhou", cpf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func logReq(svc, start, end string, limit uint64, sort string, qs ...[3]string) *apigw.DescribeLogSearchRequest {
	r := apigw.NewDescribeLogSearchRequest()
	r.ServiceId, r.StartTime, r.EndTime = &svc, &start, &end
	if limit > 0 {
		r.Limit = &limit
	}
	if sort != "" {
		r.Sort = &sort
	}
	for _, q := range qs {
		r.LogQuerys = append(r.LogQuerys, &apigw.LogQuery{Name: common.StringPtr(q[0]), Operator: common.StringPtr(q[1]), Value: common.StringPtr(q[2])})
	}
	return r
}

func reqIDOf(line string) string {
	i := strings.LastIndex(line, "[req_id:")
	return strings.TrimSuffix(line[i+len("[req_id:"):], "]")
}

// TestDescribeLogSearchThroughSDK: records written through the access
// log's writer are found through the official SDK: paged with ConText to
// the seed's " ", newest first by default, by request id, by condition.
func TestDescribeLogSearchThroughSDK(t *testing.T) {
	base := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	const svc, n = "service-logs1", 250
	c := logSearchAdmin(t, svc, n, base)
	start, end := "2024-05-06 07:00:00", "2024-05-06 08:00:00"

	// Paging: every line of the service once, newest first.
	var ids []string
	req := logReq(svc, start, end, 100, "", [3]string{})
	req.LogQuerys = nil
	for pages := 0; ; pages++ {
		resp, err := c.DescribeLogSearch(req)
		if err != nil {
			t.Fatal(err)
		}
		r := resp.Response
		if int(*r.TotalCount) != len(r.LogSet) || len(r.LogSet) > 100 || pages > 3 {
			t.Fatalf("TotalCount %d, %d lines, page %d", *r.TotalCount, len(r.LogSet), pages)
		}
		for _, l := range r.LogSet {
			ids = append(ids, reqIDOf(*l))
		}
		if *r.ConText == " " {
			break
		}
		req.ConText = r.ConText
	}
	if len(ids) != n || ids[0] != fmt.Sprintf("req-%04d", n-1) || ids[n-1] != "req-0000" {
		t.Fatalf("%d lines, first %s, last %s", len(ids), ids[0], ids[len(ids)-1])
	}
	// The end marker sent back: an empty page, the end again.
	req.ConText = common.StringPtr(" ")
	if resp, err := c.DescribeLogSearch(req); err != nil || len(resp.Response.LogSet) != 0 || *resp.Response.ConText != " " {
		t.Fatalf("after the end: %v %v", err, resp)
	}

	// By request id: the one line, in the seed's format.
	resp, err := c.DescribeLogSearch(logReq(svc, start, end, 10, "", [3]string{"req_id", "=", "req-0123"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Response.LogSet) != 1 {
		t.Fatalf("req_id: %d lines", len(resp.Response.LogSet))
	}
	want := "[-][release][service-logs1][-][api-0][/p][HTTP][rsp_st:200][ups_st:200][cip:-][uip:127.0.0.1:8080][vip:-]" +
		"[rsp_len:0][req_len:0][req_t:0.123][ups_rsp_t:-][ups_conn_t:-][ups_head_t:-][err_msg:-][tcp_rtt:-]"
	if got := *resp.Response.LogSet[0]; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "[06/May/2024:07:02:03 +0000][req_id:req-0123]") {
		t.Fatalf("line\n%s\nwant\n%s...[06/May/2024:07:02:03 +0000][req_id:req-0123]", got, want)
	}

	// Conditions and ascending order: the 502s of api-0 in a window.
	resp, err = c.DescribeLogSearch(logReq(svc, "2024-05-06T07:00:30Z", "2024-05-06T07:02:00Z", 100, "asc",
		[3]string{"rsp_st", ">", "499"}, [3]string{"api_id", "=", "api-0"}, [3]string{"uip", "=", "127.0.0.1"}, [3]string{"req_t", ">=", "0.05"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range resp.Response.LogSet {
		got = append(got, reqIDOf(*l))
	}
	// i%10 == 0 and i%3 == 0 in [50, 120]: 60, 90, 120.
	if strings.Join(got, ",") != "req-0060,req-0090,req-0120" || *resp.Response.ConText != " " {
		t.Fatalf("got %v, ConText %q", got, *resp.Response.ConText)
	}
}

func TestDescribeLogSearchErrors(t *testing.T) {
	c := logSearchAdmin(t, "service-logs2", 5, time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC))
	const start, end = "2024-05-06 07:00:00", "2024-05-06 08:00:00"
	code := func(r *apigw.DescribeLogSearchRequest) string {
		_, err := c.DescribeLogSearch(r)
		var e *sdkerrors.TencentCloudSDKError
		if !errors.As(err, &e) {
			return fmt.Sprint(err)
		}
		return e.Code
	}
	badCursor := logReq("service-logs2", start, end, 10, "")
	badCursor.ConText = common.StringPtr("nonsense")
	noService := logReq("", start, end, 10, "")
	noService.ServiceId = nil
	for _, c := range []struct {
		r    *apigw.DescribeLogSearchRequest
		want string
	}{
		{logReq("service-logs2", start, end, 101, ""), "LimitExceeded"},
		{logReq("service-logs2", "yesterday", end, 10, ""), "InvalidParameterValue.Invalid"},
		{logReq("service-logs2", start, "2024-13-01 00:00:00", 10, ""), "InvalidParameterValue.Invalid"},
		{logReq("service-logs2", end, start, 10, ""), "InvalidParameterValue.RangeExceeded"},
		{logReq("service-logs2", start, end, 10, "newest"), "InvalidParameterValue.NotInOptions"},
		{logReq("service-logs2", start, end, 10, "", [3]string{"host", "=", "x"}), "InvalidParameterValue.NotInOptions"},
		{logReq("service-logs2", start, end, 10, "", [3]string{"req_id", "!=", "x"}), "InvalidParameterValue.NotInOptions"},
		{logReq("service-logs2", start, end, 10, "", [3]string{"rsp_st", ">", "abc"}), "InvalidParameterValue.Invalid"},
		{badCursor, "InvalidParameterValue.Invalid"},
		{noService, "MissingParameter"},
	} {
		if got := code(c.r); got != c.want {
			t.Errorf("%s: %s, want %s", c.r.ToJsonString(), got, c.want)
		}
	}
}

// TestDescribeLogSearchOff: without an access log the Action says so.
func TestDescribeLogSearchOff(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ta.want(errUnsupported, "DescribeLogSearch", map[string]any{"ServiceId": "s", "StartTime": "2024-01-01 00:00:00", "EndTime": "2024-01-02 00:00:00"})
}
