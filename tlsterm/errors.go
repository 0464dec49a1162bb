package tlsterm

import (
	"errors"
	"strconv"
)

// Alert descriptions this package sends or names (RFC 8446 §6, RFC 5246 §7.2).
const (
	AlertCloseNotify         uint8 = 0
	AlertUnexpectedMessage   uint8 = 10
	AlertBadRecordMAC        uint8 = 20
	AlertRecordOverflow      uint8 = 22
	AlertHandshakeFailure    uint8 = 40
	AlertBadCertificate      uint8 = 42
	AlertIllegalParameter    uint8 = 47
	AlertDecodeError         uint8 = 50
	AlertProtocolVersion     uint8 = 70
	AlertInternalError       uint8 = 80
	AlertUserCanceled        uint8 = 90
	AlertNoRenegotiation     uint8 = 100
	AlertUnrecognizedName    uint8 = 112
	AlertCertificateRequired uint8 = 116
	AlertNoApplicationProto  uint8 = 120
	alertLevelWarning        uint8 = 1
	alertLevelFatal          uint8 = 2
)

// Record-layer errors. They are stable values: compare with errors.Is. When
// one of them is returned the connection is over (except ErrShortBuffer);
// Conn.Pending then tells whether an alert is waiting to be sent.
var (
	// ErrCloseNotify: the peer sent close_notify; no more data will come.
	ErrCloseNotify = errors.New("tlsterm: peer sent close_notify")
	// ErrBadRecordMAC: a record failed authentication (RFC 8446 §5.2).
	ErrBadRecordMAC = errors.New("tlsterm: bad record mac")
	// ErrRecordOverflow: a record longer than the protocol allows (RFC 8446 §5.1, RFC 5246 §6.2).
	ErrRecordOverflow = errors.New("tlsterm: record overflow")
	// ErrUnexpectedMessage: a record type or handshake message not allowed after the handshake.
	ErrUnexpectedMessage = errors.New("tlsterm: unexpected message")
	// ErrDecodeError: a malformed alert or handshake message.
	ErrDecodeError = errors.New("tlsterm: decode error")
	// ErrProtocolVersion: a TLS 1.2 record with another version in its header.
	ErrProtocolVersion = errors.New("tlsterm: wrong record version")
	// ErrRenegotiation: a TLS 1.2 peer tried to renegotiate; refused with no_renegotiation.
	ErrRenegotiation = errors.New("tlsterm: renegotiation refused")
	// ErrSeqExhausted: the 64-bit record sequence number would wrap (RFC 8446 §5.3).
	ErrSeqExhausted = errors.New("tlsterm: sequence number exhausted")
	// ErrClosed: the write side was closed (close_notify or alert sent) or the read side ended.
	ErrClosed = errors.New("tlsterm: connection closed")
	// ErrShortBuffer: the plaintext buffer has no room for the next record
	// (MaxPlaintext bytes of spare capacity always suffice). Not fatal.
	ErrShortBuffer = errors.New("tlsterm: plaintext buffer too small")
)

// Handshake errors.
var (
	// ErrBusy: the handshake limit and its queue are full; the connection is refused.
	ErrBusy = errors.New("tlsterm: too many handshakes in progress")
	// ErrHandshakeTimeout: the handshake did not finish within Config.HandshakeTimeout.
	ErrHandshakeTimeout = errors.New("tlsterm: handshake timed out")
	// ErrHandshakeAborted: Handshake.Abort was called.
	ErrHandshakeAborted = errors.New("tlsterm: handshake aborted")
	// ErrKeyHandoff: the negotiated keys could not be taken over from crypto/tls.
	ErrKeyHandoff = errors.New("tlsterm: key handoff failed")
)

// Client handshake errors: the backend's certificate did not verify. The
// crypto/tls error (with its x509 cause) stays wrapped.
var (
	// ErrUnknownAuthority: the chain leads to no trusted root (system roots or ClientConfig.CABundle).
	ErrUnknownAuthority = errors.New("tlsterm: backend certificate signed by an unknown authority")
	// ErrNameMismatch: the certificate is not valid for ClientConfig.ServerName.
	ErrNameMismatch = errors.New("tlsterm: backend certificate not valid for the server name")
	// ErrCertificateExpired: a certificate of the chain has expired or is not yet valid.
	ErrCertificateExpired = errors.New("tlsterm: backend certificate expired or not yet valid")
	// ErrCertificateInvalid: any other verification failure (key usage, constraints...).
	ErrCertificateInvalid = errors.New("tlsterm: backend certificate invalid")
)

// AlertError is a fatal alert received from the peer.
type AlertError uint8

func (e AlertError) Error() string {
	return "tlsterm: peer sent alert " + strconv.Itoa(int(e))
}
