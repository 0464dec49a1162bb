package edge

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"testing"

	"github.com/edgegate/edgegate/compression"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// api16k is the compression package's 16 KiB JSON fixture.
func api16k(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../compression/testdata/api16k.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zOrigin is a real upstream (net/http) answering by the last path
// segment: Content-Length and chunked JSON, and the responses the gateway
// must leave alone.
func zOrigin(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		switch path.Base(r.URL.Path) {
		case "json":
			h.Set("ETag", `"v1"`)
			h.Set("Accept-Ranges", "bytes")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		case "chunked": // no length: net/http frames it chunked
			for p := body; len(p) > 0; p = p[min(len(p), 5000):] {
				w.Write(p[:min(len(p), 5000)])
				w.(http.Flusher).Flush()
			}
		case "gz":
			h.Set("Content-Encoding", "gzip")
			w.Write(gzipped(body))
		case "range":
			h.Set("Content-Range", "bytes 0-4095/"+strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(body[:4096])
		case "nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "notmod":
			h.Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		case "notransform":
			h.Set("Cache-Control", "public, no-transform")
			w.Write(body)
		case "small":
			w.Write(body[:100])
		case "png":
			h.Set("Content-Type", "image/png")
			w.Write(body)
		case "vary":
			h.Set("Vary", "Origin")
			w.Write(body)
		default:
			http.NotFound(w, r)
		}
	}
}

// zAPIs: /z (every method) to the origin, with the Compression plugin of
// data attached in release; /n the same API without it.
func zAPIs(origin string) []string {
	return []string{anyAPI("api-z", "/z", origin), anyAPI("api-n", "/n", origin)}
}

func zTraffic(data string) *model.Traffic {
	return &model.Traffic{Plugins: []model.Plugin{{PluginId: "plugin-z", PluginType: snapshot.PluginCompression, PluginData: data,
		Attachments: []model.PluginAttachment{{ServiceId: "service-t", Environment: "release", ApiId: "api-z"}}}}}
}

// startZServer runs an edge with the Compression plugin (data) on /z,
// over the zOrigin of body.
func startZServer(t *testing.T, body []byte, data string) *Server {
	t.Helper()
	origin := startHTTPUpstream(t, zOrigin(body))
	return startServer(t, serviceDoc(zAPIs(origin)...), Config{Loops: 1}, nil, zTraffic(data))
}

// zConn is one keep-alive client connection.
type zConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialZ(t *testing.T, addr string) *zConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &zConn{t: t, c: c, br: bufio.NewReader(c)}
}

// do sends method target with extra header lines and reads the answer.
func (z *zConn) do(method, target, extra string) *rawResponse {
	z.t.Helper()
	return z.send(method, method+" "+target+" HTTP/1.1\r\nHost: service-t.localhost\r\n"+extra+"\r\n")
}

// send writes a whole request head and reads the answer.
func (z *zConn) send(method, head string) *rawResponse {
	z.t.Helper()
	if _, err := io.WriteString(z.c, head); err != nil {
		z.t.Fatal(err)
	}
	return readRawResponse(z.t, z.br, method)
}

