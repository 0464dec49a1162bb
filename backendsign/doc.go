// Package backendsign signs the requests the gateway forwards to a backend
// whose API is bound to a signature key (Huawei APIG 签名密钥, seed 001:
// `.../signs`, `.../sign-bindings`), and verifies them on the backend, so
// a backend can tell the gateway's traffic from anyone else's.
//
// Three key types (sign_type):
//
//   - hmac: Huawei's SDK-HMAC-SHA256 request signature. The gateway adds
//     X-Sdk-Date (20060102T150405Z, UTC) and
//     Authorization: SDK-HMAC-SHA256 Access=<sign_key>, SignedHeaders=<a;b;c>, Signature=<hex>
//     over a canonical request of the method, the path, the sorted query,
//     every header it forwards (but framing and hop-by-hop ones) and the
//     SHA-256 of the body. Backends verify it with Huawei's backend
//     signature samples or with Verify here.
//   - basic: Authorization: Basic base64(sign_key ":" sign_secret)
//     (RFC 7617).
//   - aes: the same canonical request and string to sign as hmac, under
//     the scheme name SDK-AES-128-CFB or SDK-AES-256-CFB; the signature is
//     hex(AES-CFB(key = sign_key, iv = sign_secret, SHA-256(string to
//     sign))), 64 hex digits. Huawei documents the key and vector but not
//     the construction; this one is Edgegate's (VERIFY.md says why it is
//     a MAC and how to check it in other languages).
//
// Bodies the gateway does not hold whole when it sends the head (chunked,
// larger than the edge's bound, or behind Expect: 100-continue) are
// streamed: X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is added (and signed)
// and the literal UNSIGNED-PAYLOAD stands for the body hash, as Huawei's
// SDK signer does; Verify refuses such requests unless
// Options.AllowUnsignedPayload.
//
// Threading: a Key is immutable once built and shared by every event loop.
// A Signer belongs to one event loop and never allocates once its buffers
// have grown. Verify and Middleware are safe for concurrent use.
//
// Imports: the standard library, auth and ascii only; never edge, admin,
// router or snapshot (backends import it for Verify).
package backendsign
