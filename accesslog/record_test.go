package accesslog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sample fills r with every member set.
func sample(r *Record) {
	r.Time = time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC).UnixNano()
	r.Latency, r.Backend, r.Connect, r.Header, r.RTT = 12345*time.Microsecond, 10*time.Millisecond, 800*time.Microsecond, 9*time.Millisecond, 250*time.Microsecond
	r.BytesIn, r.BytesOut, r.Status, r.UpstreamStatus, r.Scheme = 321, 4567, 502, 503, HTTPS
	r.SetString(ReqID, "0123456789abcdef0123456789abcdef")
	r.SetString(Service, "service-abc123")
	r.SetString(Env, "release")
	r.SetString(API, "api-xyz789")
	r.SetString(Method, "POST")
	r.SetString(Path, "/v1/\"quoted\"\\back\tslash/ünï/\x01/\xff")
	r.SetString(Host, "svc.example.com")
	r.SetAddr(ClientIP, netip.MustParseAddr("2001:db8::1"))
	r.SetAddrPort(Upstream, netip.MustParseAddrPort("10.0.0.7:8080"))
	r.SetAddrPort(VIP, netip.MustParseAddrPort("[2001:db8::2]:443"))
	r.SetString(Subject, "AKIDexample")
	r.SetString(Limit, "pass")
	r.SetString(ErrCode, "UpstreamStatus")
	r.SetString(ErrMsg, "upstream answered 503")
}

