# meet / meetd — see README.md. `make run` and `make test` do all set-up.
SHELL := /bin/bash
GO ?= go
BIN := bin
DATA ?= $(CURDIR)/.meet-data
# System packages the build and tests need (Debian names).
DEB_PKGS := pkg-config portaudio19-dev libopus-dev libopusfile-dev sip-tester baresip-core \
	espeak-ng sox tmux curl libspeexdsp-dev libwebrtc-audio-processing-dev alsa-utils postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-short bench bench-ns lint fmt clean

all: build

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@$(GO) mod download

build: deps
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/meetd ./cmd/meetd
	$(GO) build -o $(BIN)/meet ./cmd/meet

run: build
	./scripts/demo.sh

test: build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

test-short: 
	$(GO) test -count=1 -short ./...

bench: build
	./scripts/bench.sh

bench-ns: deps
	$(GO) test -tags nseval -run TestNSEval -count=1 -v -timeout 20m ./audio/denoise/nseval/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
