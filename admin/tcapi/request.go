package tcapi

import (
	"net/url"
	"reflect"
	"sort"
	"strings"
)

// Request is one authenticated Action call as a Handler sees it. The
// exported fields are plain data; the business parameters are reached
// through Decode. A Request belongs to one Handler call and must not be
// retained after it returns.
type Request struct {
	Action, Version, Region, SecretId, RequestId string
	// Signed is the signature method that authenticated the request:
	// SignTC3HMACSHA256, SignHmacSHA1 or SignHmacSHA256.
	Signed string
	// ClientIP is the peer address of the connection (no port); proxy
	// headers are not trusted.
	ClientIP string
	// Language and RequestClient are the optional X-TC-Language /
	// X-TC-RequestClient headers (v1: Language / RequestClient parameters),
	// informational only.
	Language, RequestClient string

	body *node // the parsed JSON object (TC3 POST), or the form trie (v1, TC3 GET)
}

// commonParams are the seed's 公共参数 (v1 names) plus what the SDK adds
// (RequestClient, Language). They are never business parameters: Decode
// skips them at the top level of v1 forms, TC3 GET queries and JSON bodies.
var commonParams = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true,
	"Nonce": true, "SecretId": true, "Signature": true, "SignatureMethod": true,
	"Token": true, "RequestClient": true, "Language": true,
}

// NewRequest returns a Request for action whose business parameters are the
// JSON object body, as a TC3 POST would carry it; it lets Handlers be tested
// without HTTP. An invalid body yields an *Error (InvalidParameter).
func NewRequest(action string, body []byte) (*Request, error) {
	n, err := parseJSONBody(body)
	if err != nil {
		return nil, err
	}
	return &Request{Action: action, Signed: SignTC3HMACSHA256, RequestId: newRequestID(), body: n}, nil
}

// Decode fills dst, a non-nil pointer to a struct (or a map), from the
// request's business parameters, strictly:
//
//   - a parameter dst has no field for → *Error UnknownParameter naming it
//     (nested names as the SDK flattens them: "Filters.0.Name");
//   - a value of the wrong type, an integer out of range, a malformed v1
//     name → *Error InvalidParameter naming it;
//   - a field tagged `tcapi:"required"` that is absent, JSON null, or an
//     empty string or list → *Error MissingParameter naming it.
//
// Field names are the json tag names (or the Go names), matched case
// sensitively; embedded structs are flattened as encoding/json does, and the
// `,string` option is honoured. JSON values must have the field's JSON type
// (a number for integers, a string for strings). v1 and TC3 GET values are
// strings coerced to the field's type: "true"/"false" (strconv.ParseBool)
// for booleans, decimal for numbers; arrays are "Name.N", objects
// "Parent.Field", arrays of objects "Parent.N.Field" (N from 0; gaps, which
// the SDK leaves for nil or empty elements, are closed up). Fields of type
// any receive the generic value (float64 for JSON numbers, strings for form
// values); json.RawMessage fields receive the value re-encoded as JSON;
// json.Unmarshaler and encoding.TextUnmarshaler are used when implemented.
//
// Common parameters are never business parameters and are skipped. Decode
// may be called more than once, with different targets. A non-*Error error
// means dst is not a supported target (a programming error).
func (r *Request) Decode(dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return errNotPointer
	}
	n := r.body
	if n == nil {
		n = &node{kind: kObject}
	}
	return decodeValue("", n, v.Elem(), fieldOpts{top: true})
}

// Has reports whether the top-level business parameter name was sent (for
// v1 and TC3 GET: name itself or any "name.…" parameter).
func (r *Request) Has(name string) bool {
	if r.body == nil || commonParams[name] {
		return false
	}
	_, ok := r.body.members[name]
	return ok
}

// Params returns the names of the top-level business parameters sent, sorted.
func (r *Request) Params() []string {
	if r.body == nil {
		return nil
	}
	out := make([]string, 0, len(r.body.keys))
	for _, k := range r.body.keys {
		if !commonParams[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// formTree builds the trie of v1 / TC3 GET parameters: "A.0.B=x" becomes
// A → 0 → B with value x. Every name has exactly one value (the caller
// refuses repeated names).
func formTree(vals url.Values) (*node, *Error) {
	root := &node{kind: kForm, members: map[string]*node{}}
	for name, vs := range vals {
		segs := strings.Split(name, ".")
		cur := root
		for _, s := range segs {
			if s == "" {
				return nil, InvalidParameterError(name, "malformed parameter name")
			}
			child := cur.members[s]
			if child == nil {
				child = &node{kind: kForm}
				if cur.members == nil {
					cur.members = map[string]*node{}
				}
				cur.members[s] = child
				cur.keys = append(cur.keys, s)
			}
			cur = child
		}
		cur.hasValue = true
		cur.str = vs[0]
	}
	sortForm(root)
	return root, nil
}

func sortForm(n *node) {
	sort.Strings(n.keys)
	for _, c := range n.members {
		sortForm(c)
	}
}
