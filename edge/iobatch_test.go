package edge

import "testing"

// Each --io-batching mode reaches the loops, and a proxied GET works in
// each. Whether io_uring, and ring I/O, come up is the kernel's choice
// (the gnet fork's tests check it against the kernel): the modes agree
// on it and fall back in order (ring to batched reads, io_uring to
// deferred writes).
func TestIOBatchingModes(t *testing.T) {
	up := startRawUpstream(t, "hello")
	doc := serviceDoc(proxyAPI("api-p", "/p", up.ln.Addr().String(), ""))
	reads, ring := "deferred", "deferred"
	if w := startServer(t, doc, Config{Loops: 1, IOBatching: IOBatchWrites}, nil, nil).IOBatching(); w == "deferred+io_uring" {
		reads = "deferred+io_uring+reads"
		ring = startServer(t, doc, Config{Loops: 1, IOBatching: IOBatchRing}, nil, nil).IOBatching()
		if ring != "deferred+io_uring+ring" && ring != reads {
			t.Fatalf("ring: IOBatching() = %q", ring)
		}
	} else if w != "deferred" {
		t.Fatalf("writes: IOBatching() = %q", w)
	}
	for _, c := range []struct {
		mode IOBatching
		want string
	}{
		{IOBatchAuto, ring},
		{IOBatchRing, ring},
		{IOBatchReads, reads},
		{IOBatchDefer, "deferred"},
		{IOBatchOff, "now"},
	} {
		s := startServer(t, doc, Config{Loops: 1, IOBatching: c.mode}, nil, nil)
		if got := s.IOBatching(); got != c.want {
			t.Errorf("mode %d: IOBatching() = %q, want %q", c.mode, got, c.want)
		}
		rt := newRoundTripper(t, s.Addr(), "GET /release/p HTTP/1.1\r\nHost: service-t.localhost\r\n\r\n")
		for i := 0; i < 3; i++ {
			if code, err := rt.do(); err != nil || code != 200 {
				t.Fatalf("mode %d: %d, %v", c.mode, code, err)
			}
		}
	}
}

func TestParseIOBatching(t *testing.T) {
	for s, want := range map[string]IOBatching{"": IOBatchAuto, "auto": IOBatchAuto, "ring": IOBatchRing, "reads": IOBatchReads, "writes": IOBatchWrites, "defer": IOBatchDefer, "off": IOBatchOff} {
		if got, err := ParseIOBatching(s); err != nil || got != want {
			t.Errorf("%q: %v, %v", s, got, err)
		}
	}
	if _, err := ParseIOBatching("uring"); err == nil {
		t.Error("uring accepted")
	}
}
