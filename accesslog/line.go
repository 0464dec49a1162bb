package accesslog

import (
	"strconv"
	"time"
)

// AppendSeedLine appends r in the seed's log line format (seed 000,
// DescribeLogSearch, LogSet, line 6068: nginx log_format pieces):
//
//	[$app_id][$env_name][$service_id][$http_host][$api_id][$uri][$scheme][rsp_st:$status][ups_st:$upstream_status]
//	[cip:$remote_addr][uip:$upstream_addr][vip:$server_addr][rsp_len:$bytes_sent][req_len:$request_length]
//	[req_t:$request_time][ups_rsp_t:$upstream_response_time][ups_conn_t:$upstream_connect_time][ups_head_t:$upstream_header_time]
//	[err_msg:$err_msg][tcp_rtt:$tcpinfo_rtt][$pid][$time_local][req_id:$request_id]
//
// as one line. A value that is not known is "-" (the seed's ups_st for a
// request the gateway stopped); app_id, the seed's account id, is always
// "-": Edgegate has no accounts. Times are seconds with milliseconds
// ($request_time), tcp_rtt microseconds ($tcpinfo_rtt), time_local
// nginx's "02/Jan/2006:15:04:05 -0700" in loc.
func AppendSeedLine(dst []byte, r *Record, loc *time.Location) []byte {
	text := func(dst []byte, label string, f Field) []byte {
		dst = append(dst, '[')
		dst = append(dst, label...)
		if v := r.Get(f); len(v) > 0 {
			dst = append(dst, v...)
		} else {
			dst = append(dst, '-')
		}
		return append(dst, ']')
	}
	num := func(dst []byte, label string, v int64, known bool) []byte {
		dst = append(dst, '[')
		dst = append(dst, label...)
		if known {
			dst = strconv.AppendInt(dst, v, 10)
		} else {
			dst = append(dst, '-')
		}
		return append(dst, ']')
	}
	secs := func(dst []byte, label string, d time.Duration, known bool) []byte {
		dst = append(dst, '[')
		dst = append(dst, label...)
		if known {
			dst = appendFixed(dst, d.Microseconds(), 3)
		} else {
			dst = append(dst, '-')
		}
		return append(dst, ']')
	}
	dst = append(dst, "[-]"...)
	dst = text(dst, "", Env)
	dst = text(dst, "", Service)
	dst = text(dst, "", Host)
	dst = text(dst, "", API)
	dst = text(dst, "", Path)
	if r.Scheme == HTTPS {
		dst = append(dst, "[HTTPS]"...)
	} else {
		dst = append(dst, "[HTTP]"...)
	}
	dst = num(dst, "rsp_st:", int64(r.Status), true)
	dst = num(dst, "ups_st:", int64(r.UpstreamStatus), r.UpstreamStatus != 0)
	dst = text(dst, "cip:", ClientIP)
	dst = text(dst, "uip:", Upstream)
	dst = text(dst, "vip:", VIP)
	dst = num(dst, "rsp_len:", r.BytesOut, true)
	dst = num(dst, "req_len:", r.BytesIn, true)
	dst = secs(dst, "req_t:", r.Latency, true)
	dst = secs(dst, "ups_rsp_t:", r.Backend, r.Backend > 0)
	dst = secs(dst, "ups_conn_t:", r.Connect, r.Connect > 0)
	dst = secs(dst, "ups_head_t:", r.Header, r.Header > 0)
	dst = text(dst, "err_msg:", ErrMsg)
	dst = num(dst, "tcp_rtt:", r.RTT.Microseconds(), r.RTT > 0)
	dst = num(dst, "", int64(r.PID), r.PID != 0)
	dst = append(dst, '[')
	dst = time.Unix(0, r.Time).In(loc).AppendFormat(dst, "02/Jan/2006:15:04:05 -0700")
	dst = append(dst, ']')
	return text(dst, "req_id:", ReqID)
}
