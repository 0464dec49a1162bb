package tcapi

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// internalMessage is the only text an InternalError carries; the cause is
// logged under the RequestId.
const internalMessage = "An internal error has occurred. Retry the request; if the problem persists, report the RequestId."

// writeResponse writes the 返回结果 envelope with HTTP 200 and returns the
// error code sent ("" for success) and its cause. A non-*Error err, or a
// payload that is not a JSON object, becomes InternalError.
func writeResponse(w http.ResponseWriter, requestId string, payload any, err error) (code string, cause error) {
	var out []byte
	if err == nil {
		var perr error
		out, perr = successBody(requestId, payload)
		if perr != nil {
			err = perr
		}
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e == nil {
			e = &Error{Code: CodeInternalError, Message: internalMessage}
		}
		code = e.Code
		var env struct {
			Response struct {
				Error     Error  `json:"Error"`
				RequestId string `json:"RequestId"`
			} `json:"Response"`
		}
		env.Response.Error = *e
		env.Response.RequestId = requestId
		out, _ = marshal(env)
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
	return code, err
}

// successBody merges payload's members with RequestId:
// {"Response": {...payload..., "RequestId": "..."}}.
func successBody(requestId string, payload any) ([]byte, error) {
	obj := []byte("{}")
	if payload != nil {
		b, err := marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("tcapi: encode response: %w", err)
		}
		obj = b
	}
	if len(obj) == 0 || obj[0] != '{' {
		if string(obj) != "null" {
			return nil, fmt.Errorf("tcapi: response payload %T is not a JSON object", payload)
		}
		obj = []byte("{}")
	}
	if bytes.Contains(obj, []byte(`"RequestId"`)) || bytes.Contains(obj, []byte(`"Error"`)) {
		// Rare: inspect the top level; drop RequestId (the server's wins)
		// and refuse Error, which would turn a success into a failure.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(obj, &m); err != nil {
			return nil, err
		}
		if _, bad := m["Error"]; bad {
			return nil, fmt.Errorf("tcapi: response payload %T has a top-level Error member", payload)
		}
		if _, ok := m["RequestId"]; ok {
			delete(m, "RequestId")
			var err error
			if obj, err = marshal(m); err != nil {
				return nil, err
			}
		}
	}
	rid, _ := json.Marshal(requestId)
	var b bytes.Buffer
	b.Grow(len(obj) + 64)
	b.WriteString(`{"Response":`)
	b.Write(obj[:len(obj)-1])
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) > 0 {
		b.WriteByte(',')
	}
	b.WriteString(`"RequestId":`)
	b.Write(rid)
	b.WriteString("}}")
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// newRequestID returns a random lower-case UUID v4 (RFC 9562 §5.4).
func newRequestID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
