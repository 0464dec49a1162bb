package console

import (
	"encoding/json"
	"net/http"
)

// The console's own error codes (the Action API's are passed through
// unchanged). They are stable: the browser code and the tests match them.
const (
	CodeNotSignedIn    = "Console.NotSignedIn"    // 401: no session cookie, or an unknown one
	CodeSessionExpired = "Console.SessionExpired" // 401: idle or past its lifetime
	CodeCSRF           = "Console.CsrfTokenInvalid"
	CodeCrossOrigin    = "Console.CrossOrigin"     // 403: Origin or Sec-Fetch-Site says another site
	CodeContentType    = "Console.UnsupportedType" // 415: a POST that is not application/json
	CodeBadRequest     = "Console.BadRequest"      // 400: malformed console request
	CodeLoginLimited   = "Console.SignInLimited"   // 429: too many failed sign-ins from the address
	CodeNotReleased    = "Console.NotReleased"     // 409: debug of an environment that serves nothing
	CodeDebugFailed    = "Console.DebugFailed"     // 502: the test request got no answer
	CodeNoMetrics      = "Console.NoMetrics"       // 404: this process serves no /metrics
	CodeNotFound       = "Console.NotFound"
)

// consoleError is the body of every answer the console makes itself:
// {"Error": {"Code": ..., "Message": ...}}.
type consoleError struct {
	Error struct{ Code, Message string }
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e consoleError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"Error":{"Code":"InternalError","Message":"encoding the answer failed"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}
