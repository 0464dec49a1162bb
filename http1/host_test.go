package http1

import "testing"

func TestValidHost(t *testing.T) {
	valid := []string{
		"a", "example.com", "EXAMPLE.com.", "foo-bar_baz.com", "foo.com:80", "foo.com:", "foo.com:080",
		"1.2.3.4", "1.2.3.4:8080", "999.1.1.1", // a reg-name, not an IPv4address
		"[::1]", "[::1]:80", "[::]", "[1::]", "[2001:db8::1]", "[2001:db8:0:0:0:0:0:1]",
		"[::ffff:192.0.2.1]", "[1:2:3:4:5:6:1.2.3.4]", "[1:2:3:4:5::1.2.3.4]", "[v1.fe:x]", "[V7.a!b]",
		"a~b", "a!$&'()*+,;=b",
	}
	invalid := []string{
		"", ":80", "::1", "[::1", "::1]", "[::1]x", "[::1]:x", "[::1%25en0]:80", "[::1%en0]", "[::g]",
		"[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[1::2::3]", "[:1]", "[1:]", "[12345::]",
		"[::1.2.3]", "[::1.2.3.256]", "[::01.2.3.4]", "[1.2.3.4]", "[v.x]", "[v1.]", "[v1x]", "[]",
		"host:80:90", "host:port", "user@host", "a b", "a\tb", "a/b", "a\\b", "a?b", "a#b",
		"ex%61mple.com", "\x06", "\xff", "caf\xc3\xa9", "{", "}", "<a>", "a\"b", "a|b", "a^b", "a`b",
	}
	for _, h := range valid {
		if !validHost([]byte(h)) {
			t.Errorf("validHost(%q) = false", h)
		}
	}
	for _, h := range invalid {
		if validHost([]byte(h)) {
			t.Errorf("validHost(%q) = true", h)
		}
	}
}

func TestHostField(t *testing.T) {
	// Go's TestServerValidatesHostHeader cases are in testdata/cases.txt.
	// RFC 9112 §3.2.2: the target's authority wins.
	r, _, err := parseReq("GET http://target.example/p HTTP/1.1\r\nHost: field.example\r\n\r\n")
	if err != nil || string(r.Host) != "target.example" {
		t.Fatalf("host %q err %v", r.Host, err)
	}
	r, _, err = parseReq("GET / HTTP/1.0\r\n\r\n")
	if err != nil || r.Host != nil {
		t.Fatalf("1.0 without Host: host %q err %v", r.Host, err)
	}
	r, _, err = parseReq("GET / HTTP/1.1\r\nHost:\r\n\r\n")
	if err != nil || r.Host == nil || len(r.Host) != 0 {
		t.Fatalf("empty Host: host %q (nil %v) err %v", r.Host, r.Host == nil, err)
	}
}
