// Package e2e holds the end-to-end tests: the edgegate binary, built once
// per run, in front of a real upstream process (this test binary re-run in
// the upstream role), all on loopback.
package e2e
