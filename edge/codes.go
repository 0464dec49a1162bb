package edge

import "net/http"

// failure is a gateway-made error answer: status, stable code and message.
// The codes are part of the public contract (README "Error codes"); never
// rename one.
type failure struct {
	status int
	code   string
	msg    string
}

var (
	errHeaderTimeout   = &failure{408, "RequestHeaderTimeout", "the request head did not arrive in time"}
	errBodyTimeout     = &failure{408, "RequestBodyTimeout", "the request body stalled"}
	errBodyTooLarge    = &failure{413, "RequestBodyTooLarge", "the request body exceeds the limit"}
	errFormTooLarge    = &failure{413, "RequestBodyTooLarge", "a form body for this API is limited to 64 KiB"}
	errUnderscore      = &failure{400, "UnderscoreInHeaderName", "header names with '_' are refused"}
	errUpstreamRefused = &failure{502, "UpstreamConnectFailed", "the backend refused the connection"}
	errUpstreamConnTO  = &failure{504, "UpstreamConnectTimeout", "connecting to the backend timed out"}
	errUpstreamTimeout = &failure{504, "UpstreamTimeout", "the backend did not answer in time"}
	errUpstreamReset   = &failure{502, "UpstreamReset", "the backend closed the connection before answering"}
	errUpstreamBad     = &failure{502, "BadUpstreamResponse", "the backend sent an invalid response"}
	errNoUpstream      = &failure{502, "NoHealthyUpstream", "no backend target is available"}
	errWSHandshake     = &failure{400, "BadWebSocketHandshake", "invalid WebSocket upgrade request"}
	errWSNotUpgrade    = &failure{400, "WebSocketRequired", "this API accepts WebSocket upgrades only"}
	errDraining        = &failure{503, "ServiceUnavailable", "the gateway is shutting down"}
	errOverloaded      = &failure{503, "TooManyConnections", "the gateway is at its connection limit"}
	errInternal        = &failure{500, "InternalError", "internal error"}
	// The host's protocols (scheme.go): 403, the plain request is refused
	// by policy and resending it the same way never works; 421, a request
	// over TLS reached a server that is not authoritative for the https
	// origin of this host (RFC 9110 §15.5.20).
	errHTTPSRequired   = &failure{403, "HttpsRequired", "this host is served over HTTPS only"}
	errHTTPSNotEnabled = &failure{421, "HttpsNotEnabled", "this host is not served over HTTPS"}
	// TLS to an https:// or wss:// backend failed (uptls.go): one code,
	// the reason in the message.
	errUpTLSUnknownCA = &failure{502, "UpstreamTLSError", "TLS to the backend failed: its certificate is signed by an unknown authority"}
	errUpTLSName      = &failure{502, "UpstreamTLSError", "TLS to the backend failed: its certificate is not valid for the backend's name"}
	errUpTLSExpired   = &failure{502, "UpstreamTLSError", "TLS to the backend failed: its certificate has expired or is not yet valid"}
	errUpTLSInvalid   = &failure{502, "UpstreamTLSError", "TLS to the backend failed: its certificate is invalid"}
	errUpTLSAlert     = &failure{502, "UpstreamTLSError", "TLS to the backend failed: the backend refused the handshake with an alert"}
	errUpTLSCertReq   = &failure{502, "UpstreamTLSError", "TLS to the backend failed: the backend requires a client certificate it accepts"}
	errUpTLSOther     = &failure{502, "UpstreamTLSError", "TLS to the backend failed: handshake error"}
	errUpTLSClosed    = &failure{502, "UpstreamTLSError", "TLS to the backend failed: the backend closed the connection during the handshake"}
	errUpTLSTimeout   = &failure{504, "UpstreamConnectTimeout", "the TLS handshake with the backend timed out"}
)

// statusText is the reason phrase for a status code.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status"
}
