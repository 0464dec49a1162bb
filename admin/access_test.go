package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// testAdmin is an Admin on a temporary data directory, driven by calling
// its Action handlers directly.
type testAdmin struct {
	t *testing.T
	*Admin
	acts map[string]tcapi.Handler
}

func newTestAdmin(t *testing.T, dir string, opts Options) *testAdmin {
	t.Helper()
	a, err := openTestAdmin(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &testAdmin{t, a, a.actions()}
}

func openTestAdmin(dir string, opts Options) (*Admin, error) {
	opts.DataDir = dir
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(opts)
}

// call runs action with params; it returns the error code ("" on success)
// and the response as generic JSON.
func (ta *testAdmin) call(action string, params any) (string, map[string]any) {
	ta.t.Helper()
	body, _ := json.Marshal(params)
	req, err := tcapi.NewRequest(action, body)
	if err != nil {
		ta.t.Fatal(err)
	}
	h := ta.acts[action]
	if h == nil {
		ta.t.Fatalf("no Action %s", action)
	}
	out, err := h(context.Background(), req)
	var te *tcapi.Error
	if errors.As(err, &te) {
		return te.Code, nil
	}
	if err != nil {
		ta.t.Fatalf("%s: %v", action, err)
	}
	b, _ := json.Marshal(out)
	var m map[string]any
	json.Unmarshal(b, &m)
	return "", m
}

// must runs action and fails the test on an error code.
func (ta *testAdmin) must(action string, params any) map[string]any {
	ta.t.Helper()
	code, m := ta.call(action, params)
	if code != "" {
		ta.t.Fatalf("%s %v: %s", action, params, code)
	}
	return m
}

func (ta *testAdmin) want(code, action string, params any) {
	ta.t.Helper()
	if got, _ := ta.call(action, params); got != code {
		ta.t.Fatalf("%s %v: got code %q, want %q", action, params, got, code)
	}
}

func resultMap(m map[string]any) map[string]any { return m["Result"].(map[string]any) }

// service creates a released service with two MOCK APIs.
func (ta *testAdmin) service() (svc string, apis []string) {
	svc = ta.must("CreateService", map[string]any{"ServiceName": "s", "Protocol": "http"})["ServiceId"].(string)
	for _, p := range []string{"/a", "/b"} {
		r := ta.must("CreateApi", map[string]any{"ServiceId": svc, "ServiceType": "MOCK", "ServiceTimeout": 5,
			"RequestConfig": map[string]any{"Path": p, "Method": "GET"}, "ServiceMockReturnMessage": "m"})
		apis = append(apis, resultMap(r)["ApiId"].(string))
	}
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "release", "ReleaseDesc": "r"})
	return svc, apis
}

func (ta *testAdmin) key() (id, secret string) {
	r := resultMap(ta.must("CreateApiKey", map[string]any{"SecretName": "k"}))
	return r["AccessKeyId"].(string), r["AccessKeySecret"].(string)
}

func (ta *testAdmin) plan() string {
	return resultMap(ta.must("CreateUsagePlan", map[string]any{"UsagePlanName": "p", "MaxRequestNumPreSec": 100}))["UsagePlanId"].(string)
}

