// Package admin is the control plane: the seed's Action API (version
// 2018-08-08) for services, APIs, releases and versions, kept in a BuntDB
// store, compiled into snapshots and published to edges — in process for
// `edgegate run`, over an authenticated long-poll for remote edges.
//
// Threading: Actions run on net/http goroutines. Every Action that writes
// takes Admin.mu, so read-validate-write-publish sequences are serial;
// reads go straight to the store. Publishing happens after the write is
// durable: a crash in between is healed on the next start, which compiles
// from the store.
//
// Keys, usage plans and apps (access.go, keys.go, usageplans.go,
// planbind.go, apps.go) join the published value as model.Access; their
// secrets are sealed at rest under the --secret-key-file master key
// (secrets.go).
//
// Sub-packages: tcapi (signing, envelope, decoding) and store (durable
// BuntDB). admin imports model, router (through snapshot) and snapshot;
// edge never imports admin.
package admin
