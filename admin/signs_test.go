package admin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/backendsign"
)

func ptr[T any](v T) *T { return &v }

// wantHWCode checks that err is an *hwapi.Error with status and code.
func wantHWCode(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var he *hwapi.Error
	if !errors.As(err, &he) || he.Status != status || he.Code != code {
		t.Errorf("%s: got %v, want %d %s", what, err, status, code)
	}
}

func TestSignSpecRules(t *testing.T) {
	ok := func(in signIn) signSpec {
		t.Helper()
		s, err := in.spec(nil)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		if _, err := backendsign.NewKey(s.Type, s.Key, s.Secret, s.Algorithm); err != nil {
			t.Fatalf("%+v gave a key the signer refuses: %v", s, err)
		}
		return s
	}
	bad := func(in signIn, param string) {
		t.Helper()
		_, err := in.spec(nil)
		var he *hwapi.Error
		if !errors.As(err, &he) || he.Status != 400 || !strings.Contains(he.Msg, "parameterName:"+param) {
			t.Errorf("%+v: got %v, want 400 naming %s", in, err, param)
		}
	}
	// Defaults: hmac, a generated key and secret of the type's shape.
	s := ok(signIn{Name: ptr("signature_demo")})
	if s.Type != "hmac" || len(s.Key) != 32 || len(s.Secret) != 32 || s.Algorithm != "" {
		t.Errorf("defaults: %+v", s)
	}
	ok(signIn{Name: ptr("签名密钥_1")})
	ok(signIn{Name: ptr("abc"), SignKey: ptr("1abc-_XY"), SignSecret: ptr("0123456789abcd!@#$%")})
	ok(signIn{Name: ptr("abc"), SignType: ptr("basic"), SignKey: ptr("user"), SignSecret: ptr("pass_wo!")})
	b := ok(signIn{Name: ptr("abc"), SignType: ptr("basic")})
	if !isLetter(b.Key[0]) {
		t.Errorf("generated basic user %q starts with a non-letter", b.Key)
	}
	a128 := ok(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-128-cfb")})
	a256 := ok(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-256-cfb")})
	if len(a128.Key) != 16 || len(a256.Key) != 32 || len(a128.Secret) != 16 || len(a256.Secret) != 16 {
		t.Errorf("generated aes keys: %+v %+v", a128, a256)
	}
	ok(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-128-cfb"), SignKey: ptr("+/ab!@#$%_-=0123"), SignSecret: ptr("/0123456789abcd=")})

	bad(signIn{}, "name")
	bad(signIn{Name: ptr("ab")}, "name")
	bad(signIn{Name: ptr(strings.Repeat("a", 65))}, "name")
	bad(signIn{Name: ptr("1abc")}, "name")
	bad(signIn{Name: ptr("_abc")}, "name")
	bad(signIn{Name: ptr("ab-c")}, "name")
	bad(signIn{Name: ptr("abc"), SignType: ptr("rsa")}, "sign_type")
	bad(signIn{Name: ptr("abc"), SignType: ptr("public_key")}, "sign_type")
	bad(signIn{Name: ptr("abc"), SignAlgorithm: ptr("aes-128-cfb")}, "sign_algorithm")
	bad(signIn{Name: ptr("abc"), SignType: ptr("aes")}, "sign_algorithm")
	bad(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-192-cfb")}, "sign_algorithm")
	bad(signIn{Name: ptr("abc"), SignKey: ptr("short")}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignKey: ptr(strings.Repeat("k", 33))}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignKey: ptr("-startsbad")}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignKey: ptr("has!bang1")}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignSecret: ptr("too-short-12345")}, "sign_secret")
	bad(signIn{Name: ptr("abc"), SignSecret: ptr(strings.Repeat("s", 65))}, "sign_secret")
	bad(signIn{Name: ptr("abc"), SignSecret: ptr("0123456789abcdef+")}, "sign_secret")
	bad(signIn{Name: ptr("abc"), SignType: ptr("basic"), SignKey: ptr("1user")}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignType: ptr("basic"), SignKey: ptr("usr")}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignType: ptr("basic"), SignSecret: ptr("short1!")}, "sign_secret")
	bad(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-256-cfb"), SignKey: ptr("0123456789abcdef")}, "sign_key")
	bad(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-128-cfb"), SignSecret: ptr("0123456789abcdef0")}, "sign_secret")
	bad(signIn{Name: ptr("abc"), SignType: ptr("aes"), SignAlgorithm: ptr("aes-128-cfb"), SignKey: ptr("=123456789abcdef")}, "sign_key")

	// A change keeps what it does not name, while it fits the type.
	old := signSpec{Name: "abc", Type: "hmac", Key: "1abc-_XY", Secret: "0123456789abcdef"}
	c, err := (&signIn{Name: ptr("renamed")}).spec(&old)
	if err != nil || c.Key != old.Key || c.Secret != old.Secret || c.Type != "hmac" {
		t.Errorf("rename: %+v %v", c, err)
	}
	// To basic: the user must start with a letter, so a new one is made;
	// the secret fits and stays.
	c, err = (&signIn{Name: ptr("abc"), SignType: ptr("basic")}).spec(&old)
	if err != nil || c.Key == old.Key || !isLetter(c.Key[0]) || c.Secret != old.Secret {
		t.Errorf("to basic: %+v %v", c, err)
	}
}

func TestSignStoreAndPublish(t *testing.T) {
	ta := newTestAdmin(t, t.TempDir(), Options{})
	svc, apis := ta.service()
	k, err := ta.createSign(signSpec{Name: "sig_one", Type: "hmac", Key: "signkeysignkey", Secret: "sig_secret-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ta.createSign(signSpec{Name: "sig_one", Type: "basic", Key: "user", Secret: "password"})
	wantHWCode(t, "duplicate name", err, 400, codeSignNameTaken)
	k2, err := ta.createSign(signSpec{Name: "sig_two", Type: "aes", Key: "0123456789abcdef", Secret: "fedcba9876543210", Algorithm: "aes-128-cfb"})
	if err != nil {
		t.Fatal(err)
	}
	rev := ta.Revision()
	if ta.Snapshot().Published.Signing != nil {
		t.Fatal("an unbound key was published")
	}

	rel := target{svc, "release", apis[0]}
	_, bs, err := ta.bindSign(k.Id, []target{rel, rel})
	if err != nil || len(bs) != 2 || bs[0].Id != bs[1].Id {
		t.Fatalf("bind: %v %+v", err, bs)
	}
	if ta.Revision() != rev+1 {
		t.Fatalf("binding did not publish (revision %d after %d)", ta.Revision(), rev)
	}
	sg := ta.Snapshot().Published.Signing
	if sg == nil || len(sg.Keys) != 1 || sg.Keys[0].SignSecret != "sig_secret-0123456789" || sg.Keys[0].SignKey != "signkeysignkey" ||
		len(sg.Bindings) != 1 || sg.Bindings[0].ApiId != apis[0] {
		t.Fatalf("published signing: %+v", sg)
	}
	signed := 0
	for _, r := range ta.Snapshot().Router.Routes() {
		if sk := ta.Snapshot().Signing[r.Index]; sk != nil {
			signed++
			if r.ApiId != apis[0] || sk.Access != "signkeysignkey" {
				t.Errorf("route %s signs with %s", r.ApiId, sk.Access)
			}
		}
	}
	if signed != 1 {
		t.Errorf("%d routes sign", signed)
	}
	// Again: the binding it has, nothing published.
	rev = ta.Revision()
	if _, again, err := ta.bindSign(k.Id, []target{rel}); err != nil || again[0].Id != bs[0].Id || ta.Revision() != rev {
		t.Errorf("re-bind: %v %+v, revision %d→%d", err, again, rev, ta.Revision())
	}
	// Another key on the same API and environment is refused.
	_, _, err = ta.bindSign(k2.Id, []target{rel})
	wantHWCode(t, "second key", err, 400, hwapi.CodeConflict)
	// The same API in an environment that does not run it: stored, not published.
	if _, _, err := ta.bindSign(k2.Id, []target{{svc, "test", apis[0]}}); err != nil {
		t.Fatal(err)
	}
	if sg := ta.Snapshot().Published.Signing; len(sg.Bindings) != 1 || len(sg.Keys) != 1 {
		t.Errorf("an unreleased binding was published: %+v", sg)
	}
	ta.must("ReleaseService", map[string]any{"ServiceId": svc, "EnvironmentName": "test", "ReleaseDesc": "t"})
	if sg := ta.Snapshot().Published.Signing; len(sg.Bindings) != 2 || len(sg.Keys) != 2 {
		t.Errorf("released: %+v", sg)
	}

	// Changing a bound key publishes the new secret.
	if _, _, err := ta.updateSign(k.Id, &signIn{Name: ptr("sig_one"), SignSecret: ptr("new-secret-0123456789")}); err != nil {
		t.Fatal(err)
	}
	for _, pk := range ta.Snapshot().Published.Signing.Keys {
		if pk.SignId == k.Id && pk.SignSecret != "new-secret-0123456789" {
			t.Errorf("after the change: %+v", pk)
		}
	}
	_, _, err = ta.updateSign(k.Id, &signIn{Name: ptr("sig_two")})
	wantHWCode(t, "rename onto another", err, 400, codeSignNameTaken)
	_, _, err = ta.updateSign("0123", &signIn{Name: ptr("sig_x")})
	wantHWCode(t, "change unknown", err, 404, codeNoSign)

	// Unbinding.
	wantHWCode(t, "unbind unknown", ta.unbindSign("nope"), 404, codeNoSignBinding)
	if err := ta.unbindSign(bs[0].Id); err != nil {
		t.Fatal(err)
	}
	if sg := ta.Snapshot().Published.Signing; len(sg.Bindings) != 1 || sg.Bindings[0].SignId != k2.Id {
		t.Errorf("after unbinding: %+v", sg)
	}
	wantHWCode(t, "unbind twice", ta.unbindSign(bs[0].Id), 404, codeNoSignBinding)

	// Deleting a bound key unbinds it (Huawei DeleteSignatureKeyV2).
	if err := ta.deleteSign(k2.Id); err != nil {
		t.Fatal(err)
	}
	if sg := ta.Snapshot().Published.Signing; sg != nil {
		t.Errorf("after deleting the bound key: %+v", sg)
	}
	wantHWCode(t, "delete twice", ta.deleteSign(k2.Id), 404, codeNoSign)
	wantHWCode(t, "bind deleted", func() error { _, _, err := ta.bindSign(k2.Id, []target{rel}); return err }(), 404, codeNoSign)
}

// TestSignSecretsSealed: with a master key the store holds neither the
// key nor the secret in clear, and a restart opens them.
func TestSignSecretsSealed(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "master.key")
	ta := newTestAdmin(t, dir, Options{SecretKeyFile: keyFile})
	svc, apis := ta.service()
	k, err := ta.createSign(signSpec{Name: "sealed", Type: "aes", Key: "0123456789abcdef0123456789ABCDEF", Secret: "iv_iv_iv_iv_iv_i", Algorithm: "aes-256-cfb"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ta.bindSign(k.Id, []target{{svc, "release", apis[1]}}); err != nil {
		t.Fatal(err)
	}
	ta.Close()
	raw, err := os.ReadFile(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "0123456789abcdef0123456789ABCDEF") || strings.Contains(string(raw), "iv_iv_iv_iv_iv_i") {
		t.Fatal("the store holds the aes key or IV in clear")
	}
	ta = newTestAdmin(t, dir, Options{SecretKeyFile: keyFile})
	sg := ta.Snapshot().Published.Signing
	if sg == nil || sg.Keys[0].SignKey != "0123456789abcdef0123456789ABCDEF" || sg.Keys[0].SignSecret != "iv_iv_iv_iv_iv_i" {
		t.Fatalf("after a restart: %+v", sg)
	}
	// The record is sealed under its own store key: moved, it does not open.
	err = ta.db.View(func(tx *buntdb.Tx) error {
		r, err := getSign(tx, k.Id)
		if err != nil {
			return err
		}
		_, err = ta.openSecret(signKey("other"), r.Secret)
		return err
	})
	if !errors.Is(err, ErrSecretKeyMismatch) {
		t.Errorf("a sealed secret opened under another record: %v", err)
	}
}

func TestMaskSecret(t *testing.T) {
	for in, want := range map[string]string{"dc02fc5f30714d6bb21888389419e2b3": "dc0************2b3", "short": "************"} {
		if got := maskSecret(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}
