package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// DescribeLogSearch (seed 000, 日志相关接口, lines 6028-6077) over the
// gateway's access log (accesslog.Searcher, Options.LogSearcher).

// LogQuery is the seed's LogQuery (lines 8385-8397).
type LogQuery struct {
	Name, Operator, Value string
}

// logSearchReq is DescribeLogSearch's input. Filters and Query are the
// seed's reserved members (保留字段): accepted, unused.
type logSearchReq struct {
	StartTime string `tcapi:"required"`
	EndTime   string `tcapi:"required"`
	ServiceId string `tcapi:"required"`
	Filters   []Filter
	Limit     *int64
	ConText   string
	Sort      string
	Query     string
	LogQuerys []LogQuery
}

// logSearchResp is DescribeLogSearch's output, at the top of Response.
// ConText is " " when there is nothing more (the seed's 值为" "表示无后续结果;
// a client that sends it back gets an empty page with " " again).
type logSearchResp struct {
	ConText    string
	LogSet     []string
	TotalCount uint64
}

// logSearchEnd is the seed's "no more results" ConText.
const logSearchEnd = " "

// logSearchDefaultLimit is Limit when absent (the seed states none).
const logSearchDefaultLimit = 20

// Check validates what needs no clock or log: Limit, Sort, the query
// names and operators (values are checked by the search).
func (in *logSearchReq) Check() error {
	if in.Limit != nil {
		if *in.Limit > accesslog.MaxLimit {
			return tcapi.Errorf("LimitExceeded", "Limit %d: at most %d log lines per call", *in.Limit, accesslog.MaxLimit)
		}
		if *in.Limit < 1 {
			return tcapi.Errorf("InvalidParameterValue.RangeExceeded", "Limit %d: want 1 to %d", *in.Limit, accesslog.MaxLimit)
		}
	}
	switch in.Sort {
	case "", "asc", "desc":
	default:
		return tcapi.Errorf(errNotInOptions, "Sort %q: want asc or desc", in.Sort)
	}
	for i, q := range in.LogQuerys {
		ops, ok := accesslog.Ops[q.Name]
		if !ok {
			return tcapi.Errorf(errNotInOptions, "LogQuerys.%d.Name %q: want one of req_id, api_id, cip, uip, err_msg, rsp_st, req_t", i, q.Name)
		}
		ok = false
		for _, o := range ops {
			ok = ok || o == q.Operator
		}
		if !ok {
			return tcapi.Errorf(errNotInOptions, "LogQuerys.%d.Operator %q: %s takes %s", i, q.Operator, q.Name, strings.Join(ops, " "))
		}
	}
	return nil
}

// logTimeLayouts are the Datetime forms StartTime and EndTime take: the
// seed's Datetime (never spelled out; Tencent Cloud writes
// "2006-01-02 15:04:05", in the gateway's time zone) and RFC 3339.
var logTimeLayouts = []string{time.DateTime, time.RFC3339Nano}

func parseLogTime(name, v string, loc *time.Location) (time.Time, error) {
	for _, l := range logTimeLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, tcapi.Errorf("InvalidParameterValue.Invalid", "%s %q: want YYYY-MM-DD hh:mm:ss (the gateway's time zone) or RFC 3339", name, v)
}

func (a *Admin) describeLogSearch(_ context.Context, in *logSearchReq) (*logSearchResp, error) {
	s := a.opts.LogSearcher
	if s == nil {
		return nil, tcapi.Errorf(errUnsupported, "the access log is off: start the gateway with an access-log directory")
	}
	start, err := parseLogTime("StartTime", in.StartTime, s.Location)
	if err != nil {
		return nil, err
	}
	end, err := parseLogTime("EndTime", in.EndTime, s.Location)
	if err != nil {
		return nil, err
	}
	if in.ConText == logSearchEnd {
		return &logSearchResp{ConText: logSearchEnd, LogSet: []string{}}, nil
	}
	q := accesslog.Query{Service: in.ServiceId, Start: start, End: end, Asc: in.Sort == "asc",
		Limit: logSearchDefaultLimit, Cursor: in.ConText}
	if in.Limit != nil {
		q.Limit = int(*in.Limit)
	}
	for _, c := range in.LogQuerys {
		q.Conds = append(q.Conds, accesslog.Cond{Name: c.Name, Op: c.Operator, Value: c.Value})
	}
	page, err := s.Search(q)
	var qe *accesslog.QueryError
	if errors.As(err, &qe) {
		code := "InvalidParameterValue.Invalid"
		switch qe.Kind {
		case accesslog.BadRange, accesslog.BadLimit:
			code = "InvalidParameterValue.RangeExceeded"
		case accesslog.BadName, accesslog.BadOperator:
			code = errNotInOptions
		}
		return nil, tcapi.Errorf(code, "%s", qe.Error())
	}
	if err != nil {
		return nil, err
	}
	out := &logSearchResp{ConText: page.Next, LogSet: page.Lines, TotalCount: uint64(len(page.Lines))}
	if out.ConText == "" {
		out.ConText = logSearchEnd
	}
	return out, nil
}
