# atomic-mcp: `make run` serves the sandbox; `make test` is the test suite.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
DATE    := $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
BUILDINFO := github.com/atomtelecom/atomic-mcp/internal/buildinfo
LDFLAGS := -s -w -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(DATE)
BIN     := bin/atomic-mcp
FUZZTIME ?= 30s
# DIST_PLATFORMS narrows make dist, e.g. linux/amd64,windows/amd64 (default: all six).
DIST_PLATFORMS ?=

.PHONY: help build run test lint bench fuzz golden conformance dist mcpb screenshots clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## build bin/atomic-mcp, version from git
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build ## serve the built-in sandbox over streamable HTTP on 127.0.0.1:8080 (no token needed)
	./$(BIN) --sandbox --transport http

test: ## run every test with the race detector
	go test -race -count=1 ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

bench: ## run the benchmarks (figures in README.md, Performance)
	go test -run '^$$' -bench . -benchmem ./internal/atomicapi ./tools
	go test -run '^$$' -bench '^BenchmarkStdioColdStart$$' -benchtime 20x ./internal/e2e
	go test -run '^$$' -bench '^BenchmarkStdioCall$$' -benchtime 10000x ./internal/e2e
	go test -run '^$$' -bench '^BenchmarkLargeAccount$$' -benchtime 200x ./internal/e2e
	go test -run '^$$' -bench '^BenchmarkLargePage$$' -benchtime 200x ./internal/e2e
	go test -run '^$$' -bench '^BenchmarkHTTPLoad$$' -benchtime 1x ./internal/e2e
	go test -run '^$$' -bench '^BenchmarkTracingOverhead$$' -benchtime 5000x ./internal/e2e
	go test -run '^$$' -bench '^BenchmarkSpanProcessor$$' -benchmem ./internal/telemetry
	go test -run '^$$' -bench '^BenchmarkRedisWritePath$$' -benchtime 2000x ./internal/store
	go test -run '^$$' -bench '^BenchmarkStoreWrites$$' -benchtime 300x ./internal/app

fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	go test -run '^$$' -fuzz '^FuzzABN$$' -fuzztime $(FUZZTIME) ./tools
	go test -run '^$$' -fuzz '^FuzzRedeem$$' -fuzztime $(FUZZTIME) ./internal/confirm
	go test -run '^$$' -fuzz '^FuzzToolArguments$$' -fuzztime $(FUZZTIME) ./tools
	go test -run '^$$' -fuzz '^FuzzDecodeList$$' -fuzztime $(FUZZTIME) ./internal/atomicapi
	go test -run '^$$' -fuzz '^FuzzDecodeCustomer$$' -fuzztime $(FUZZTIME) ./internal/atomicapi

conformance: build ## run the official MCP conformance suite against the sandbox (needs npm)
	npm ci --prefix .ci/conformance --no-audit --no-fund --loglevel=error
	.ci/conformance/run $(BIN)

dist: ## release archives, MCP Bundles (.mcpb), server.json and SHA256SUMS in dist/, version from the latest git tag
	rm -rf dist
	DIST_PLATFORMS='$(DIST_PLATFORMS)' go run ./internal/release/cmd/dist -out dist
	cd dist && sha256sum --check --quiet SHA256SUMS

mcpb: ## check every bundle in dist/ with the official mcpb CLI: unpack, validate, info (run make dist first; needs npm)
	npm ci --prefix .ci/mcpb --no-audit --no-fund --loglevel=error
	.ci/mcpb/run dist

golden: ## rewrite the tool-schema and result-text golden files and the README tool reference after a deliberate change
	go test ./tools -run 'TestGolden|TestReadmeToolReference|TestResultTextGolden' -update

screenshots: ## retake internal/approval/page.png, the README's picture of the approval page (needs chromium)
	go test ./internal/approval -run '^TestPageScreenshot$$' -count=1 -screenshot page.png

clean: ## remove build output
	rm -rf bin dist
