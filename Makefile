# meet / meetd — see README.md. `make run` and `make test` do all set-up.
SHELL := /bin/bash
GO ?= go
BIN := bin
DATA ?= $(CURDIR)/.meet-data
# System packages the build and tests need (Debian names).
DEB_PKGS := pkg-config portaudio19-dev libopus-dev libopusfile-dev sip-tester baresip-core \
	espeak-ng sox tmux curl libspeexdsp-dev libwebrtc-audio-processing-dev alsa-utils postgresql \
	kamailio nats-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-short bench bench-ns bench-ns-tune stoi-reference lint fmt clean rnnoise

# RNNoise, the learned noise suppressor, from the npm registry's WebAssembly
# build (weights inside rnnoise.wasm), run by wazero; see audio/denoise/rnnoise.
RNNOISE_PKG := @jitsi/rnnoise-wasm@0.2.1
RNNOISE_DIR := .deps/rnnoise-wasm
RNNOISE_WASM := $(RNNOISE_DIR)/package/dist/rnnoise.wasm
RNNOISE_SHA256 := 677147b9248aedc0a00de79dc090d1ecead37c08c8bb773a790da16109d2c487

all: build

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@command -v npm >/dev/null || { echo "installing: nodejs npm"; $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; }
	@$(GO) mod download
	@$(MAKE) --no-print-directory rnnoise

# rnnoise fetches the package with `npm pack` (integrity checked by npm) into
# the git-ignored .deps/ and checks the wasm's hash.
rnnoise: $(RNNOISE_WASM)

$(RNNOISE_WASM):
	@mkdir -p $(RNNOISE_DIR)
	cd $(RNNOISE_DIR) && npm pack --silent $(RNNOISE_PKG) >/dev/null && tar xzf jitsi-rnnoise-wasm-0.2.1.tgz
	@echo "$(RNNOISE_SHA256)  $@" | sha256sum -c --quiet - || { rm -f $@; echo "rnnoise.wasm hash mismatch"; exit 1; }
	@touch $@

build: deps
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/meetd ./cmd/meetd
	$(GO) build -o $(BIN)/meet ./cmd/meet
	cp $(RNNOISE_WASM) $(BIN)/rnnoise.wasm

run: build
	./scripts/demo.sh

test: build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 12m ./...

test-short: 
	$(GO) test -count=1 -short ./...

bench: build
	./scripts/bench.sh

# bench-ns reports the TEST set; bench-ns-tune searches the hybrid's weights
# on the TUNE set (the only set parameters may be fitted on).
bench-ns: deps
	$(GO) test -tags nseval -run TestNSEval -count=1 -v -timeout 20m ./audio/denoise/nseval/

bench-ns-tune: deps
	NSEVAL_TUNE=$(or $(NSEVAL_TUNE),1) $(GO) test -tags nseval -run TestNSTune -count=1 -v -timeout 30m ./audio/denoise/nseval/

# stoi-reference recomputes the figures TestSTOIMatchesReference carries
# over: the vectors it writes, scored by Taal's reference stoi.m under GNU
# Octave (installed when missing). PYSTOI is a checkout of
# github.com/mpariente/pystoi (its tests/octave holds stoi.m); paste the
# printed lines into stoiReference in audio/denoise/nseval/stoiref_test.go.
PYSTOI ?= ../pystoi
stoi-reference:
	@test -f $(PYSTOI)/tests/octave/stoi.m || { echo "PYSTOI=$(PYSTOI): no tests/octave/stoi.m (git clone https://github.com/mpariente/pystoi)"; exit 1; }
	@for p in octave octave-signal; do dpkg -s $$p >/dev/null 2>&1 || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends octave octave-signal; break; }; done
	@d=$$(mktemp -d) && STOI_VECTORS_DIR=$$d $(GO) test -count=1 -run TestSTOIMatchesReference ./audio/denoise/nseval/ >/dev/null; \
		octave --no-gui --quiet --eval "pkg load signal; addpath('$(abspath $(PYSTOI))/tests/octave'); dir='$$d'; run('scripts/stoi-reference.m')" 2>/dev/null | grep '"'; rm -rf $$d

# Go fuzz targets, each for FUZZTIME (seed corpora under testdata/fuzz run in
# every `make test`). A crasher lands in the package's testdata/fuzz.
FUZZTIME ?= 10m
FUZZ_TARGETS := ./server/trunk:FuzzSIPRequest ./server/trunk:FuzzSDPOffer ./server/trunk:FuzzRTPDatagram ./audio:FuzzReadWAV \
	./server/httpapi:FuzzDecodeJSON ./tui/common:FuzzParseSnooze ./tui/common:FuzzParseFilter \
	./tui/common:FuzzCleanNumber ./server/hours:FuzzParseClock \
	./api:FuzzTextRule ./audio/opus:FuzzDecode ./audio/jitter:FuzzInsert \
	./internal/litertc:FuzzParseOffer ./internal/litertc:FuzzDatagram ./audio/timescale:FuzzShortener
fuzz: deps
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$fn ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; done

# Hostile traffic together for SOAK_SECONDS: login flood, slowloris (500 HTTP
# + 500 SIP TCP idle connections), malformed SIP, sipp load; reports RSS,
# fds, goroutines before/after and crashed/500 counts.
SOAK_SECONDS ?= 300
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) $(GO) test -tags soak -run '^TestSoak$$' -count=1 -v -timeout $$(( $(SOAK_SECONDS) + 600 ))s ./e2e/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
