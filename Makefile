# lambdascope: `make demo` and `make test` are the two commands; both install what they need (`make setup`).
# `make build` only configures and compiles: it installs nothing.
JOBS ?= $(shell nproc)
BUILD ?= build
GEN := -G Ninja
# The libraries compile as unity builds (a few files per translation unit; never the agent's or the tests'):
# a clean clone (CI) builds everything from nothing three times, and the command-line files each compiled
# CLI11 whole. `make build UNITY=OFF BUILD=build-files` compiles file by file, which checks each file's
# includes on its own (docs/testing.md).
UNITY ?= ON

.PHONY: all setup build test unit-asan fuzz bench demo format clean

all: build

setup:
	@bash scripts/setup.sh

# Reconfigured when the Debian sources appear or change (cmake/static_cxx_libraries.cmake links them statically)
# and when this file changes.
$(BUILD)/build.ninja: CMakeLists.txt Makefile $(wildcard .cache/debian-src/stamp)
	cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=$(UNITY)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Everything: the tests of the release build, the unit tests again under ASan+UBSan, then each fuzzer briefly.
# No test is retried: a test that fails once fails (docs/testing.md: tests hold on a busy machine).
test: setup
	$(MAKE) --no-print-directory build
	bash scripts/check_leftovers.sh --record $(BUILD)/leftovers-before.txt
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory unit-asan
	$(MAKE) --no-print-directory fuzz
	bash scripts/check_leftovers.sh --since $(BUILD)/leftovers-before.txt

# The ASan and fuzz builds compile the libraries as unity builds too (see UNITY above). The ASan build is g++'s,
# named on the command line (a build-asan/ configured otherwise is redone): clang builds it in half the time, but
# under clang WallFreeze.AWaitThatAFreezeInterruptedIsTheSameWait sends a signal it should not, not yet
# understood (docs/testing.md).
unit-asan: setup
	cmake -S . -B build-asan $(GEN) -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DLS_SANITIZE=ON -DLS_BENCH=OFF -DCMAKE_UNITY_BUILD=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -L unit

fuzz: setup
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLS_FUZZ=ON -DLS_BENCH=OFF -DCMAKE_UNITY_BUILD=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
	bash scripts/run_fuzzers.sh build-fuzz

bench: setup
	$(MAKE) --no-print-directory build
	bash bench/run.sh $(BUILD)

demo: setup
	$(MAKE) --no-print-directory build
	bash scripts/demo.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')
	node_modules/.bin/prettier --write web/src web/dev 'tests/e2e/*.mjs' 'tests/e2e/lib/*.mjs' 'bench/*.mjs'

clean:
	rm -rf $(BUILD) build-asan build-fuzz