// TestPublishCarriesAccess: after binding, the published value holds the
// key with its clear secret, the plan with its keys and bindings and the
// app with its APIs; disabling and rotating publish at once.
func TestPublishCarriesAccess(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.service()
	kid, secret := ta.key()
	plan := ta.plan()
	rev := ta.Revision()
	// Neither renaming a plan nor binding a key to an unbound plan can
	// change traffic: no new revision. (Creating a key publishes: the key
	// table is the edge's, see TestKeyTableFollowsStore.)
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": plan, "AccessKeyIds": []string{kid}})
	ta.must("ModifyUsagePlan", map[string]any{"UsagePlanId": plan, "UsagePlanName": "renamed"})
	if ta.Revision() != rev {
		t.Fatalf("revision moved from %d to %d without a traffic change", rev, ta.Revision())
	}
	ta.must("BindEnvironment", map[string]any{"UsagePlanIds": []string{plan}, "BindType": "SERVICE", "Environment": "release", "ServiceId": svc})
	if ta.Revision() != rev+1 {
		t.Fatalf("BindEnvironment did not publish: revision %d", ta.Revision())
	}
	acc := ta.Snapshot().Published.Access
	if acc == nil || len(acc.Keys) != 1 || acc.Keys[0].SecretId != kid || acc.Keys[0].SecretKey != secret || acc.Keys[0].Status != 1 {
		t.Fatalf("published keys: %+v", acc)
	}
	if len(acc.Plans) != 1 || acc.Plans[0].UsagePlanId != plan || acc.Plans[0].MaxRequestNumPreSec != 100 || acc.Plans[0].MaxRequestNum != -1 ||
		len(acc.Plans[0].SecretIds) != 1 || acc.Plans[0].SecretIds[0] != kid ||
		len(acc.Plans[0].Bindings) != 1 || acc.Plans[0].Bindings[0].ServiceId != svc || acc.Plans[0].Bindings[0].Environment != "release" || acc.Plans[0].Bindings[0].ApiId != "" {
		t.Fatalf("published plans: %+v", acc.Plans)
	}

	ta.must("DisableApiKey", map[string]any{"AccessKeyId": kid})
	if acc := ta.Snapshot().Published.Access; acc.Keys[0].Status != 0 {
		t.Fatalf("disable not published: %+v", acc.Keys)
	}
	ta.must("EnableApiKey", map[string]any{"AccessKeyId": kid})
	rot := resultMap(ta.must("UpdateApiKey", map[string]any{"AccessKeyId": kid}))["AccessKeySecret"].(string)
	if rot == secret {
		t.Fatal("rotation kept the secret")
	}
	if acc := ta.Snapshot().Published.Access; acc.Keys[0].SecretKey != rot {
		t.Fatalf("rotation not published: %+v", acc.Keys)
	}
	ta.must("ModifyUsagePlan", map[string]any{"UsagePlanId": plan, "MaxRequestNum": 1000})
	if acc := ta.Snapshot().Published.Access; acc.Plans[0].MaxRequestNum != 1000 {
		t.Fatalf("limit change not published: %+v", acc.Plans)
	}

	app := resultMap(ta.must("CreateApiApp", map[string]any{"ApiAppName": "a"}))
	appID, appKey, appSecret := app["ApiAppId"].(string), app["ApiAppKey"].(string), app["ApiAppSecret"].(string)
	ta.must("BindApiApp", map[string]any{"ApiAppId": appID, "Environment": "release", "ServiceId": svc, "ApiId": apis[1]})
	acc = ta.Snapshot().Published.Access
	if len(acc.Apps) != 1 || acc.Apps[0].ApiAppId != appID || acc.Apps[0].ApiAppKey != appKey || acc.Apps[0].ApiAppSecret != appSecret ||
		len(acc.Apps[0].Apis) != 1 || acc.Apps[0].Apis[0].ApiId != apis[1] || acc.Apps[0].Apis[0].Environment != "release" {
		t.Fatalf("published apps: %+v", acc.Apps)
	}
	ta.must("UpdateApiAppKey", map[string]any{"ApiAppId": appID, "ApiAppKey": appKey, "ApiAppSecret": "new_secret_123"})
	if acc := ta.Snapshot().Published.Access; acc.Apps[0].ApiAppSecret != "new_secret_123" {
		t.Fatalf("app secret update not published: %+v", acc.Apps)
	}
	ta.want("InvalidParameterValue", "UpdateApiAppKey", map[string]any{"ApiAppId": appID, "ApiAppKey": "APIDwrong", "ApiAppSecret": "other_secret_1"})
	ta.must("UnbindApiApp", map[string]any{"ApiAppId": appID, "Environment": "release", "ServiceId": svc, "ApiId": apis[1]})
	if acc := ta.Snapshot().Published.Access; len(acc.Apps[0].Apis) != 0 {
		t.Fatalf("unbind not published: %+v", acc.Apps)
	}
	// The published document (what remote edges receive) carries it too.
	var doc struct {
		Access struct {
			Keys []struct{ SecretId, SecretKey string }
		}
	}
	json.Unmarshal(ta.current.doc, &doc)
	if len(doc.Access.Keys) != 1 || doc.Access.Keys[0].SecretKey != rot {
		t.Fatalf("EdgeSync document: %s", ta.current.doc)
	}
}

