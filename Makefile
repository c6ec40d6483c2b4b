# Maillage — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run
GO    ?= go
BIN   := bin/maillage
APT   := $(shell command -v apt-get 2>/dev/null)
ROOT  := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: run test lint bench build tools check-go check-node check-postgres check-chromium check-testtools clean

## run: install what is missing, start local PostgreSQL + Meilisearch (unless
## DATABASE_URL / MEILI_URL are set), migrate, load content and demo data, serve.
run: tools build
	@$(BIN) run

## test: go vet + every test (unit, storage, search, browser journeys) against
## real PostgreSQL, Meilisearch and Chromium.
test: tools check-chromium check-testtools build
	$(GO) vet ./...
	$(BIN) services exec -- $(GO) test -count=1 -timeout 20m ./...

## lint: formatting and vet.
lint: check-go
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: performance scenarios that print figures (no assertion on time);
## BENCH=search, BENCH=pages, BENCH=matching, BENCH=path or BENCH=queue runs one of them (default: all).
BENCH ?= all
BENCH_search   := ^BenchmarkSearch$$
BENCH_pages    := ^BenchmarkPages$$
BENCH_matching := ^BenchmarkMatching$$
BENCH_path     := ^BenchmarkPath$$
BENCH_queue    := ^BenchmarkQueue$$
BENCH_all      := ^Benchmark(Search|Pages|Matching|Path|Queue)$$
bench: tools build
	$(if $(BENCH_$(BENCH)),,$(error BENCH must be search, pages, matching, path, queue or all))
	$(BIN) services exec -- $(GO) test -count=1 -run '^$$' -bench '$(BENCH_$(BENCH))' -benchtime 1x -timeout 30m ./internal/bench/...

build: check-go
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/maillage

tools: check-go check-node check-postgres node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

check-go:
	@command -v $(GO) >/dev/null || { echo "Go is missing: install Go 1.26 or newer (https://go.dev/dl/), then run make again." >&2; exit 2; }

check-node:
	@command -v npm >/dev/null || { \
	  if [ -n "$(APT)" ] && [ -n "$(ROOT)" ]; then apt-get update -qq && apt-get install -y -qq nodejs npm; \
	  else echo "npm is missing (it installs the pinned Meilisearch binary): run 'apt-get install -y nodejs npm' or install Node.js 20, then run make again." >&2; exit 2; fi; }

check-postgres:
	@if [ -z "$$DATABASE_URL" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
	  if [ -n "$(APT)" ] && [ -n "$(ROOT)" ]; then apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib; \
	  else echo "PostgreSQL is missing: run 'apt-get install -y postgresql' (Debian/Ubuntu) or set DATABASE_URL, then run make again." >&2; exit 2; fi; fi

check-chromium:
	@if [ -z "$$CHROMIUM_PATH" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
	  if [ -n "$(APT)" ] && [ -n "$(ROOT)" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing for the browser tests: run 'apt-get install -y chromium' (Debian) or set CHROMIUM_PATH, then run make test again." >&2; exit 2; fi; fi

# Tools the tests call: xmllint validates the LHÉO exports against the official
# XML Schema; pdftotext and pdftoppm (poppler) read the charter's PDF attestations.
check-testtools:
	@missing=""; command -v xmllint >/dev/null || missing="$$missing libxml2-utils"; \
	  { command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null; } || missing="$$missing poppler-utils"; \
	  if [ -n "$$missing" ]; then \
	    if [ -n "$(APT)" ] && [ -n "$(ROOT)" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else echo "Missing for the tests:$$missing: run 'apt-get install -y$$missing' (Debian), then run make test again." >&2; exit 2; fi; fi

clean:
	rm -rf bin
