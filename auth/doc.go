// Package auth verifies callers: key-pair HMAC signatures (seed 密钥对认证),
// Tencent Cloud API Gateway application signatures (AuthType APP) and JSON
// Web Tokens (AuthType OAUTH) with RSA, ECDSA, EdDSA (Ed25519, Ed448) and
// ML-DSA (FIPS 204) keys.
//
// Threading: a Secret and a PublicKey are immutable once built and shared by
// every event loop. A Verifier and a TokenCache are owned by one event loop
// (no locks) and reused request after request; they never allocate in
// steady state for HMAC checks and cached tokens. A Verifier remembers the
// last signatures it found valid (sigcache.go): a client's requests within
// one X-Date second carry one signature, checked by comparison instead of
// by HMAC (BenchmarkKeyPairVerify: about 210 ns against 480 ns).
//
// Imports: the standard library and github.com/cloudflare/circl only. It
// must not import edge/, router/, snapshot/ or admin/.
package auth
