// Package router compiles published API definitions (model.Published) into
// immutable match tables and answers, for each request, which API serves it
// and how its backend request looks.
//
// It owns: host → service (default domains <ServiceId>.<BaseDomain> and
// custom domains), the environment selector (first path segment, or a
// custom domain's PathMappingSet), path normalisation (normalize.go), the
// seed's match priority (seed 000, 常见问题 "api 命中优先级"), parameter
// validation and mapping, and backend URL composition (常见问题 "后端 URL 组织
// 问题").
//
// Each host also carries its protocols (Proto: a custom domain's Protocol,
// else its service's; empty means both) and a custom domain's
// IsForcedHttps; Lookup reports them in Result.Proto and Result.ForceHTTPS
// for the edge to redirect or refuse by the connection's scheme.
//
// # Matching
//
// Within one (service, environment), in the seed's order:
//
//  1. "=/x" matches /x exactly and wins over everything;
//  2. "^~/x" is a priority prefix; the longest wins;
//  3. regex paths ("~/re", "~*/re" case-insensitive; Go RE2, anchored at
//     the start of the path, unanchored at the end) and {param} paths
//     ("/user/{id}": each variable is one whole non-empty segment, and the
//     pattern covers the whole path) share the third tier: the first
//     defined wins;
//  4. plain paths are byte prefixes and the longest wins ("/user" serves
//     /user, /usertest and /user/test/a).
//
// Methods: only APIs serving the request's method are candidates, so a
// POST skips a GET-only "=/x" and may land on a plain prefix. For one path,
// an API defined with the method beats ANY. HEAD is served by a HEAD API,
// else by the GET API of the same path (Result.HeadFallback), else by ANY.
// Request methods are case-sensitive; one outside GET, HEAD, POST, PUT,
// DELETE, PATCH and OPTIONS reaches ANY APIs only. When some API matches
// the path but none serves the method, the answer is 405 with Allow
// listing the methods of every API matching the path (GET implies HEAD).
//
// Paths are matched in the normal form that normalize.go describes, and
// that same form (never the raw path) is what Build forwards, so the path
// the gateway judged is the path the backend sees. Matching is
// case-sensitive (RFC 3986 §6.2.2.1): protect a subtree with "^~/admin",
// not "=/admin", which guards that one path only.
//
// # Threading
//
// A Table is immutable once Compile returns: every event loop calls Lookup
// and Route.Build on it concurrently, without locks. Result and Backend
// hold per-request state and buffers: keep one of each per event loop.
// Lookup and Build allocate nothing once those buffers have grown.
//
// # Imports
//
// The standard library (no net, os/exec or syscall), model and http1
// (for its Header type); never edge, admin or anything with sockets. A
// test enforces it.
package router