// The negotiation table (RFC 9110 §12.5.3) through a real edge and a
// real upstream, for a Content-Length and a chunked backend body: the
// chosen coding, and the decoded body equal to the original byte for
// byte. The plugin offers zstd then gzip (the default); br is read but
// never chosen (compression/doc.go).
func TestCompressNegotiation(t *testing.T) {
	body := api16k(t)
	s := startZServer(t, body, `{"Enabled":true}`)
	z := dialZ(t, s.Addr())
	for _, c := range []struct{ accept, want string }{
		{"", ""},                                // no Accept-Encoding: identity
		{"Accept-Encoding: \r\n", ""},           // empty: no coding wanted
		{"Accept-Encoding: gzip\r\n", "gzip"},   //
		{"Accept-Encoding: GZIP\r\n", "gzip"},   // case-insensitive
		{"Accept-Encoding: x-gzip\r\n", "gzip"}, // §8.4.1.3
		{"Accept-Encoding: zstd\r\n", "zstd"},
		{"Accept-Encoding: gzip, zstd\r\n", "zstd"},                       // a tie: the server's order
		{"Accept-Encoding: gzip, deflate, br, zstd\r\n", "zstd"},          // a browser's list
		{"Accept-Encoding: gzip;q=1, zstd;q=0.5\r\n", "gzip"},             // mixed q-values
		{"Accept-Encoding: gzip;q=0.2, zstd;q=0.25\r\n", "zstd"},          //
		{"Accept-Encoding: gzip;q=0\r\n", ""},                             // q=0: not acceptable
		{"Accept-Encoding: zstd;q=0, gzip\r\n", "gzip"},                   //
		{"Accept-Encoding: *\r\n", "zstd"},                                // any coding
		{"Accept-Encoding: *;q=0.5, gzip\r\n", "gzip"},                    // listed beats *
		{"Accept-Encoding: *, zstd;q=0\r\n", "gzip"},                      // * but not zstd
		{"Accept-Encoding: *;q=0\r\n", ""},                                // nothing: identity anyway (§12.1)
		{"Accept-Encoding: identity\r\n", ""},                             //
		{"Accept-Encoding: identity;q=1, gzip;q=0.5\r\n", ""},             // identity weighed higher
		{"Accept-Encoding: identity;q=0, gzip\r\n", "gzip"},               //
		{"Accept-Encoding: br\r\n", ""},                                   // br is never produced
		{"Accept-Encoding: br, gzip;q=0.8\r\n", "gzip"},                   //
		{"Accept-Encoding: gzip;q=1.5\r\n", ""},                           // bad syntax: identity
		{"Accept-Encoding: deflate\r\nAccept-Encoding: gzip\r\n", "gzip"}, // fields combined (§5.3)
	} {
		for _, p := range []string{"json", "chunked"} {
			r := z.do("GET", "/release/z/"+p, c.accept)
			ce := r.header.Get("Content-Encoding")
			if r.status != 200 || ce != c.want {
				t.Errorf("%s %q: status %d Content-Encoding %q, want %q", p, c.accept, r.status, ce, c.want)
				continue
			}
			if got := r.decoded(t); !bytes.Equal(got, body) {
				t.Errorf("%s %q: decoded body differs (%d bytes, want %d)", p, c.accept, len(got), len(body))
			}
			if v := r.header.Get("Vary"); v != "Accept-Encoding" {
				t.Errorf("%s %q: Vary %q, want Accept-Encoding (the choice depended on it)", p, c.accept, v)
			}
			if ce != "" {
				if r.header.Get("Content-Length") != "" || r.header.Get("Transfer-Encoding") != "chunked" {
					t.Errorf("%s %q: framing %v, want chunked without Content-Length", p, c.accept, r.header)
				}
				if len(r.body) >= len(body)/2 {
					t.Errorf("%s %q: %d bytes on the wire for %d", p, c.accept, len(r.body), len(body))
				}
			}
			if p == "json" && ce != "" && (r.header.Get("ETag") != `W/"v1"` || r.header.Get("Accept-Ranges") != "") {
				t.Errorf("%q: ETag %q Accept-Ranges %q, want a weak ETag and no Accept-Ranges", c.accept, r.header.Get("ETag"), r.header.Get("Accept-Ranges"))
			}
			if p == "json" && ce == "" && r.header.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("%q: identity answer without its Content-Length: %v", c.accept, r.header)
			}
		}
	}
	// The loop counted every decision of this API, by reason, and the bytes.
	st := s.CompressionStats()
	var n uint64
	for _, d := range st.Decisions {
		n += d
	}
	if n != 2*23 || st.Decisions[compression.Compressed] == 0 || st.Decisions[compression.NotAccepted] == 0 ||
		st.BytesIn != st.Decisions[compression.Compressed]*uint64(len(body)) || st.BytesOut == 0 || st.BytesOut >= st.BytesIn/2 ||
		st.Encoders < 1 || st.Encoders > 2 {
		t.Errorf("CompressionStats %+v", st)
	}
	// A gzip-only plugin (as for the comparison with nginx).
	s = startZServer(t, body, `{"Enabled":true,"Codings":["gzip"],"GzipLevel":1}`)
	z = dialZ(t, s.Addr())
	for accept, want := range map[string]string{"zstd": "", "zstd, gzip": "gzip", "*": "gzip", "gzip;q=0.1, zstd": "gzip"} {
		r := z.do("GET", "/release/z/json", "Accept-Encoding: "+accept+"\r\n")
		if ce := r.header.Get("Content-Encoding"); ce != want || !bytes.Equal(r.decoded(t), body) {
			t.Errorf("gzip only, %q: Content-Encoding %q, want %q", accept, ce, want)
		}
	}
}