// TestSharedKeyRule: two plans that reach the same API of one service
// environment cannot share a key (seed 创建使用计划及密钥), whichever is done
// first; API-level plans on different APIs may; the two binding kinds
// don't mix in one environment.
func TestSharedKeyRule(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.service()
	kid, _ := ta.key()
	p1, p2, p3 := ta.plan(), ta.plan(), ta.plan()
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": p1, "AccessKeyIds": []string{kid}})
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": p2, "AccessKeyIds": []string{kid}})
	ta.must("BindEnvironment", map[string]any{"UsagePlanIds": []string{p1}, "BindType": "SERVICE", "Environment": "release", "ServiceId": svc})
	// Key first, then the environment.
	ta.want("UnsupportedOperation.UnsupportedBindEnvironment", "BindEnvironment",
		map[string]any{"UsagePlanIds": []string{p2}, "BindType": "SERVICE", "Environment": "release", "ServiceId": svc})
	// Environment first, then the key.
	ta.must("BindEnvironment", map[string]any{"UsagePlanIds": []string{p3}, "BindType": "SERVICE", "Environment": "release", "ServiceId": svc})
	ta.want("UnsupportedOperation.UnsupportedBindApiKey", "BindSecretIds", map[string]any{"UsagePlanId": p3, "AccessKeyIds": []string{kid}})
	// Another environment is fine.
	ta.must("BindEnvironment", map[string]any{"UsagePlanIds": []string{p2}, "BindType": "SERVICE", "Environment": "test", "ServiceId": svc})
	// No API-level plan beside service-level ones.
	ta.want("UnsupportedOperation.UnsupportedBindEnvironment", "BindEnvironment",
		map[string]any{"UsagePlanIds": []string{p2}, "BindType": "API", "Environment": "release", "ServiceId": svc, "ApiIds": []string{apis[0]}})
	// Demote p1 and p3 to API level, then plans on different APIs share a key.
	ta.must("DemoteServiceUsagePlan", map[string]any{"UsagePlanId": p1, "ServiceId": svc, "Environment": "release"})
	ta.must("DemoteServiceUsagePlan", map[string]any{"UsagePlanId": p3, "ServiceId": svc, "Environment": "release"})
	ta.want("UnsupportedOperation.NoUsagePlanEnv", "DemoteServiceUsagePlan", map[string]any{"UsagePlanId": p3, "ServiceId": svc, "Environment": "release"})
	ta.must("UnBindEnvironment", map[string]any{"UsagePlanIds": []string{p1}, "BindType": "API", "Environment": "release", "ServiceId": svc, "ApiIds": []string{apis[1]}})
	ta.must("UnBindEnvironment", map[string]any{"UsagePlanIds": []string{p3}, "BindType": "API", "Environment": "release", "ServiceId": svc, "ApiIds": []string{apis[0]}})
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": p3, "AccessKeyIds": []string{kid}})
	ta.want("UnsupportedOperation.UnsupportedBindEnvironment", "BindEnvironment",
		map[string]any{"UsagePlanIds": []string{p3}, "BindType": "API", "Environment": "release", "ServiceId": svc, "ApiIds": []string{apis[0]}})
	acc := ta.Snapshot().Published.Access
	for _, p := range acc.Plans {
		for _, b := range p.Bindings {
			if p.UsagePlanId == p1 && b.Environment == "release" && b.ApiId != apis[0] || p.UsagePlanId == p3 && b.ApiId != apis[1] {
				t.Fatalf("published bindings after demote/unbind: %+v", acc.Plans)
			}
		}
	}
	// Nothing is deleted while in use.
	ta.want("UnsupportedOperation.UsagePlanInUse", "DeleteUsagePlan", map[string]any{"UsagePlanId": p1})
	ta.want("UnsupportedOperation.InvalidStatus", "DeleteApiKey", map[string]any{"AccessKeyId": kid})
	ta.must("DisableApiKey", map[string]any{"AccessKeyId": kid})
	ta.want("UnsupportedOperation.ResourceIsInUse", "DeleteApiKey", map[string]any{"AccessKeyId": kid})
}

