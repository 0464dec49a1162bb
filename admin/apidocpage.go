package admin

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/store"
)

// The document page. It is served by the admin listener, not the edge:
// the edge's hot path parses HTTP for proxying only, must not import the
// admin, and has no store to read built pages or count views from; an
// operator who shares documents outside exposes /apidoc/ of the admin
// listener (a reverse proxy rule for that prefix only).
//
// GET /apidoc/<ApiDocId>/ shows a password form until the browser holds
// the document's session cookie; POST there with password=... checks the
// password (constant time, against the salted hash), refuses a wrong one
// with 401 and counts it: more than docMaxFailures wrong passwords within
// docFailureWindow for one document are refused with 429 before any check.
// A right one sets the session cookie (HMAC-signed, HttpOnly, SameSite
// Strict, Secure when the listener is TLS, Path the document's) and
// redirects to the page. ResetAPIDocPassword ends every session: the
// cookie carries a tag of the password hash it was issued under.

//go:embed apidocweb
var docWeb embed.FS

var docTemplate = template.Must(template.ParseFS(docWeb, "apidocweb/page.html"))

const (
	docCookie        = "edgegate_apidoc"
	docSession       = 12 * time.Hour
	docMaxFailures   = 5
	docFailureWindow = time.Minute
)

// attempts counts one document's wrong passwords in the current window.
type attempts struct {
	start time.Time
	n     int
}

// docView is what page.html renders: a login form, a message or a page.
type docView struct {
	Login          bool
	Action         string
	Error          string
	Title, Message string
	Doc            *docPage
}

// docHandler serves the document pages beside the Action API (next).
func (a *Admin) docHandler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /apidoc/_static/{file}", serveDocStatic)
	mux.HandleFunc("GET /apidoc/{id}/", a.serveDoc)
	mux.HandleFunc("POST /apidoc/{id}/", a.unlockDoc)
	mux.Handle("/", next)
	return mux
}

func serveDocStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ctype := map[string]string{"doc.css": "text/css; charset=utf-8", "doc.js": "text/javascript; charset=utf-8"}[name]
	b, err := docWeb.ReadFile("apidocweb/" + name)
	if ctype == "" || err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// renderDoc writes page.html with status code; everything is escaped by
// html/template, and the policy allows only this origin's CSS and script.
func renderDoc(w http.ResponseWriter, code int, v docView) {
	var buf bytes.Buffer
	if err := docTemplate.Execute(&buf, v); err != nil {
		http.Error(w, "rendering the document failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// loadDoc reads document id (nil, nil when there is none) and, with page,
// its built page (nil when not built).
func (a *Admin) loadDoc(id string, page bool) (*apiDocRecord, *docPage, error) {
	var rec *apiDocRecord
	var p *docPage
	err := a.db.View(func(tx *buntdb.Tx) error {
		var r apiDocRecord
		found, err := store.GetJSON(tx, apiDocKey(id), &r)
		if err != nil || !found {
			return err
		}
		rec = &r
		if !page {
			return nil
		}
		var pg docPage
		if found, err = store.GetJSON(tx, apiDocPagePrefix+id, &pg); found {
			p = &pg
		}
		return err
	})
	return rec, p, err
}

// requestedDoc loads the document r names (with page, its built page);
// when there is none or it cannot be read it answers w and returns nil.
func (a *Admin) requestedDoc(w http.ResponseWriter, r *http.Request, page bool) (*apiDocRecord, *docPage) {
	id := r.PathValue("id")
	rec, p, err := a.loadDoc(id, page)
	switch {
	case err != nil:
		a.log.Warn("admin: reading an API document", "ApiDocId", id, "err", err)
		renderDoc(w, http.StatusInternalServerError, docView{Title: "Error", Message: "The document could not be read."})
	case rec == nil:
		renderDoc(w, http.StatusNotFound, docView{Title: "Not found", Message: "There is no API document " + id + "."})
	}
	return rec, p
}

func (a *Admin) serveDoc(w http.ResponseWriter, r *http.Request) {
	rec, page := a.requestedDoc(w, r, true)
	if rec == nil {
		return
	}
	id := rec.ApiDocId
	if !a.validSession(r, rec) {
		renderDoc(w, http.StatusOK, docView{Login: true, Action: ApiDocURI(id)})
		return
	}
	switch {
	case rec.Status == docFailed:
		renderDoc(w, http.StatusOK, docView{Title: rec.ApiDocName, Message: "The last build of this document failed: " + rec.FailReason})
	case page == nil:
		renderDoc(w, http.StatusOK, docView{Title: rec.ApiDocName, Message: "This document is being built; reload in a moment."})
	default:
		renderDoc(w, http.StatusOK, docView{Doc: page})
	}
}

func (a *Admin) unlockDoc(w http.ResponseWriter, r *http.Request) {
	rec, _ := a.requestedDoc(w, r, false)
	if rec == nil {
		return
	}
	id := rec.ApiDocId
	login := docView{Login: true, Action: ApiDocURI(id)}
	if wait := a.docBlocked(id); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+1)))
		login.Error = "Too many wrong passwords for this document; try again in " + strconv.Itoa(int(wait.Seconds()+1)) + " seconds."
		renderDoc(w, http.StatusTooManyRequests, login)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	pw := ""
	if r.ParseForm() == nil {
		pw = r.PostForm.Get("password")
	}
	if !checkDocPassword(rec.PasswordHash, pw) {
		a.docFailed(id)
		login.Error = "Wrong password. Ask the document's owner for the current share password."
		renderDoc(w, http.StatusUnauthorized, login)
		return
	}
	a.docs.mu.Lock()
	delete(a.docs.failures, id)
	a.docs.mu.Unlock()
	// ViewCount counts openings of the document (sessions started).
	if err := apiDocs.update(a, id, func(_ *buntdb.Tx, d *apiDocRecord) (bool, error) { d.ViewCount++; return false, nil }); err != nil {
		a.log.Warn("admin: counting an API document view", "ApiDocId", id, "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: docCookie, Value: a.sessionToken(rec, a.opts.Now().Add(docSession)),
		Path: ApiDocURI(id), MaxAge: int(docSession.Seconds()), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, ApiDocURI(id), http.StatusSeeOther)
}

// checkDocPassword compares pw with a stored "<salt>:<hash>" in constant
// time.
func checkDocPassword(stored, pw string) bool {
	salt, want, ok := strings.Cut(stored, ":")
	s, err := hex.DecodeString(salt)
	if !ok || err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashDocPassword(s, pw)), []byte(want)) == 1
}

