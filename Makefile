# meterflow: the two commands a new user needs are `make run` and `make test`.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: run test vet build bench bench-go fuzz fuzz-short

## run: start the service against RabbitMQ on localhost with an embedded JetStream in ./data
run:
	$(GO) run . run

## test: every test (unit, golden conformance, integration against RabbitMQ and JetStream)
test: vet
	$(GO) test -p 1 -count=1 -timeout 45m ./...

vet:
	$(GO) vet ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/meterflow .

## bench: end-to-end benchmark against the local RabbitMQ (BENCH_FLAGS, e.g. "-n 20000 --ceilometer")
bench:
	$(GO) run . bench $(BENCH_FLAGS)

## bench-go: Go benchmarks of the conversion core and the bridge
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run every fuzz target for FUZZTIME each (default 30s); see .ci/fuzz
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) .ci/fuzz

## fuzz-short: every fuzz target for 5 s (about 2 minutes), as CI runs them
fuzz-short:
	FUZZTIME=5s .ci/fuzz
