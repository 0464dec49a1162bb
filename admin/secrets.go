package admin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/internal/atomicfile"
)

// Secrets at rest. API key secrets and app secrets are what callers sign
// with, certificate private keys what the edge proves its domains with; a
// copy of the store must not be enough to sign requests or impersonate a
// domain. With a master key (--secret-key-file) each secret is sealed with
// AES-256-GCM, the record's store key (apikey:<id>, apiapp:<id>,
// cert:<id>) as additional data so a sealed value moved to another record
// does not open. Without one they are stored in clear and New warns.
//
// Stored form: "gcm1:" + base64(nonce || ciphertext). A clear secret never
// starts with it (secrets are letters, digits and '_'; keys are PEM).

const sealedPrefix = "gcm1:"

// secretCheckKey holds a sealed known value: a wrong key file is caught at
// start even when no secret is stored yet.
const secretCheckKey = "meta:secretcheck"

const secretCheckValue = "edgegate secret key check"

// ErrSecretKeyMismatch: the key file does not open what the store holds.
var ErrSecretKeyMismatch = errors.New("admin: the --secret-key-file key does not open the stored secrets (a different or changed key file); refusing to start, nothing was changed")

// ErrSecretKeyRequired: the store holds sealed secrets and no key file was given.
var ErrSecretKeyRequired = errors.New("admin: the stored secrets are sealed with a master key; start with --secret-key-file pointing at that key file")

type sealer struct{ aead cipher.AEAD }

