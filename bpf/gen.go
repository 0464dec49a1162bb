package bpf

// The XDP object is built with the pinned clang flags below (committed
// output: Debian clang 14.0.6, libbpf-dev 1.1.2 headers); `make generate`
// reruns this and `make check-generate` proves the committed output current.
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target bpfel -type counter xdp xdp_filter.c
