// Package bpf is the gateway-wide IP prefilter (issue 7): the XDP program
// (xdp_filter.c, built by bpf2go into the committed xdp_bpfel.go/.o), its
// loader and in-place map sync (filter.go, maps.go), the firewall file and
// its compilation into prefixes (policy.go), and the userspace twin
// (twin.go), the same decision at accept time for hosts where XDP cannot
// attach.
//
// Threading: Filter.Admit runs on every edge event loop concurrently; it
// reads an immutable Table through an atomic pointer (no lock, no
// allocation). Apply and Close are serialized by a mutex and run off the
// hot path (startup, SIGHUP).
//
// It must never block the edge when XDP is absent: Open falls back to the
// twin in auto mode. It imports no project package; only cilium/ebpf.
package bpf
