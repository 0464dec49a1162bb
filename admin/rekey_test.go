package admin

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/internal/testpki"
)

// sealedValues are the sealed secrets a store file holds.
func sealedValues(t *testing.T, dir string) [][]byte {
	t.Helper()
	db, err := os.ReadFile(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(sealedPrefix+`[A-Za-z0-9+/]+`).FindAll(db, -1)
}

// TestRekey: a store sealed with one master key is sealed with another;
// the secrets are the same after, the new key opens the store, the old
// one no longer does, and no old sealed copy is left in the file. A wrong
// current key, the same key twice, or a running admin change nothing.
func TestRekey(t *testing.T) {
	dir := t.TempDir()
	keys := t.TempDir()
	oldFile, newFile := filepath.Join(keys, "old.key"), filepath.Join(keys, "new.key")
	ta := newTestAdmin(t, dir, Options{SecretKeyFile: oldFile})
	kid, secret := ta.key()
	app := resultMap(ta.must("CreateApiApp", map[string]any{"ApiAppName": "a"}))
	appID, appSecret := app["ApiAppId"].(string), app["ApiAppSecret"].(string)
	leaf := testpki.NewCA("ca").Valid(30, "www.example.com")
	certID := ta.upload(leaf, "w", true)

	// While the admin runs, its store is locked.
	if _, err := Rekey(dir, oldFile, newFile, nil); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("rekey of a running admin's store: %v", err)
	}
	if _, err := os.Stat(newFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused rekey created the new key file: %v", err)
	}
	ta.Close()
	oldSealed := sealedValues(t, dir)
	if len(oldSealed) < 4 {
		t.Fatalf("sanity: %d sealed values in the store", len(oldSealed))
	}
	before, _ := os.ReadFile(DBPath(dir))

	// A wrong current key, or none: refused, nothing written.
	other := filepath.Join(keys, "other.key")
	os.WriteFile(other, bytes.Repeat([]byte{7}, 32), 0o600)
	if _, err := Rekey(dir, other, newFile, nil); !errors.Is(err, ErrSecretKeyMismatch) {
		t.Fatalf("wrong current key: %v", err)
	}
	if _, err := Rekey(dir, "", newFile, nil); !errors.Is(err, ErrSecretKeyRequired) {
		t.Fatalf("no current key: %v", err)
	}
	if _, err := Rekey(dir, filepath.Join(keys, "absent.key"), newFile, nil); err == nil {
		t.Fatal("an absent current key file was accepted")
	}
	if _, err := Rekey(dir, oldFile, oldFile, nil); err == nil {
		t.Fatal("rekey to the same key was accepted")
	}
	if after, _ := os.ReadFile(DBPath(dir)); !bytes.Equal(before, after) {
		t.Fatal("a refused rekey changed the store")
	}
	if _, err := os.Stat(newFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused rekey created the new key file: %v", err)
	}

	n, err := Rekey(dir, oldFile, newFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("re-sealed %d secrets, want 3 (a key, an app, a certificate)", n)
	}
	if st, err := os.Stat(newFile); err != nil || st.Mode().Perm() != 0o600 || st.Size() != 32 {
		t.Fatalf("new key file: %v %v", st, err)
	}
	db, _ := os.ReadFile(DBPath(dir))
	for _, v := range oldSealed {
		if bytes.Contains(db, v) {
			t.Fatalf("an old sealed value is still in the store: %.40s…", v)
		}
	}
	for _, s := range []string{secret, appSecret} {
		if bytes.Contains(db, []byte(s)) {
			t.Fatalf("secret %q in clear after rekey", s)
		}
	}
	if testpki.HoldsKey(db, leaf.KeyPEM()) {
		t.Fatal("the certificate key in clear after rekey")
	}

	// The old key no longer opens the store; the new one serves the same
	// secrets.
	if _, err := openTestAdmin(dir, Options{SecretKeyFile: oldFile}); !errors.Is(err, ErrSecretKeyMismatch) {
		t.Fatalf("old key after rekey: %v", err)
	}
	tb := newTestAdmin(t, dir, Options{SecretKeyFile: newFile})
	if got := resultMap(tb.must("DescribeApiKey", map[string]any{"AccessKeyId": kid}))["AccessKeySecret"]; got != secret {
		t.Fatalf("key secret after rekey = %v", got)
	}
	apps := resultMap(tb.must("DescribeApiApp", map[string]any{"ApiAppId": appID}))["ApiAppSet"].([]any)
	if len(apps) != 1 || apps[0].(map[string]any)["ApiAppSecret"] != appSecret {
		t.Fatalf("app after rekey = %v", apps)
	}
	if c := publishedCert(tb.published(), certID); c == nil || c.PrivateKeyPEM != leaf.KeyPEM() {
		t.Fatal("the certificate's key after rekey differs")
	}
	tb.Close()
}

// TestRekeyClearStore: a store without a master key is sealed by a rekey
// without a current key, as a start with --secret-key-file would.
func TestRekeyClearStore(t *testing.T) {
	dir := t.TempDir()
	ta := newTestAdmin(t, dir, Options{})
	kid, secret := ta.key()
	ta.Close()
	newFile := filepath.Join(t.TempDir(), "new.key")
	if n, err := Rekey(dir, "", newFile, nil); err != nil || n != 1 {
		t.Fatalf("rekey of a clear store: %d %v", n, err)
	}
	if db, _ := os.ReadFile(DBPath(dir)); bytes.Contains(db, []byte(secret)) {
		t.Fatal("the secret is still in clear")
	}
	if _, err := openTestAdmin(dir, Options{}); !errors.Is(err, ErrSecretKeyRequired) {
		t.Fatalf("no key after rekey: %v", err)
	}
	tb := newTestAdmin(t, dir, Options{SecretKeyFile: newFile})
	if got := resultMap(tb.must("DescribeApiKey", map[string]any{"AccessKeyId": kid}))["AccessKeySecret"]; got != secret {
		t.Fatalf("key secret after rekey = %v", got)
	}
	tb.Close()
	if _, err := Rekey(t.TempDir(), "", newFile, nil); err == nil {
		t.Fatal("rekey of a directory without a store was accepted")
	}
}
