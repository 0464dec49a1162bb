// Package testpki makes certificates for tests: a CA (ECDSA P-256), leaves
// and intermediates it signs, with chosen names and validity, as PEM. It
// panics on failure (crypto/rand or x509 failing is not a test outcome).
// Only tests import it.
package testpki
