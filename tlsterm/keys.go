package tlsterm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// suiteInfo describes one AEAD cipher suite this package runs the record
// layer for. Only AEAD suites exist here: TLS 1.3 has no others, and the
// server offers nothing else under TLS 1.2 (Config.CipherSuites below).
type suiteInfo struct {
	id       uint16
	keyLen   int
	chacha   bool
	sha384   bool // the suite's hash is SHA-384 (else SHA-256)
	tls12    bool
	fixedIV  int // TLS 1.2 implicit IV bytes: 4 for GCM (RFC 5288), 12 for ChaCha20 (RFC 7905)
	explicit int // TLS 1.2 explicit nonce bytes carried in each record: 8 for GCM, 0 for ChaCha20
}

var suites = [...]suiteInfo{
	{id: tls.TLS_AES_128_GCM_SHA256, keyLen: 16},
	{id: tls.TLS_AES_256_GCM_SHA384, keyLen: 32, sha384: true},
	{id: tls.TLS_CHACHA20_POLY1305_SHA256, keyLen: 32, chacha: true},
	{id: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, keyLen: 16, tls12: true, fixedIV: 4, explicit: 8},
	{id: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, keyLen: 16, tls12: true, fixedIV: 4, explicit: 8},
	{id: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, keyLen: 32, sha384: true, tls12: true, fixedIV: 4, explicit: 8},
	{id: tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, keyLen: 32, sha384: true, tls12: true, fixedIV: 4, explicit: 8},
	{id: tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, keyLen: 32, chacha: true, tls12: true, fixedIV: 12},
	{id: tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, keyLen: 32, chacha: true, tls12: true, fixedIV: 12},
}

// tls12Suites is what the server offers under TLS 1.2: ECDHE with an AEAD,
// nothing else, so every 1.2 connection has a record layer this package runs.
var tls12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

func suiteByID(id uint16) *suiteInfo {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}

func (s *suiteInfo) hash() func() hash.Hash {
	if s.sha384 {
		return sha512.New384
	}
	return sha256.New
}

func (s *suiteInfo) hashLen() int {
	if s.sha384 {
		return 48
	}
	return 32
}

func (s *suiteInfo) aead(key []byte) (cipher.AEAD, error) {
	if s.chacha {
		return chacha20poly1305.New(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// expandLabel is HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
func expandLabel(h func() hash.Hash, secret []byte, label string, n int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label))
	info = append(info, byte(n>>8), byte(n), byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0) // context length
	return hkdf.Expand(h, secret, string(info), n)
}

// keys13 derives a TLS 1.3 record key and IV from a traffic secret
// (RFC 8446 §7.3).
func keys13(s *suiteInfo, secret []byte) (cipher.AEAD, [12]byte, error) {
	var iv [12]byte
	key, err := expandLabel(s.hash(), secret, "key", s.keyLen)
	if err != nil {
		return nil, iv, err
	}
	ivb, err := expandLabel(s.hash(), secret, "iv", 12)
	if err != nil {
		return nil, iv, err
	}
	copy(iv[:], ivb)
	a, err := s.aead(key)
	return a, iv, err
}

// prf12 is the TLS 1.2 PRF, P_hash (RFC 5246 §5).
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	labelSeed := make([]byte, 0, len(label)+len(seed))
	labelSeed = append(append(labelSeed, label...), seed...)
	mac := hmac.New(h, secret)
	mac.Write(labelSeed)
	a := mac.Sum(nil)
	out := make([]byte, 0, n+64)
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(labelSeed)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
	return out[:n]
}

// keys12 expands a TLS 1.2 master secret into both directions' record keys
// (RFC 5246 §6.3; AEAD suites have no MAC keys; GCM takes a 4-byte implicit
// salt, RFC 5288 §3; ChaCha20-Poly1305 a 12-byte IV, RFC 7905 §2).
func keys12(s *suiteInfo, master, clientRandom, serverRandom []byte) (client, server halfKeys, err error) {
	seed := make([]byte, 0, 64)
	seed = append(append(seed, serverRandom...), clientRandom...)
	kb := prf12(s.hash(), master, "key expansion", seed, 2*s.keyLen+2*s.fixedIV)
	ck, sk := kb[:s.keyLen], kb[s.keyLen:2*s.keyLen]
	civ, siv := kb[2*s.keyLen:2*s.keyLen+s.fixedIV], kb[2*s.keyLen+s.fixedIV:]
	if client.aead, err = s.aead(ck); err != nil {
		return client, server, fmt.Errorf("client key: %w", err)
	}
	if server.aead, err = s.aead(sk); err != nil {
		return client, server, fmt.Errorf("server key: %w", err)
	}
	copy(client.iv[:], civ)
	copy(server.iv[:], siv)
	return client, server, nil
}

type halfKeys struct {
	aead cipher.AEAD
	iv   [12]byte
}
