package edge

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/edgegate/edgegate/http1"
	"github.com/edgegate/edgegate/ipset"
	"github.com/edgegate/edgegate/model"
)

// ipAPIs are two mock APIs, for IP control tests.
var ipAPIs = mockAPI("api-m", "/m", "hello, world") + mockAPI("api-open", "/open", "open")

// startIPServer runs an in-process edge whose snapshot carries the given
// IP strategies and plugins.
func startIPServer(t testing.TB, cfg Config, apis string, ipc *model.IPControl, traffic *model.Traffic) *Server {
	t.Helper()
	cfg.Loops = 1
	return startServer(t, serviceDoc(apis), cfg, ipc, traffic)
}

func strategy(typ, data string, apis ...string) model.IPStrategy {
	s := model.IPStrategy{StrategyId: "ip-" + typ, ServiceId: "service-t", StrategyType: typ, StrategyData: data}
	for _, a := range apis {
		s.Bindings = append(s.Bindings, model.IPStrategyBinding{Environment: "release", ApiId: a})
	}
	return s
}

// get sends one request on a fresh connection and returns the status and
// the whole response.
func ipGet(t *testing.T, s *Server, path string, hdr ...string) (int, string) {
	t.Helper()
	req := "GET " + path + " HTTP/1.1\r\nHost: service-t.localhost\r\n"
	for _, h := range hdr {
		req += h + "\r\n"
	}
	rt := newRoundTripper(t, s.Addr(), req+"\r\n")
	code, err := rt.do()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	end := bytes.Index(rt.buf, []byte{0})
	if end < 0 {
		end = len(rt.buf)
	}
	return code, string(rt.buf[:end])
}

func TestIPCheckBlackAndWhite(t *testing.T) {
	s := startIPServer(t, Config{}, ipAPIs, &model.IPControl{Strategies: []model.IPStrategy{
		strategy("BLACK", "10.0.0.0/8;127.0.0.1", "api-m"),
	}}, nil)
	code, resp := ipGet(t, s, "/release/m")
	if code != 403 || !bytes.Contains([]byte(resp), []byte(`"code":"IPForbidden"`)) || !bytes.Contains([]byte(resp), []byte("X-Request-Id: ")) {
		t.Errorf("black-listed peer: %d %s", code, resp)
	}
	if code, _ := ipGet(t, s, "/release/open"); code != 200 {
		t.Errorf("unbound API: %d", code)
	}
	if n := s.Stats().FrontendErrors; n != 1 {
		t.Errorf("FrontendErrors %d, want 1", n)
	}

	w := startIPServer(t, Config{}, ipAPIs, &model.IPControl{Strategies: []model.IPStrategy{
		strategy("WHITE", "127.0.0.0/8", "api-m"),
	}}, nil)
	if code, _ := ipGet(t, w, "/release/m"); code != 200 {
		t.Errorf("white-listed peer: %d", code)
	}
	w2 := startIPServer(t, Config{}, ipAPIs, &model.IPControl{Strategies: []model.IPStrategy{
		strategy("WHITE", "192.0.2.0/24;2001:db8::/32", "api-m"),
	}}, nil)
	if code, _ := ipGet(t, w2, "/release/m"); code != 403 {
		t.Errorf("peer outside the white list: %d", code)
	}
}

// A plugin and a strategy on one API: both must admit.
func TestIPCheckPluginAndStrategy(t *testing.T) {
	plugin := func(typ, blocks string) *model.Traffic {
		return &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-ip", PluginType: "IPControl",
			PluginData:  `{"type":"` + typ + `","blocks":"` + blocks + `"}`,
			Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-m"}}}}}
	}
	white := &model.IPControl{Strategies: []model.IPStrategy{strategy("WHITE", "127.0.0.1", "api-m")}}
	if code, _ := ipGet(t, startIPServer(t, Config{}, ipAPIs, white, plugin("white_list", "127.0.0.0/8")), "/release/m"); code != 200 {
		t.Errorf("both admit: %d", code)
	}
	if code, _ := ipGet(t, startIPServer(t, Config{}, ipAPIs, white, plugin("black_list", "127.0.0.1")), "/release/m"); code != 403 {
		t.Errorf("plugin refuses: %d", code)
	}
	if code, _ := ipGet(t, startIPServer(t, Config{}, ipAPIs, nil, plugin("black_list", "127.0.0.1")), "/release/m"); code != 403 {
		t.Errorf("plugin alone refuses: %d", code)
	}
}

