# Edgegate build and test entry points. `make test` is what CI runs.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/edgegate
FUZZTIME ?= 30s

.PHONY: all build run deps test test-race bench fuzz generate lint fmt clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/edgegate

# Start the all-in-one gateway (data in ./data) with a released demo service.
run: build
	./$(BIN) run --demo

# Everything CI checks: formatting, vet, unit, fuzz-seed and end-to-end tests.
# The README's quick start (run as a test) calls curl.
test: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 9m ./...

deps:
	@command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; }

test-race:
	$(GO) test -race -count=1 -timeout 15m ./...

# Throughput and latency against nginx and HAProxy (installs them with apt-get).
bench:
	$(GO) run ./bench $(BENCHFLAGS)

# Run each fuzz target for FUZZTIME.
fuzz:
	@for pkg in ./edge/http1 ./router ./cond ./snapshot; do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

generate:
	$(GO) generate ./...

lint: fmt
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
