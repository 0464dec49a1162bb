package admin

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgegate/edgegate/internal/atomicfile"
)

// CredentialsFile is the name of the admin credentials file in the data
// directory: {"SecretId": "...", "SecretKey": "..."}, mode 0600.
const CredentialsFile = "admin-credentials.json"

type credentials struct{ id, key string }

// SecretKey implements tcapi.Credentials.
func (c credentials) SecretKey(id string) (string, bool) {
	if id == "" || id != c.id {
		return "", false
	}
	return c.key, true
}

type credentialsDoc struct {
	SecretId  string `json:"SecretId"`
	SecretKey string `json:"SecretKey"`
}

// loadCredentials reads DATA/admin-credentials.json, creating it on first
// start from EDGEGATE_SECRET_ID / EDGEGATE_SECRET_KEY or fresh random
// values. The key is never logged.
func loadCredentials(dir string) (credentials, error) {
	path := filepath.Join(dir, CredentialsFile)
	b, err := os.ReadFile(path)
	if err == nil {
		var d credentialsDoc
		if err := json.Unmarshal(b, &d); err != nil || d.SecretId == "" || d.SecretKey == "" {
			return credentials{}, fmt.Errorf("admin: %s is damaged (want {\"SecretId\": ..., \"SecretKey\": ...}); restore it or remove it to create new credentials", path)
		}
		return credentials{d.SecretId, d.SecretKey}, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return credentials{}, fmt.Errorf("admin: credentials: %w", err)
	}
	d := credentialsDoc{SecretId: os.Getenv("EDGEGATE_SECRET_ID"), SecretKey: os.Getenv("EDGEGATE_SECRET_KEY")}
	if (d.SecretId == "") != (d.SecretKey == "") {
		return credentials{}, errors.New("admin: set both EDGEGATE_SECRET_ID and EDGEGATE_SECRET_KEY, or neither")
	}
	if d.SecretId == "" {
		d.SecretId = "AKID" + randomString(32)
		d.SecretKey = randomString(32)
	}
	out, _ := json.MarshalIndent(d, "", "  ")
	if err := atomicfile.WriteFile(path, append(out, '\n'), 0o600); err != nil {
		return credentials{}, fmt.Errorf("admin: writing credentials: %w", err)
	}
	return credentials{d.SecretId, d.SecretKey}, nil
}

// ReadCredentials reads the credentials file of a data directory, for
// clients (edgegate ctl, edgegate edge).
func ReadCredentials(dir string) (id, key string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, CredentialsFile))
	if err != nil {
		return "", "", err
	}
	var d credentialsDoc
	if err := json.Unmarshal(b, &d); err != nil || d.SecretId == "" || d.SecretKey == "" {
		return "", "", fmt.Errorf("%s is damaged", filepath.Join(dir, CredentialsFile))
	}
	return d.SecretId, d.SecretKey, nil
}

func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("admin: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
