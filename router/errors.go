package router

import "fmt"

// Result codes for requests that reach no route (Result.Code). They are
// stable: the edge puts them in its JSON error body and in metrics.
const (
	CodeHostNotFound        = "HostNotFound"        // 404: no service answers this Host
	CodeEnvironmentNotFound = "EnvironmentNotFound" // 404: the path names no published environment
	CodeAPINotFound         = "ApiNotFound"         // 404: no API of the environment matches the path
	CodeMethodNotAllowed    = "MethodNotAllowed"    // 405: an API matches the path but not the method
	CodeBadPath             = "BadPath"             // 400: the path cannot be normalised safely
)

// Parameter error codes (ParamError.Code).
const (
	CodeMissingParameter      = "MissingParameter"      // a required parameter is absent
	CodeInvalidParameterType  = "InvalidParameterType"  // a value does not parse as its declared type
	CodeInvalidParameterValue = "InvalidParameterValue" // a value cannot be carried to its backend position
)

// CompileError reports an API definition (or a service's domain settings)
// that cannot be compiled. The control plane answers it as
// InvalidParameterValue.
type CompileError struct {
	ServiceId string
	ApiId     string // empty for service-level errors (domains, environments)
	Field     string // the offending field, e.g. "RequestConfig.Path" or "RequestParameters[2].Type"
	Msg       string
}

func (e *CompileError) Error() string {
	where := "service " + e.ServiceId
	if e.ApiId != "" {
		where += " api " + e.ApiId
	}
	if e.Field != "" {
		where += " " + e.Field
	}
	return where + ": " + e.Msg
}

func compileErr(svc, api, field, format string, args ...any) *CompileError {
	return &CompileError{ServiceId: svc, ApiId: api, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ParamError is a request that matched a route but whose parameters the
// route refuses. Status is always 400. ParamErrors returned by Build are
// preallocated per route and parameter: they must not be modified.
type ParamError struct {
	Status int
	Code   string
	Name   string // the front-end parameter's name
	Msg    string
}

func (e *ParamError) Error() string { return e.Code + ": " + e.Msg }
