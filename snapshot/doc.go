// Package snapshot compiles a model.Published into the immutable value the
// data plane serves from: the router's match tables plus, for every route,
// its compiled backend (targets, timeouts, health rules, mock response)
// and its authentication data (access.go: granted keys and apps with
// pre-keyed secrets, OAuth keys and token locations).
//
// It is the contract between the planes: the control plane compiles (and so
// validates) with it, the edge swaps the result in with one pointer store.
// A Snapshot is never mutated after Compile returns and is read concurrently
// by every event loop.
//
// IP strategies and IPControl plugins compile into per-route rule lists
// over shared ipset sets (ipcontrol.go).
//
// Traffic rules (traffic.go, plugins.go) compile plugins and environment
// strategies into per-route limits and CORS policies; parameter-strategy
// conditions are compiled with package cond.
//
// Signature keys (signing.go) compile into each route's backendsign.Key:
// the edge signs what it forwards to a bound API's backend.
//
// Imports: model, router, ipset, auth, cond, compression and backendsign
// only; never edge or admin.
package snapshot
