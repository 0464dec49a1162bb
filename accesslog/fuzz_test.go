package accesslog

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// perByteFFFD is s with each byte of invalid UTF-8 as U+FFFD, as
// appendJSONText writes it.
func perByteFFFD(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\ufffd")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// FuzzRecordJSON: any text members survive AppendJSON and parseJSON
// (invalid UTF-8 as U+FFFD), the line is valid JSON, and parseJSON never
// panics on the raw input either.
func FuzzRecordJSON(f *testing.F) {
	f.Add("/a\"b\\c", "host\x00\x1f", "\xff\xfe", uint16(200))
	f.Add("ünï😀", "", "\\u0041", uint16(0))
	f.Fuzz(func(t *testing.T, path, host, msg string, status uint16) {
		var r, back Record
		parseJSON([]byte(path), &back)
		r.Status = status
		r.SetString(Path, path)
		r.SetString(Host, host)
		r.SetString(ErrMsg, msg)
		line := r.AppendJSON(nil)
		if !json.Valid(line) {
			t.Fatalf("invalid JSON: %q", line)
		}
		if err := parseJSON(line[:len(line)-1], &back); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		for _, f := range []Field{Path, Host, ErrMsg} {
			want := perByteFFFD(r.String(f))
			// Decoded text can pass TextCap: what fits must be a prefix.
			if got := back.String(f); got != want && !(len(got) < len(want) && strings.HasPrefix(want, got)) {
				t.Fatalf("field %d: %q, want %q", f, got, want)
			}
		}
		if back.Status != status {
			t.Fatalf("status %d, want %d", back.Status, status)
		}
	})
}
