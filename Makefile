# Edgegate build and test entry points. `make test` is what CI runs.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/edgegate
FUZZTIME ?= 30s

.PHONY: all build run deps test test-race bench fuzz generate lint fmt clean bpf-deps check-generate

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/edgegate

# Start the all-in-one gateway (data in ./data) with a released demo service.
# ARGS adds flags: make run ARGS='--listen :8081 --admin-listen 127.0.0.1:9001 --data ./data2'
run: build
	./$(BIN) run --demo $(ARGS)

# Everything CI checks: formatting, vet, unit, fuzz-seed and end-to-end tests.
# The README's quick start (run as a test) calls curl; check-generate proves
# the committed XDP object current (installs clang with apt-get if missing).
test: deps check-generate
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 9m ./...
# The gnet fork is its own module (./... stops there): its patch's tests;
# and the edge's back-pressure and drain on gnet's poll_opt build.
	cd third_party/gnet && $(GO) test -count=1 -run 'Pause|StopListening|Batching' . && $(GO) test -count=1 ./internal/uring && \
		$(GO) test -count=1 -tags poll_opt -run 'Pause|StopListening|Batching' .
	$(GO) test -count=1 -tags poll_opt -run 'UploadWhileDialing|SlowClientHoldsUpstream|ShutdownRefuses' ./edge

# Tools the tests drive as real peers: curl (the README's quick start),
# openssl (s_client/s_server interop tests of tlsterm), redis-server
# (cluster-wide limits: cluster/, e2e/cluster_redis_test.go), systemd-analyze
# (package systemd: deploy/'s units are verified with it), prometheus and
# its promtool (the /metrics end-to-end test, deploy/prometheus rule checks),
# chromium (headless: the API document page's and the console's browser
# tests) with a CJK font, wrk (the benchmark's re-signing script's test),
# and TypeScript 5.9.3 from npm into .cache/typescript (tsc checks the
# generated JavaScript SDK's declarations).
deps:
	@command -v curl >/dev/null && command -v openssl >/dev/null && command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v redis-server >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl openssl prometheus redis-server; }
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; } # the console's screenshots show the seed's Chinese terms
	@command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd; }
	@command -v python3 >/dev/null && command -v node >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 nodejs; } # generated SDKs (e2e/openapi_test.go)
	@test -x .cache/typescript/node_modules/.bin/tsc || { command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }; \
		npm install --prefix .cache/typescript --no-audit --no-fund --silent typescript@5.9.3; } # tsc: the generated SDK's TypeScript declarations (e2e/openapi_test.go)
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } # bench/features_test.go

test-race:
	$(GO) test -race -count=1 -timeout 15m ./...

# Throughput and latency against nginx and HAProxy (installs them with apt-get);
# then the cluster sizing table of deploy/README.md from the new figures.
bench:
	$(GO) run ./bench $(BENCHFLAGS)
	$(GO) run ./deploy/sizing -write

# Run every fuzz target of every package for FUZZTIME. The targets are
# discovered (packages whose tests declare a Fuzz function, then
# `go test -list`), so a new one runs without editing this file.
fuzz:
	@set -e; n=0; \
	for pkg in $$($(GO) list -f '{{.ImportPath}}={{.Dir}}' ./...); do \
		dir=$${pkg#*=}; pkg=$${pkg%%=*}; \
		grep -qs '^func Fuzz' $$dir/*_test.go || continue; \
		list=$$($(GO) test -list '^Fuzz' $$pkg); \
		for f in $$(echo "$$list" | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; n=$$((n+1)); \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done; \
	echo "fuzz: $$n targets ran for $(FUZZTIME) each"

generate: bpf-deps
	$(GO) generate ./...

# The XDP object (bpf/xdp_bpfel.o) is committed; it was built by this clang
# major version. Other versions emit different (equally valid) bytes.
BPF_CLANG_MAJOR := 14

bpf-deps:
	@command -v clang >/dev/null && command -v llvm-strip >/dev/null && test -f /usr/include/bpf/bpf_helpers.h || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang llvm libbpf-dev; }

# Rebuild the XDP object in a temp dir with the go:generate line of
# bpf/gen.go and compare with the committed files: the Go file always, the
# object byte for byte when clang is BPF_CLANG_MAJOR (bpf2go passes
# -fno-ident and -fdebug-prefix-map, so same clang and headers give the
# same bytes). Fails when someone edited xdp_filter.c without `make generate`.
check-generate: bpf-deps
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/bpf2go github.com/cilium/ebpf/cmd/bpf2go; \
	mkdir $$tmp/bpf; cp bpf/xdp_filter.c $$tmp/bpf/; \
	args=$$(sed -n 's|^//go:generate go run github.com/cilium/ebpf/cmd/bpf2go ||p' bpf/gen.go); \
	(cd $$tmp/bpf && eval GOPACKAGE=bpf $$tmp/bpf2go $$args >/dev/null); \
	cmp -s $$tmp/bpf/xdp_bpfel.go bpf/xdp_bpfel.go || { echo "bpf/xdp_bpfel.go is stale: run make generate"; exit 1; }; \
	if clang --version | head -1 | grep -q "version $(BPF_CLANG_MAJOR)\."; then \
		cmp -s $$tmp/bpf/xdp_bpfel.o bpf/xdp_bpfel.o || { echo "bpf/xdp_bpfel.o is stale: run make generate"; exit 1; }; \
		echo "check-generate: bpf/ output is current"; \
	else echo "check-generate: clang is not $(BPF_CLANG_MAJOR); compared the Go file only"; fi

lint: fmt
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
