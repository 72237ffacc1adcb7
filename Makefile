# The two commands: `make run` runs the product, `make test` runs every test.
GO      ?= $(shell command -v go || echo /usr/local/go/bin/go)
BIN     := bin/tenantry
PKGS    := ./...

.PHONY: run test bench build deps check clean

## run: a private PostgreSQL, migrations, demo tenants, the server on :8000
run: deps build
	./$(BIN) dev

## test: formatting, vet and the whole test suite against real PostgreSQL, the
## isolation tests also through a real PgBouncer (transaction pooling), which
## must then be installed: TENANTRY_REQUIRE_PGBOUNCER=0 skips those instead;
## the console's browser tests drive Debian's chromium: TENANTRY_REQUIRE_BROWSER=0
## skips them where it is missing (screenshots go to artefacts/, git-ignored);
## and the OpenAPI document is linted with Redocly's CLI, installed from npm
## into .tools/: TENANTRY_REQUIRE_REDOCLY=0 skips that where npm is missing
test: export TENANTRY_REQUIRE_PGBOUNCER ?= 1
test: export TENANTRY_REQUIRE_REDOCLY ?= 1
test: export TENANTRY_REQUIRE_BROWSER ?= 1
test: deps check
	$(GO) test -count=1 -timeout 15m $(PKGS)

## bench: the performance figures of docs/design.md (provisioning, signup, fleet migration, HTTP)
bench: deps build
	./$(BIN) bench provision --tenants 20
	./$(BIN) bench signup --signups 20
	./$(BIN) bench fleet --schemas 1000
	./$(BIN) bench http --tenants 100
	./$(BIN) bench isolation --tenants 200 --clients 64 --duration 60s

build:
	$(GO) build -o $(BIN) ./cmd/tenantry

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## deps: the machine's packages the product needs (PostgreSQL's server binaries),
## and the tests' tools (PgBouncer; Redocly's CLI from npm, into .tools/)
deps:
	@scripts/install-deps.sh

clean:
	rm -rf bin
