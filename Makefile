# scalper: the two set-up commands are `make demo` and `make test`.
# Both install missing Debian packages first (with sudo when not root).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SHARED ?= $(abspath ../shared/data)
DEPS_STAMP := build/.deps-ok

.PHONY: all deps build bin asan test test-release test-asan bench demo fuzz fuzz-build lint format clean help

all: build

help:
	@echo "make demo    install dependencies, build, run the main job (no network needed)"
	@echo "make test    every test in the release build and the ASan+UBSan build"
	@echo "make bench   benchmarks on the real captures (release build), prints figures"
	@echo "make fuzz    build libFuzzer targets with clang and fuzz the decoder for 60 s"
	@echo "make lint    style and layering checks (tools/lint/run)"

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/install-deps
	@tools/install-deps
	@mkdir -p build && touch $@

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS)

# Only the scalper binary (what demo needs), not every test and benchmark.
bin: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target scalper

asan: deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build/asan -j $(JOBS)

test: test-release test-asan
	@echo "make test: release and asan-ubsan suites passed"

test-release: build lint
	@cd build/release && ctest --output-on-failure -j $(JOBS)

test-asan: asan
	@cd build/asan && ctest --output-on-failure -j $(JOBS)

bench: build
	@tools/run-bench build/release "$(SHARED)"

demo: bin
	@echo "== scalper demo: a simulated 15-minute BTCUSDT session (seed 7, flash crash and spread blowout) through the whole engine, offline =="
	@build/release/scalper demo --out build/demo --quiet
	@if [ -d "$(SHARED)/binance_ws_capture_hftbacktest/usdm" ]; then \
	  echo; echo "== real capture: Binance USD-M BTCUSDT, 2024-08-08 window, backtest with 1s candles =="; \
	  build/release/scalper backtest --quiet --timeframe 1s --out build/demo-real --state build/demo-real.kill \
	    --data "$(SHARED)/binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst" && \
	  build/release/scalper report build/demo-real --trades 10; \
	fi

fuzz-build: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j $(JOBS)

fuzz: fuzz-build
	@mkdir -p build/fuzz/corpus-work && cp -n fuzz/corpus/decoder/* build/fuzz/corpus-work/ 2>/dev/null || true
	build/fuzz/fuzz/decoder_fuzz -max_total_time=60 -max_len=65536 build/fuzz/corpus-work fuzz/corpus/decoder

lint:
	@tools/lint/run

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
