package compression

import (
	"strconv"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/http1"
)

var (
	offerZG = mustOffer(Zstd, Gzip)
	offerGZ = mustOffer(Gzip, Zstd)
	offerG  = mustOffer(Gzip)
)

func mustOffer(cs ...Coding) Offer {
	o, err := NewOffer(cs...)
	if err != nil {
		panic(err)
	}
	return o
}

// TestNegotiateTable is the negotiation table of RFC 9110 §12.5.3: q=0,
// identity, "*", duplicates, bad syntax, case, server preference.
func TestNegotiateTable(t *testing.T) {
	for _, c := range []struct {
		ae    string
		offer Offer
		want  Coding
	}{
		// Plain lists; ties go to the server's order.
		{"gzip", offerZG, Gzip},
		{"zstd", offerZG, Zstd},
		{"gzip, zstd", offerZG, Zstd},
		{"gzip, zstd", offerGZ, Gzip},
		{"gzip, deflate, br, zstd", offerZG, Zstd},
		{"gzip, deflate, br", offerZG, Gzip},
		{"br", offerZG, Identity},
		{"deflate, compress", offerZG, Identity},
		{"zstd", offerG, Identity},
		// q-values: the client's weights beat the server's order.
		{"zstd;q=0.5, gzip", offerZG, Gzip},
		{"zstd;q=0.5, gzip;q=0.6", offerZG, Gzip},
		{"zstd;q=0.501, gzip;q=0.5", offerGZ, Zstd},
		{"zstd;q=1.0, gzip;q=1", offerGZ, Gzip},
		{"gzip;q=0.001", offerZG, Gzip},
		{"gzip;q=1.000", offerZG, Gzip},
		{"gzip;q=1.", offerZG, Gzip},
		{"gzip;q=0.", offerZG, Identity},
		// q=0 excludes.
		{"gzip;q=0", offerZG, Identity},
		{"gzip;q=0.000, zstd", offerG, Identity},
		{"zstd;q=0, gzip", offerZG, Gzip},
		{"*;q=0", offerZG, Identity},
		{"*;q=0, gzip", offerZG, Gzip},
		{"gzip;q=0, *", offerZG, Zstd},
		{"gzip;q=0, *", offerG, Identity},
		// "*" stands for anything not listed.
		{"*", offerZG, Zstd},
		{"*", offerGZ, Gzip},
		{"*;q=0.5", offerG, Gzip},
		{"*;q=0.5, zstd;q=0.4", offerZG, Gzip},
		{"br, *;q=0.1", offerZG, Zstd},
		// identity weighed against the codings.
		{"identity", offerZG, Identity},
		{"identity, gzip", offerZG, Gzip},               // tie: compress
		{"identity;q=1, gzip;q=0.5", offerZG, Identity}, // the client prefers the raw body
		{"gzip;q=0.5, identity;q=0.4", offerZG, Gzip},
		{"identity;q=0", offerZG, Identity}, // nothing else acceptable: identity anyway (§12.1)
		{"identity;q=0, gzip", offerZG, Gzip},
		{"gzip;q=0.2, *", offerG, Identity}, // "*" weighs identity at 1
		{"gzip;q=0.2, *", offerZG, Zstd},
		{"gzip;q=0.2, *;q=0.1", offerG, Gzip},
		// Duplicates: the highest weight, but a refusal wins.
		{"gzip;q=0.1, gzip;q=0.9, zstd;q=0.5", offerZG, Gzip},
		{"gzip, gzip;q=0", offerZG, Identity},
		{"gzip;q=0, gzip", offerZG, Identity},
		{"x-gzip, gzip;q=0", offerZG, Identity},
		// Names and "q" are case-insensitive; x-gzip is gzip.
		{"GZIP", offerZG, Gzip},
		{"Zstd;Q=0.9, GZip;q=0.8", offerZG, Zstd},
		{"x-gzip", offerZG, Gzip},
		{"X-GZIP;q=0.3, zstd;q=0.2", offerZG, Gzip},
		// White space and empty elements (RFC 9110 §5.6.1).
		{"  gzip  ", offerZG, Gzip},
		{"gzip ;q=0.5 , zstd;\tq=0.4", offerZG, Gzip},
		{",,gzip,,", offerZG, Gzip},
		{", ,", offerZG, Identity},
		{"", offerZG, Identity}, // empty: no coding wanted
		// Bad syntax: identity.
		{"gzip;q=2", offerZG, Identity},
		{"gzip;q=1.1", offerZG, Identity},
		{"gzip;q=1.0001", offerZG, Identity},
		{"gzip;q=0.1234", offerZG, Identity},
		{"gzip;q=.5", offerZG, Identity},
		{"gzip;q=", offerZG, Identity},
		{"gzip;q = 0.5", offerZG, Identity},
		{"gzip;level=1", offerZG, Identity},
		{"gzip;q=0.5;q=0.6", offerZG, Identity},
		{"gzip;", offerZG, Identity},
		{"gzip zstd", offerZG, Identity},
		{"gz\"ip", offerZG, Identity},
		{"zstd, gzip;q=x", offerZG, Identity},
		{"gzip;q=-1", offerZG, Identity},
		{"\xffgzip", offerZG, Identity},
		// An empty offer compresses nothing.
		{"gzip, zstd", Offer{}, Identity},
	} {
		if got := Negotiate([]byte(c.ae), c.offer); got != c.want {
			t.Errorf("Negotiate(%q, %v) = %v, want %v", c.ae, c.offer.list[:c.offer.n], got, c.want)
		}
	}
}

