package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/syncseal"
)

// TestOpenSync: the edge applies only a newer revision that opens with its
// key for that revision; an older one is errBackwards, never applied.
func TestOpenSync(t *testing.T) {
	doc := []byte(`{"BaseDomain":"localhost"}`)
	seal := func(key string, rev uint64) string {
		s, err := syncseal.Seal(key, rev, doc)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	answer := func(rev uint64, sealed string) json.RawMessage {
		b, _ := json.Marshal(syncAnswer{rev, sealed})
		return b
	}
	if rev, got, err := openSync(answer(9, seal("k", 9)), 5, "k"); err != nil || rev != 9 || string(got) != string(doc) {
		t.Fatalf("newer revision: %d %s %v", rev, got, err)
	}
	if _, got, err := openSync(answer(5, ""), 5, "k"); err != nil || got != nil {
		t.Fatalf("same revision: %s %v", got, err)
	}
	if _, got, err := openSync(answer(4, seal("k", 4)), 5, "k"); !errors.Is(err, errBackwards) || got != nil {
		t.Fatalf("older revision: %s %v", got, err)
	}
	// A captured answer for revision 6 relabelled as 9, or sealed to another edge.
	if _, got, err := openSync(answer(9, seal("k", 6)), 5, "k"); !errors.Is(err, syncseal.ErrOpen) || got != nil {
		t.Fatalf("relabelled revision: %s %v", got, err)
	}
	if _, got, err := openSync(answer(9, seal("other", 9)), 5, "k"); !errors.Is(err, syncseal.ErrOpen) || got != nil {
		t.Fatalf("another edge's document: %s %v", got, err)
	}
	if _, _, err := openSync(json.RawMessage(`{"Revision":"x"}`), 5, "k"); err == nil {
		t.Fatal("a malformed answer was accepted")
	}
}

func TestControlFlags(t *testing.T) {
	for _, tc := range []struct{ control, pins, want string }{
		{"http://a:9000", "sha256/" + strings.Repeat("A", 43) + "=", "needs https://"},
		{"https://a:9000", "sha256/short", "--control-pin \"sha256/short\""},
		{"https://a:9000", "md5/" + strings.Repeat("A", 43) + "=", "want sha256/"},
		{" , ", "", "names no URL"},
	} {
		if _, err := controlClients(tc.control, "", tc.pins, "id", "key"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %q: %v, want %q", tc.control, tc.pins, err, tc.want)
		}
	}
	cs, err := controlClients("https://a:9000, https://b:9000", "", "sha256/"+strings.Repeat("A", 43)+"=", "id", "key")
	if err != nil || len(cs) != 2 || cs[1].Endpoint != "https://b:9000" || cs[0].HTTP == nil {
		t.Fatalf("two admins with a pin: %v %v", cs, err)
	}
}

// TestEdgeCredentialsOrder: the environment, then --credentials (or
// DATA/edge-credentials.json), then the admin's file with a warning.
func TestEdgeCredentialsOrder(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	t.Setenv("EDGEGATE_SECRET_ID", "")
	t.Setenv("EDGEGATE_SECRET_KEY", "")
	if _, _, err := edgeCredentials(dir, "", log); err == nil || !strings.Contains(err.Error(), "CreateEdgeCredential") {
		t.Fatalf("no credentials: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "admin-credentials.json"), []byte(`{"SecretId":"admin","SecretKey":"ak"}`), 0o600)
	if id, _, err := edgeCredentials(dir, "", log); err != nil || id != "admin" {
		t.Fatalf("admin fallback: %q %v", id, err)
	}
	os.WriteFile(filepath.Join(dir, edgeCredentialsFile), []byte(`{"SecretId":"edge","SecretKey":"ek","Remark":"r"}`), 0o600)
	if id, key, err := edgeCredentials(dir, "", log); err != nil || id != "edge" || key != "ek" {
		t.Fatalf("edge file: %q %v", id, err)
	}
	if _, _, err := edgeCredentials(dir, filepath.Join(dir, "absent.json"), log); err == nil {
		t.Fatal("a named --credentials file that is absent fell back")
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"SecretId":""}`), 0o600)
	if _, _, err := edgeCredentials(dir, filepath.Join(dir, "bad.json"), log); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: %v", err)
	}
	t.Setenv("EDGEGATE_SECRET_ID", "env")
	t.Setenv("EDGEGATE_SECRET_KEY", "envkey")
	if id, _, err := edgeCredentials(dir, "", log); err != nil || id != "env" {
		t.Fatalf("environment: %q %v", id, err)
	}
}
