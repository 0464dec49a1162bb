package tcapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// node is a parsed parameter value: a JSON value (TC3 POST bodies) or a
// form trie node (v1 and TC3 GET parameters, whose leaves are strings that
// Decode coerces).
type node struct {
	kind     nodeKind
	str      string // kNumber literal, kString value, kForm value
	b        bool   // kBool
	hasValue bool   // kForm: this exact name carried a value
	elems    []*node
	keys     []string // kObject: members in document order; kForm: sorted
	members  map[string]*node
}

type nodeKind uint8

const (
	kNull nodeKind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
	kForm
)

// maxJSONDepth bounds nesting; the deepest seed structure is four levels.
const maxJSONDepth = 64

// parseJSONBody parses a TC3 POST body. It must be one JSON object (an
// empty body counts as {}); duplicate member names are refused, since
// parsers disagree on which one wins.
func parseJSONBody(b []byte) (*node, *Error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return &node{kind: kObject}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseJSONValue(dec, 0)
	if err == nil && n.kind != kObject {
		err = errors.New("the body must be a JSON object")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("data after the top-level object")
		}
	}
	if err != nil {
		var de *dupError
		if errors.As(err, &de) {
			return nil, InvalidParameterError(de.path, "the parameter appears more than once")
		}
		return nil, Errorf(CodeInvalidParameter, "The request body is not valid JSON: %v.", err)
	}
	return n, nil
}

type dupError struct{ path string }

func (e *dupError) Error() string { return "duplicate member " + strconv.Quote(e.path) }

func parseJSONValue(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxJSONDepth {
		return nil, errJSONDepth
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: kNull}, nil
	case bool:
		return &node{kind: kBool, b: t}, nil
	case json.Number:
		return &node{kind: kNumber, str: string(t)}, nil
	case string:
		return &node{kind: kString, str: t}, nil
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kObject, members: map[string]*node{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				if _, dup := n.members[k]; dup {
					return nil, &dupError{k}
				}
				v, err := parseJSONValue(dec, depth+1)
				if err != nil {
					var de *dupError
					if errors.As(err, &de) {
						de.path = k + "." + de.path
					}
					return nil, err
				}
				n.members[k] = v
				n.keys = append(n.keys, k)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: kArray}
			for dec.More() {
				v, err := parseJSONValue(dec, depth+1)
				if err != nil {
					var de *dupError
					if errors.As(err, &de) {
						de.path = strconv.Itoa(len(n.elems)) + "." + de.path
					}
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
	}
	return nil, errors.New("unexpected token")
}

// appendJSON re-encodes n as JSON; form nodes become strings (leaves) or
// objects of them.
func appendJSON(b []byte, n *node) []byte {
	switch n.kind {
	case kNull:
		return append(b, "null"...)
	case kBool:
		return strconv.AppendBool(b, n.b)
	case kNumber:
		return append(b, n.str...)
	case kString:
		q, _ := json.Marshal(n.str)
		return append(b, q...)
	case kArray:
		b = append(b, '[')
		for i, e := range n.elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case kForm:
		if len(n.keys) == 0 {
			q, _ := json.Marshal(n.str)
			return append(b, q...)
		}
	}
	// kObject, or a form node with members
	b = append(b, '{')
	for i, k := range n.keys {
		if i > 0 {
			b = append(b, ',')
		}
		q, _ := json.Marshal(k)
		b = append(b, q...)
		b = append(b, ':')
		b = appendJSON(b, n.members[k])
	}
	return append(b, '}')
}

// generic converts n to the value encoding/json would put in an any.
func generic(n *node) any {
	switch n.kind {
	case kBool:
		return n.b
	case kNumber:
		f, _ := strconv.ParseFloat(n.str, 64)
		return f
	case kString:
		return n.str
	case kArray:
		out := make([]any, len(n.elems))
		for i, e := range n.elems {
			out[i] = generic(e)
		}
		return out
	case kObject:
		out := make(map[string]any, len(n.keys))
		for _, k := range n.keys {
			out[k] = generic(n.members[k])
		}
		return out
	case kForm:
		if len(n.keys) == 0 {
			return n.str
		}
		out := make(map[string]any, len(n.keys))
		for _, k := range n.keys {
			out[k] = generic(n.members[k])
		}
		return out
	}
	return nil
}
