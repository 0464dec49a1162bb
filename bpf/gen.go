package bpf

// The XDP object is built with the pinned clang flags below; `make generate`
// reruns this and `make check-generate` proves the committed output current.
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target bpfel -type counter xdp xdp_filter.c
