// Command edgegate is the Edgegate API gateway.
//
//	edgegate run [flags]            all-in-one: control plane and data plane
//	edgegate admin [flags]          control plane only (split mode)
//	edgegate admin backup|restore   copy the control plane for a standby (backupcmd.go)
//	edgegate edge --control URL     data plane following an admin (split mode)
//	edgegate ctl ACTION [params]    signed Action API client
//	edgegate version
//
// Flags and wiring only: the engine is edge, the control plane admin. What
// lives here is what a process owns: its locks (locks.go: the listen
// address and the edge's data directory, internal/flock), the demo, the
// quota file, the edge's follow loop (edgecmd.go) and its security: the edge
// credential, the pinned admin certificate, opening the sealed document and
// refusing older revisions (edgesync.go), and ctl's table of Actions and their
// declared parameter types (actions.go, actiontypes.go, params.go).
package main
