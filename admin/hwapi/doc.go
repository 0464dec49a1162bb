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
//	malformed, x-sdk-date not signed                  401 APIGW.0301
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
// # Operations (seed 001 → handler in package admin → end-to-end test)
//
// Operations the seed shows with their tables are marked [seed]; the others
// are their counterparts in the families the issue names (Huawei APIG v2).
// All paths are below /v2/{project_id}/apigw/instances/{instance_id}
// unless they start with /certificates. Tests are in e2e/huawei*_test.go.
//
//	PUT    /apps/{app_id}/app-acl                       hwPutAppACL             TestHuaweiAppACL  [seed]
//	GET    /apps/{app_id}/app-acl                       hwShowAppACL            TestHuaweiAppACL
//	DELETE /apps/{app_id}/app-acl                       hwDeleteAppACL          TestHuaweiAppACL
//	POST   /acls                                        hwCreateACL             TestHuaweiACLs
//	PUT    /acls/{acl_id}                               hwUpdateACL             TestHuaweiACLs
//	DELETE /acls/{acl_id}                               hwDeleteACL             TestHuaweiACLs
//	PUT    /acls?action=delete                          hwBatchDeleteACLs       TestHuaweiACLs
//	GET    /acls/{acl_id}                               hwShowACL               TestHuaweiACLs
//	GET    /acls                                        hwListACLs              TestHuaweiACLs (paging, precise_search)
//	POST   /acl-bindings                                hwBindACL               TestHuaweiACLs
//	DELETE /acl-bindings/{acl_bindings_id}              hwUnbindACL             TestHuaweiACLs
//	PUT    /acl-bindings?action=delete                  hwBatchUnbindACLs       TestHuaweiACLs
//	GET    /acl-bindings/binded-apis                    hwACLBoundAPIs          TestHuaweiACLs  [seed]
//	GET    /acl-bindings/unbinded-apis                  hwACLUnboundAPIs        TestHuaweiACLs
//	GET    /acl-bindings/binded-acls                    hwAPIBoundACLs          TestHuaweiACLs
//	POST   /throttles                                   hwCreateThrottle        TestHuaweiThrottles
//	PUT    /throttles/{throttle_id}                     hwUpdateThrottle        TestHuaweiThrottles (the seed's example)  [seed]
//	DELETE /throttles/{throttle_id}                     hwDeleteThrottle        TestHuaweiThrottles
//	GET    /throttles/{throttle_id}                     hwShowThrottle          TestHuaweiThrottles
//	GET    /throttles                                   hwListThrottles         TestHuaweiThrottles
//	POST   /throttle-bindings                           hwBindThrottle          TestHuaweiThrottles
//	DELETE /throttle-bindings/{throttle_binding_id}     hwUnbindThrottle        TestHuaweiThrottles
//	PUT    /throttle-bindings?action=delete             hwBatchUnbindThrottles  TestHuaweiThrottles
//	GET    /throttle-bindings/binded-apis               hwThrottleBoundAPIs     TestHuaweiThrottles
//	GET    /throttle-bindings/unbinded-apis             hwThrottleUnboundAPIs   TestHuaweiThrottles
//	GET    /throttle-bindings/binded-throttles          hwAPIBoundThrottles     TestHuaweiThrottles  [seed]
//	POST   /throttles/{throttle_id}/throttle-specials   hwCreateSpecial         TestHuaweiThrottles
//	PUT    .../throttle-specials/{strategy_id}          hwUpdateSpecial         TestHuaweiThrottles
//	DELETE .../throttle-specials/{strategy_id}          hwDeleteSpecial         TestHuaweiThrottles
//	GET    /throttles/{throttle_id}/throttle-specials   hwListSpecials          TestHuaweiThrottles
//	POST   /envs                                        hwCreateEnv             TestHuaweiEnvironments  [seed]
//	PUT    /envs/{env_id}                               hwUpdateEnv             TestHuaweiEnvironments
//	DELETE /envs/{env_id}                               hwDeleteEnv             TestHuaweiEnvironments
//	GET    /envs                                        hwListEnvs              TestHuaweiEnvironments
//	POST   /env-variables                               hwCreateVar             TestHuaweiEnvironments
//	GET    /env-variables/{env_variable_id}             hwShowVar               TestHuaweiEnvironments
//	PUT    /env-variables/{env_variable_id}             hwUpdateVar             TestHuaweiEnvironments
//	DELETE /env-variables/{env_variable_id}             hwDeleteVar             TestHuaweiEnvironments
//	GET    /env-variables                               hwListVars              TestHuaweiEnvironments
//	POST   /api-groups/{group_id}/domains/{domain_id}/certificates/attach  [seed]
//	                                                    hwAttachDomainCerts     TestHuaweiDomainCertificates
//	POST   .../domains/{domain_id}/certificates/detach  hwDetachDomainCerts     TestHuaweiDomainCertificates
//	POST   /certificates/{certificate_id}/domains/attach (AttachOrDetachDomainInfo)  [seed]
//	                                                    hwAttachCertDomains     TestHuaweiDomainCertificates
//	POST   /certificates/{certificate_id}/domains/detach
//	                                                    hwDetachCertDomains     TestHuaweiDomainCertificates
//	POST   /plugins/{plugin_id}/attach                  hwAttachPlugin          TestHuaweiPluginBindings
//	PUT    /plugins/{plugin_id}/detach                  hwDetachPlugin          TestHuaweiPluginBindings
//	GET    /plugins/{plugin_id}/attached-apis           hwPluginAttachedAPIs    TestHuaweiPluginBindings  [seed]
//	GET    /plugins/{plugin_id}/attachable-apis         hwPluginAttachableAPIs  TestHuaweiPluginBindings
//	POST   /signs                                       hwCreateSign            TestHWSigns, TestSignatureKeyOperations
//	GET    /signs                                       hwListSigns             TestHWSigns (paging, precise_search)  [seed]
//	PUT    /signs/{sign_id}                             hwUpdateSign            TestHWSigns
//	DELETE /signs/{sign_id}                             hwDeleteSign            TestHWSigns (unbinds)
//	POST   /sign-bindings                               hwBindSign              TestHWSigns, TestSignatureKeysEndToEnd
//	DELETE /sign-bindings/{sign_bindings_id}            hwUnbindSign            TestHWSigns
//	GET    /sign-bindings/binded-signs                  hwAPIBoundSigns         TestHWSigns  [seed]
//	GET    /sign-bindings/binded-apis                   hwSignBoundAPIs         TestHWSigns
//	GET    /sign-bindings/unbinded-apis                 hwSignUnboundAPIs       TestHWSigns
//
// Authentication and the error statuses: TestHuaweiAuth (401, 403, 404),
// 500 in admin's TestHWSystemError, and this package's tests.
//
// Edgegate is one instance of one project: any well-formed project_id
// and instance_id address it, so Huawei tooling keeps its own IDs.
//
// Threading: Server is configured (fields, Handle) before the first
// request and is then safe for concurrent use; each request runs on its
// net/http goroutine.
package hwapi
