package backendsign

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/edgegate/edgegate/auth"
)

// Key types (sign_type) and AES algorithms (sign_algorithm).
const (
	TypeHMAC  = "hmac"
	TypeBasic = "basic"
	TypeAES   = "aes"

	AES128CFB = "aes-128-cfb"
	AES256CFB = "aes-256-cfb"
)

// Authorization schemes.
const (
	SchemeHMAC   = "SDK-HMAC-SHA256"
	SchemeAES128 = "SDK-AES-128-CFB"
	SchemeAES256 = "SDK-AES-256-CFB"
	SchemeBasic  = "Basic"
)

// Header names and values of the signature.
const (
	HeaderDate          = "X-Sdk-Date"
	HeaderContentSHA256 = "X-Sdk-Content-Sha256"
	// UnsignedPayload replaces the body hash of a streamed body.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// DateFormat is X-Sdk-Date's layout (UTC).
	DateFormat = "20060102T150405Z"
)

// Key is a compiled signature key. Build it with NewKey; it is immutable.
type Key struct {
	Type      string // hmac, basic or aes
	Access    string // sign_key: the hmac Access=, the basic user, the AES key
	Secret    string // sign_secret: the hmac secret, the basic password, the AES IV
	Algorithm string // aes-128-cfb or aes-256-cfb (aes only)

	scheme     string
	mac        *auth.Secret // hmac
	block      cipher.Block // aes
	iv         []byte       // aes
	authPrefix []byte       // "Authorization: <scheme> [Access=<key>, ]SignedHeaders="
	basicLine  []byte       // basic: the whole Authorization line
}

// NewKey checks what signing needs of a key and pre-computes its parts:
// a pre-keyed HMAC, an AES cipher, or the basic Authorization line. The
// control plane applies the seed's stricter rules (lengths, charsets)
// before.
func NewKey(typ, access, secret, alg string) (*Key, error) {
	k := &Key{Type: typ, Access: access, Secret: secret, Algorithm: alg}
	if access == "" || secret == "" {
		return nil, errors.New("backendsign: key and secret are required")
	}
	if hasCtl(access) || hasCtl(secret) {
		return nil, errors.New("backendsign: key and secret must be printable ASCII")
	}
	switch typ {
	case TypeHMAC:
		if alg != "" {
			return nil, fmt.Errorf("backendsign: sign_algorithm is for aes keys only (got %q)", alg)
		}
		k.scheme = SchemeHMAC
		k.mac = auth.NewSecret(secret)
		k.authPrefix = []byte("Authorization: " + SchemeHMAC + " Access=" + access + ", SignedHeaders=")
	case TypeBasic:
		if alg != "" {
			return nil, fmt.Errorf("backendsign: sign_algorithm is for aes keys only (got %q)", alg)
		}
		k.scheme = SchemeBasic
		k.basicLine = []byte("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(access+":"+secret)) + "\r\n")
	case TypeAES:
		want := 0
		switch alg {
		case AES128CFB:
			want, k.scheme = 16, SchemeAES128
		case AES256CFB:
			want, k.scheme = 32, SchemeAES256
		default:
			return nil, fmt.Errorf("backendsign: aes keys need sign_algorithm aes-128-cfb or aes-256-cfb (got %q)", alg)
		}
		if len(access) != want {
			return nil, fmt.Errorf("backendsign: an %s key has %d characters (got %d)", alg, want, len(access))
		}
		if len(secret) != aes.BlockSize {
			return nil, fmt.Errorf("backendsign: an aes vector (sign_secret) has %d characters (got %d)", aes.BlockSize, len(secret))
		}
		var err error
		if k.block, err = aes.NewCipher([]byte(access)); err != nil {
			return nil, err
		}
		k.iv = []byte(secret)
		k.authPrefix = []byte("Authorization: " + k.scheme + " SignedHeaders=")
	default:
		return nil, fmt.Errorf("backendsign: unknown sign_type %q (want hmac, basic or aes)", typ)
	}
	return k, nil
}

// Scheme is the Authorization scheme the key signs with.
func (k *Key) Scheme() string { return k.scheme }

func hasCtl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return true
		}
	}
	return false
}
