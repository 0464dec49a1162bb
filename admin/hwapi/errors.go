package hwapi

import (
	"fmt"
	"net/http"
)

// Error is a REST error: HTTP status Status with the body
// {"error_code": Code, "error_msg": Msg} (seed 001: every operation's
// 400/401/403/404/500 响应Body参数 tables hold exactly these two members).
type Error struct {
	Status    int
	Code, Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg) }

// Errorf returns an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Status: status, Code: code, Msg: msg}
}

// Error codes. The seed's examples name APIG.2011 and APIG.2012 (400),
// APIG.1002 (401), APIG.1005 (403), APIG.3002, APIG.3006, APIG.3020,
// APIG.3068 (404) and APIG.9999 (500); the others follow Huawei APIG's
// numbering (3xxx: a resource that does not exist, by kind) and are
// listed in the README's mapping table.
const (
	CodeBadBody      = "APIG.2011" // the body is not the JSON the operation takes
	CodeBadParameter = "APIG.2012" // a parameter is missing or its value invalid
	CodeToken        = "APIG.1002" // seed 401: token refused
	CodeForbidden    = "APIG.1005" // seed 403: no permission for the method
	CodeAKSK         = "APIGW.0301"
	CodeNoRoute      = "APIG.0101" // no such operation
	CodeThrottled    = "APIG.0308" // Huawei's gateway: the throttling threshold has been reached (429)
	CodeSystem       = "APIG.9999" // seed 500

	CodeNoGroup          = "APIG.3001"
	CodeNoAPI            = "APIG.3002" // seed
	CodeNoEnv            = "APIG.3003"
	CodeNoApp            = "APIG.3004"
	CodeNoThrottle       = "APIG.3005"
	CodeNoACL            = "APIG.3006" // seed
	CodeNoACLBinding     = "APIG.3010"
	CodeNoThrottleBind   = "APIG.3009"
	CodeNoEnvVariable    = "APIG.3011"
	CodeNoSpecial        = "APIG.3007" // Huawei: the excluded (special) throttling configuration; 3018 is a sign binding
	CodeNoDomain         = "APIG.3020" // seed
	CodeNoCertificate    = "APIG.3081"
	CodeNoPlugin         = "APIG.3068" // seed
	CodeConflict         = "APIG.3400" // the change clashes with what exists (names, bindings in use)
	CodeQuota            = "APIG.3481" // a tenant limit is reached
	CodeUnsupportedValue = "APIG.3402" // a Huawei feature Edgegate does not run
)

// BadParameter is the seed's 400 for parameter name (APIG.2012, "Invalid
// parameter value,parameterName:NAME. Please refer to the support
// documentation"), followed by why it was refused.
func BadParameter(name, why string) *Error {
	return Errorf(http.StatusBadRequest, CodeBadParameter,
		"Invalid parameter value,parameterName:%s. Please refer to the support documentation: %s", name, why)
}

// NotFound is a 404 with code for what ("Access control policy ID does
// not exist", the seed's wording).
func NotFound(code, format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, code, format, args...)
}

const systemError = "System error"
