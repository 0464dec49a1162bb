package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// sessionInfo tells the page who is signed in and the token its POSTs
// carry.
type sessionInfo struct {
	SignedIn           bool
	SecretId           string
	CsrfToken          string
	IdleTimeoutSeconds int
	EdgeInProcess      bool // the debug page calls the in-process edge
}

func (c *Console) info(ss *session) sessionInfo {
	return sessionInfo{SignedIn: true, SecretId: ss.secretID, CsrfToken: ss.csrf,
		IdleTimeoutSeconds: int(c.opts.IdleTimeout / time.Second), EdgeInProcess: c.opts.Edge != nil}
}

// serveSession answers whether the browser holds a live session (it does
// not extend it).
func (c *Console) serveSession(w http.ResponseWriter, r *http.Request) {
	ss, code := c.sessions.lookup(r, c.opts.Now(), false)
	if code != "" {
		writeJSON(w, http.StatusOK, sessionInfo{})
		return
	}
	writeJSON(w, http.StatusOK, c.info(&ss))
}

// loginRequest is the sign-in form: the admin credentials of the Action
// API.
type loginRequest struct{ SecretId, SecretKey string }

// serveLogin checks the credentials with a signed DescribeServicesStatus
// through the Action API and starts a session. A refusal answers 401 with
// the Action API's own code (AuthFailure.SecretIdNotFound,
// AuthFailure.SignatureFailure, AuthFailure.UnauthorizedOperation for an
// edge credential, ...).
func (c *Console) serveLogin(w http.ResponseWriter, r *http.Request) {
	now := c.opts.Now()
	k := clientKey(r)
	if ok, wait := c.limiter.allowed(k, now); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, CodeLoginLimited, "too many failed sign-ins from this address; try again in "+strconv.Itoa(secs)+" s")
		return
	}
	var in loginRequest
	if !decodeBody(w, r, 4<<10, &in) {
		return
	}
	in.SecretId, in.SecretKey = strings.TrimSpace(in.SecretId), strings.TrimSpace(in.SecretKey)
	if in.SecretId == "" || in.SecretKey == "" {
		writeError(w, http.StatusBadRequest, tcapi.CodeMissingParameter, "enter the SecretId and the SecretKey")
		return
	}
	probe := &session{secretID: in.SecretId, secretKey: in.SecretKey}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	_, err := c.call(ctx, probe, r, "DescribeServicesStatus", map[string]int{"Limit": 1})
	var te *tcapi.Error
	switch {
	case err == nil:
	case errors.As(err, &te) && (strings.HasPrefix(te.Code, "AuthFailure") || te.Code == tcapi.CodeUnauthorizedOperation):
		c.limiter.failed(k, now)
		c.log.Info("console: sign-in refused", "client_ip", k.Addr().String(), "secret_id", in.SecretId, "code", te.Code)
		writeError(w, http.StatusUnauthorized, te.Code, te.Message)
		return
	case errors.As(err, &te):
		writeError(w, http.StatusServiceUnavailable, te.Code, te.Message)
		return
	default:
		c.log.Error("console: sign-in check", "err", err)
		writeError(w, http.StatusBadGateway, tcapi.CodeInternalError, "the Action API did not answer")
		return
	}
	c.limiter.succeeded(k)
	ss := c.sessions.create(in.SecretId, in.SecretKey, now)
	setCookie(w, r, ss.id)
	c.log.Info("console: signed in", "client_ip", k.Addr().String(), "secret_id", in.SecretId)
	writeJSON(w, http.StatusOK, c.info(ss))
}

func (c *Console) serveLogout(w http.ResponseWriter, r *http.Request, ss *session) {
	c.sessions.end(ss.id)
	setCookie(w, r, "")
	writeJSON(w, http.StatusOK, sessionInfo{})
}