// TestAccessLimits: the tenant and binding limits of 使用限制.
func TestAccessLimits(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{Limits: Limits{UsagePlans: 3, ApiKeys: 3, KeysPerPlan: 2, PlansPerKey: 2, ApiApps: 1}})
	k1, _ := ta.key()
	k2, _ := ta.key()
	k3, _ := ta.key()
	ta.want("LimitExceeded.ApiKeyCountLimitExceeded", "CreateApiKey", map[string]any{"SecretName": "x"})
	p1, p2, p3 := ta.plan(), ta.plan(), ta.plan()
	ta.want("LimitExceeded.UsagePlanLimitExceeded", "CreateUsagePlan", map[string]any{"UsagePlanName": "x"})
	ta.want("LimitExceeded", "BindSecretIds", map[string]any{"UsagePlanId": p1, "AccessKeyIds": []string{k1, k2, k3}})
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": p1, "AccessKeyIds": []string{k1, k2}})
	ta.want("UnsupportedOperation.AlreadyBindUsagePlan", "BindSecretIds", map[string]any{"UsagePlanId": p1, "AccessKeyIds": []string{k1}})
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": p2, "AccessKeyIds": []string{k1}})
	ta.want("LimitExceeded", "BindSecretIds", map[string]any{"UsagePlanId": p3, "AccessKeyIds": []string{k1}})
	// All or nothing: the refused call bound nothing.
	if ids := resultMap(ta.must("DescribeUsagePlan", map[string]any{"UsagePlanId": p3}))["BindSecretIds"].([]any); len(ids) != 0 {
		t.Fatalf("refused bind left %v", ids)
	}
	ta.must("CreateApiApp", map[string]any{"ApiAppName": "a"})
	ta.want("LimitExceeded.ApiAppCountLimitExceeded", "CreateApiApp", map[string]any{"ApiAppName": "b"})
}

