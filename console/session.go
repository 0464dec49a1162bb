package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie. Its value is a random id that names a
// session in memory; it carries nothing else.
const cookieName = "edgegate_console"

// session is one signed-in browser. The SecretKey stays here, never in the
// browser, and goes when the session does.
type session struct {
	id                  string
	secretID, secretKey string
	csrf                string
	created, lastSeen   time.Time
}

// sessions holds the live sessions, at most max of them: signing in past
// that ends the least recently used one.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	max  int
	idle time.Duration
	life time.Duration
}

func newToken() string {
	var b [32]byte
	rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// create starts a session for the credentials.
func (s *sessions) create(id, key string, now time.Time) *session {
	ss := &session{id: newToken(), secretID: id, secretKey: key, csrf: newToken(), created: now, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if len(s.byID) >= s.max {
		var oldest *session
		for _, x := range s.byID {
			if oldest == nil || x.lastSeen.Before(oldest.lastSeen) {
				oldest = x
			}
		}
		delete(s.byID, oldest.id)
	}
	s.byID[ss.id] = ss
	return ss
}

// sweep drops expired sessions; s.mu is held.
func (s *sessions) sweep(now time.Time) {
	for id, x := range s.byID {
		if s.expired(x, now) {
			delete(s.byID, id)
		}
	}
}

func (s *sessions) expired(x *session, now time.Time) bool {
	return now.Sub(x.lastSeen) > s.idle || now.Sub(x.created) > s.life
}

// lookup finds the session the request's cookie names. touch marks user
// activity (it extends the idle timeout). It returns a copy, or the code
// to answer with.
func (s *sessions) lookup(r *http.Request, now time.Time, touch bool) (session, string) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return session{}, CodeNotSignedIn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byID[c.Value]
	if x == nil {
		return session{}, CodeNotSignedIn
	}
	if s.expired(x, now) {
		delete(s.byID, x.id)
		return session{}, CodeSessionExpired
	}
	if touch {
		x.lastSeen = now
	}
	return *x, ""
}

// end removes the session the request names.
func (s *sessions) end(id string) {
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
}

// csrfOK compares the request's X-CSRF-Token with the session's in
// constant time.
func csrfOK(r *http.Request, ss *session) bool {
	got := r.Header.Get("X-CSRF-Token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}

// setCookie writes the session cookie (value "" with MaxAge -1 removes
// it). Secure when the request came over TLS: a console served over plain
// HTTP on loopback must still work.
func setCookie(w http.ResponseWriter, r *http.Request, value string) {
	c := &http.Cookie{Name: cookieName, Value: value, Path: prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}
