package admin

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestore: a backup taken while the admin runs (its store
// locked) restores into an empty directory with the store, the admin
// credentials and the master key; the restored admin opens the sealed
// secrets and starts RevisionEpoch ahead. Restore refuses a store with
// data unless forced, a missing key destination, and a file that is not
// a backup, changing nothing.
func TestBackupRestore(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	ta := newTestAdmin(t, filepath.Join(dir, "primary"), Options{SecretKeyFile: keyFile})
	svc, _ := ta.service()
	keyID, secret := ta.key()
	ta.must("CreateEdgeCredential", map[string]any{"Remark": "r1"})
	rev := ta.Revision()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	out := filepath.Join(dir, "backup.tar")
	info, err := Backup(filepath.Join(dir, "primary"), out, keyFile, log)
	if err != nil {
		t.Fatal(err)
	}
	if info.Revision != rev || !info.SecretKey {
		t.Fatalf("backup info %+v, want revision %d with the key", info, rev)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", st.Mode())
	}
	// Changes after the backup are not in it.
	ta.must("CreateService", map[string]any{"ServiceName": "after", "Protocol": "http"})
	if ta.Revision() <= rev {
		t.Fatal("sanity: CreateService publishes a revision")
	}

	// A copy caught in the middle of a write (the live file read while the
	// last transaction is half appended) backs up the state before it.
	live, err := os.ReadFile(DBPath(filepath.Join(dir, "primary")))
	if err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(dir, "torn")
	os.MkdirAll(torn, 0o750)
	os.WriteFile(DBPath(torn), live[:len(live)-7], 0o600)
	creds, _ := os.ReadFile(filepath.Join(dir, "primary", CredentialsFile))
	os.WriteFile(filepath.Join(torn, CredentialsFile), creds, 0o600)
	if info, err := Backup(torn, filepath.Join(dir, "torn.tar"), "", log); err != nil || info.Revision != rev {
		t.Fatalf("backup of a torn copy: %+v, %v; want revision %d (before the torn write)", info, err, rev)
	}

	standby := filepath.Join(dir, "standby")
	if _, err := Restore(standby, out, RestoreOptions{Log: log}); err == nil || !strings.Contains(err.Error(), "--secret-key-file") {
		t.Fatalf("restore without a key destination: %v", err)
	}
	key2 := filepath.Join(dir, "standby.key")
	got, err := Restore(standby, out, RestoreOptions{SecretKeyFile: key2, Log: log})
	if err != nil || got != rev+RevisionEpoch {
		t.Fatalf("restore: %d, %v; want revision %d", got, err, rev+RevisionEpoch)
	}
	b := newTestAdmin(t, standby, Options{SecretKeyFile: key2})
	if b.Revision() != rev+RevisionEpoch {
		t.Fatalf("restored admin at revision %d", b.Revision())
	}
	if r := resultMap(b.must("DescribeApiKey", map[string]any{"AccessKeyId": keyID})); r["AccessKeySecret"] != secret {
		t.Fatalf("restored key secret %v", r["AccessKeySecret"])
	}
	b.must("DescribeService", map[string]any{"ServiceId": svc})
	if n := resultMap(b.must("DescribeServicesStatus", map[string]any{}))["TotalCount"]; n != float64(1) {
		t.Fatalf("restored services: %v, want the one made before the backup", n)
	}
	if list := resultMap(b.must("DescribeEdges", map[string]any{}))["EdgeCredentialSet"].([]any); len(list) != 1 {
		t.Fatalf("edge credentials after restore: %v", list)
	}
	bid, bkey, _ := ReadCredentials(standby)
	pid, pkey, _ := ReadCredentials(filepath.Join(dir, "primary"))
	if bid != pid || bkey != pkey || bid == "" {
		t.Fatal("the standby has other admin credentials")
	}

	// The running standby's store is locked; once stopped it holds data.
	if _, err := Restore(standby, out, RestoreOptions{SecretKeyFile: key2, Force: true, Log: log}); err == nil {
		t.Fatal("restored over a running admin's store")
	}
	b.Close()
	if _, err := Restore(standby, out, RestoreOptions{SecretKeyFile: key2, Log: log}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("restore over data: %v, want ErrNotEmpty", err)
	}
	if _, err := Restore(standby, out, RestoreOptions{SecretKeyFile: key2, Force: true, Log: log}); err != nil {
		t.Fatalf("forced restore: %v", err)
	}
	bad := filepath.Join(dir, "bad.tar")
	os.WriteFile(bad, []byte("not a tar archive at all, just text padded to a block........................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"), 0o600)
	if _, err := Restore(filepath.Join(dir, "third"), bad, RestoreOptions{Log: log}); err == nil || !strings.Contains(err.Error(), "not an edgegate backup") {
		t.Fatalf("restore of a non-backup: %v", err)
	}
	if _, err := os.Stat(DBPath(filepath.Join(dir, "third"))); err == nil {
		t.Fatal("a refused restore created a store")
	}
}
