package backendsign

import (
	"net/http"
	"strings"
	"time"
)

// SignRequest signs r as the gateway signs what it forwards: every header
// of r (but framing and hop-by-hop ones) and the Host, with body as the
// payload (nil: empty). It sets X-Sdk-Date and Authorization (basic keys:
// Authorization only). Tests and tools use it to produce what a backend
// receives; the edge signs its raw heads with Signer.SignHead.
func SignRequest(r *http.Request, k *Key, body []byte, now time.Time) {
	r.Header.Del("Authorization")
	r.Header.Del(HeaderContentSHA256)
	if k.Type == TypeBasic {
		line := string(k.basicLine)
		r.Header.Set("Authorization", line[len("Authorization: "):len(line)-2])
		return
	}
	if r.Host == "" && r.URL != nil {
		r.Host = r.URL.Host
	}
	date := now.UTC().Format(DateFormat)
	r.Header.Set(HeaderDate, date)
	c := newCanon()
	names := []string{"host"}
	for name := range r.Header {
		if !unsignedField([]byte(name)) {
			names = append(names, strings.ToLower(name))
		}
	}
	c.fs = requestFields(c.fs[:0], r, names)
	c.sortFields()
	canonical := c.build([]byte(r.Method), []byte(r.URL.EscapedPath()), []byte(r.URL.RawQuery), c.fs, c.sh, AppendPayloadHash(nil, body))
	sts := c.stringToSign(k.scheme, []byte(date), canonical)
	a := append([]byte(nil), k.authPrefix[len("Authorization: "):]...)
	a = append(a, c.sh...)
	a = append(a, ", Signature="...)
	a = c.appendSignature(a, k, sts)
	r.Header.Set("Authorization", string(a))
}