func TestRecordJSONRoundTrip(t *testing.T) {
	var r, back Record
	sample(&r)
	r.PID = 4242
	line := r.AppendJSON(nil)
	if !bytes.HasSuffix(line, []byte("}\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("not one line: %q", line)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, line)
	}
	want := map[string]any{
		"time": "2024-03-05T07:08:09.123456Z", "req_id": "0123456789abcdef0123456789abcdef", "service": "service-abc123",
		"env": "release", "api_id": "api-xyz789", "method": "POST", "host": "svc.example.com", "scheme": "https",
		"status": 502.0, "ups_status": 503.0, "bytes_in": 321.0, "bytes_out": 4567.0, "latency": 0.012345,
		"backend_latency": 0.01, "backend_connect": 0.0008, "backend_header": 0.009, "client_ip": "2001:db8::1",
		"upstream": "10.0.0.7:8080", "vip": "[2001:db8::2]:443", "subject": "AKIDexample", "limit": "pass",
		"err_code": "UpstreamStatus", "err_msg": "upstream answered 503", "tcp_rtt": 0.00025, "pid": 4242.0,
		// Invalid UTF-8 becomes U+FFFD; the rest survives escaping.
		"path": "/v1/\"quoted\"\\back\tslash/ünï/\x01/\ufffd",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("%d members, want %d: %s", len(m), len(want), line)
	}
	if err := parseJSON(line[:len(line)-1], &back); err != nil {
		t.Fatal(err)
	}
	for f := Field(0); f < NumFields; f++ {
		w := r.String(f)
		if f == Path {
			w = want["path"].(string)
		}
		if back.String(f) != w {
			t.Errorf("field %d: %q, want %q", f, back.String(f), w)
		}
	}
	r.span, back.span, r.used, back.used, r.text, back.text = [NumFields]struct{ off, n uint16 }{}, [NumFields]struct{ off, n uint16 }{}, 0, 0, [TextCap]byte{}, [TextCap]byte{}
	if r != back {
		t.Errorf("numbers differ:\n%+v\n%+v", r, back)
	}
}

func TestRecordOmitsUnknown(t *testing.T) {
	var r Record
	r.Time = time.Unix(1, 0).UnixNano()
	r.Status = 404
	r.SetString(ReqID, "x")
	got := string(r.AppendJSON(nil))
	want := `{"time":"1970-01-01T00:00:01.000000Z","req_id":"x","scheme":"http","status":404,"bytes_in":0,"bytes_out":0,"latency":0.000000}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRecordTextCap(t *testing.T) {
	var r Record
	r.SetString(Path, strings.Repeat("p", TextCap-10))
	r.SetString(Host, "0123456789abcdef")
	r.SetAddr(ClientIP, netip.MustParseAddr("192.0.2.1"))
	if len(r.Get(Path)) != TextCap-10 || r.String(Host) != "0123456789" || len(r.Get(ClientIP)) != 0 {
		t.Errorf("path %d, host %q, cip %q", len(r.Get(Path)), r.Get(Host), r.Get(ClientIP))
	}
	r.reset()
	r.SetAddr(ClientIP, netip.MustParseAddr("192.0.2.1"))
	if r.String(ClientIP) != "192.0.2.1" || r.String(Path) != "" {
		t.Errorf("after reset: %q %q", r.Get(ClientIP), r.Get(Path))
	}
}

func TestSeedLine(t *testing.T) {
	var r Record
	sample(&r)
	r.SetString(Path, "/v1/x")
	r.PID = 77
	got := string(AppendSeedLine(nil, &r, time.FixedZone("CST", 8*3600)))
	want := "[-][release][service-abc123][svc.example.com][api-xyz789][/v1/x][HTTPS][rsp_st:502][ups_st:503]" +
		"[cip:2001:db8::1][uip:10.0.0.7:8080][vip:[2001:db8::2]:443][rsp_len:4567][req_len:321]" +
		"[req_t:0.012][ups_rsp_t:0.010][ups_conn_t:0.000][ups_head_t:0.009]" +
		"[err_msg:upstream answered 503][tcp_rtt:250][77][05/Mar/2024:15:08:09 +0800][req_id:0123456789abcdef0123456789abcdef]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A request the gateway answered itself: the seed's "-".
	var g Record
	g.Time, g.Status = r.Time, 404
	got = string(AppendSeedLine(nil, &g, time.UTC))
	want = "[-][-][-][-][-][-][HTTP][rsp_st:404][ups_st:-][cip:-][uip:-][vip:-][rsp_len:0][req_len:0]" +
		"[req_t:0.000][ups_rsp_t:-][ups_conn_t:-][ups_head_t:-][err_msg:-][tcp_rtt:-][-][05/Mar/2024:07:08:09 +0000][req_id:-]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseRefusesForeignLines(t *testing.T) {
	var r Record
	for _, s := range []string{"", "x", `{"time":"nope"}`, `{"status":4x}`, `{"req_id":"abc`, `{"a":1,}`, `{"a" 1}`} {
		if parseJSON([]byte(s), &r) == nil {
			t.Errorf("%q parsed", s)
		}
	}
	if err := parseJSON([]byte(`{"future":"member","status":200, "req_id":"a\u00e9\ud83d\ude00"}`), &r); err != nil || r.Status != 200 || r.String(ReqID) != "aé😀" {
		t.Errorf("err %v, status %d, id %q", err, r.Status, r.Get(ReqID))
	}
}

func TestHostPart(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.1:80": "10.0.0.1", "[::1]:80": "::1", "::1": "::1", "h": "h", "h:1": "h"} {
		if got := string(hostPart([]byte(in))); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestTimeCache: the writer's cached-second time equals AppendFormat's,
// across second boundaries, out-of-order lines and times before 1970.
func TestTimeCache(t *testing.T) {
	var tc timeCache
	times := []int64{0, -1, -999, -1e9, -1e9 - 1, 1e9 - 1, 1e9, 1733400000123456789, 1733400000999999999, 1733400001000000000, 1733400000000000999, 1733399999000001000}
	for _, ns := range times {
		for range 2 { // the second call takes the cached prefix
			got := string(tc.appendTime(nil, ns))
			want := time.Unix(0, ns).UTC().Format(timeLayout)
			if got != want {
				t.Fatalf("%d: %s, want %s", ns, got, want)
			}
		}
	}
}

// The digit writers match strconv at every boundary.
func TestDigits(t *testing.T) {
	for _, v := range []uint64{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 999999, 1000000, 1<<63 - 1, 1<<64 - 1} {
		if got, want := string(appendUint(nil, v)), strconv.FormatUint(v, 10); got != want {
			t.Errorf("appendUint(%d) = %q", v, got)
		}
	}
	for _, us := range []int64{-5, 0, 1, 9, 10, 999, 123456, 999999, 1000000, 1000001, 59_999_999, 3_600_000_000} {
		for prec := 1; prec <= 6; prec++ {
			c := max(us, 0)
			frac := fmt.Sprintf("%06d", c%1e6)[:prec]
			want := fmt.Sprintf("%d.%s", c/1e6, frac)
			if got := string(appendFixed(nil, us, prec)); got != want {
				t.Errorf("appendFixed(%d, %d) = %q, want %q", us, prec, got, want)
			}
		}
	}
}
