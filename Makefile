# lambdascope: `make demo` and `make test` are the two commands; both install what they need.
JOBS ?= $(shell nproc)
BUILD ?= build
GEN := -G Ninja

.PHONY: all setup build test unit-asan fuzz bench demo format clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Everything: the tests of the release build, the unit tests again under ASan+UBSan, then each fuzzer briefly.
# A failing test is run once more (timing-sensitive process tests on a loaded machine); failing twice fails.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --repeat until-pass:2
	$(MAKE) --no-print-directory unit-asan
	$(MAKE) --no-print-directory fuzz
	bash scripts/check_leftovers.sh

unit-asan: setup
	cmake -S . -B build-asan $(GEN) -DCMAKE_BUILD_TYPE=Debug -DLS_SANITIZE=ON -DLS_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -L unit --repeat until-pass:2

fuzz: setup
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLS_FUZZ=ON -DLS_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
	bash scripts/run_fuzzers.sh build-fuzz

bench: build
	bash bench/run.sh $(BUILD)

demo: build
	bash scripts/demo.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-asan build-fuzz