// TestAcceptFields: a request with no Accept-Encoding gets identity, and
// several fields combine into one list (RFC 9110 §5.3).
func TestAcceptFields(t *testing.T) {
	var none Accept
	if none.Present() || none.Choose(offerZG) != Identity {
		t.Fatal("no field: want identity")
	}
	var a Accept
	a.Add([]byte("gzip;q=0.5"))
	a.Add([]byte("zstd;q=0.7"))
	if got := a.Choose(offerGZ); got != Zstd {
		t.Fatalf("two fields: got %v, want zstd", got)
	}
	a.Add([]byte("zstd;q=0"))
	if got := a.Choose(offerGZ); got != Gzip {
		t.Fatalf("a later refusal: got %v, want gzip", got)
	}
	a.Add([]byte("gzip;q=oops"))
	if got := a.Choose(offerGZ); got != Identity {
		t.Fatalf("a bad later field: got %v, want identity", got)
	}
}

func TestRequestInfo(t *testing.T) {
	parse := func(raw string) *http1.Request {
		t.Helper()
		var p http1.Parser
		r := &http1.Request{Headers: make([]http1.Header, 0, 32)}
		n, err := p.ParseRequest([]byte(raw), r, &http1.Limits{})
		if err != nil || n == 0 {
			t.Fatalf("parse %q: %v", raw, err)
		}
		return r
	}
	ri := RequestInfo(parse("GET / HTTP/1.1\r\nHost: a\r\nACCEPT-ENCODING: gzip;q=0.4\r\naccept-encoding: zstd;q=0.3\r\nCache-Control: max-age=0\r\n\r\n"))
	if ri.Head || ri.HTTP10 || ri.NoTransform || ri.Accept.Choose(offerZG) != Gzip {
		t.Fatalf("GET: %+v", ri)
	}
	ri = RequestInfo(parse("HEAD / HTTP/1.0\r\nCache-Control: max-age=0, No-Transform\r\n\r\n"))
	if !ri.Head || !ri.HTTP10 || !ri.NoTransform || ri.Accept.Present() {
		t.Fatalf("HEAD: %+v", ri)
	}
	ri = RequestInfo(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: accept-encoding\r\nAccept-Encoding: zstd\r\n\r\n"))
	if ri.Accept.Choose(offerGZ) != Zstd {
		t.Fatalf("an Accept-Encoding named by Connection is for this hop: %+v", ri)
	}
	ri = RequestInfo(parse("GET / HTTP/1.1\r\nHost: a\r\nCache-Control: no-transformer, x=no-transform\r\n\r\n"))
	if ri.NoTransform {
		t.Fatalf("no-transform must be the directive's name: %+v", ri)
	}
}

// refNegotiate is an independent, allocating reading of RFC 9110
// §12.5.3 and of the rules in Accept's doc, for the fuzz test.
func refNegotiate(ae string, offer []Coding) Coding {
	q := map[string]int{}
	for _, e := range strings.Split(ae, ",") {
		e = strings.Trim(e, " \t")
		if e == "" {
			continue
		}
		name, param, hasParam := strings.Cut(e, ";")
		name = strings.TrimRight(name, " \t")
		w := 1000
		if hasParam {
			param = strings.Trim(param, " \t")
			if len(param) < 2 || !strings.EqualFold(param[:2], "q=") {
				return Identity
			}
			v := param[2:]
			ok := len(v) >= 1 && len(v) <= 5 && (v[0] == '0' || v[0] == '1') && (len(v) == 1 || v[1] == '.')
			if ok && len(v) > 2 {
				_, err := strconv.Atoi(v[2:])
				ok = err == nil && !strings.ContainsAny(v[2:], "+-")
			}
			if !ok {
				return Identity
			}
			f, _ := strconv.ParseFloat(v, 64)
			if f > 1 {
				return Identity
			}
			w = int(f*1000 + 0.5)
		}
		if name == "" || strings.IndexFunc(name, func(r rune) bool {
			return !(r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)))
		}) >= 0 {
			return Identity
		}
		name = strings.ToLower(name)
		if name == "x-gzip" {
			name = "gzip"
		}
		if old, seen := q[name]; seen {
			if old == 0 || w == 0 {
				w = 0
			} else {
				w = max(w, old)
			}
		}
		q[name] = w
	}
	weight := func(name string) int {
		if w, ok := q[name]; ok {
			return w
		}
		if w, ok := q["*"]; ok {
			return w
		}
		return -1
	}
	best, bestW := Identity, 0
	for _, c := range offer {
		if w := weight(c.String()); w > bestW {
			best, bestW = c, w
		}
	}
	if best != Identity && weight("identity") > bestW {
		return Identity
	}
	return best
}

// FuzzNegotiate checks Negotiate against refNegotiate.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"gzip", "zstd;q=0.5, gzip", "*;q=0", "identity;q=1, gzip;q=0.5", "gzip;q=1.000", "x-gzip, GZIP;Q=0", " ,zstd ;\tq=0.3", "br;q=0.9, *;q=0.2"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, ae string, gzipFirst bool) {
		offer := []Coding{Zstd, Gzip}
		if gzipFirst {
			offer = []Coding{Gzip, Zstd}
		}
		got := Negotiate([]byte(ae), mustOffer(offer...))
		if want := refNegotiate(ae, offer); got != want {
			t.Fatalf("Negotiate(%q, %v) = %v, reference says %v", ae, offer, got, want)
		}
	})
}
