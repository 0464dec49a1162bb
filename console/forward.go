package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// internalHost is the Host of the in-process Action calls; TC3 signs it,
// and the Action API checks the signature against whatever Host arrives.
const internalHost = "console.edgegate.internal"

// maxActionBody bounds a browser's Action request: the Action API's own
// limit for a JSON POST, and a little for the envelope.
const maxActionBody = tcapi.MaxJSONPOSTSize + 4<<10

var actionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,63}$`)

// notFromConsole are Actions the console does not forward: EdgeSync is the
// remote edges' long-poll, not an operator's call.
var notFromConsole = map[string]bool{"EdgeSync": true}

// inProcess is an http.RoundTripper that serves requests with a handler
// in this process: the Action API, without a socket.
type inProcess struct {
	h      http.Handler
	remote string // the browser's address, for the Action API's log
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context()) // a RoundTripper must not change the request
	r.RemoteAddr = t.remote
	r.RequestURI = r.URL.RequestURI()
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{StatusCode: rec.status, Status: http.StatusText(rec.status), Header: rec.header,
		Body: io.NopCloser(&rec.body), ContentLength: int64(rec.body.Len()), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// recorder is the ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// client is the Action API client of a session: it signs with the
// session's credentials and calls the handler in process.
func (c *Console) client(ss *session, r *http.Request) *tcapi.Client {
	return &tcapi.Client{Endpoint: "http://" + internalHost, SecretId: ss.secretID, SecretKey: ss.secretKey,
		HTTP: &http.Client{Transport: inProcess{h: c.opts.API, remote: r.RemoteAddr}}}
}

// call runs one Action for the session and returns the inner Response
// object; an Action error comes back as the Response (with its Error) and
// a *tcapi.Error.
func (c *Console) call(ctx context.Context, ss *session, r *http.Request, action string, params any) (json.RawMessage, error) {
	return c.client(ss, r).Call(ctx, action, params)
}

// actionRequest is what the browser POSTs to /console/api/action.
type actionRequest struct {
	Action string
	Params json.RawMessage
}

// serveAction forwards one Action and answers with the Action API's
// envelope, {"Response": {...}}, errors included, as the Action API does
// (HTTP 200).
func (c *Console) serveAction(w http.ResponseWriter, r *http.Request, ss *session) {
	var in actionRequest
	if !decodeBody(w, r, maxActionBody, &in) {
		return
	}
	if !actionName.MatchString(in.Action) || notFromConsole[in.Action] {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "Action must name an Action of the Action API (EdgeSync excluded)")
		return
	}
	var params any
	if len(in.Params) > 0 && string(in.Params) != "null" {
		if in.Params[0] != '{' {
			writeError(w, http.StatusBadRequest, CodeBadRequest, "Params must be a JSON object")
			return
		}
		params = in.Params
	}
	raw, err := c.call(r.Context(), ss, r, in.Action, params)
	var te *tcapi.Error
	if err != nil && !errors.As(err, &te) {
		c.log.Error("console: forwarding an Action", "action", in.Action, "err", err)
		writeError(w, http.StatusBadGateway, "InternalError", "the Action API did not answer")
		return
	}
	writeJSON(w, http.StatusOK, struct{ Response json.RawMessage }{raw})
}

// decodeBody reads a JSON body of at most limit bytes into v, answering
// 400 itself when it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, CodeBadRequest, "the request body is too large")
		} else {
			writeError(w, http.StatusBadRequest, CodeBadRequest, "the request body is not the JSON object expected: "+err.Error())
		}
		return false
	}
	return true
}
