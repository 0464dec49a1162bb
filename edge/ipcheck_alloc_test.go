//go:build !race

package edge

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// Judging the client address allocates nothing: a keep-alive GET to a
// proxied API under a black list (admitted), a mock API under a white list
// behind a trusted proxy with X-Forwarded-For (admitted), and one refused
// with 403.
func TestIPCheckAllocs(t *testing.T) {
	up := startRawUpstream(t, "hello, world")
	apis := proxyAPI("api-p", "/p", up.ln.Addr().String(), "") + ipAPIs
	big := ""
	for i := range 1000 {
		big += fmt.Sprintf("198.%d.%d.0/24;", i>>8, i&255)
	}
	ipc := &model.IPControl{Strategies: []model.IPStrategy{
		strategy("BLACK", big+"2001:db8::/32", "api-p"),
		strategy("WHITE", "203.0.113.0/24;127.0.0.1", "api-m"),
		{StrategyId: "ip-deny", ServiceId: "service-t", StrategyType: "BLACK", StrategyData: "127.0.0.0/8",
			Bindings: []model.IPStrategyBinding{{Environment: "release", ApiId: "api-open"}}},
	}}
	s := startIPServer(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, apis, ipc, nil)
	for _, c := range []struct {
		req  string
		code int
	}{
		{"GET /release/p/x?a=1 HTTP/1.1\r\nHost: service-t.localhost\r\nUser-Agent: alloc-test\r\n\r\n", 200},
		{"GET /release/m HTTP/1.1\r\nHost: service-t.localhost\r\nX-Forwarded-For: 192.0.2.1, 203.0.113.5\r\n\r\n", 200},
		{"GET /release/open HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n", 403},
	} {
		noAllocs(t, newRoundTripper(t, s.Addr(), c.req), c.code)
	}
}
