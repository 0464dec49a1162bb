package main

import "testing"

func TestDemoHintParts(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:9000": "127.0.0.1:9000",
		":9001":          "127.0.0.1:9001",
		"0.0.0.0:9001":   "127.0.0.1:9001",
		"[::]:9001":      "127.0.0.1:9001",
		"[::1]:9001":     "[::1]:9001",
		"10.0.0.1:9000":  "10.0.0.1:9000",
	} {
		if got := adminHostPort(in); got != want {
			t.Errorf("adminHostPort(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"./data2":             "./data2",
		"/var/lib/edgegate":   "/var/lib/edgegate",
		"my data":             "'my data'",
		"it's":                `'it'\''s'`,
		"":                    "''",
		"http://127.0.0.1:90": "http://127.0.0.1:90",
		"$HOME":               "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