// docBlocked: how long document id refuses passwords (0: it takes them).
func (a *Admin) docBlocked(id string) time.Duration {
	a.docs.mu.Lock()
	defer a.docs.mu.Unlock()
	f := a.docs.failures[id]
	if f == nil {
		return 0
	}
	left := docFailureWindow - a.opts.Now().Sub(f.start)
	if left <= 0 {
		delete(a.docs.failures, id)
		return 0
	}
	if f.n < docMaxFailures {
		return 0
	}
	return left
}

// docFailed counts a wrong password for document id.
func (a *Admin) docFailed(id string) {
	a.docs.mu.Lock()
	defer a.docs.mu.Unlock()
	if a.docs.failures == nil {
		a.docs.failures = map[string]*attempts{}
	}
	f := a.docs.failures[id]
	if f == nil || a.opts.Now().Sub(f.start) >= docFailureWindow {
		f = &attempts{start: a.opts.Now()}
		a.docs.failures[id] = f
	}
	f.n++
}

// docKey is the session cookies' signing key, random per process: a
// restart ends the sessions, which only asks for the password again.
func (a *Admin) docKey() []byte {
	a.docs.once.Do(func() {
		a.docs.cookieKey = make([]byte, 32)
		if _, err := rand.Read(a.docs.cookieKey); err != nil {
			panic("admin: no randomness: " + err.Error())
		}
	})
	return a.docs.cookieKey
}

// passwordTag identifies the password a session was opened with.
func passwordTag(rec *apiDocRecord) string {
	s := sha256.Sum256([]byte(rec.PasswordHash))
	return hex.EncodeToString(s[:8])
}

// sessionToken is "<expiry unix>.<password tag>.<mac>", the MAC over the
// document id and both.
func (a *Admin) sessionToken(rec *apiDocRecord, exp time.Time) string {
	body := strconv.FormatInt(exp.Unix(), 10) + "." + passwordTag(rec)
	return body + "." + a.sessionMAC(rec.ApiDocId, body)
}

func (a *Admin) sessionMAC(id, body string) string {
	m := hmac.New(sha256.New, a.docKey())
	m.Write([]byte(id + "\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validSession: r carries an unexpired session of rec's current password.
func (a *Admin) validSession(r *http.Request, rec *apiDocRecord) bool {
	c, err := r.Cookie(docCookie)
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 {
		return false
	}
	body, mac := c.Value[:i], c.Value[i+1:]
	if !hmac.Equal([]byte(mac), []byte(a.sessionMAC(rec.ApiDocId, body))) {
		return false
	}
	expS, tag, _ := strings.Cut(body, ".")
	exp, err := strconv.ParseInt(expS, 10, 64)
	return err == nil && a.opts.Now().Unix() < exp && tag == passwordTag(rec)
}
