package metrics

import (
	"fmt"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/bpf"
	"github.com/edgegate/edgegate/edge"
)

// fakeEdge stands for edge.Server in the tests that need chosen values
// or many series (the summing over loops is the edge's, tested there).
type fakeEdge struct {
	apis    []edge.APIStats
	stats   edge.Stats
	auth    map[string]uint64
	limits  [][3]string
	targets []edge.TargetStats
}

func (f *fakeEdge) Stats() edge.Stats { return f.stats }
func (f *fakeEdge) CompressionStats() edge.CompressionStats {
	z := edge.CompressionStats{BytesIn: 1 << 20, BytesOut: 1 << 18, Encoders: 2}
	z.Decisions[0], z.Decisions[1] = 40, 3
	return z
}
func (f *fakeEdge) Revision() uint64 { return 42 }
func (f *fakeEdge) EachAPI(fn func(*edge.APIStats)) {
	for i := len(f.apis) - 1; i >= 0; i-- { // unsorted on purpose
		fn(&f.apis[i])
	}
}
func (f *fakeEdge) EachAuthFailure(fn func(string, uint64)) {
	for _, c := range []string{"AuthFailure.SignatureFailure", "AuthFailure.SecretIdNotFound"} {
		if n, ok := f.auth[c]; ok {
			fn(c, n)
		}
	}
}
func (f *fakeEdge) EachLimitRefusal(fn func(string, string, uint64)) {
	for _, l := range f.limits {
		fn(l[0], l[1], uint64(len(l[2])))
	}
}
func (f *fakeEdge) EachTarget(fn func(*edge.TargetStats)) {
	for i := range f.targets {
		fn(&f.targets[i])
	}
}

// manyAPIs is a fake edge with n API series, every field counted.
func manyAPIs(n int) *fakeEdge {
	f := &fakeEdge{auth: map[string]uint64{"AuthFailure.SignatureFailure": 3}, limits: [][3]string{{"LimitExceeded", "plan-1", "xx"}},
		targets: []edge.TargetStats{{Address: "10.0.0.2:80", Healthy: true, Dials: 5}, {Address: "10.0.0.1:80", Checked: true, Idle: 2}}}
	for i := range n {
		s := edge.APIStats{APIKey: edge.APIKey{ServiceId: fmt.Sprintf("service-%04d", i/10), Environment: "release", ApiId: fmt.Sprintf("api-%06d", i)},
			Requests: uint64(100 + i), Valid: uint64(90 + i), RequestBytes: 1 << 20, ResponseBytes: 1 << 22, FrontendErrors: 10, BackendErrors: 3,
			Backend404: 1, Backend502: 2, Responses: [6]uint64{0, 0, 80, 0, 17, 3}, Active: 1}
		for b := range s.Latency.Buckets {
			s.Latency.Buckets[b] = uint64(b)
			s.Backend.Buckets[b] = uint64(2 * b)
		}
		s.Latency.Sum, s.Backend.Sum = 1.25, 0.75
		f.apis = append(f.apis, s)
	}
	return f
}

type fakeAdmin struct {
	exp []admin.CertificateExpiry
	err error
}

func (a *fakeAdmin) Revision() uint64 { return 7 }
func (a *fakeAdmin) CertificateExpiries() ([]admin.CertificateExpiry, error) {
	return a.exp, a.err
}

type fakeFirewall struct{ mode string }

func (f fakeFirewall) Mode() string { return f.mode }
func (f fakeFirewall) Counters() ([]bpf.RuleCounter, error) {
	return []bpf.RuleCounter{{Rule: 0, Name: "default", Passed: 9, ConnsPassed: 4}, {Rule: 1, Name: `deny[0] 10.0.0.0/8`, Dropped: 6, ConnsRefused: 1}}, nil
}
