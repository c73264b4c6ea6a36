# Altis: the single entry point for people and CI. `make` lists the targets.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO         ?= go
COMPOSE    ?= docker compose
BIN        := bin
SERVICES   := gateway command query projector
BENCH_ARGS ?=
LOAD_ARGS  ?= -duration 15s
TEST_ARGS  ?=
RUN_ARGS   ?=
SCALE      ?=

# Tests fail loudly instead of skipping when CI=true (see pkg/platform/testenv).
ifdef CI
export CI
endif

.DEFAULT_GOAL := help
.PHONY: help build run test fuzz lint migrate seed bench compose-config tidy clean clean-state

help: ## list the targets
	@echo "Altis: make <target>"
	@awk 'BEGIN { FS = ":.*## " } /^[a-z-]+:.*## / { printf "  %-15s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## build every service and the launcher into bin/
	$(GO) build -o $(BIN)/ $(addprefix ./services/,$(SERVICES)) ./deploy/cmd/altis-run

run: build ## start the whole fleet on this machine (Ctrl-C stops it; data in .state/; SCALE=query=3,projector=2)
	./$(BIN)/altis-run $(if $(SCALE),-scale $(SCALE)) $(RUN_ARGS)

# Each module is built alone (GOWORK=off, as Docker builds it), vetted and
# tested on its own: `go test ./...` does not work at the root of a go.work tree.
# The concurrency-heavy packages run once more under the race detector:
# the outbox relay and the consumer pipeline, token and document caches,
# the rate limiter, the upstream pool, seat holds, idempotency keys and
# commits, the SSE hub.
RACE_PKGS := ./pkg/platform/outbox ./pkg/platform/auth \
	./services/command/internal/adapters/redis ./services/command/internal/adapters/postgres \
	./services/command/internal/ports/http ./services/query/internal/ports/sse \
	./services/query/internal/adapters/redis ./services/gateway/internal/limits \
	./services/gateway/internal/proxy ./services/projector/internal/ports/kafka \
	./services/projector/internal/pipeline

test: ## go vet + go test in every workspace module (stops at the first failing one), then -race where it matters
	@mods="$$($(GO) list -m -f '{{.Dir}}')"; \
	for dir in $$mods; do \
		echo "==> $$dir"; \
		(cd "$$dir" && GOWORK=off $(GO) build ./... && $(GO) vet ./... && $(GO) test -count=1 $(TEST_ARGS) ./...) \
			|| { echo "FAIL: module $$dir"; exit 1; }; \
	done
	@echo "==> race detector"
	$(GO) test -race -count=1 $(TEST_ARGS) $(RACE_PKGS)
	@$(call fuzz-each,3s)

# Go's native fuzzing, one target per run (Go fuzzes one target per package
# per invocation): every request decoder and parser and the token verifier.
# `make test` runs each for 3s; `make fuzz` for FUZZTIME (`make fuzz
# FUZZTIME=5m` runs longer). A crasher lands in the package's
# testdata/fuzz/<Func>/ and is replayed by every later `go test` from then on.
FUZZTIME ?= 60s
FUZZ_TARGETS := ./pkg/platform/web:FuzzUnmarshal ./pkg/platform/auth:FuzzVerify \
	./services/command/internal/domain/trip:FuzzParseSeatNumber ./services/command/internal/domain/trip:FuzzParseName \
	./services/command/internal/domain/trip:FuzzParseFlightIDs ./services/command/internal/domain/booking:FuzzParseRequest \
	./services/command/internal/app:FuzzParseSeatInput ./services/command/internal/ports/http:FuzzRequestBodies \
	./services/command/internal/ports/http:FuzzIdempotencyKey ./services/query/internal/ports/http:FuzzSearchRequest \
	./services/query/internal/ports/http:FuzzSeatMapFlightID ./services/query/internal/app:FuzzParseEventID
fuzz-each = for t in $(FUZZ_TARGETS); do \
		echo "==> fuzz $${t/*:/} in $${t%:*} for $(1)"; \
		$(GO) test -run '^$$' -fuzz "^$${t/*:/}$$" -fuzztime $(1) "$${t%:*}" || { echo "FAIL: $$t"; exit 1; }; \
	done

fuzz: ## run every fuzz target for FUZZTIME (default 60s each)
	@$(call fuzz-each,$(FUZZTIME))

# staticcheck is pinned by deploy/go.mod's tool directive; in workspace mode
# `go tool` finds it from every module. It runs once per module, then the
# layer check (deploy/layers) lists every module's import graph.
lint: ## staticcheck and the layer check in every module
	@mods="$$($(GO) list -m -f '{{.Dir}}')"; \
	for dir in $$mods; do \
		echo "==> staticcheck $$dir"; \
		(cd "$$dir" && $(GO) tool staticcheck ./...) || { echo "FAIL: module $$dir"; exit 1; }; \
	done
	$(GO) test -count=1 ./deploy/layers

migrate: ## apply the database migrations (APP_DATABASE__URL or config/default.toml)
	$(GO) build -o $(BIN)/ ./services/command
	./$(BIN)/command migrate

seed: ## migrate, then seed the flight schedule (idempotent)
	$(GO) build -o $(BIN)/ ./services/command
	./$(BIN)/command seed

bench: build ## Go benchmarks of every module; search, holds and commits on a fleet of its own; the gateway's hop; search by query processes; SSE fan-out
	@mods="$$($(GO) list -m -f '{{.Dir}}')"; \
	for dir in $$mods; do \
		echo "==> $$dir"; \
		(cd "$$dir" && $(GO) test -run '^$$' -bench . -benchmem $(BENCH_ARGS) ./...) \
			|| { echo "FAIL: module $$dir"; exit 1; }; \
	done
	$(GO) build -o $(BIN)/ ./deploy/cmd/altis-bench ./deploy/cmd/altis-sse-bench
	./$(BIN)/altis-bench -bin $(BIN) $(LOAD_ARGS)
	./$(BIN)/altis-bench -bin $(BIN) -only hop -hop-rounds 3 -hop-duration 5s
	./$(BIN)/altis-bench -bin $(BIN) -only scale -hop-duration 8s
	./$(BIN)/altis-sse-bench -bin $(BIN)

compose-config: ## check docker-compose.yml
	$(COMPOSE) config -q

tidy: ## go mod tidy in every workspace module
	@mods="$$($(GO) list -m -f '{{.Dir}}')"; \
	for dir in $$mods; do \
		echo "==> $$dir"; \
		(cd "$$dir" && $(GO) mod tidy) || { echo "FAIL: module $$dir"; exit 1; }; \
	done

clean: ## remove bin/ (keeps .state/)
	rm -rf $(BIN)

clean-state: ## remove .state/: the next make run starts from an empty database
	rm -rf .state
