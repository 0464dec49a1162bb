package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// TestSecretKeyFile: with --secret-key-file, a copy of the database file
// taken while the admin runs holds no API key or app secret in clear; a
// restart with the same key file serves them; another key file, or none,
// refuses to start with a clear message and leaves the store as it was.
func TestSecretKeyFile(t *testing.T) {
	defer catchSDK(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	cp := startControlPlane(t, "--secret-key-file", keyFile)
	c := cp.sdk("", "")

	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("auto")
	auto := mustSDK(c.CreateApiKey(ck)).Response.Result
	ck.SecretName = common.StringPtr("manual")
	ck.AccessKeyType = common.StringPtr("manual")
	ck.AccessKeyId = common.StringPtr("manual_key_1")
	ck.AccessKeySecret = common.StringPtr("manual_secret_0001")
	mustSDK(c.CreateApiKey(ck))
	uk := apigw.NewUpdateApiKeyRequest()
	uk.AccessKeyId = auto.AccessKeyId
	rotated := *mustSDK(c.UpdateApiKey(uk)).Response.Result.AccessKeySecret
	var app struct{ Result struct{ ApiAppSecret string } }
	mustCall(t, cp.client(), "CreateApiApp", map[string]any{"ApiAppName": "a"}, &app)

	// Copy the file while the process runs, as a backup or a thief would.
	db, err := os.ReadFile(filepath.Join(cp.Data, "edgegate.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{*auto.AccessKeySecret, rotated, "manual_secret_0001", app.Result.ApiAppSecret} {
		if bytes.Contains(db, []byte(s)) {
			t.Fatalf("the database file holds secret %q in clear", s)
		}
	}
	if !bytes.Contains(db, []byte("manual_key_1")) {
		t.Fatal("sanity: the key id should be in the file")
	}

	// Restart with the same key file.
	cp.stop(syscall.SIGTERM)
	cp.start()
	dk := apigw.NewDescribeApiKeyRequest()
	dk.AccessKeyId = common.StringPtr("manual_key_1")
	if got := *mustSDK(cp.sdk("", "").DescribeApiKey(dk)).Response.Result.AccessKeySecret; got != "manual_secret_0001" {
		t.Fatalf("after restart: %q", got)
	}
	cp.stop(syscall.SIGTERM)
	before, _ := os.ReadFile(filepath.Join(cp.Data, "edgegate.db"))

	other := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(other, bytes.Repeat([]byte("k"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	cp.refused([]string{"--secret-key-file", other}, "does not open the stored secrets")
	cp.refused(nil, "start with --secret-key-file")
	// The control plane alone (split mode) checks the same way.
	(&controlPlane{t: t, mode: "admin", Data: cp.Data, Admin: cp.Admin}).refused([]string{"--secret-key-file", other}, "does not open the stored secrets")
	after, _ := os.ReadFile(filepath.Join(cp.Data, "edgegate.db"))
	if !bytes.Equal(before, after) {
		t.Fatal("a refused start changed the database file")
	}
}

// TestSecretsInClearWarn: without --secret-key-file the start warns that
// secrets are stored in clear.
func TestSecretsInClearWarn(t *testing.T) {
	cp := startControlPlane(t)
	if !strings.Contains(cp.logs.String(), "stored in clear") {
		t.Fatalf("no warning about clear secrets:\n%s", cp.logs.String())
	}
}

// TestAdminRekey: `edgegate admin rekey` moves a stopped gateway's store to
// a new master key. While the gateway runs it is refused (the store's
// lock) and changes nothing; after it, a start with the new key serves the
// same secrets and one with the old key is refused.
func TestAdminRekey(t *testing.T) {
	defer catchSDK(t)
	keys := t.TempDir()
	oldKey, newKey := filepath.Join(keys, "old.key"), filepath.Join(keys, "new.key")
	cp := startControlPlane(t, "--secret-key-file", oldKey)
	ck := apigw.NewCreateApiKeyRequest()
	ck.SecretName = common.StringPtr("manual")
	ck.AccessKeyType = common.StringPtr("manual")
	ck.AccessKeyId = common.StringPtr("rekey_key_1")
	ck.AccessKeySecret = common.StringPtr("rekey_secret_0001")
	mustSDK(cp.sdk("", "").CreateApiKey(ck))
	rekey := func() (string, error) {
		out, err := exec.Command(gatewayBin, "admin", "rekey", "--data", cp.Data,
			"--secret-key-file", oldKey, "--new-secret-key-file", newKey).CombinedOutput()
		return string(out), err
	}

	if out, err := rekey(); err == nil || !strings.Contains(out, "lock") {
		t.Fatalf("rekey while the gateway runs: %v\n%s", err, out)
	}
	if _, err := os.Stat(newKey); err == nil {
		t.Fatal("a refused rekey wrote the new key file")
	}
	cp.stop(syscall.SIGTERM)
	out, err := rekey()
	if err != nil || !strings.Contains(out, "1 secrets") {
		t.Fatalf("rekey: %v\n%s", err, out)
	}

	cp.refused([]string{"--secret-key-file", oldKey}, "does not open the stored secrets")
	cp.extraFlags = []string{"--secret-key-file", newKey}
	cp.start()
	dk := apigw.NewDescribeApiKeyRequest()
	dk.AccessKeyId = common.StringPtr("rekey_key_1")
	if got := *mustSDK(cp.sdk("", "").DescribeApiKey(dk)).Response.Result.AccessKeySecret; got != "rekey_secret_0001" {
		t.Fatalf("after rekey: %q", got)
	}
}
