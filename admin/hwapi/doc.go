// Package hwapi is the protocol layer of Edgegate's Huawei APIG v2 REST
// interface (seed 001, issue 16): routes under
// /v2/{project_id}/apigw/instances/{instance_id}/... on the admin
// listener, JSON bodies, the seed's success statuses (200, 201, 204) and
// errors (400, 401, 403, 404, 500 with {"error_code", "error_msg"}),
// offset/limit paging, precise_search, and authentication with Huawei's
// AK/SK request signing over the admin credentials (SecretId = AK,
// SecretKey = SK). It knows nothing about services or ACLs: the admin
// package's hw*.go files are the operations, over the same store functions
// as the Action API. It imports only the standard library.
//
// # Adding operations
//
// In package admin, a file declares its routes and registers them from
// an init function; no central list changes:
//
//	func init() { registerHW(hwFooRoutes) }
//
//	func hwFooRoutes(a *Admin) []hwapi.Route {
//		return []hwapi.Route{
//			{Method: "GET", Pattern: hwapi.Instance + "/foos", Handle: a.hwListFoos},
//			{Method: "POST", Pattern: hwapi.Instance + "/foos", Handle: a.hwCreateFoo},
//		}
//	}
//
//	func (a *Admin) hwListFoos(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
//		p, err := c.Page()            // offset/limit, the seed's rules
//		...
//		s, err := c.Search("name")    // precise_search may name "name"
//		... s.Match("name", foo.Name) ...
//		return hwapi.OK(hwapi.List("foos", matches, p)), nil
//	}
//
// Patterns are net/http ServeMux patterns relative to Prefix
// (/v2/{project_id}/apigw); Instance is "/instances/{instance_id}". A
// handler reads path parameters with Call.Path, the query with Query and
// RequiredQuery, the body with Bind (strict JSON), and answers OK,
// Created or NoContent, or an error: an *Error as is, an Action error
// through admin's hwError (not found → 404 by kind, the rest → 400),
// anything else 500 APIG.9999 (logged). Admin tests drive routes with
// newHWTest (admin/hwrest_test.go); end-to-end tests with hwclient.
//
// # Checks, in order
//
//	X-Auth-Token present (IAM token)                    401 APIG.1002
//	body over MaxBody (1 MiB), or not in within 30 s    413 / 400 APIG.2011
//	Authorization missing, not SDK-HMAC-SHA256,
//	  malformed, x-sdk-date not signed                  401 APIGW.0301
//	X-Sdk-Date malformed or over 15 min from now        401 APIGW.0301
//	AK unknown                                          401 APIGW.0301
//	X-Sdk-Content-Sha256 UNSIGNED-PAYLOAD or wrong      401 APIGW.0301
//	signature mismatch                                  401 APIGW.0301
//	AK is an edge credential (EdgeSync only)            403 APIG.1005
//	project_id / instance_id not 1-64 of [A-Za-z0-9_-]  400 APIG.2012
//	no such operation (path or method)                  404 APIG.0101
//	handler: *Error                                     its status and code
//	handler: other error, panic                         500 APIG.9999
//
// Signature (what the SDK computes, and the server again from the request
// it received): CanonicalRequest = method "\n" path, each segment
// URI-escaped (RFC 3986 unreserved kept, %XX upper case), ending in "/"
// "\n" query, sorted by name then value, name=value escaped, joined by "&"
// "\n" each signed header as "name:trimmed value\n" (host from the Host
// line) "\n" the signed names joined by ";" "\n" hex SHA-256 of the body.
// StringToSign = "SDK-HMAC-SHA256\n" X-Sdk-Date "\n" hex SHA-256 of the
// canonical request; Signature = hex HMAC-SHA256(SK, StringToSign);
// Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=...
// Within the 15-minute window a captured request can be replayed (as with
// Huawei's gateways); the admin listener belongs on a trusted network or
// behind --admin-tls.
//
// Edgegate is one instance of one project: any well-formed project_id
// and instance_id address it, so Huawei tooling keeps its own IDs.
//
// Threading: Server is configured (fields, Handle) before the first
// request and is then safe for concurrent use; each request runs on its
// net/http goroutine.
package hwapi
