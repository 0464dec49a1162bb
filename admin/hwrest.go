package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/tcapi"
)

// The Huawei APIG v2 REST interface (issue 16) over the Action API's
// handlers: package hwapi is the protocol (routes, AK/SK signatures,
// errors, paging); the hw*.go files of this package are the operations.
// Each of them registers its routes from an init function:
//
//	func init() { registerHW(hwFooRoutes) }
//
//	func hwFooRoutes(a *Admin) []hwapi.Route {
//		return []hwapi.Route{
//			{Method: "GET", Pattern: hwapi.Instance + "/foos", Handle: a.hwListFoos},
//		}
//	}
//
// and writes through the same store functions as the Actions (so one
// validation path, one model), turning their *tcapi.Error into the seed's
// statuses with hwError.

var hwRouteSets []func(*Admin) []hwapi.Route

// registerHW adds a file's routes; call it from an init function.
func registerHW(routes func(*Admin) []hwapi.Route) { hwRouteSets = append(hwRouteSets, routes) }

// newHWServer builds the REST server over the admin credentials; edge
// credentials are refused every operation (they may call EdgeSync only).
func (a *Admin) newHWServer() *hwapi.Server {
	s := &hwapi.Server{
		Creds:     adminCreds{a}.SecretKey,
		Forbidden: a.isEdgeCredential,
		Now:       a.opts.Now,
		Log:       a.log,
		Rate:      a.opts.Limits.ActionRate, // --action-rate: the same rate as each Action
	}
	for _, routes := range hwRouteSets {
		s.Handle(routes(a)...)
	}
	s.Handle() // the fallback for unknown operations, even with no route
	return s
}

// withHW serves /v2/ (the REST interface) and passes the rest to next.
func (a *Admin) withHW(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			a.hw.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hwNotFound maps the Action API's not-found codes to the REST ones.
var hwNotFound = map[string]string{
	"ResourceNotFound.InvalidService":     hwapi.CodeNoGroup,
	errNoAPI:                              hwapi.CodeNoAPI,
	errNoIPStrategy:                       hwapi.CodeNoACL,
	"ResourceNotFound.InvalidPlugin":      hwapi.CodeNoPlugin,
	"ResourceNotFound.InvalidApiApp":      hwapi.CodeNoApp,
	"ResourceNotFound.InvalidCertificate": hwapi.CodeNoCertificate,
	errCertID:                             hwapi.CodeNoCertificate,
	errDomainNotBound:                     hwapi.CodeNoDomain,
	errServiceNotExist:                    hwapi.CodeNoGroup,
	"ResourceNotFound.InvalidAccessKeyId": hwapi.CodeNoApp,
}

// hwError turns an Action error into the REST error with the seed's
// status: not found is 404 (by kind), a tenant limit 400 APIG.3481, a
// conflict 400 APIG.3400, an unsupported feature 400 APIG.3402, any
// other *tcapi.Error 400 APIG.2012 with its message; other errors pass
// (500 APIG.9999).
func hwError(err error) error {
	var te *tcapi.Error
	if err == nil || !errors.As(err, &te) {
		return err
	}
	if code, ok := hwNotFound[te.Code]; ok {
		return hwapi.NotFound(code, "%s", te.Message)
	}
	switch {
	case strings.HasPrefix(te.Code, "ResourceNotFound"):
		return hwapi.NotFound(hwapi.CodeNoRoute, "%s", te.Message)
	case strings.HasPrefix(te.Code, "LimitExceeded"):
		return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeQuota, "%s", te.Message)
	case strings.HasPrefix(te.Code, "ResourceInUse"), strings.HasPrefix(te.Code, "UnsupportedOperation.ResourceAssociated"):
		return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeConflict, "%s", te.Message)
	case strings.HasPrefix(te.Code, "UnsupportedOperation"):
		return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeUnsupportedValue, "%s", te.Message)
	}
	return hwapi.Errorf(http.StatusBadRequest, hwapi.CodeBadParameter, "Invalid parameter value. Please refer to the support documentation: %s", te.Message)
}
