package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hdrs is a Headers over a map of lower-case names.
type hdrs map[string]string

func (h hdrs) Get(name []byte) ([]byte, bool) {
	v, ok := h[strings.ToLower(string(name))]
	return []byte(v), ok
}

// seedSign signs as the seed's 密钥对认证 describes, independently of the
// package: lower-cased "name: value" lines joined by "\n", Base64(HMAC).
func seedSign(secret string, newHash func() hash.Hash, names []string, h hdrs) string {
	var lines []string
	for _, n := range names {
		lines = append(lines, strings.ToLower(n)+": "+h[strings.ToLower(n)])
	}
	m := hmac.New(newHash, []byte(secret))
	m.Write([]byte(strings.Join(lines, "\n")))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestKeyPair(t *testing.T) {
	v := NewVerifier()
	long := strings.Repeat("k", 100) // longer than a block: hashed first (RFC 2104)
	for _, secret := range []string{"ZxF2whN2oPrC", long} {
		s := NewSecret(secret)
		h := hdrs{"x-date": "Mon, 19 Mar 2018 12:08:40 GMT", "source": "AndriodApp", "host": "a.example"}
		for _, tc := range []struct {
			alg string
			a   Alg
			nh  func() hash.Hash
		}{{"hmac-sha1", SHA1, sha1.New}, {"hmac-sha256", SHA256, sha256.New}} {
			sig := seedSign(secret, tc.nh, []string{"X-Date", "Source"}, h)
			auth := `hmac id="AKID1", algorithm="` + tc.alg + `", headers="X-Date Source", signature="` + sig + `"`
			var p Params
			if c := ParseAuthorization([]byte(auth), &p); c != OK {
				t.Fatalf("parse: %v", c)
			}
			a, ok := ParseAlg(p.Algorithm)
			if !ok || a != tc.a || string(p.ID) != "AKID1" {
				t.Fatalf("params %+v", p)
			}
			if c := v.VerifyKeyPair(&p, a, s, h); c != OK {
				t.Fatalf("%s: %v", tc.alg, c)
			}
			// Tampering: a signed value, the list, the signature.
			h2 := hdrs{"x-date": h["x-date"], "source": "other", "host": h["host"]}
			if c := v.VerifyKeyPair(&p, a, s, h2); c != SignatureMismatch {
				t.Errorf("tampered value: %v", c)
			}
			p2 := p
			p2.Headers = []byte("source x-date")
			if c := v.VerifyKeyPair(&p2, a, s, h); c != SignatureMismatch {
				t.Errorf("reordered list: %v", c)
			}
			p2.Headers = []byte("x-date source missing")
			if c := v.VerifyKeyPair(&p2, a, s, h); c != MissingSignedHeader {
				t.Errorf("missing header: %v", c)
			}
			p2 = p
			p2.Signature = []byte(strings.Replace(sig, sig[:2], "AA", 1))
			if c := v.VerifyKeyPair(&p2, a, s, h); c != SignatureMismatch {
				t.Errorf("tampered signature: %v", c)
			}
			p2.Signature = []byte("!!notbase64")
			if c := v.VerifyKeyPair(&p2, a, s, h); c != SignatureMismatch {
				t.Errorf("garbage signature: %v", c)
			}
			p2.Signature = nil // RELIABILITY.md: an empty signature never matches
			if c := v.VerifyKeyPair(&p2, a, s, h); c != SignatureMismatch {
				t.Errorf("empty signature: %v", c)
			}
			p2.Signature = []byte(sig[:len(sig)-4]) // a truncated signature
			if c := v.VerifyKeyPair(&p2, a, s, h); c != SignatureMismatch {
				t.Errorf("truncated signature: %v", c)
			}
			if c := v.VerifyKeyPair(&p, a, NewSecret("other"), h); c != SignatureMismatch {
				t.Errorf("wrong secret: %v", c)
			}
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	for _, bad := range []string{"", "hmac", `hmac id="a"`, `hmac id="a", algorithm="hmac-sha1", signature="x"`,
		`hmac id="a, algorithm="hmac-sha1", headers="date", signature="x"`, `Bearer abc`, `hmac id=a, algorithm="x", headers="d", signature="s"`} {
		var p Params
		if c := ParseAuthorization([]byte(bad), &p); c != BadAuthorization {
			t.Errorf("%q: %v", bad, c)
		}
	}
	var p Params
	if c := ParseAuthorization([]byte(`apikey="k1", algorithm="hmac-sha256", headers="x-date", signature="c2ln"`), &p); c != OK || !p.APIKey || string(p.ID) != "k1" {
		t.Errorf("apikey form: %v %+v", c, p)
	}
	if _, ok := ParseAlg([]byte("hmac-md5")); ok {
		t.Error("hmac-md5 accepted")
	}
}

func TestCheckDate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	n := now.Unix()
	for _, tc := range []struct {
		h     hdrs
		check bool
		want  Code
	}{
		{hdrs{"x-date": f(0)}, false, OK},
		{hdrs{"x-date": f(-14 * time.Minute)}, false, OK},
		{hdrs{"x-date": f(-16 * time.Minute)}, false, DateExpired},
		{hdrs{"x-date": f(16 * time.Minute)}, false, DateExpired},
		{hdrs{"x-date": "yesterday"}, false, BadDate},
		{hdrs{"date": f(-time.Hour)}, false, OK},
		{hdrs{"date": f(-time.Hour)}, true, DateExpired},
		{hdrs{"date": f(-time.Minute)}, true, OK},
		{hdrs{"x-date": f(-16 * time.Minute), "date": f(0)}, false, DateExpired},
		{hdrs{}, false, MissingDate},
	} {
		if c := CheckDate(tc.h, n, tc.check); c != tc.want {
			t.Errorf("%v check=%v: %v, want %v", tc.h, tc.check, c, tc.want)
		}
	}
}

func TestApp(t *testing.T) {
	v := NewVerifier()
	secret := "Dc44ACV2Da3Gm9JVumYRI4CZfVG8Qiuv"
	h := hdrs{"x-date": "Thu, 11 Mar 2021 08:29:59 GMT", "accept": "application/json", "content-type": "application/json"}
	// The signing string exactly as Tencent's published demo builds it.
	str := "x-date: Thu, 11 Mar 2021 08:29:59 GMT\nGET\napplication/json\napplication/json\n\n/appauth?a=1&b=2&c"
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(str))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	var p Params
	ParseAuthorization([]byte(`apikey="APID1", algorithm="hmac-sha256", headers="x-date", signature="`+sig+`"`), &p)
	s := NewSecret(secret)
	if c := v.VerifyApp(&p, SHA256, s, h, []byte("GET"), []byte("/appauth"), []byte("c&b=2&a=1")); c != OK {
		t.Fatalf("app: %v", c)
	}
	if c := v.VerifyApp(&p, SHA256, s, h, []byte("POST"), []byte("/appauth"), []byte("c&b=2&a=1")); c != SignatureMismatch {
		t.Errorf("method changed: %v", c)
	}
	if c := v.VerifyApp(&p, SHA256, s, h, []byte("GET"), []byte("/appauth"), []byte("c&b=3&a=1")); c != SignatureMismatch {
		t.Errorf("query changed: %v", c)
	}
	p.Headers = []byte("accept")
	if c := v.VerifyApp(&p, SHA256, s, h, []byte("GET"), []byte("/appauth"), nil); c != MissingDate {
		t.Errorf("x-date not signed: %v", c)
	}
	if got := string(AppendSortedQuery(nil, []byte("b=2&a-x=1&a=3&&a=1"))); got != "?a=1&a=3&a-x=1&b=2" {
		t.Errorf("sorted query %q", got)
	}
}

// ParseHTTPDate's arithmetic agrees with time.Date on every day of years
// 0000-9999's edges and a span around now, at every hour, with days past
// a month's end (which both run into the next month).
func TestParseHTTPDateMatchesTimeDate(t *testing.T) {
	var years []int
	for y := 0; y <= 9999; y += 97 {
		years = append(years, y)
	}
	years = append(years, 1969, 1970, 2000, 2024, 2025, 2100, 9999)
	for _, y := range years {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 31; d++ {
				want := time.Date(y, time.Month(m), d, d%24, (d*7)%60, (d*13)%61, 0, time.UTC)
				s := fmt.Sprintf("Mon, %02d %s %04d %02d:%02d:%02d GMT", d, time.Month(m).String()[:3], y, d%24, (d*7)%60, (d*13)%61)
				got, ok := ParseHTTPDate([]byte(s))
				if !ok || got != want.Unix() {
					t.Fatalf("%s: %d %v, want %d", s, got, ok, want.Unix())
				}
			}
		}
	}
}