// What is never compressed goes through as the backend sent it: HEAD,
// 204, 304, a range (206 / Content-Range), a body already encoded (no
// double encoding), Cache-Control: no-transform (either side), a body
// below MinSize, an incompressible type, an HTTP/1.0 client, an API
// without the plugin.
func TestCompressUntouched(t *testing.T) {
	body := api16k(t)
	s := startZServer(t, body, `{"Enabled":true}`)
	z := dialZ(t, s.Addr())
	const ae = "Accept-Encoding: gzip, zstd\r\n"
	check := func(name string, r *rawResponse, status int, want []byte) {
		t.Helper()
		if r.status != status || r.header.Get("Content-Encoding") != "" && name != "already gzip" {
			t.Errorf("%s: status %d Content-Encoding %q, want %d and none added", name, r.status, r.header.Get("Content-Encoding"), status)
		}
		if want != nil && !bytes.Equal(r.body, want) {
			t.Errorf("%s: body differs from the backend's (%d bytes, want %d)", name, len(r.body), len(want))
		}
	}
	r := z.do("HEAD", "/release/z/json", ae)
	check("HEAD", r, 200, nil)
	if r.header.Get("Content-Length") != strconv.Itoa(len(body)) || r.header.Get("ETag") != `"v1"` || r.header.Get("Vary") != "" {
		t.Errorf("HEAD: head changed: %v", r.header)
	}
	check("204", z.do("GET", "/release/z/nocontent", ae), 204, nil)
	r = z.do("GET", "/release/z/notmod", ae)
	check("304", r, 304, nil)
	if r.header.Get("ETag") != `"v1"` || r.header.Get("Vary") != "" {
		t.Errorf("304: head changed: %v", r.header)
	}
	r = z.do("GET", "/release/z/range", ae)
	check("206", r, 206, body[:4096])
	if r.header.Get("Content-Range") == "" {
		t.Errorf("206 lost its Content-Range")
	}
	r = z.do("GET", "/release/z/gz", ae)
	check("already gzip", r, 200, gzipped(body))
	if ce := r.header.Values("Content-Encoding"); len(ce) != 1 || ce[0] != "gzip" || !bytes.Equal(r.decoded(t), body) {
		t.Errorf("already gzip: Content-Encoding %q (encoded twice?)", ce)
	}
	check("no-transform response", z.do("GET", "/release/z/notransform", ae), 200, body)
	check("no-transform request", z.do("GET", "/release/z/json", ae+"Cache-Control: no-transform\r\n"), 200, body)
	check("small", z.do("GET", "/release/z/small", ae), 200, body[:100])
	check("image/png", z.do("GET", "/release/z/png", ae), 200, body)
	check("no plugin", z.do("GET", "/release/n/json", ae), 200, body)
	r = z.do("GET", "/release/z/vary", ae)
	if r.header.Get("Content-Encoding") != "zstd" || r.header.Get("Vary") != "Origin, Accept-Encoding" {
		t.Errorf("Vary merge: %v", r.header)
	}
	// HTTP/1.0: a compressed body of unknown length would need the close.
	check("HTTP/1.0", dialZ(t, s.Addr()).send("GET", "GET /release/z/json HTTP/1.0\r\nHost: service-t.localhost\r\n"+ae+"\r\n"), 200, body)
}

// Compression works for TLS clients too (the writer seals what the
// encoder produced), for both kinds of backend framing.
func TestCompressTLS(t *testing.T) {
	body := api16k(t)
	origin := startHTTPUpstream(t, zOrigin(body))
	p := tlsPublished(t, zAPIs(origin)...)
	p.Traffic = zTraffic(`{"Enabled":true}`)
	s := startPublished(t, p, Config{Loops: 1, TLSListen: "on"})
	c := mustDialTLS(t, s, tlsConfig(t, "service-t.localhost"))
	z := &zConn{t: t, c: c, br: bufio.NewReader(c)}
	for _, accept := range []string{"gzip", "zstd"} {
		for _, p := range []string{"json", "chunked"} {
			r := z.do("GET", "/release/z/"+p, "Accept-Encoding: "+accept+"\r\n")
			if r.status != 200 || r.header.Get("Content-Encoding") != accept || !bytes.Equal(r.decoded(t), body) {
				t.Errorf("TLS %s %s: status %d Content-Encoding %q", p, accept, r.status, r.header.Get("Content-Encoding"))
			}
		}
	}
}

// A close-delimited backend body (no length, no chunked) is compressed
// too: the client gets it chunked and the connection stays open.
func TestCompressCloseDelimited(t *testing.T) {
	body := api16k(t)
	up := startCloseUpstream(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n", body)
	s := startServer(t, serviceDoc(anyAPI("api-z", "/z", up)), Config{Loops: 1}, nil, zTraffic(`{"Enabled":true}`))
	z := dialZ(t, s.Addr())
	for _, c := range []string{"gzip", "zstd"} {
		r := z.do("GET", "/release/z", "Accept-Encoding: "+c+"\r\n")
		if r.status != 200 || r.header.Get("Content-Encoding") != c || r.header.Get("Transfer-Encoding") != "chunked" || !bytes.Equal(r.decoded(t), body) {
			t.Fatalf("%s: status %d, %v", c, r.status, r.header)
		}
	}
}
