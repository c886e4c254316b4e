# atomic-mcp: `make run` serves the sandbox; `make test` is the test suite.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/atomic-mcp
FUZZTIME ?= 30s

.PHONY: help build run test lint bench fuzz golden clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build bin/atomic-mcp, version from git
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build ## serve the built-in sandbox over stdio (no token needed)
	./$(BIN) --sandbox

test: ## run every test with the race detector
	go test -race -count=1 ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

bench: ## run the benchmarks
	go test -run '^$$' -bench . -benchmem ./...

fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	go test -run '^$$' -fuzz '^FuzzABN$$' -fuzztime $(FUZZTIME) ./tools
	go test -run '^$$' -fuzz '^FuzzRedeem$$' -fuzztime $(FUZZTIME) ./internal/confirm
	go test -run '^$$' -fuzz '^FuzzDecodeList$$' -fuzztime $(FUZZTIME) ./internal/atomic

golden: ## rewrite the golden files after a reviewed schema change
	go test ./tools -run TestGolden -update

clean: ## remove build output
	rm -rf bin
