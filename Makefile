# meterflow: the two commands a new user needs are `make run` and `make test`.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: run test vet build bench fuzz

## run: start the service against RabbitMQ on localhost with an embedded JetStream in ./data
run:
	$(GO) run . run

## test: every test (unit, golden conformance, integration against RabbitMQ and JetStream)
test: vet
	$(GO) test -count=1 -timeout 30m ./...

vet:
	$(GO) vet ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/meterflow .

## bench: Go benchmarks of the conversion core and the bridge
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run every fuzz target for FUZZTIME each (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
