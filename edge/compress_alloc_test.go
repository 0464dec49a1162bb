//go:build !race

package edge

import (
	"strconv"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// A compressed response allocates nothing in steady state: the request's
// Accept-Encoding, the decision, the head edits, an encoder from the
// loop's pool, the body through it and its chunked framing, measured over
// the whole process (gnet's loop included; the upstreams answer from
// fixed bytes), for gzip and zstd, Content-Length and chunked backend
// bodies.
func TestCompressAllocs(t *testing.T) {
	body := api16k(t)
	const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	byLength := startFixedUpstream(t, head+"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+string(body))
	byChunks := startFixedUpstream(t, head+"Transfer-Encoding: chunked\r\n\r\n"+chunked(body, 5000))
	s := startServer(t, serviceDoc(anyAPI("api-z", "/z", byLength.ln.Addr().String()), anyAPI("api-c", "/c", byChunks.ln.Addr().String())),
		Config{Loops: 1}, nil, &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-z", PluginType: snapshot.PluginCompression,
			PluginData: `{"Enabled":true}`, Attachments: []model.PluginAttachment{
				{ServiceId: "service-t", Environment: "release", ApiId: "api-z"},
				{ServiceId: "service-t", Environment: "release", ApiId: "api-c"}}}}})
	for _, c := range []string{"gzip", "zstd"} {
		for _, p := range []string{"/release/z", "/release/c"} {
			req := "GET " + p + " HTTP/1.1\r\nHost: service-t.localhost\r\nAccept-Encoding: " + c + "\r\n\r\n"
			rt := newRoundTripper(t, s.Addr(), req)
			if got, err := rt.do(); err != nil || got != 200 || !strings.Contains(string(rt.buf[:512]), "Content-Encoding: "+c) {
				t.Fatalf("%s %s: %d %v, or not compressed", c, p, got, err)
			}
			noAllocs(t, rt, 200)
		}
	}
}
