package admin

import (
	"errors"
	"strings"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/router"
	"github.com/edgegate/edgegate/snapshot"
)

// Error codes this package answers with (seed 错误码).
const (
	errMissing      = "MissingParameter"
	errInvalidValue = "InvalidParameterValue"
	errNotInOptions = "InvalidParameterValue.NotInOptions"
	errUnsupported  = "UnsupportedOperation"
	errFilterName   = "InvalidParameterValue.InvalidFilterNotSupportedName"
	errNoAPI        = "ResourceNotFound.InvalidApi"
	errFormat       = "InvalidParameter.FormatError"
)

// compileError turns a snapshot or router compile failure into the Action
// error a user can act on: unsupported features are UnsupportedOperation,
// the rest InvalidParameterValue with the compiler's message.
func compileError(err error) error {
	var te *tcapi.Error
	if errors.As(err, &te) {
		return err
	}
	var se *snapshot.Error
	if errors.As(err, &se) {
		code := errInvalidValue
		switch {
		case se.Unsupported:
			code = errUnsupported
		case strings.HasPrefix(se.Field, "ServiceConfig"):
			code = "InvalidParameterValue.InvalidServiceConfig"
		case se.Field == "OauthConfig.PublicKey":
			// CreateApi/ModifyApi 错误码: the public key's format.
			code = "InvalidParameterValue.InvalidPublicKey"
		case se.Field == "AuthRelationApiId":
			// The SDK's spelling (the seed also has InvalidOAuthApi).
			code = "ResourceNotFound.InvalidOauthApi"
		}
		return tcapi.Errorf(code, "%s", se.Error())
	}
	var ce *router.CompileError
	if errors.As(err, &ce) {
		code := errInvalidValue
		switch {
		case strings.HasPrefix(ce.Field, "RequestConfig"):
			code = "InvalidParameterValue.InvalidApiRequestConfig"
		case strings.HasPrefix(ce.Field, "RequestParameters"):
			code = "InvalidParameterValue.InvalidRequestParameters"
		case strings.HasPrefix(ce.Field, "ServiceParameters"):
			code = "InvalidParameterValue.InvalidServiceParameters"
		case strings.HasPrefix(ce.Field, "ServiceConfig.Path"):
			code = "InvalidParameterValue.InvalidBackendPath"
		}
		return tcapi.Errorf(code, "%s", ce.Error())
	}
	return err
}
