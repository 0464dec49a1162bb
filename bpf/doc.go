// Package bpf will hold the XDP prefilter (issue 7): the C program, its
// bpf2go output, the loader and map sync, and the userspace twin of the same
// decision for hosts where XDP cannot attach. It must never block the edge
// when XDP is absent.
package bpf
