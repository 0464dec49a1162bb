// Package console is the web console served at /console/ on the admin
// listener: the seed's console walk-throughs (seed 000, 快速入门 and 操作指南:
// create a service, the create-API wizard with its front end, back end and
// response steps, API 调试, release and version switching, usage plans and
// keys, apps, plugins, IP strategies, custom domains and certificates,
// 监控) as a small single-page application.
//
// # One write path
//
// The console has no access to the store: it imports only admin/tcapi (a
// test in e2e enforces it). Every action the browser takes is POSTed to
// /console/api/action as {"Action": ..., "Params": {...}}; the server
// signs it with TC3-HMAC-SHA256 under the signed-in admin's SecretId and
// SecretKey (tcapi.Client) and runs it in process through the admin
// listener's own Action API handler (Options.API), so signature checks,
// per-Action rate limits, strict decoding, validation and the error codes
// are exactly the Action API's, and its log names the admin's SecretId and
// the browser's address. The answer goes back as the Action API's
// envelope, errors included. The debug page (debug.go) and the monitoring
// page (monitor.go) read through the same handlers: the environment's URL
// from DescribeServiceEnvironmentList, the counts from GET /metrics.
//
// # Sessions
//
// Sign-in takes the admin credentials the Action API accepts (SecretId and
// SecretKey, DATA/admin-credentials.json) and proves them with a signed
// DescribeServicesStatus call: a wrong key is refused with the Action API's
// own code, and an edge credential, which may call EdgeSync only, is
// refused too. The key then lives in the server's memory for the session
// only; the browser holds a random session id in a cookie (HttpOnly,
// SameSite=Strict, Path=/console/, Secure when the listener is TLS) and a
// CSRF token it must send as X-CSRF-Token on every POST. POSTs must also be
// application/json and, when the browser says where they come from
// (Origin, Sec-Fetch-Site), same-origin. A session ends after IdleTimeout
// without a user request (the monitoring page's polling does not count),
// after MaxLifetime in any case, and at sign-out. Failed sign-ins are
// limited per client address (an IPv6 client by its /64): past
// LoginFailures within LoginWindow the address is answered 429 before any
// check.
//
// # Threading
//
// A Console is safe for concurrent use; sessions and the sign-in limiter
// are guarded by one mutex each. Requests run on net/http's goroutines;
// nothing here touches the edge's event loops.
//
// Assets (web/) are plain HTML, CSS and ES modules embedded with embed; no
// build step, nothing loaded from elsewhere (the Content-Security-Policy
// allows only this origin).
package console
