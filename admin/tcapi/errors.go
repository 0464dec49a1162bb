package tcapi

import (
	"errors"
	"fmt"
)

// Sentinel errors. errNotPointer is a programming error of the caller;
// errJSONDepth becomes InvalidParameter.
var (
	errNotPointer = errors.New("tcapi: Decode needs a non-nil pointer")
	errJSONDepth  = errors.New("nesting deeper than 64 levels")
)

// Common error codes of the Action API (seed 000, 公共错误码, lines 9148-9175,
// repeated at 2797-2821). RequestSizeLimitExceeded is not in the seed's list;
// it is the public Tencent Cloud API 3.0 code for the seed's 请求结构 size
// limits (lines 2734-2740), which the seed states without naming a code.
const (
	CodeInvalidSecretId          = "AuthFailure.InvalidSecretId"
	CodeMFAFailure               = "AuthFailure.MFAFailure"
	CodeSecretIdNotFound         = "AuthFailure.SecretIdNotFound"
	CodeSignatureExpire          = "AuthFailure.SignatureExpire"
	CodeSignatureFailure         = "AuthFailure.SignatureFailure"
	CodeTokenFailure             = "AuthFailure.TokenFailure"
	CodeAuthUnauthorized         = "AuthFailure.UnauthorizedOperation"
	CodeDryRunOperation          = "DryRunOperation"
	CodeFailedOperation          = "FailedOperation"
	CodeInternalError            = "InternalError"
	CodeInvalidAction            = "InvalidAction"
	CodeInvalidParameter         = "InvalidParameter"
	CodeInvalidParameterValue    = "InvalidParameterValue"
	CodeLimitExceeded            = "LimitExceeded"
	CodeMissingParameter         = "MissingParameter"
	CodeNoSuchVersion            = "NoSuchVersion"
	CodeRequestLimitExceeded     = "RequestLimitExceeded"
	CodeRequestSizeLimitExceeded = "RequestSizeLimitExceeded"
	CodeResourceInUse            = "ResourceInUse"
	CodeResourceInsufficient     = "ResourceInsufficient"
	CodeResourceNotFound         = "ResourceNotFound"
	CodeResourceUnavailable      = "ResourceUnavailable"
	CodeUnauthorizedOperation    = "UnauthorizedOperation"
	CodeUnknownParameter         = "UnknownParameter"
	CodeUnsupportedOperation     = "UnsupportedOperation"
	CodeUnsupportedProtocol      = "UnsupportedProtocol"
	CodeUnsupportedRegion        = "UnsupportedRegion"
)

// Error is an Action API error: it travels as
// {"Response": {"Error": {"Code": Code, "Message": Message}, "RequestId": ...}}
// with HTTP status 200. Code is one of the Code* constants or an Action's own
// code from the seed's 错误码 list; Message is human text clients must not
// parse (seed 返回结果).
type Error struct{ Code, Message string }

// Error implements error as "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// MissingParameterError reports that the required parameter name is absent.
func MissingParameterError(name string) *Error {
	return Errorf(CodeMissingParameter, "The request is missing a required parameter `%s`.", name)
}

// UnknownParameterError reports that the parameter name is not part of the Action.
func UnknownParameterError(name string) *Error {
	return Errorf(CodeUnknownParameter, "The parameter `%s` is not recognized.", name)
}

// InvalidParameterError reports that the parameter name is malformed or
// wrongly typed; why says how.
func InvalidParameterError(name, why string) *Error {
	return Errorf(CodeInvalidParameter, "The value of parameter `%s` is not valid: %s.", name, why)
}

// signatureFailure is the seed's own message for AuthFailure.SignatureFailure
// (返回结果 example), followed by the reason.
func signatureFailure(why string) *Error {
	return Errorf(CodeSignatureFailure, "The provided credentials could not be validated (%s). Please check your signature is correct.", why)
}

func unsupportedProtocol(why string) *Error {
	return Errorf(CodeUnsupportedProtocol, "Unsupported request: %s. Send GET or POST to / as application/json (TC3-HMAC-SHA256) or application/x-www-form-urlencoded (HmacSHA1/HmacSHA256).", why)
}
