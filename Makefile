# The README's two commands: `make run` and `make test`. Everything else is a building block.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
MAKEFLAGS  += --no-print-directory

.PHONY: all deps build build-asan test test-plain test-asan run install fuzz bench clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j$(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build of the whole suite (clang 14, else gcc).
build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUAT_SANITIZE=ON \
	  -DCMAKE_C_COMPILER=$$(command -v clang-14 || command -v gcc) $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)

test-plain: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS)

test: test-plain test-asan

run: build
	./scripts/run.sh $(BUILD)

install: build
	cmake --install $(BUILD)

# libFuzzer targets; run one with e.g. build-fuzz/tests/fuzz/fuzz_cmw_json tests/fuzz/corpus/cmw_json
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUAT_FUZZ=ON -DUAT_TESTS=OFF \
	  -DCMAKE_C_COMPILER=clang-14 $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j$(JOBS)

# Speed figures as ratios measured in the same run (bench/README.md).
bench: build
	for b in $(BUILD)/bench_*; do $$b ../shared/corpus; done
	./bench/tpm_process.sh $(BUILD) # whole-process uattest verify vs tpm2_checkquote (swtpm)
	./bench/channel_tpm.sh $(BUILD) # channel TPM <-> TPM, TLS mode with TPM-resident keys (two swtpm)
	./bench/agent_latency.sh $(BUILD) # uattest-agent routes vs its cached token

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
