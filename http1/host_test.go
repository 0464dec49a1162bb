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
	// Go's TestServerValidatesHostHeader cases, with our answers; where
	// Go differs the comment says so (DEVIATIONS in CODES.md).
	h := func(proto, host string) string { return "GET / " + proto + "\r\n" + host + "\r\n" }
	runRequestCases(t, []codeCase{
		{"HTTP/0.9", h("HTTP/0.9", ""), "BadVersion"},
		{"1.1 no host", h("HTTP/1.1", ""), "MissingHost"},
		{"empty host", h("HTTP/1.1", "Host: \r\n"), ""},
		{"ipv4", h("HTTP/1.1", "Host: 1.2.3.4\r\n"), ""},
		{"name", h("HTTP/1.1", "Host: foo.com\r\n"), ""},
		{"underscore", h("HTTP/1.1", "Host: foo-bar_baz.com\r\n"), ""},
		{"port", h("HTTP/1.1", "Host: foo.com:80\r\n"), ""},
		{"bare ipv6 (Go 200)", h("HTTP/1.1", "Host: ::1\r\n"), "BadHost"},
		{"bracketed ipv6", h("HTTP/1.1", "Host: [::1]\r\n"), ""},
		{"bracketed ipv6 port", h("HTTP/1.1", "Host: [::1]:80\r\n"), ""},
		{"zone (Go 200)", h("HTTP/1.1", "Host: [::1%25en0]:80\r\n"), "BadHost"},
		{"CTL", h("HTTP/1.1", "Host: \x06\r\n"), "BadHeaderValue"},
		{"0xff", h("HTTP/1.1", "Host: \xff\r\n"), "BadHost"},
		{"brace open", h("HTTP/1.1", "Host: {\r\n"), "BadHost"},
		{"brace close", h("HTTP/1.1", "Host: }\r\n"), "BadHost"},
		{"two hosts", h("HTTP/1.1", "Host: first\r\nHost: second\r\n"), "DuplicateHost"},
		{"1.0 no host", h("HTTP/1.0", ""), ""},
		{"1.0 two hosts", h("HTTP/1.0", "Host: first\r\nHost: second\r\n"), "DuplicateHost"},
		{"1.0 bad host", h("HTTP/1.0", "Host: \xff\r\n"), "BadHost"},
		{"PRI (Go 200)", "PRI * HTTP/2.0\r\n\r\n", "BadVersion"},
		{"CONNECT (Go 200)", "CONNECT golang.org:443 HTTP/1.1\r\n\r\n", "UnsupportedMethod"},
		{"PRI path", "PRI / HTTP/2.0\r\n\r\n", "BadVersion"},
		{"GET 2.0", h("HTTP/2.0", ""), "BadVersion"},
		{"GET 3.0", h("HTTP/3.0", ""), "BadVersion"},

		{"space inside", h("HTTP/1.1", "Host: a b\r\n"), "BadHost"},
		{"userinfo", h("HTTP/1.1", "Host: user@host\r\n"), "BadHost"},
		{"userinfo spoof", h("HTTP/1.1", "Host: good.com@evil.com\r\n"), "BadHost"},
		{"path", h("HTTP/1.1", "Host: a/b\r\n"), "BadHost"},
		{"two ports", h("HTTP/1.1", "Host: a:1:2\r\n"), "BadHost"},
		{"list", h("HTTP/1.1", "Host: a, b\r\n"), "BadHost"},
		{"host case-insensitive name", h("HTTP/1.1", "hOST: a\r\nHOST: b\r\n"), "DuplicateHost"},
		{"absolute-form, bad Host field", "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n", "BadHost"},
		{"absolute-form, no Host field in 1.1", "GET http://a/ HTTP/1.1\r\n\r\n", "MissingHost"},
	})

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
