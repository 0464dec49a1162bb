package http1

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// decoded is what a whole chunked body decodes to.
type decoded struct {
	data     string
	trailers []string // "Name: Value"
	n        int      // bytes consumed
	done     bool
	err      *Error
}

// decodeAll feeds in whole (and whatever the decoder leaves unconsumed,
// again) until Done, More or an error.
func decodeAll(in []byte) decoded {
	var d ChunkedDecoder
	return decodeWith(&d, in)
}

func decodeWith(d *ChunkedDecoder, in []byte) decoded {
	var out decoded
	var data strings.Builder
	for {
		n, ev, b, tr, err := d.Next(in)
		out.n += n
		in = in[n:]
		if err != nil {
			out.err = err
			break
		}
		switch ev {
		case ChunkData:
			data.Write(b)
			continue
		case ChunkTrailer:
			out.trailers = append(out.trailers, string(tr.Name)+": "+string(tr.Value))
			continue
		case ChunkDone:
			out.done = true
		}
		break
	}
	out.data = data.String()
	return out
}

func TestChunkedValid(t *testing.T) {
	cases := []struct {
		in, data string
		trailers []string
	}{
		{"0\r\n\r\n", "", nil},
		{"5\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", nil},
		{"a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", "01234567890123456789", nil},
		{"0005\r\nhello\r\n000\r\n\r\n", "hello", nil},
		{"000000000000000a\r\n0123456789\r\n0\r\n\r\n", "0123456789", nil},
		{"5;foo\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"5;foo=bar\r\nhello\r\n0;last\r\n\r\n", "hello", nil},
		{"5;foo=\"a b;\\\"c\\\\\"\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"5;a;b=c;d=\"\";e=\"\xff\\\xfe\"\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"0\r\nX-Checksum: abc\r\nX-Other:  1 2 \r\n\r\n", "", []string{"X-Checksum: abc", "X-Other: 1 2"}},
		{"3\r\n\r\n\r\r\n0\r\nx:\r\n\r\n", "\r\n\r", []string{"x: "}},
	}
	for _, c := range cases {
		got := decodeAll([]byte(c.in))
		if got.err != nil || !got.done || got.n != len(c.in) || got.data != c.data || fmt.Sprint(got.trailers) != fmt.Sprint(c.trailers) {
			t.Errorf("%q: %+v", c.in, got)
		}
	}
	// Bytes after the body are not consumed.
	in := "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n"
	if got := decodeAll([]byte(in)); got.n != len("5\r\nhello\r\n0\r\n\r\n") || !got.done {
		t.Errorf("pipelined: %+v", got)
	}
}

func TestChunkedInvalid(t *testing.T) {
	big := func(n int) string { return strings.Repeat("a", n) }
	// The other refusals are in testdata/cases.txt ("chunked body").
	runCases(t, "chunked", []codeCase{
		{"101 trailers", "0\r\n" + strings.Repeat("X: y\r\n", 101) + "\r\n", "TrailerTooLarge"},
		{"trailer over 8 KiB", "0\r\nX: " + big(MaxTrailerBytes) + "\r\n\r\n", "TrailerTooLarge"},
		{"trailer over 8 KiB incomplete", "0\r\nX: " + big(MaxTrailerBytes), "TrailerTooLarge"},

		{"size line over 4 KiB", "1;" + big(MaxChunkLine) + "\r\nx\r\n", "ChunkExtensionTooLong"},
		{"size line 4095 + CRLF", "1;" + big(MaxChunkLine-1-2) + "\r\nx\r\n", "ChunkExtensionTooLong"},
		{"size line over 4 KiB incomplete", "1;" + big(MaxChunkLine), "ChunkExtensionTooLong"},
	})
	// Exactly 4 KiB with CRLF is fine; 2^62-1 is a valid size.
	ok := "1;" + big(MaxChunkLine-2-2) + "\r\nx\r\n0\r\n\r\n"
	if got := decodeAll([]byte(ok)); got.err != nil || !got.done {
		t.Fatalf("4 KiB line: %+v", got)
	}
	if got := decodeAll([]byte("3fffffffffffffff\r\nabc")); got.err != nil || got.data != "abc" {
		t.Fatalf("2^62-1: %+v", got)
	}
}

func TestChunkedOverhead(t *testing.T) {
	// Go's TestChunkReaderTooMuchOverhead: 100 bytes of extension per
	// byte of data is rejected at some point.
	chunk := "1;" + strings.Repeat("a", 100) + "\r\nX\r\n"
	var d ChunkedDecoder
	var err *Error
	for i := 0; i < 1000 && err == nil; i++ {
		err = decodeWith(&d, []byte(chunk)).err
	}
	if err != ErrChunkOverhead {
		t.Fatalf("got %v, want ChunkOverhead", err)
	}
	// One byte per chunk with no extension is legitimate streaming.
	d.Reset()
	for i := 0; i < 100000; i++ {
		if got := decodeWith(&d, []byte("1\r\nX\r\n")); got.err != nil {
			t.Fatalf("chunk %d: %v", i, got.err)
		}
	}
	// Extensions paid for by data are fine.
	d.Reset()
	for i := 0; i < 1000; i++ {
		if got := decodeWith(&d, []byte("40;"+strings.Repeat("e", 100)+"\r\n"+strings.Repeat("d", 64)+"\r\n")); got.err != nil {
			t.Fatalf("chunk %d: %v", i, got.err)
		}
	}
}

func TestChunkedStickyErrorAndDone(t *testing.T) {
	var d ChunkedDecoder
	_, _, _, _, err := d.Next([]byte("x"))
	if err != ErrBadChunk {
		t.Fatal(err)
	}
	if n, _, _, _, err2 := d.Next([]byte("0\r\n\r\n")); err2 != ErrBadChunk || n != 0 {
		t.Fatalf("after error: %d %v", n, err2)
	}
	if !errors.Is(err.Upstream(), ErrBadChunk) || err.Upstream().Status != 502 {
		t.Fatal("Upstream")
	}
	d.Reset()
	if got := decodeWith(&d, []byte("0\r\n\r\n")); !got.done || !d.Done() {
		t.Fatal("done")
	}
	if n, ev, _, _, err := d.Next([]byte("5\r\nhello")); n != 0 || ev != ChunkDone || err != nil {
		t.Fatalf("after done: %d %d %v", n, ev, err)
	}
}

func TestChunkedEvents(t *testing.T) {
	var d ChunkedDecoder
	// Each step feeds in and wants n consumed, the event, and its data or
	// trailer ("Name: value").
	for i, step := range []struct {
		in   string
		n    int
		ev   ChunkEvent
		data string
	}{
		{"5;x=y\r\nhel", 10, ChunkData, "hel"}, // data as soon as any of it is there
		{"lo\r\n0\r\n", 2, ChunkData, "lo"},
		{"\r\n0\r\n", 5, ChunkMore, ""},                    // the chunk's CRLF and the last-chunk line
		{"X-Sum: 1", 0, ChunkMore, ""},                     // a partial trailer line is not consumed...
		{"X-Sum: 12\r\n\r", 11, ChunkTrailer, "X-Sum: 12"}, // ...and comes back with the rest
		{"\r", 0, ChunkMore, ""},
		{"\r\n", 2, ChunkDone, ""},
	} {
		n, ev, data, tr, err := d.Next([]byte(step.in))
		if ev == ChunkTrailer {
			data = []byte(string(tr.Name) + ": " + string(tr.Value))
		}
		if err != nil || n != step.n || ev != step.ev || string(data) != step.data {
			t.Fatalf("step %d (%q): %d %d %q %v, want %d %d %q", i, step.in, n, ev, data, err, step.n, step.ev, step.data)
		}
	}
	// Empty input.
	d.Reset()
	if n, ev, _, _, err := d.Next(nil); n != 0 || ev != ChunkMore || err != nil {
		t.Fatal(n, ev, err)
	}
}

func TestAppendChunkHeader(t *testing.T) {
	for size, want := range map[int]string{
		0: "0\r\n", 1: "1\r\n", 15: "f\r\n", 16: "10\r\n", 255: "ff\r\n", 4096: "1000\r\n",
		1<<63 - 1: "7fffffffffffffff\r\n",
	} {
		if got := string(AppendChunkHeader([]byte("x"), size)); got != "x"+want {
			t.Errorf("%d: %q", size, got)
		}
		// It must decode back.
		if size > 0 && size < 1<<20 {
			in := string(AppendChunkHeader(nil, size)) + strings.Repeat("d", size) + "\r\n0\r\n\r\n"
			if got := decodeAll([]byte(in)); got.err != nil || len(got.data) != size {
				t.Errorf("%d: %+v", size, got.err)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for a negative size")
		}
	}()
	AppendChunkHeader(nil, -1)
}
