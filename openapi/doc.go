// Package openapi turns a service environment's released APIs into an
// OpenAPI 3.1 document and client SDKs (Go, Python) that sign requests the
// way the edge checks them (seed 000 GenerateApiDocument, 密钥对认证), and
// reads an OpenAPI 3.x document back into CreateApi definitions (the
// inverse, for `edgegate ctl import`).
//
// What OpenAPI cannot say is carried in x-edgegate-* extensions: the
// seed's match syntax (x-edgegate-match: exact, priority-prefix, prefix,
// regex, regex-i, template; x-edgegate-path: the Path as configured), the
// API id and auth type, ANY methods (x-edgegate-method) and the signature
// rules of the hmac schemes (x-edgegate-signature).
//
// It imports only model/ (no plane): the admin calls it off the hot path.
package openapi
