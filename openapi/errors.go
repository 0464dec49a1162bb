package openapi

import "fmt"

// UnsupportedError is an OpenAPI construct the gateway cannot express;
// Where is a JSON-pointer-like location in the document.
type UnsupportedError struct {
	Where, What string
}

func (e *UnsupportedError) Error() string { return fmt.Sprintf("%s: unsupported: %s", e.Where, e.What) }

func unsupported(where, format string, args ...any) error {
	return &UnsupportedError{Where: where, What: fmt.Sprintf(format, args...)}
}
