#!/bin/bash
# A/B of Edgegate's --io-batching modes (or two binaries): CPU time per
# proxied request, paired rounds alternating on the same machine, for
# experiments too small for the harness (BENCHMARKS.md, issue 18).
#
#   go run ./bench -only plain -quick -keep      # prints the kept directory
#   go build -o /tmp/eg ./cmd/edgegate
#   bench/ab.sh DIR "reads:/tmp/eg:reads ring:/tmp/eg:ring" [rounds] [seconds]
#
# Each config is label:binary:mode. The gateway runs `run --config
# DIR/edgegate.yaml --loops 1` pinned to CPU 0 with GOMAXPROCS=1, the
# kept nginx origin and wrk -t1 -c64 on CPU 1, as the harness places them.
# CPU per request is the gateway's utime+stime from /proc over wrk's
# requests. Prints each run, then the median over rounds of each config's
# ratio to the first one in the same round.
set -eu
dir=$1
configs=$2
rounds=${3:-8}
secs=${4:-6}
addr=127.0.0.1:39719
host="Host: service-bench.localhost"
url=http://$addr/release/proxy
tick=$(getconf CLK_TCK)
taskset -c 1 nginx -c "$dir/origin.conf" & # daemon off in the kept config
origin=$!
trap 'kill $origin 2>/dev/null || true' EXIT
sleep 0.5
out=$(mktemp)
for round in $(seq "$rounds"); do
	for cfg in $configs; do
		IFS=: read -r label bin mode <<<"$cfg"
		data=$(mktemp -d)
		taskset -c 0 env GOMAXPROCS=1 "$bin" run --config "$dir/edgegate.yaml" --listen $addr --admin-listen "" \
			--loops 1 --io-batching "$mode" --data "$data" >"$data.log" 2>&1 &
		pid=$!
		for _ in $(seq 50); do curl -s -o /dev/null -H "$host" $url && break; sleep 0.1; done
		taskset -c 1 wrk -t1 -c64 -d1s -H "$host" $url >/dev/null
		s1=$(awk '{print $14+$15}' /proc/$pid/stat)
		w=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency -H "$host" $url)
		s2=$(awk '{print $14+$15}' /proc/$pid/stat)
		kill $pid
		wait $pid || true
		rm -rf "$data" "$data.log"
		reqs=$(echo "$w" | awk '/requests in/{print $1}')
		us=$(awk -v d=$((s2 - s1)) -v t="$tick" -v n="$reqs" 'BEGIN{printf "%.2f", d*1e6/t/n}')
		echo "$round $label rps=$((reqs / secs)) cpu_us_per_req=$us cpu=$(((s2 - s1) * 100 / tick / secs))% p99=$(echo "$w" | awk '/ 99%/{print $2}')" | tee -a "$out"
	done
done
awk '{split($4, kv, "="); v[$1, $2] = kv[2]; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }; r[$1] = 1 }
END {
	for (c = 2; c <= n; c++) {
		k = 0
		for (x in r) if (v[x, order[1]] > 0) q[++k] = v[x, order[c]] / v[x, order[1]]
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
		s = ""; for (i = 1; i <= k; i++) s = s sprintf(" %.3f", q[i])
		m = (k % 2) ? q[(k + 1) / 2] : (q[k / 2] + q[k / 2 + 1]) / 2
		printf "%s / %s CPU per request: median %.3f over %d rounds (sorted:%s)\n", order[c], order[1], m, k, s
	}
}' "$out"
rm -f "$out"
