package syncseal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	doc := []byte(`{"Access":{"Keys":[{"SecretKey":"very-secret-value"}]}}`)
	s, err := Seal("edge-key", 7, doc)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(s)
	if bytes.Contains(raw, []byte("very-secret-value")) || bytes.Contains([]byte(s), []byte("very-secret-value")) {
		t.Fatal("the sealed form holds the clear secret")
	}
	got, err := Open("edge-key", 7, s)
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("Open: %q, %v", got, err)
	}
	s2, _ := Seal("edge-key", 7, doc)
	if s2 == s {
		t.Fatal("two seals of one document are equal: salt or nonce not fresh")
	}
	flipped := []byte(raw)
	flipped[len(flipped)-1] ^= 1
	for name, tc := range map[string]struct {
		key    string
		rev    uint64
		sealed string
	}{
		"other key":       {"other-key", 7, s},
		"other revision":  {"edge-key", 8, s},
		"flipped byte":    {"edge-key", 7, base64.StdEncoding.EncodeToString(flipped)},
		"not base64":      {"edge-key", 7, "%%%"},
		"too short":       {"edge-key", 7, base64.StdEncoding.EncodeToString([]byte("v1abc"))},
		"unknown version": {"edge-key", 7, base64.StdEncoding.EncodeToString(append([]byte("v9"), raw[2:]...))},
	} {
		if _, err := Open(tc.key, tc.rev, tc.sealed); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	if _, err := Seal("", 1, doc); err == nil {
		t.Error("sealed with an empty key")
	}
}
