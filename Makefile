# Debrief build / test entry points. `make help` lists targets.

GO       ?= go
BIN      := bin/debrief
FUZZTIME ?= 20s

# Test dependencies (see scripts/postgres.sh and scripts/chromium.sh).
# Values already in the environment win.
DEBRIEF_TEST_POSTGRES ?= postgres://debrief:debrief@127.0.0.1:5432/postgres?sslmode=disable
DEBRIEF_TEST_CHROMIUM ?= /usr/bin/chromium
export DEBRIEF_TEST_POSTGRES DEBRIEF_TEST_CHROMIUM

.PHONY: all help build run test test-deps fmt-check vet bench fuzz clean soak

all: build

help:
	@echo "make build   - build $(BIN)"
	@echo "make run     - build and serve demo data on http://127.0.0.1:8080"
	@echo "make test    - install/start test deps (root), gofmt, vet, go test -race"
	@echo "make bench   - run benchmarks"
	@echo "make soak    - crash, concurrency, load and bad-input proofs for SOAK (default $(SOAK)) each, on loopback"
	@echo "make fuzz    - run every Fuzz target for FUZZTIME (default $(FUZZTIME))"
	@echo "make clean   - remove build outputs and local databases"

build:
	$(GO) build -o $(BIN) ./cmd/debrief

run: build
	./$(BIN) serve --addr 127.0.0.1:8080 --db ./debrief.db --demo --open

test: test-deps fmt-check vet
	$(GO) test -race -count=1 -timeout 40m ./...

# PostgreSQL server + role, Chromium + pdftotext. Idempotent and fast when
# everything is already in place.
test-deps:
	bash scripts/postgres.sh
	bash scripts/chromium.sh

fmt-check:
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then \
		echo "gofmt needed on:"; echo "$$files" | sed 's/^/  /'; \
		echo "run: gofmt -w ."; \
		exit 1; \
	fi

vet:
	$(GO) vet ./...

# The long proofs of issue 16, on loopback only and bounded in time: kill -9
# under writes (20 rounds), many clients editing the same postmortems, a
# mixed load of reads, searches, writes and webhooks for SOAK per engine
# (p99 and heap printed), and bad input on every write route. make test runs
# the same tests briefly.
SOAK ?= 60s
soak: test-deps
	DEBRIEF_SOAK=$(SOAK) $(GO) test -count=1 -timeout 30m -v -run 'TestCrashKeepsAcknowledgedWrites' ./cmd/debrief
	DEBRIEF_SOAK=$(SOAK) $(GO) test -count=1 -timeout 30m -v -run 'TestMixedLoad|TestConcurrentEditsKeepEveryChange|TestBadInputChangesNothing' ./web

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# `go test -fuzz` takes one package and one target at a time, so list the
# Fuzz targets per package and run each for FUZZTIME.
fuzz:
	@set -e; found=0; \
	for pkg in $$($(GO) list ./...); do \
		for fn in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			found=1; \
			echo "== $$pkg $$fn ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		done; \
	done; \
	if [ $$found = 0 ]; then echo "no Fuzz targets found"; fi

clean:
	rm -rf bin
	rm -f debrief debrief.db debrief.db-wal debrief.db-shm
