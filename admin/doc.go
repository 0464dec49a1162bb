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
// # Actions
//
// Every Action is a typed method, listed once in actionTable (actions.go):
//
//	act("DescribeFoo", (*Admin).describeFoo)
//	func (a *Admin) describeFoo(ctx context.Context, in *fooReq) (*result[fooInfo], error)
//
// tcapi.Action does the rest: it decodes the parameters into a new fooReq
// (strict: unknown, mistyped and missing parameters answer with their
// codes), runs fooReq's Check when it has one, and writes the response into
// the seed's envelope. To add an Action:
//
//   - declare its request type: members named by their Go fields (the wire
//     names, no json tags), `tcapi:"required"` on the seed's 必选 ones (an
//     empty string or list counts as missing), embedding the shared inputs
//     (pageParams, listParams, envReq, serviceIDReq, ...);
//   - put stateless validation in a Check method, in the order the codes
//     should be reported; checks against the store go in the Action;
//   - declare its response type after the seed's output structure, every
//     member always present (no omitempty: an SDK user must read the seed's
//     default, not nil): result[T] for a seed output "Result T", done(err)
//     for "Result Bool", none for RequestId only, or a struct of the
//     members at the top of Response;
//   - write through a.write (or kind.update / kind.remove, a.inService,
//     a.insert within a limit), read a list with describeList (paging,
//     filters, one read transaction);
//   - add it to actionTable, and, when SDK v1.0.162 lacks it, to notInSDK
//     in sdk_models_test.go, which compares every request and response type
//     with the SDK's models.
//
// ActionNames and ActionParams expose the table to clients (edgegate ctl).
//
// Keys, usage plans and apps (access.go, keys.go, usageplans.go,
// planbind.go, apps.go) join the published value as model.Access; their
// secrets are sealed at rest under the --secret-key-file master key
// (secrets.go). Plans, apps and plugins reach a target (service,
// environment, API) through the binding helpers of planbind.go.
//
// Custom domains (domains.go, the seed's six Actions) are stored under
// dom:<SubDomain>, one key per name, and published with their service at
// once, released or not; certificates (certificates.go, Edgegate Actions)
// under cert:<id>, their private keys sealed like the secrets; a
// certificate is SVR (served), CA (a bundle, no key) or CLIENT (mTLS to
// backends), and an SVR one may carry an OCSP staple. compile publishes
// the certificates bound domains use, the default one and those released
// https backends name (backendcerts.go: CreateApi/ModifyApi check the
// references, DeleteCertificate refuses while an API or a released
// version names one), keys opened, as Published.Certificates. The
// certificate codes of tlsterm.ParseKeyPair map to the seed's as
// certificates.go's table says.
//
// DescribeLogSearch (logsearch.go) reads the access log through the
// accesslog.Searcher of Options.LogSearcher.
//
// API documents (apidocs.go, the seed's seven Actions) are stored under
// apidoc:<id>, their share password hashed and (with a master key) sealed;
// builds run in goroutines of their own (Close waits for them) and store
// the page under apidocpage:<id>; Handler serves it at /apidoc/<id>/
// behind the password (apidocpage.go, templates in apidocweb/).
//
// # Split mode
//
// Remote edges follow revisions with EdgeSync (edges.go), signed with an
// edge credential (edgecreds.go: CreateEdgeCredential/DeleteEdgeCredential,
// Edgegate extensions, stored under edgecred:<SecretId> with the secret
// sealed like the others) that may call EdgeSync only; every other Action
// refuses it with AuthFailure.UnauthorizedOperation before decoding. The
// answer carries the Published document sealed to the signing credential's
// key (internal/syncseal says why the whole document, and how). Backup and
// Restore (backup.go) copy the store, the admin credentials and the master
// key for a standby admin, moving the restored revision RevisionEpoch ahead
// because edges refuse revisions lower than their own.
//
// Sub-packages: tcapi (signing, envelope, decoding, the typed Action
// wrapper) and store (durable BuntDB). admin imports model, router (through
// snapshot), snapshot and accesslog; edge never imports admin.
package admin
