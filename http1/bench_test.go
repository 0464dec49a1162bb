package http1

import (
	"strings"
	"testing"
)

// reqGET8 is a typical API call: 8 header fields.
const reqGET8 = "GET /v1/users/12345/orders?limit=20&offset=40 HTTP/1.1\r\n" +
	"Host: api.example.com\r\n" +
	"User-Agent: curl/8.5.0\r\n" +
	"Accept: application/json\r\n" +
	"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl\r\n" +
	"X-Request-Id: 7f3c9a2e-1b4d-4e8f-9a6b-2c5d8e1f0a3b\r\n" +
	"Accept-Encoding: gzip\r\n" +
	"Connection: keep-alive\r\n" +
	"X-Forwarded-For: 203.0.113.7\r\n" +
	"\r\n"

// reqBrowser20 is a browser-like GET with 20 header fields.
const reqBrowser20 = "GET /static/app/main.3f9a2c.js?v=20240101 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"Accept: */*\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Dest: script\r\n" +
	"Referer: https://www.example.com/dashboard/overview\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n" +
	"Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; _ga=GA1.1.123456789.1700000000\r\n" +
	"If-None-Match: \"33a64df551425fcc55e4d42a148795d9f25f89d4\"\r\n" +
	"If-Modified-Since: Wed, 21 Oct 2015 07:28:00 GMT\r\n" +
	"Cache-Control: max-age=0\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"DNT: 1\r\n" +
	"Priority: u=1\r\n" +
	"\r\n"

const respHead = "HTTP/1.1 200 OK\r\n" +
	"Date: Mon, 27 Jul 2009 12:28:53 GMT\r\n" +
	"Server: nginx/1.24.0\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"Content-Length: 1234\r\n" +
	"Cache-Control: no-store\r\n" +
	"Vary: Accept-Encoding\r\n" +
	"X-Request-Id: 7f3c9a2e-1b4d-4e8f-9a6b-2c5d8e1f0a3b\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n"

func chunkedBody() []byte {
	var b []byte
	payload := strings.Repeat("x", 1000)
	for i := 0; i < 16; i++ {
		b = AppendChunkHeader(b, len(payload))
		b = append(b, payload...)
		b = append(b, "\r\n"...)
	}
	return append(b, "0\r\nX-Checksum: abc\r\n\r\n"...)
}

// benchParse parses buf with parse each iteration; all of it must pass.
func benchParse(b *testing.B, buf string, parse func([]byte) (int, *Error)) {
	in := []byte(buf)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if n, err := parse(in); err != nil || n != len(in) {
			b.Fatal(n, err)
		}
	}
}

func benchRequest(b *testing.B, s string) {
	var p Parser
	r := Request{Headers: make([]Header, 0, DefaultMaxHeaders)}
	benchParse(b, s, func(in []byte) (int, *Error) { return p.ParseRequest(in, &r, nil) })
}

func BenchmarkParseRequestGET8(b *testing.B)      { benchRequest(b, reqGET8) }
func BenchmarkParseRequestBrowser20(b *testing.B) { benchRequest(b, reqBrowser20) }

func BenchmarkParseResponse(b *testing.B) {
	var p Parser
	r := Response{Headers: make([]Header, 0, DefaultMaxHeaders)}
	benchParse(b, respHead, func(in []byte) (int, *Error) { return p.ParseResponse(in, &r, 0, 0) })
}

func BenchmarkChunkedDecode(b *testing.B) {
	body := chunkedBody()
	var d ChunkedDecoder
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d.Reset()
		in := body
		for {
			n, ev, _, _, err := d.Next(in)
			if err != nil {
				b.Fatal(err)
			}
			in = in[n:]
			if ev == ChunkDone {
				break
			}
			if ev == ChunkMore {
				b.Fatal("more")
			}
		}
	}
}
