// Package syncseal encrypts the Published document that EdgeSync carries
// from the admin to a remote edge (split mode, issue 14).
//
// # The choice: encrypt the whole document to the edge
//
// The document holds what an edge needs to verify and terminate requests:
// API key secrets and app secrets (key-pair and app auth are HMACs, so the
// verifier needs the secret itself; no derived value verifies an HMAC
// that a client computes with the secret), OAuth and JWT material,
// custom-domain certificate private keys and backend client keys. Sending
// "derived verification material only" is therefore not possible for the
// HMAC schemes, and encrypting field by field would leave every field
// added later in clear until someone remembers it. So the whole document
// is sealed:
//
//	key   = HKDF-SHA256(secret = the caller's SecretKey, salt = 16 random bytes,
//	                    info = "edgegate edgesync v1")           (RFC 5869)
//	blob  = "v1" || salt || nonce(12) || AES-256-GCM(key, nonce, doc, aad)
//	aad   = "edgegate edgesync v1 revision=<N>"
//
// The SecretKey is the one the edge signs EdgeSync with (its edge
// credential), which only the admin and that edge hold; it never crosses the
// wire (TC3 sends an HMAC of it). A fresh salt per message gives a fresh
// key, so random nonces never repeat under one key. The revision is
// authenticated data: a captured blob of revision 5 cannot be replayed
// labelled as revision 9, so the edge's "never go backwards" rule holds
// against anyone who can alter the transport. TLS with a pinned
// certificate (edge --control-pin) protects the rest of the exchange; the
// sealing keeps secrets out of proxies, packet captures and TLS-terminating
// middleboxes too.
//
// It imports only the standard library; the admin (sealing) and the edge
// command (opening) both use it. Safe for concurrent use.
package syncseal