// Behind a trusted proxy the right-most untrusted X-Forwarded-For address
// is the client; without one, the header is not believed.
func TestIPCheckTrustedProxies(t *testing.T) {
	ipc := &model.IPControl{Strategies: []model.IPStrategy{strategy("BLACK", "198.51.100.0/24", "api-m")}}
	trusting := startIPServer(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}}, ipAPIs, ipc, nil)
	plain := startIPServer(t, Config{}, ipAPIs, ipc, nil)
	for _, c := range []struct {
		xff            []string
		trusted, plain int
	}{
		{nil, 200, 200},
		{[]string{"X-Forwarded-For: 198.51.100.7"}, 403, 200},
		{[]string{"X-Forwarded-For: 198.51.100.7, 10.1.1.1"}, 403, 200},
		// A client can't hide behind an address it sent itself.
		{[]string{"X-Forwarded-For: 192.0.2.1, 198.51.100.7"}, 403, 200},
		{[]string{"X-Forwarded-For: 198.51.100.7, 192.0.2.1"}, 200, 200},
		// Several field lines are one list, in order.
		{[]string{"X-Forwarded-For: 198.51.100.7", "X-Forwarded-For: 10.0.0.1"}, 403, 200},
		{[]string{"X-Forwarded-For: 198.51.100.7:4711"}, 403, 200},
		// Garbage where the client should be: unknown, refused.
		{[]string{"X-Forwarded-For: unknown"}, 403, 200},
		// All trusted: the left-most.
		{[]string{"X-Forwarded-For: 10.0.0.1, 127.0.0.2"}, 200, 200},
	} {
		if code, _ := ipGet(t, trusting, "/release/m", c.xff...); code != c.trusted {
			t.Errorf("trusted proxies, %q: %d, want %d", c.xff, code, c.trusted)
		}
		if code, _ := ipGet(t, plain, "/release/m", c.xff...); code != c.plain {
			t.Errorf("no trusted proxies, %q: %d, want %d", c.xff, code, c.plain)
		}
	}
}

func TestClientIP(t *testing.T) {
	tr := ipset.MustParse("10.0.0.0/8;2001:db8::/32")
	f := func(peer string, want string, xff ...string) {
		t.Helper()
		cl := &client{peer: netip.MustParseAddr(peer), rt: &runtime{ipc: ipRT{trusted: tr}}}
		req := &http1.Request{}
		for _, v := range xff {
			req.Headers = append(req.Headers, http1.Header{Name: []byte("X-Forwarded-For"), Value: []byte(v), Kind: http1.KindXForwardedFor})
		}
		got := cl.clientIP(req)
		if (want == "" && got.IsValid()) || (want != "" && got != netip.MustParseAddr(want)) {
			t.Errorf("peer %s xff %q: %v, want %q", peer, xff, got, want)
		}
		// The batch prefetch's guess from the raw head (peek.go) is the
		// same address, in either spelling; there is one whenever the
		// peer is trusted and some header gives an address.
		for _, name := range []string{"X-Forwarded-For", "x-forwarded-for"} {
			head := "GET / HTTP/1.1\r\nHost: h\r\n"
			for _, v := range xff {
				head += name + ":" + v + "\r\n"
			}
			guess, ok := cl.peekCaller(cl.rt, []byte(head+"\r\n"))
			switch wantOK := got.IsValid() && tr.Contains(cl.peer) && len(xff) > 0; {
			case ok != wantOK:
				t.Errorf("peer %s %s %q: peekCaller %v, %v; clientIP %v", peer, name, xff, guess, ok, got)
			case ok && guess != got:
				t.Errorf("peer %s %s %q: peekCaller %v, clientIP %v", peer, name, xff, guess, got)
			}
		}
	}
	f("192.0.2.1", "192.0.2.1", "203.0.113.9")
	f("10.0.0.1", "203.0.113.9", "203.0.113.9")
	f("10.0.0.1", "203.0.113.9", " 1.1.1.1 ,203.0.113.9 , 10.2.2.2 ")
	f("10.0.0.1", "203.0.113.9", "1.1.1.1", "203.0.113.9,, 10.2.2.2")
	f("2001:db8::1", "2001:db8:ffff::1", "2001:db8:ffff::1, 2001:db8::2")
	f("2001:db8::1", "2001:db9::7", "[2001:db9::7]:443")
	f("10.0.0.1", "192.0.2.4", "::ffff:192.0.2.4")
	f("10.0.0.1", "10.9.9.9", "10.9.9.9, 10.0.0.2")
	f("10.0.0.1", "10.0.0.1")
	f("10.0.0.1", "10.0.0.1", "", " , ")
	f("10.0.0.1", "", "1.1.1.1, nonsense")
	f("10.0.0.1", "203.0.113.9", "203.0.113.9", "10.2.2.2") // a second proxy's own line
	f("10.0.0.1", "10.5.5.5", "10.5.5.5", "10.2.2.2")
	cl := &client{peer: netip.MustParseAddr("10.0.0.1"), rt: &runtime{}}
	if got := cl.clientIP(&http1.Request{Headers: []http1.Header{{Value: []byte("1.1.1.1"), Kind: http1.KindXForwardedFor}}}); got != cl.peer {
		t.Errorf("no trusted proxies configured: %v", got)
	}
}
