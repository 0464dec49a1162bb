package tcapi

import "context"

// Checker is a request type with a validation step that needs no stored
// state: Action calls Check after decoding, before the Action runs. Its
// error travels like the Action's own (an *Error, or InternalError).
type Checker interface{ Check() error }

// Action turns a typed Action into a Handler. The Handler decodes the
// business parameters into a new Req with Request.Decode (strict: unknown,
// mistyped and missing parameters are refused with their codes), runs
// Req's Check when *Req is a Checker, then calls fn; the *Resp it returns
// is the payload of the envelope, its JSON members next to RequestId (nil
// or a struct without fields: RequestId only).
//
// Req must be a struct (struct{} for an Action without parameters) and
// Resp a struct; fn reaches the Request (Region, SecretId, ...) through
// RequestFrom(ctx).
func Action[Req, Resp any](fn func(ctx context.Context, in *Req) (*Resp, error)) Handler {
	return func(ctx context.Context, r *Request) (any, error) {
		in := new(Req)
		if err := r.Decode(in); err != nil {
			return nil, err
		}
		if c, ok := any(in).(Checker); ok {
			if err := c.Check(); err != nil {
				return nil, err
			}
		}
		out, err := fn(context.WithValue(ctx, requestKey{}, r), in)
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	}
}

type requestKey struct{}

// RequestFrom returns the Request an Action (see Action) is answering, or
// nil outside one.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}
