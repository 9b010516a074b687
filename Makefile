# Debrief build / test entry points. `make help` lists targets.

GO       ?= go
BIN      := bin/debrief
FUZZTIME ?= 20s

# Test dependencies (see scripts/postgres.sh and scripts/chromium.sh).
# Values already in the environment win.
DEBRIEF_TEST_POSTGRES ?= postgres://debrief:debrief@127.0.0.1:5432/postgres?sslmode=disable
DEBRIEF_TEST_CHROMIUM ?= /usr/bin/chromium
export DEBRIEF_TEST_POSTGRES DEBRIEF_TEST_CHROMIUM

.PHONY: all help build run test test-deps fmt-check vet bench fuzz clean

all: build

help:
	@echo "make build   - build $(BIN)"
	@echo "make run     - build and serve demo data on http://127.0.0.1:8080"
	@echo "make test    - install/start test deps (root), gofmt, vet, go test -race"
	@echo "make bench   - run benchmarks"
	@echo "make fuzz    - run every Fuzz target for FUZZTIME (default $(FUZZTIME))"
	@echo "make clean   - remove build outputs and local databases"

build:
	$(GO) build -o $(BIN) ./cmd/debrief

run: build
	./$(BIN) serve --addr 127.0.0.1:8080 --db ./debrief.db --demo --open

test: test-deps fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

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
