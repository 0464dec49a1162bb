package router

import (
	"bytes"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	ok := map[string]string{
		"/":                "/",
		"//":               "/",
		"/a":               "/a",
		"/a/":              "/a/",
		"/a//b///":         "/a/b/",
		"/./a":             "/a",
		"/a/.":             "/a/",
		"/a/./":            "/a/",
		"/a/b/..":          "/a/",
		"/a/b/../":         "/a/",
		"/a/b/../c":        "/a/c",
		"/a/%2e%2E/c":      "/c",
		"/a/.%2e/c":        "/c",
		"/%41%7e%2D%5f":    "/A~-_",
		"/%2f%2F":          "/%2F%2F",
		"/%3b;%3B":         "/%3B;%3B",
		"/%c3%a9é":         "/%C3%A9%C3%A9",
		"/a b"[:2] + "{}":  "/a%7B%7D",
		"/!$&'()*+,;=:@":   "/!$&'()*+,;=:@",
		"/%25%2525":        "/%25%2525",
		"/...":             "/...",
		"/..a/a..":         "/..a/a..",
		"/a;b/c;d=1":       "/a;b/c;d=1",
		"/a%2Fb":           "/a%2Fb",
		"/.a/%2e%2e%2e":    "/.a/...",
		"/\"<>^`|[]":       "/%22%3C%3E%5E%60%7C%5B%5D",
		"/x/%2e%2e%3fa":    "/x/..%3Fa",
		"/a/%2E/%2E%2E/b/": "/b/",
	}
	for in, want := range ok {
		got, e := normalizePath(nil, []byte(in), false)
		if e != pathOK || string(got) != want {
			t.Errorf("normalize(%q) = %q, %v; want %q", in, got, e, want)
		}
	}
	bad := map[string]pathErr{
		"":            pathNotAbsolute,
		"a":           pathNotAbsolute,
		"*":           pathNotAbsolute,
		"/%":          pathBadEscape,
		"/%4":         pathBadEscape,
		"/%4g":        pathBadEscape,
		"/%g4":        pathBadEscape,
		"/%00":        pathBadByte,
		"/%0d%0a":     pathBadByte,
		"/%7f":        pathBadByte,
		"/a b":        pathBadByte,
		"/a\tb":       pathBadByte,
		"/a\x00":      pathBadByte,
		"/a#b":        pathBadByte,
		"/a\\b":       pathBackslash,
		"/a%5cb":      pathBackslash,
		"/a%5C..":     pathBackslash,
		"/..":         pathAboveRoot,
		"/a/../..":    pathAboveRoot,
		"/%2e%2e":     pathAboveRoot,
		"/..;":        pathDotParam,
		"/.;x":        pathDotParam,
		"/a/..;/b":    pathDotParam,
		"/a/..%3b/b":  pathDotParam,
		"/a/..%2f":    pathDotParam,
		"/a/x%2f..":   pathDotParam,
		"/a/x%2f.%2f": pathDotParam,
		"/%2e%2e%2f":  pathDotParam,
	}
	for in, want := range bad {
		got, e := normalizePath([]byte("keep"), []byte(in), false)
		if e != want || string(got) != "keep" {
			t.Errorf("normalize(%q) = %q, %v; want error %v", in, got, e, want)
		}
	}
	// Appending after existing bytes keeps them.
	if got, _ := normalizePath([]byte("x"), []byte("/a/../b"), false); string(got) != "x/b" {
		t.Errorf("append form: %q", got)
	}
	strict := map[string]pathErr{"/a//b": pathEmptySegment, "/a/./b": pathDotSegment, "/a/..": pathDotSegment, "/a/": pathOK, "//": pathEmptySegment}
	for in, want := range strict {
		if _, e := normalizePath(nil, []byte(in), true); e != want {
			t.Errorf("strict(%q) = %v, want %v", in, e, want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/a/b/": true, "/a..b": true, "": false, "a": false, "/a//b": false,
		"/a/../b": false, "/.": false, "/a/..;x": false, "/a/..%2Fb": false, "/a/%2E": true,
	} {
		if cleanPath([]byte(p)) != want {
			t.Errorf("cleanPath(%q) = %v", p, !want)
		}
	}
}

func TestNormHost(t *testing.T) {
	var buf [maxHost]byte
	for in, want := range map[string]string{
		"a.B.c": "a.b.c", "A.b:80": "a.b", "a.b.": "a.b", "a.b.:1": "a.b", "[::1]:80": "[::1]", "[::1]": "[::1]",
		"": "", ":80": "", ".": "", "a..": "a.",
	} {
		n, ok := normHost(&buf, []byte(in))
		if got := string(buf[:n]); got != want || ok != (want != "") {
			t.Errorf("normHost(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	long := make([]byte, maxHost+1)
	for i := range long {
		long[i] = 'a'
	}
	if _, ok := normHost(&buf, long); ok {
		t.Error("overlong host accepted")
	}
}

func TestValidValue(t *testing.T) {
	for _, c := range []struct {
		t  valueType
		v  string
		ok bool
	}{
		{tInt, "0", true}, {tInt, "-1", true}, {tInt, "+1", true}, {tInt, "", false}, {tInt, "-", false}, {tInt, "1a", false},
		{tInt, "9223372036854775807", true}, {tInt, "9223372036854775808", false}, {tInt, "-9223372036854775808", true},
		{tInt, "-9223372036854775809", false}, {tInt, "99999999999999999999", false}, {tInt, " 1", false},
		{tDouble, "1", true}, {tDouble, "1.", true}, {tDouble, ".5", true}, {tDouble, "-1.5e-3", true}, {tDouble, "1E9", true},
		{tDouble, ".", false}, {tDouble, "e5", false}, {tDouble, "1e", false}, {tDouble, "Inf", false}, {tDouble, "0x1p3", false}, {tDouble, "1_0", false},
		{tBool, "true", true}, {tBool, "False", true}, {tBool, "1", false}, {tBool, "yes", false},
		{tString, "", true}, {tString, "\x00", true},
	} {
		if validValue(c.t, []byte(c.v)) != c.ok {
			t.Errorf("validValue(%d, %q) = %v", c.t, c.v, !c.ok)
		}
	}
}

// TestCanonSegmentAgrees keeps appendCanonSegment (compile time) and the
// inlined byte rules of normalizePath (lookup) equal.
func TestCanonSegmentAgrees(t *testing.T) {
	alphabet := []byte("aZ09-._~!$&'()*+,;=:@%2e%2F%5c%00%C3%a9\"<>{}| #\\é\x7f\x01/")
	seed := uint32(1)
	for n := 0; n < 20000; n++ {
		var seg []byte
		for k := int(seed % 7); k >= 0; k-- {
			seed = seed*1664525 + 1013904223
			seg = append(seg, alphabet[seed>>8%uint32(len(alphabet))])
		}
		if bytes.IndexByte(seg, '/') >= 0 || isDots(seg) || len(seg) == 0 {
			continue
		}
		a, ea := appendCanonSegment(nil, seg)
		b, eb := normalizePath(nil, append([]byte("/"), seg...), false)
		if ea != pathOK {
			if eb != ea {
				t.Fatalf("%q: segment error %v, path error %v", seg, ea, eb)
			}
			continue
		}
		if isDots(a) || dangerousSegment(a) {
			continue
		}
		if eb != pathOK || string(b) != "/"+string(a) {
			t.Fatalf("%q: segment %q, path %q %v", seg, a, b, eb)
		}
	}
}