// LoadSecretKey reads a master key file: exactly 32 bytes, or 64 hex
// digits (surrounding white space ignored). An absent file is created with
// 32 random bytes, mode 0600 (created reports it); keep it off the data
// directory's disk and back it up apart from the store.
func LoadSecretKey(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, false, err
		}
		if err := atomicfile.WriteFile(path, key, 0o600); err != nil {
			return nil, false, fmt.Errorf("admin: creating the secret key file: %w", err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("admin: secret key file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("admin: secret key file %s is readable by other users (mode %v); chmod 600 it", path, st.Mode().Perm())
	}
	if len(b) == 32 {
		return b, false, nil
	}
	if h := strings.TrimSpace(string(b)); len(h) == 64 {
		if k, err := hex.DecodeString(h); err == nil {
			return k, false, nil
		}
	}
	return nil, false, fmt.Errorf("admin: secret key file %s must hold 32 random bytes or 64 hex digits (it has %d bytes)", path, len(b))
}

func newSealer(key []byte) (*sealer, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &sealer{aead}, nil
}

// sealSecret returns the stored form of a secret of record id.
func (a *Admin) sealSecret(id, secret string) string { return a.seal.seal(id, secret) }

// openSecret returns the clear secret of record id from its stored form.
func (a *Admin) openSecret(id, stored string) (string, error) { return a.seal.open(id, stored) }

// seal returns the stored form of a secret of record id; a nil sealer
// (no master key) stores it in clear.
func (s *sealer) seal(id, secret string) string {
	if s == nil {
		return secret
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("admin: no randomness: " + err.Error())
	}
	out := s.aead.Seal(nonce, nonce, []byte(secret), []byte(id))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// open returns the clear secret of record id from its stored form.
func (s *sealer) open(id, stored string) (string, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	if s == nil {
		return "", ErrSecretKeyRequired
	}
	b, err := base64.RawStdEncoding.DecodeString(stored[len(sealedPrefix):])
	ns := s.aead.NonceSize()
	if err != nil || len(b) < ns {
		return "", fmt.Errorf("admin: the sealed secret of %s is damaged", id)
	}
	p, err := s.aead.Open(nil, b[:ns], b[ns:], []byte(id))
	if err != nil {
		return "", ErrSecretKeyMismatch
	}
	return string(p), nil
}

// sameSecret compares two secrets in constant time.
func sameSecret(x, y string) bool {
	return subtle.ConstantTimeCompare([]byte(x), []byte(y)) == 1
}

// secretRecords are the store prefixes whose records hold a Secret field.
var secretRecords = []string{apiKeyPrefix, apiAppPrefix, certPrefix, edgeCredPrefix, apiDocPrefix, signPrefix}

// openSecrets loads the master key (when configured) and checks the store
// against it before anything is compiled: every sealed secret must open.
// With a key, clear secrets left from a start without one are sealed in
// place (one transaction); New's compaction then drops their clear copies.
// A refused start writes nothing.
func (a *Admin) openSecrets() error {
	if a.opts.SecretKeyFile != "" {
		key, created, err := LoadSecretKey(a.opts.SecretKeyFile)
		if err != nil {
			return err
		}
		if created {
			a.log.Warn("admin: created a new secret key file; back it up apart from the data directory", "path", a.opts.SecretKeyFile)
		}
		if a.seal, err = newSealer(key); err != nil {
			return err
		}
	} else {
		a.log.Warn("admin: no --secret-key-file: API key and app secrets and certificate private keys are stored in clear in the store; anyone with a copy of it can sign requests")
	}
	var todo []rewrite
	err := a.db.View(func(tx *buntdb.Tx) error {
		all, checked, err := openAll(tx, a.seal)
		if err != nil || a.seal == nil {
			return err
		}
		if !checked {
			todo = append(todo, rewrite{secretCheckKey, a.sealSecret(secretCheckKey, secretCheckValue)})
		}
		for _, x := range all {
			if !x.sealed {
				todo = append(todo, x.sealedWith(a.seal))
			}
		}
		return nil
	})
	if err != nil || len(todo) == 0 {
		// Nothing written: a refused start leaves the store as it was.
		return err
	}
	if err := a.db.Update(func(tx *buntdb.Tx) error { return setAll(tx, todo) }); err != nil {
		return err
	}
	if len(todo) > 1 || todo[0].k != secretCheckKey {
		a.log.Info("admin: sealed secrets stored in clear by an earlier start", "count", len(todo))
	}
	// New compacts next, so the clear copies leave the file.
	return nil
}

// rewrite is a record to store again.
type rewrite struct{ k, v string }

func setAll(tx *buntdb.Tx, todo []rewrite) error {
	for _, r := range todo {
		if _, _, err := tx.Set(r.k, r.v, nil); err != nil {
			return err
		}
	}
	return nil
}

// openedSecret is a record that holds a secret, opened.
type openedSecret struct {
	k      string
	rec    map[string]json.RawMessage // its members
	plain  string                     // the secret
	sealed bool                       // stored sealed (else in clear)
}

// sealedWith is x's record with its secret sealed by s.
func (x openedSecret) sealedWith(s *sealer) rewrite {
	x.rec["Secret"], _ = json.Marshal(s.seal(x.k, x.plain))
	b, _ := json.Marshal(x.rec)
	return rewrite{x.k, string(b)}
}

// openAll checks the stored check value against s (checked: there is
// one) and opens every secret with it (s nil: the store must hold none
// sealed). A wrong key is ErrSecretKeyMismatch, none for a sealed store
// ErrSecretKeyRequired.
func openAll(tx *buntdb.Tx, s *sealer) (all []openedSecret, checked bool, err error) {
	v, err := tx.Get(secretCheckKey)
	switch {
	case err == nil:
		if s == nil {
			return nil, true, ErrSecretKeyRequired
		}
		if got, err := s.open(secretCheckKey, v); err != nil || got != secretCheckValue {
			return nil, true, ErrSecretKeyMismatch
		}
		checked = true
	case err != buntdb.ErrNotFound:
		return nil, false, err
	}
	err = nil
	for _, prefix := range secretRecords {
		tx.AscendKeys(prefix+"*", func(k, v string) bool {
			x := openedSecret{k: k}
			if err = json.Unmarshal([]byte(v), &x.rec); err != nil {
				return false
			}
			var stored string
			if err = json.Unmarshal(x.rec["Secret"], &stored); err != nil {
				err = fmt.Errorf("admin: record %s has no secret: %w", k, err)
				return false
			}
			x.sealed = strings.HasPrefix(stored, sealedPrefix)
			if x.plain, err = s.open(k, stored); err != nil {
				return false
			}
			all = append(all, x)
			return true
		})
		if err != nil {
			return nil, checked, err
		}
	}
	return all, checked, nil
}
