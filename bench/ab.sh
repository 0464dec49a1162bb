#!/bin/bash
# A/B of Edgegate's --io-batching modes (or two binaries): CPU time per
# proxied request, paired rounds alternating on the same machine, for
# experiments too small for the harness (BENCHMARKS.md, issue 18).
#
#   go run ./bench -only plain -quick -keep      # prints the kept directory
#   go build -o /tmp/eg ./cmd/edgegate
#   bench/ab.sh DIR "reads:/tmp/eg:reads ring:/tmp/eg:ring" [rounds] [seconds]
#
# Each config is label:binary:mode[:extra,args[:path]]; extra arguments
# are comma-separated and @DATA in them is the run's fresh data directory
# (e.g. full:/tmp/eg:ring:--access-log-dir,@DATA/log); path overrides
# AB_PATH for that config. The gateway runs
# `run --config DIR/$AB_CONFIG --loops 1` pinned to CPU 0 with GOMAXPROCS=1,
# the kept nginx origin and wrk -t1 -c64 on CPU 1, as the harness places
# them. AB_CONFIG (default edgegate.yaml) and AB_PATH (default
# /release/proxy) pick the configuration and route; AB_SIGN=1 sends the
# features part's key-pair headers and Origin (bench/features.go), e.g.
#   go run ./bench -only features -quick -keep
#   AB_CONFIG=edgegate-full.yaml AB_PATH=/release/full AB_SIGN=1 bench/ab.sh DIR ...
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
hdrs=(-H "$host")
if [ "${AB_SIGN:-}" = 1 ]; then
	# seed 000 密钥对认证: Base64(HMAC-SHA1(secret, "x-date: …\nsource: …")), as signedHeaders
	xd=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
	sig=$(printf 'x-date: %s\nsource: bench' "$xd" | openssl dgst -sha1 -hmac bench-secret-0123456789 -binary | base64)
	hdrs+=(-H "X-Date: $xd" -H "Source: bench" -H "Origin: https://app.example.com"
		-H "Authorization: hmac id=\"AKIDbench\", algorithm=\"hmac-sha1\", headers=\"x-date source\", signature=\"$sig\"")
fi
tick=$(getconf CLK_TCK)
taskset -c 1 nginx -c "$dir/origin.conf" & # daemon off in the kept config
origin=$!
trap 'kill $origin 2>/dev/null || true' EXIT
sleep 0.5
out=$(mktemp)
for round in $(seq "$rounds"); do
	for cfg in $configs; do
		IFS=: read -r label bin mode extra path <<<"$cfg"
		url=http://$addr${path:-${AB_PATH:-/release/proxy}}
		data=$(mktemp -d)
		IFS=, read -r -a args <<<"${extra//@DATA/$data}"
		taskset -c 0 env GOMAXPROCS=1 "$bin" run --config "$dir/${AB_CONFIG:-edgegate.yaml}" --listen $addr --admin-listen "" \
			--loops 1 --io-batching "$mode" --data "$data" "${args[@]}" >"$data.log" 2>&1 &
		pid=$!
		for _ in $(seq 50); do curl -sf -o /dev/null "${hdrs[@]}" $url && break; sleep 0.1; done
		taskset -c 1 wrk -t1 -c64 -d1s "${hdrs[@]}" $url >/dev/null
		s1=$(awk '{print $14+$15}' /proc/$pid/stat)
		w=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency "${hdrs[@]}" $url)
		s2=$(awk '{print $14+$15}' /proc/$pid/stat)
		non2xx=$(echo "$w" | awk '/Non-2xx/{print $NF}')
		[ -z "$non2xx" ] || echo "warning: $label: $non2xx non-2xx answers" >&2
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
