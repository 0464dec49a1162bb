package syncseal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
)

const (
	version  = "v1"
	info     = "edgegate edgesync v1"
	saltSize = 16
)

// ErrOpen: the blob is damaged, sealed with another key, or for another
// revision.
var ErrOpen = errors.New("syncseal: the sealed document does not open with this credential for this revision")

func aead(secretKey string, salt []byte) (cipher.AEAD, error) {
	if secretKey == "" {
		return nil, errors.New("syncseal: empty secret key")
	}
	key, err := hkdf.Key(sha256.New, []byte(secretKey), salt, info, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func aad(rev uint64) []byte {
	return strconv.AppendUint([]byte(info+" revision="), rev, 10)
}

// Seal encrypts doc of revision rev to the holder of secretKey and returns
// it base64-encoded (standard, padded), as it travels in JSON.
func Seal(secretKey string, rev uint64, doc []byte) (string, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	g, err := aead(secretKey, salt)
	if err != nil {
		return "", err
	}
	out := make([]byte, 0, len(version)+saltSize+g.NonceSize()+len(doc)+g.Overhead())
	out = append(append(out, version...), salt...)
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out = append(out, nonce...)
	out = g.Seal(out, nonce, doc, aad(rev))
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal returned for revision rev.
func Open(secretKey string, rev uint64, sealed string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < len(version)+saltSize+12 || string(b[:len(version)]) != version {
		return nil, ErrOpen
	}
	b = b[len(version):]
	g, err := aead(secretKey, b[:saltSize])
	if err != nil {
		return nil, err
	}
	b = b[saltSize:]
	ns := g.NonceSize()
	doc, err := g.Open(nil, b[:ns], b[ns:], aad(rev))
	if err != nil {
		return nil, ErrOpen
	}
	return doc, nil
}
