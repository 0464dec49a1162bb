// Package tcapi is the protocol layer of the Action API: Tencent Cloud API
// 3.0 as the seed documents it (seed 000, 调用方式 … 公共参数, lines
// 1947-2860), wire-compatible with the official Go SDK
// github.com/tencentcloud/tencentcloud-sdk-go v1.0.162.
//
// It owns the transport (methods, content types, size limits), both
// signature methods (TC3-HMAC-SHA256 and v1 HmacSHA1/HmacSHA256, verified by
// Server and produced by SignTC3, AuthorizationTC3, SignV1 and Client), the
// v1 replay cache, the per-Action rate limits, the 返回结果 envelope, and
// strict decoding of business parameters (Request.Decode, Params). It knows
// nothing about services or APIs: Actions are Handlers that the admin
// package plugs in, typed with Action (decode into the request struct, its
// Check, the Action, its response struct in the envelope). It imports only
// the standard library.
//
// # Threading
//
// Server and Client are safe for concurrent use once configured; their
// fields must not change after the first request. Each request runs on its
// net/http goroutine; the replay cache and the rate limiter are guarded by
// their own mutexes. A Handler gets a context with the Server's Timeout
// deadline (default 30 s) that is also cancelled when the client goes away.
//
// # Transport
//
//	POST /  application/json                   TC3-HMAC-SHA256   body ≤ 10 MB
//	POST /  application/x-www-form-urlencoded  HmacSHA1/SHA256   body ≤ 1 MB
//	GET  /?query  with Authorization           TC3-HMAC-SHA256   query ≤ 32 KB
//	GET  /?query  without Authorization        HmacSHA1/SHA256   query ≤ 32 KB
//
// Every answer, error or not, is HTTP 200 with Content-Type application/json:
// {"Response": {...payload..., "RequestId": "<uuid v4>"}} or
// {"Response": {"Error": {"Code": "...", "Message": "..."}, "RequestId": "..."}}
// (the SDK turns any other status into ClientError.HttpStatusCodeError
// without reading the body). Bodies are read through a limit+1 reader and
// refused unread when Content-Length is already too large; a GET body is
// never read (no signature covers it). A GET's Content-Type is not
// restricted: it is only a signed header.
//
// Slow and large requests are bounded before any signature work
// (Server.Bounds, transport.go; defaults in brackets): the head must arrive
// within HeaderTimeout [5 s] and hold at most MaxHeaderBytes [64 KiB] (past
// either, net/http answers a plain 400 or 431 and closes: no handler runs);
// a POST body must arrive within BodyTimeout [30 s] of the head, else it is
// answered UnsupportedProtocol; a kept-alive connection idle for
// IdleTimeout [90 s] is closed. ServeHTTP enforces BodyTimeout on any
// http.Server; Bounds.HTTPServer makes the http.Server that enforces the
// others (no ReadTimeout or WriteTimeout: they would cut EdgeSync
// long-polls). A request answered before its body was read to the end
// (refused first, too large, too slow, or a GET's body) is answered with
// Connection: close and the rest of its body is not read: net/http would
// otherwise drain it, at the client's pace, before the next request.
//
// TC3: the canonical query string is the URL's raw query exactly as sent;
// header values are compared both lower-cased (the seed) and verbatim (what
// SDK v1.0.162 signs); X-TC-Content-SHA256: UNSIGNED-PAYLOAD is accepted
// unless Server.RejectUnsignedPayload; a GET signs the empty payload. v1: the
// string to sign is rebuilt from the decoded parameters, with empty values
// both included (the seed) and left out (the SDK); a '+' of the Signature
// sent unencoded (arriving as a space) is tolerated. Business parameters of
// GET requests (v1 and TC3) and v1 forms are flattened as the SDK does
// ("Filters.0.Values.1") and decoded by Request.Decode.
//
// # Error codes
//
// Checks run in this order; the first failure answers.
//
//	method other than GET/POST                            UnsupportedProtocol
//	path other than /                                     UnsupportedProtocol
//	GET query over 32 KB                                  RequestSizeLimitExceeded
//	POST with a query string                              UnsupportedProtocol
//	POST Content-Type missing, malformed, multipart/form-data
//	  (no apigateway Action accepts it) or anything else  UnsupportedProtocol
//	form POST carrying an Authorization header            UnsupportedProtocol
//	JSON POST without Authorization                       MissingParameter (Authorization)
//	JSON POST body over 10 MB, form body over 1 MB        RequestSizeLimitExceeded
//	POST body not in within Bounds.BodyTimeout (30 s)     UnsupportedProtocol (connection closed)
//	Authorization not TC3-HMAC-SHA256, or malformed       AuthFailure.SignatureFailure
//	v1 parameters not URL-decodable, or a name repeated   InvalidParameter
//	X-TC-Action/-Version/-Timestamp absent; v1 Action,
//	  Version, Timestamp, Nonce, SecretId or Signature    MissingParameter
//	Version other than Server.Version                     NoSuchVersion
//	Action not in Server.Actions                          InvalidAction
//	Server.Regions set and region absent / not listed     MissingParameter / UnsupportedRegion
//	Token (X-TC-Token) present: no temporary credentials  AuthFailure.TokenFailure
//	Timestamp not a positive integer                      InvalidParameter
//	|Timestamp - now| > MaxSkew (5 min)                   AuthFailure.SignatureExpire
//	TC3 scope service ≠ Server.Service, date ≠ UTC date of
//	  the timestamp, terminator ≠ tc3_request, content-type
//	  or host (or RequireSignedHeaders) not signed        AuthFailure.SignatureFailure
//	v1 Nonce not an unsigned integer                      InvalidParameter
//	SecretId not 1-128 of [A-Za-z0-9_-]                   AuthFailure.InvalidSecretId
//	SecretId unknown to Creds                             AuthFailure.SecretIdNotFound
//	X-TC-Content-SHA256 ≠ body hash, UNSIGNED-PAYLOAD
//	  refused, Signature not hex/Base64, or mismatch      AuthFailure.SignatureFailure
//	v1 (SecretId, Nonce) already used in the window       AuthFailure.SignatureFailure
//	v1 replay cache full of live entries                  RequestLimitExceeded
//	TC3 GET query not decodable or a name repeated        InvalidParameter
//	JSON body invalid, not an object, duplicate member
//	  names, nesting over 64                              InvalidParameter
//	v1/GET parameter name malformed ("A..B")              InvalidParameter
//	over the Action's rate for this SecretId              RequestLimitExceeded
//	Handler: *Error                                       its Code
//	Handler: other error, panic, payload not an object    InternalError (cause logged)
//
// A replayed v1 request is answered AuthFailure.SignatureFailure: the seed
// lists exactly five codes under 签名失败 and replay protection is part of
// the v1 signature (Nonce, seed 公共参数); the Message says that the Nonce
// was reused. The signature is verified before the nonce is recorded, so
// forged requests cannot burn a client's nonces. A wrong version is
// NoSuchVersion (接口版本不存在), checked before the Action because Action
// names belong to a version. Decode adds UnknownParameter, InvalidParameter
// and MissingParameter, each naming the parameter ("Filters.0.Name").
// RequestSizeLimitExceeded is the public Tencent Cloud code for the seed's
// size limits, which name none. A body too slow to arrive is
// UnsupportedProtocol (seed 公共错误码: an HTTP(S) request protocol error),
// like the other transport failures: the request never became a call.
//
// TC3 as SDK v1.0.162 uses it signs only content-type and host: the Action
// header is not covered, so within MaxSkew a captured request could be
// replayed as another Action with the same body. Set
// Server.RequireSignedHeaders to []string{"x-tc-action"} to close that where
// every client signs it (Client does).
//
// Logging: one record per request with request_id, action, secret_id,
// client_ip, signed and code; never keys, signatures, Authorization headers
// or parameters. Handler errors are logged verbatim under InternalError, so
// they must not carry secrets.
package tcapi
