package router

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/edgegate/edgegate/model"
)

// TestCanonFastPath proves normalizePath's fast path (canonSlashes) sound:
// whenever it takes a path as already canonical, the full normaliser
// returns that same path, and the count is its number of '/'. It also
// checks that ordinary paths do take it.
func TestCanonFastPath(t *testing.T) {
	alphabet := []byte("aZ09-._~!$&'()*+,;=:@%2e%2F%5c%00\"<>{}| #\\é\x7f\x01/////....")
	seed := uint32(7)
	fast := 0
	for n := 0; n < 300000; n++ {
		raw := []byte{'/'}
		for k := int(seed % 19); k >= 0; k-- {
			seed = seed*1664525 + 1013904223
			raw = append(raw, alphabet[seed>>8%uint32(len(alphabet))])
		}
		if n%3 == 0 {
			raw = raw[1:] // sometimes not absolute
		}
		k := canonSlashes(raw)
		if k == 0 {
			continue
		}
		fast++
		got, e := normalizeSlow(nil, raw, false)
		if e != pathOK || !bytes.Equal(got, raw) || k != bytes.Count(raw, slash) {
			t.Fatalf("%q: fast path says canonical with %d slashes; normaliser says %q %v", raw, k, got, e)
		}
		if _, e := normalizeSlow(nil, raw, true); e != pathOK {
			t.Fatalf("%q: fast path says canonical; strict normaliser says %v", raw, e)
		}
	}
	if fast < 1000 {
		t.Fatalf("fast path taken %d times only", fast)
	}
	for _, p := range []string{"/", "/release/", "/release/s0/items/2024/report.html", "/a/b.c/d..e/.x.", "/x:y@z/~u!$&'()*+,="} {
		if canonSlashes([]byte(p)) != bytes.Count([]byte(p), slash) {
			t.Errorf("%q: no fast path", p)
		}
	}
	for _, p := range []string{"", "a", "//", "/a//b", "/.", "/a/./b", "/a/..", "/a;b", "/%41", "/a b", "/é"} {
		if canonSlashes([]byte(p)) != 0 {
			t.Errorf("%q: fast path taken", p)
		}
	}
}

// TestManyRegexes checks tier 3 past 64 regexes in one environment, where
// each bit of the regex masks covers several regexes (env.reBucket), and
// the first-segment tables with many segments, against the reference.
func TestManyRegexes(t *testing.T) {
	var apis []model.API
	for i := 0; i < 150; i++ {
		a := api(fmt.Sprintf("re%d", i), []string{"GET", "POST", "ANY"}[i%3], fmt.Sprintf("~/r%d/[0-9]{1,%d}", i%40, i+1))
		switch i % 5 {
		case 1:
			a.RequestConfig.Path = fmt.Sprintf("~/r%d/[0-9]+/x%d", i%40, i)
		case 2:
			a.RequestConfig.Path = fmt.Sprintf("~*/R%d/[a-z]+", i)
		case 3:
			a.RequestConfig.Path = fmt.Sprintf("~/r%d", i)
		}
		apis = append(apis, a)
		if i%10 == 0 && i < 40 {
			apis = append(apis,
				api(fmt.Sprintf("p%d", i), "GET", fmt.Sprintf("/r%d/{id}", i%40), pathParam("id")),
				api(fmt.Sprintf("pre%d", i), "ANY", fmt.Sprintf("/r%d/", i%40)),
				api(fmt.Sprintf("prio%d", i), "PUT", fmt.Sprintf("^~/r%d/9", i%40)))
		}
	}
	p := published("gw.test", "svc", map[string][]model.API{"release": apis}, "release")
	tb := mustCompile(t, p)
	ref := refCompile(p)
	var res Result
	n := 0
	for i := 0; i < 45; i++ {
		for _, tail := range []string{"", "/", "/1", "/12/x1", "/12/x6", "/ab", "/9", "/99/x", "x/1"} {
			for _, m := range []string{"GET", "POST", "PUT", "DELETE", "HEAD"} {
				path := fmt.Sprintf("/release/r%d%s", i, tail)
				if i%7 == 0 {
					path = fmt.Sprintf("/release/R%d%s", i, tail)
				}
				tb.Lookup(&Request{Method: []byte(m), Host: []byte("svc.gw.test"), Path: []byte(path)}, &res)
				got, want := gotResult(&res), ref.lookup(m, "svc.gw.test", path)
				if got != want {
					t.Fatalf("%s %q:\n got  %v\n want %v", m, path, got, want)
				}
				if res.Route != nil && res.Route.Kind == KindRegex {
					n++
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d regex answers", n)
	}
	if b := tb.host([]byte("svc.gw.test")).svc.envs[0].reBucket; b < 2 {
		t.Fatalf("reBucket %d: the fixture must hold more than 64 regexes", b)
	}
}
