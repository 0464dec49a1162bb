package accesslog

import (
	"strconv"
	"time"
)

// Synthetic traffic for the search tests and benchmarks: record i of a
// gateway that serves one request every step from base, written in
// completion order, so times run out of order by up to ±jitter steps.
// Everything is a function of i, so a test can recompute what it wrote.

type synthRec struct {
	i                    int
	t                    int64
	service, api         string
	status               uint16
	latUS                int64
	cip, uip, errMsg, id string
}

const synthJitter = 50

func mix(i int) uint64 {
	x := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E5
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return x
}

var synthServices = []string{"service-a", "service-a", "service-a", "service-a", "service-b", "service-c"}

func synth(i int, base time.Time, step time.Duration) synthRec {
	h := mix(i)
	s := synthRec{i: i}
	jit := int64(h%(2*synthJitter+1)) - synthJitter
	s.t = base.UnixNano() + (int64(i)+jit)*int64(step)
	s.service = synthServices[(h>>8)%uint64(len(synthServices))]
	s.api = "api-" + strconv.Itoa(int((h>>16)%20))
	switch r := (h >> 24) % 1000; {
	case r < 5:
		s.status = 500 + uint16(r)
		s.errMsg = "upstream answered 50" + strconv.Itoa(int(r))
	case r < 60:
		s.status = 404
		s.errMsg = "ApiNotFound"
	case r < 80:
		s.status = 302
	default:
		s.status = 200
	}
	s.latUS = int64((h>>34)%2000) * 1000
	s.cip = "10.1." + strconv.Itoa(int((h>>44)%50)) + "." + strconv.Itoa(int((h>>50)%5))
	s.uip = "192.168.0." + strconv.Itoa(int((h>>56)%5)) + ":8080"
	s.id = synthID(i)
	return s
}

func synthID(i int) string {
	var b [32]byte
	v := mix(i ^ 0x5bd1e995)
	const hex = "0123456789abcdef"
	for k := 0; k < 16; k++ {
		b[k] = hex[(v>>(4*k))&15]
	}
	n := uint64(i)
	for k := 31; k >= 16; k-- {
		b[k] = hex[n&15]
		n >>= 4
	}
	return string(b[:])
}

// fill writes s into r the way the edge would.
func (s *synthRec) fill(r *Record) {
	r.Time, r.Status, r.Latency = s.t, s.status, time.Duration(s.latUS)*time.Microsecond
	r.BytesIn, r.BytesOut = 200+int64(s.i%300), 1000+int64(s.i%5000)
	r.Scheme = Scheme(s.i & 1)
	r.SetString(ReqID, s.id)
	r.SetString(Service, s.service)
	r.SetString(Env, "release")
	r.SetString(API, s.api)
	r.SetString(Method, "GET")
	r.SetString(Path, "/v1/items/"+strconv.Itoa(s.i%1000))
	r.SetString(Host, s.service+".gw.example.com")
	r.SetString(ClientIP, s.cip)
	r.SetString(VIP, "203.0.113.1:443")
	if s.status != 404 {
		r.SetString(Upstream, s.uip)
		r.UpstreamStatus = s.status
		r.Backend, r.Connect, r.Header = r.Latency*9/10, time.Millisecond, r.Latency/2
	}
	r.SetString(Subject, "AKIDsynthetic")
	r.SetString(Limit, "pass")
	r.SetString(ErrMsg, s.errMsg)
}
