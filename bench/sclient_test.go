package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The files are openssl s_client 3.0 sessions against nginx 1.22 with the
// HTTPS part's settings (TLS 1.3, AES-128-GCM, X25519, ECDSA P-256).
func TestParseSClient(t *testing.T) {
	for _, c := range []struct {
		file string
		want sclientInfo
	}{
		{"sclient-new.txt", sclientInfo{Session: "New", Protocol: "TLSv1.3", Cipher: "TLS_AES_128_GCM_SHA256", Group: "X25519",
			Signature: "ECDSA", ALPN: "http/1.1", Verify: "0 (ok)", Status: "HTTP/1.1 200 OK"}},
		{"sclient-reused.txt", sclientInfo{Session: "Reused", Protocol: "TLSv1.3", Cipher: "TLS_AES_128_GCM_SHA256", Group: "X25519",
			ALPN: "http/1.1", Verify: "0 (ok)", Status: "HTTP/1.1 200 OK"}},
		{"sclient-noca.txt", sclientInfo{Session: "New", Protocol: "TLSv1.3", Cipher: "TLS_AES_128_GCM_SHA256", Group: "X25519",
			Signature: "ECDSA", ALPN: "http/1.1", Verify: "21 (unable to verify the first certificate)", Status: "HTTP/1.1 400 Bad Request"}},
	} {
		got, err := parseSClient(readTestdata(t, c.file))
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", c.file, got, err, c.want)
		}
	}
	if _, err := parseSClient(readTestdata(t, "sclient-refused.txt")); err == nil {
		t.Error("refused connection: want an error")
	}
}

func TestTLSProbeCheck(t *testing.T) {
	parse := func(name string) sclientInfo {
		s, err := parseSClient(readTestdata(t, name))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ok := tlsProbe{Full: parse("sclient-new.txt"), Resumed: parse("sclient-reused.txt")}
	ok.check()
	if ok.Problem != "" {
		t.Errorf("expected settings reported as a problem: %s", ok.Problem)
	}
	// Unverified certificate, a 400, and no resumption (the second
	// connection was a full handshake).
	bad := tlsProbe{Full: parse("sclient-noca.txt"), Resumed: parse("sclient-new.txt")}
	bad.check()
	for _, want := range []string{"certificate verification: 21", "second connection with the ticket: New", `answer "HTTP/1.1 400 Bad Request"`} {
		if !strings.Contains(bad.Problem, want) {
			t.Errorf("problem %q lacks %q", bad.Problem, want)
		}
	}
	// Another cipher or group is reported.
	other := ok
	other.Full.Cipher, other.Full.Group = "TLS_AES_256_GCM_SHA384", "X25519MLKEM768"
	other.check()
	if !strings.Contains(other.Problem, "TLS_AES_256_GCM_SHA384 X25519MLKEM768") {
		t.Errorf("problem %q does not name the cipher and group", other.Problem)
	}
}

func TestParseHsStats(t *testing.T) {
	out := "some runtime warning\n" +
		`{"mode":"resumed","conns":32,"seconds":3.0,"ok":300,"resumed":299,"errors":1,"first_error":"EOF","per_sec":100,"p50_ms":1.5,"p99_ms":9,"tickets":300,"cipher":"TLS_AES_128_GCM_SHA256","group":"X25519","alpn":"http/1.1","client_key_share_reused":true}` + "\n"
	s, err := parseHsStats([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != "resumed" || s.OK != 300 || s.Resumed != 299 || s.Errors != 1 || s.PerSec != 100 || s.P99Ms != 9 || s.FirstErr != "EOF" || !s.KeyShareReused {
		t.Errorf("parsed %+v", s)
	}
	for _, bad := range []string{"", "bench: hsload: need -addr\n", `{"mode":"full"}`, `{"mode":"full","seconds":1,` + "\n"} {
		if _, err := parseHsStats([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// TestHandshakeSummary checks that a resumption test's full handshakes and
// the per-core rate reach the medians.
func TestHandshakeSummary(t *testing.T) {
	r := &peerResult{Rounds: []measurement{
		{Wrk: wrkResult{RPS: 1000}, ProxyCPUPct: 50, HS: &hsStats{Mode: "resumed", OK: 3000, Resumed: 2990}},
		{Wrk: wrkResult{RPS: 1200}, ProxyCPUPct: 100, HS: &hsStats{Mode: "resumed", OK: 3600, Resumed: 3600}},
		{Wrk: wrkResult{RPS: 900, ErrRead: 4}, ProxyCPUPct: 90, HS: &hsStats{Mode: "resumed", OK: 2700, Resumed: 2700, Errors: 4}},
	}}
	r.summarize()
	if r.Median.RPS != 1000 || r.Median.PerCore != 1200 || r.Median.NotResumed != 10 || r.Median.Errors != 4 {
		t.Errorf("median %+v", r.Median)
	}
}
