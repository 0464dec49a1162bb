#!/bin/bash
# Where a proxied request's CPU goes, by layer, for Edgegate and nginx side
# by side (BENCHMARKS.md, issue 18): perf record of CPU 0 while wrk loads
# each proxy, each sample put in one layer:
#   user      the sample's leaf is in user space (the proxy's own code)
#   tcp       in the kernel, under TCP/IP (tcp_*, net_rx_action, sock_recvmsg)
#   io_uring  in the kernel, under io_uring but not TCP/IP
#   epoll     in the kernel, under epoll
#   kother    the rest of the proxy's kernel time (syscall entry, scheduler)
# and priced per request (samples / frequency / requests in the window).
#
#   go run ./bench -only plain -quick -keep     # prints the kept directory
#   go build -o /tmp/eg ./cmd/edgegate
#   bench/layers.sh DIR /tmp/eg [pairs]
#
# Placement as the harness's: the proxy on CPU 0 (one worker, one loop,
# GOMAXPROCS=1), the kept nginx origin and wrk -t1 -c64 on CPU 1. Needs
# perf (linux-perf) and python3; run as root. Each pair profiles nginx,
# then Edgegate, 5 s each inside a 7 s wrk run.
set -eu
dir=$1
bin=$2
pairs=${3:-2}
freq=4000
host="Host: service-bench.localhost"
ngport=$(awk '/listen/ {split($2, a, ":"); print a[2] + 0; exit}' "$dir/nginx.conf")
egaddr=127.0.0.1:39721
work=$(mktemp -d)
# Daemons' output goes to files: an inherited pipe would keep a caller's
# reader waiting after the script ends.
taskset -c 1 nginx -c "$dir/origin.conf" >"$work/origin.out" 2>&1 &
origin=$!
ng= eg=
trap 'kill $origin $ng $eg 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 0.5

classify() { # perf script output, requests per second
	python3 - "$1" "$2" "$freq" <<'EOF'
import sys, collections
path, rps, freq = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
layers, ours, every = collections.Counter(), 0, 0
for s in open(path).read().split('\n\n'):
    lines = [l.strip() for l in s.strip().split('\n') if l.strip()]
    if not lines:
        continue
    every += 1
    comm = lines[0].split()[0]
    if comm not in ('nginx', 'edgegate'):
        continue
    ours += 1
    frames = ' '.join(lines[1:])
    if len(lines) < 2:
        layer = 'kother'  # no call chain
    elif '[kernel.kallsyms]' not in lines[1]:
        layer = 'user'
    elif any(k in frames for k in ('tcp_', 'net_rx_action', 'sock_recvmsg')):
        layer = 'tcp'
    elif 'io_' in frames:
        layer = 'io_uring'
    elif 'ep_poll' in frames or 'epoll' in frames:
        layer = 'epoll'
    else:
        layer = 'kother'
    layers[layer] += 1
secs = every / freq  # CPU 0's samples cover the window, idle included
us = lambda n: 1e6 * n / freq / (rps * secs)
print(f"CPU {100 * ours / every:.0f}%  per request {us(ours):.2f} µs: " +
      ", ".join(f"{k} {us(layers[k]):.2f}" for k in ('tcp', 'user', 'io_uring', 'epoll', 'kother') if layers[k]))
EOF
}

profile() { # label url
	taskset -c 1 wrk -t1 -c64 -d2s -H "$host" "$2" >/dev/null
	taskset -c 1 wrk -t1 -c64 -d7s -H "$host" "$2" >"$work/wrk" &
	local w=$!
	sleep 1
	perf record -F $freq -C 0 -g -o "$work/perf.data" -- sleep 5 >/dev/null 2>&1
	wait $w
	local rps
	rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
	perf script -i "$work/perf.data" -F comm,ip,sym,dso 2>/dev/null >"$work/perf.txt"
	printf '%-9s %8.0f req/s  ' "$1" "$rps"
	classify "$work/perf.txt" "$rps"
}

for _ in $(seq "$pairs"); do
	taskset -c 0 nginx -c "$dir/nginx.conf" >"$work/nginx.out" 2>&1 &
	ng=$!
	sleep 1
	profile nginx "http://127.0.0.1:$ngport/release/proxy"
	kill $ng
	wait $ng 2>/dev/null || true
	data=$(mktemp -d -p "$work")
	# The binary is copied to a file named edgegate: perf names samples by it.
	cp "$bin" "$work/edgegate"
	taskset -c 0 env GOMAXPROCS=1 "$work/edgegate" run --config "$dir/edgegate.yaml" --listen $egaddr --admin-listen "" \
		--loops 1 --data "$data" >"$data.log" 2>&1 &
	eg=$!
	for _ in $(seq 50); do curl -sf -o /dev/null -H "$host" http://$egaddr/release/proxy && break; sleep 0.1; done
	profile Edgegate "http://$egaddr/release/proxy"
	kill $eg
	wait $eg 2>/dev/null || true
done