// TestSecretsAtRest: with a key file the store file never holds a secret
// in clear; a restart with the same key works; another key, or none,
// refuses to start and changes nothing; clear secrets of an earlier start
// are sealed when a key file is given.
func TestSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "master.key")
	ta := newTestAdmin(t, dir, Options{SecretKeyFile: keyFile})
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 || st.Size() != 32 {
		t.Fatalf("key file: %v %v", st, err)
	}
	kid, secret := ta.key()
	manual := "manual_secret_value_42"
	ta.must("CreateApiKey", map[string]any{"SecretName": "m", "AccessKeyType": "manual", "AccessKeyId": "mykey_1", "AccessKeySecret": manual})
	rotated := resultMap(ta.must("UpdateApiKey", map[string]any{"AccessKeyId": "mykey_1", "AccessKeySecret": "manual_secret_value_43"}))["AccessKeySecret"].(string)
	app := resultMap(ta.must("CreateApiApp", map[string]any{"ApiAppName": "a"}))
	appSecret := app["ApiAppSecret"].(string)
	db, err := os.ReadFile(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, manual, rotated, appSecret} {
		if bytes.Contains(db, []byte(s)) {
			t.Fatalf("the store holds secret %q in clear", s)
		}
	}
	if !bytes.Contains(db, []byte(kid)) {
		t.Fatal("the key id should be in the store (sanity check of the grep)")
	}
	ta.Close()

	// The same key file opens them.
	ta = newTestAdmin(t, dir, Options{SecretKeyFile: keyFile})
	if got := resultMap(ta.must("DescribeApiKey", map[string]any{"AccessKeyId": kid}))["AccessKeySecret"]; got != secret {
		t.Fatalf("after restart DescribeApiKey secret = %v", got)
	}
	ta.Close()
	before, _ := os.ReadFile(DBPath(dir))

	// Another key file, or none: refused, store unchanged.
	other := filepath.Join(t.TempDir(), "other.key")
	os.WriteFile(other, bytes.Repeat([]byte{7}, 32), 0o600)
	if _, err := openTestAdmin(dir, Options{SecretKeyFile: other}); !errors.Is(err, ErrSecretKeyMismatch) {
		t.Fatalf("wrong key file: %v", err)
	}
	if _, err := openTestAdmin(dir, Options{}); !errors.Is(err, ErrSecretKeyRequired) {
		t.Fatalf("no key file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("short"), 0o600)
	if _, err := openTestAdmin(dir, Options{SecretKeyFile: bad}); err == nil {
		t.Fatal("a 5-byte key file was accepted")
	}
	after, _ := os.ReadFile(DBPath(dir))
	if !bytes.Equal(before, after) {
		t.Fatal("a refused start changed the store")
	}

	// Clear secrets from a start without a key are sealed by one with it.
	dir2 := t.TempDir()
	tb := newTestAdmin(t, dir2, Options{})
	_, clear := tb.key()
	tb.Close()
	if db, _ := os.ReadFile(DBPath(dir2)); !bytes.Contains(db, []byte(clear)) {
		t.Fatal("without a key file the secret should be in clear (sanity)")
	}
	tb = newTestAdmin(t, dir2, Options{SecretKeyFile: filepath.Join(t.TempDir(), "k")})
	if db, _ := os.ReadFile(DBPath(dir2)); bytes.Contains(db, []byte(clear)) {
		t.Fatal("the clear secret survived sealing")
	}
	tb.key()
}

// TestKeyAndPlanInput: bad input gets the seed's codes.
func TestKeyAndPlanInput(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	ta.want("MissingParameter", "CreateApiKey", map[string]any{})
	ta.want("InvalidParameterValue.NotInOptions", "CreateApiKey", map[string]any{"SecretName": "k", "AccessKeyType": "magic"})
	ta.want("MissingParameter", "CreateApiKey", map[string]any{"SecretName": "k", "AccessKeyType": "manual", "AccessKeyId": "abcde"})
	ta.want("InvalidParameter.FormatError", "CreateApiKey", map[string]any{"SecretName": "k", "AccessKeyType": "manual", "AccessKeyId": "ab", "AccessKeySecret": "0123456789"})
	ta.want("InvalidParameter.FormatError", "CreateApiKey", map[string]any{"SecretName": "k", "AccessKeyType": "manual", "AccessKeyId": "abcde", "AccessKeySecret": "short"})
	ta.must("CreateApiKey", map[string]any{"SecretName": "k", "AccessKeyType": "manual", "AccessKeyId": "abcde", "AccessKeySecret": "0123456789"})
	ta.want("FailedOperation.AccessKeyExist", "CreateApiKey", map[string]any{"SecretName": "k", "AccessKeyType": "manual", "AccessKeyId": "abcde", "AccessKeySecret": "0123456789"})
	ta.want("InvalidParameterValue", "UpdateApiKey", map[string]any{"AccessKeyId": "abcde", "AccessKeySecret": "0123456789"})
	ta.want("ResourceNotFound.InvalidAccessKeyId", "DescribeApiKey", map[string]any{"AccessKeyId": "nope1"})
	ta.want("UnsupportedOperation.UnsupportedUpdateApiKey", "EnableApiKey", map[string]any{"AccessKeyId": "abcde"})
	ta.want("InvalidParameterValue.RangeExceeded", "CreateUsagePlan", map[string]any{"UsagePlanName": "p", "MaxRequestNumPreSec": 2001})
	ta.want("InvalidParameterValue.RangeExceeded", "CreateUsagePlan", map[string]any{"UsagePlanName": "p", "MaxRequestNum": 0})
	ta.want("ResourceNotFound.InvalidUsagePlan", "DescribeUsagePlan", map[string]any{"UsagePlanId": "usagePlan-none"})
	p := ta.plan()
	ta.want("InvalidParameterValue.NotInOptions", "BindEnvironment", map[string]any{"UsagePlanIds": []string{p}, "BindType": "X", "Environment": "release", "ServiceId": "s"})
	ta.want("ResourceNotFound.InvalidService", "BindEnvironment", map[string]any{"UsagePlanIds": []string{p}, "Environment": "release", "ServiceId": "service-none"})
	svc, _ := ta.service()
	ta.want("InvalidParameterValue.InvalidApiIds", "BindEnvironment", map[string]any{"UsagePlanIds": []string{p}, "BindType": "API", "Environment": "release", "ServiceId": svc})
	ta.want("ResourceNotFound.InvalidApi", "BindEnvironment", map[string]any{"UsagePlanIds": []string{p}, "BindType": "API", "Environment": "release", "ServiceId": svc, "ApiIds": []string{"api-none"}})
	ta.want("InvalidParameterValue", "BindEnvironment", map[string]any{"UsagePlanIds": []string{p}, "Environment": "live", "ServiceId": svc})
	ta.want("UnsupportedOperation.UnsupportedUnBindEnvironment", "UnBindEnvironment", map[string]any{"UsagePlanIds": []string{p}, "Environment": "release", "ServiceId": svc})
	ta.want("InvalidParameterValue.InvalidEnv", "BindApiApp", map[string]any{"ApiAppId": "app-x", "Environment": "live", "ServiceId": svc, "ApiId": "x"})
}

// TestPublishOnlyLiveBindings: a binding to an environment that is not
// released, or to an API its running version lacks, is not published;
// it is once a release makes it apply, and goes when the API does.
func TestPublishOnlyLiveBindings(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.service() // released to release only
	kid, _ := ta.key()
	plan := ta.plan()
	ta.must("BindSecretIds", map[string]any{"UsagePlanId": plan, "AccessKeyIds": []string{kid}})
	ta.must("BindEnvironment", map[string]any{"UsagePlanIds": []string{plan}, "BindType": "API", "Environment": "test", "ServiceId": svc, "ApiIds": apis})
	bindings := func() int {
		acc := ta.Snapshot().Published.Access
		if acc == nil || len(acc.Plans) != 1 {
			t.Fatalf("published plans: %+v", acc)
		}
		return len(acc.Plans[0].Bindings)
	}
	if n := bindings(); n != 0 {
		t.Fatalf("bindings to an unreleased environment published: %d", n)
	}
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "test", "ReleaseDesc": "r"})
	if n := bindings(); n != 2 {
		t.Fatalf("after release %d bindings published, want 2", n)
	}
	ta.must("DeleteApi", map[string]any{"ServiceId": svc, "ApiId": apis[0]})
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "test", "ReleaseDesc": "r2"})
	if n := bindings(); n != 1 {
		t.Fatalf("after the API left the release %d bindings published, want 1", n)
	}
	// The stale binding can still be removed.
	ta.must("UnBindEnvironment", map[string]any{"UsagePlanIds": []string{plan}, "BindType": "API", "Environment": "test", "ServiceId": svc, "ApiIds": apis[:1]})
}

func TestLoadSecretKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	raw := bytes.Repeat([]byte{0xab}, 32)
	if k, created, err := LoadSecretKey(write("raw", raw, 0o600)); err != nil || created || !bytes.Equal(k, raw) {
		t.Fatalf("raw: %x %v %v", k, created, err)
	}
	if k, _, err := LoadSecretKey(write("hex", []byte(strings.Repeat("ab", 32)+"\n"), 0o600)); err != nil || !bytes.Equal(k, raw) {
		t.Fatalf("hex: %x %v", k, err)
	}
	for name, b := range map[string][]byte{"short": raw[:31], "long": append(raw, 1), "badhex": []byte(strings.Repeat("zz", 32))} {
		if _, _, err := LoadSecretKey(write(name, b, 0o600)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, _, err := LoadSecretKey(write("open", raw, 0o644)); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file: %v", err)
	}
}
