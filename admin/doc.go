// Package admin will hold the control plane (issue 4): the Action API with
// its signing, validation, the BuntDB store, releases and versions, and the
// compile-and-publish of snapshots. edge never imports it.
package admin
