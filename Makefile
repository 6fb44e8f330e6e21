# klipp — see README.md. `make demo` and `make test` set up what they need.
GO      ?= go
BIN     := bin/klipp
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Packages run under the race detector: every package without cgo-heavy
# FFmpeg loops, and the service, export and the UI adapter, whose tests use
# small generated footage. Not catalog and render: neither they nor their
# tests start a goroutine, so the detector has nothing to find in their test
# binaries, and it made their tests (a 3,000-camera parse, PDF drawing) 7
# and 11 times slower (45 s against 6 s, 14 s against 1.3 s; 2026-12-02,
# load 7-9). Their code runs under the detector in app's and export's tests.
RACE_PKGS := ./internal/clock ./internal/config ./internal/pattern ./internal/fault \
             ./internal/framecode ./internal/overlay ./internal/store ./internal/audit ./internal/atomicfile ./internal/bundle ./internal/casefile \
             ./internal/archive ./internal/tui ./internal/digest ./internal/app ./internal/export

.PHONY: setup minio build demo test bench lint clean

setup:
	@bash scripts/setup.sh

# The MinIO server for the archive tests and benchmark (cached in GOPATH/bin).
minio:
	@bash scripts/minio.sh

build: setup
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/klipp

demo: build
	@bash scripts/demo.sh

# Each package's tests run once: RACE_PKGS under the race detector (the same
# tests, with the same assertions, and races checked), the other packages
# in the plain run. The race detector's run goes beside the plain run, whose
# tail is cmd/klipp's end-to-end tests (their parallel ones last, on both
# cores). -timeout 20m: Go's default of 10 minutes per test binary ended
# cmd/klipp's run on a machine at load 12.
test: setup minio lint
	@log=$$(mktemp); \
	$(GO) test -count=1 -timeout 20m -race $(RACE_PKGS) > $$log 2>&1 & race=$$!; \
	$(GO) test -count=1 -timeout 20m $$($(GO) list ./... | grep -vxF "$$($(GO) list $(RACE_PKGS))"); plain=$$?; \
	wait $$race; raced=$$?; echo "go test -race (run beside it):"; cat $$log; rm -f $$log; \
	[ $$plain -eq 0 ] && [ $$raced -eq 0 ]

lint:
	@out=$$(gofmt -l cmd internal); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build minio
	@bash scripts/bench.sh

# The frame browser's picture in real terminals: xterm (-ti vt340), mlterm
# and kitty under Xvfb, driven with xdotool and checked from screenshots
# against klipp still (scripts/terminals). Not part of make test; installs
# the terminals' Debian packages if missing (as root).
.PHONY: terminals
terminals: build
	@$(GO) run ./scripts/terminals -klipp $(BIN)

clean:
	rm -rf bin demo