// ParseHTTPDate refuses what is not an IMF-fixdate: month names are
// case-sensitive, every digit must be one, and fields stay in range.
func TestParseHTTPDateRefuses(t *testing.T) {
	for _, s := range []string{
		"Mon, 07 jan 2026 14:12:53 GMT", "Mon, 07 JAN 2026 14:12:53 GMT", "Mon, 07 Jnu 2026 14:12:53 GMT",
		"Mon, 0a Dec 2026 14:12:53 GMT", "Mon, 07 Dec 2026 1/:12:53 GMT", "Mon, 07 Dec 2026 14:12:5: GMT",
		"Mon, 07 Dec 20x6 14:12:53 GMT", "Mon, 00 Dec 2026 14:12:53 GMT", "Mon, 32 Dec 2026 14:12:53 GMT",
		"Mon, 07 Dec 2026 24:12:53 GMT", "Mon, 07 Dec 2026 14:60:53 GMT", "Mon, 07 Dec 2026 14:12:61 GMT",
		"Mon, 07 Dec 2026 14:12:53 UTC", "Mon, 7 Dec 2026 14:12:53 GMT", "",
	} {
		if got, ok := ParseHTTPDate([]byte(s)); ok {
			t.Errorf("%q: accepted as %d", s, got)
		}
	}
	if _, ok := ParseHTTPDate([]byte("Mon, 07 Dec 2026 14:12:60 GMT")); !ok {
		t.Error("a leap second refused")
	}
}
