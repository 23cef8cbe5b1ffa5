# xbt - convenience entry points.  The real build is CMake (CMakeLists.txt).
#   make run    install what is missing, build, boot the default guest
#   make test   install what is missing, build, run every test
#   make asan   build with ASan+UBSan and run every test under them
#   make test-knobs  run every guest test again under each translation-cache
#               configuration in KNOB_CONFIGS (a 64 KiB cache under every
#               policy, --no-chain, --max-unit-insns 1)
#   make bench  build, then compare xbt with native and QEMU (xbt bench;
#               BENCH_ARGS="--runs 3 --only crc32 --plot b.svg" ...; the
#               Linux boots and in-guest workloads: BENCH_ARGS="--only linux")
#   make bench-deps  install what the benchmarks use (QEMU, gnuplot)
#   make native-refs  regenerate the committed native references (guest test
#               outputs, bench checksums) from the native twins; refuses on
#               a host that cannot run i386 programs
#   make test-no-native  run the guest and CLI tests as on a host that
#               cannot run i386 programs (XBT_NO_NATIVE=1)
#   make format-check  the C sources follow .clang-format (make format
#               rewrites them)
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2
CMAKE_FLAGS ?=

BENCH_ARGS ?=

.PHONY: all deps build run test test-knobs test-no-native asan bench bench-deps native-refs \
        format format-check clean

# the C sources clang-format checks (guest kernels keep their own layout)
FORMAT_FILES = $(shell git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/unit/*.[ch]' \
                 'tests/tools/*.c' 'tests/guest/mkdisk.c' 2>/dev/null)

# one configuration per line of xbt options (XBT_EXTRA_ARGS of the guest tests)
KNOB_CONFIGS ?= --tcache-size 64K --tcache-policy=flush;--tcache-size 64K --tcache-policy=fifo;--tcache-size 64K --tcache-policy=gen;--no-chain;--max-unit-insns 1

all: build

deps:
	@sh scripts/setup-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

# the demo ends through isa-debug-exit with 0, i.e. exit status 1
run: build
	$(BUILD)/xbt run --stats $(BUILD)/guests/demo.elf || [ $$? -eq 1 ]

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure
	@sh scripts/native-tests.sh note $(BUILD)

# the no-native path on purpose: native_* tests must be skipped with the
# reason, everything else must pass against the committed references
test-no-native: build
	sh scripts/native-tests.sh no-native $(BUILD) $(JOBS)

test-knobs: build
	@echo '$(KNOB_CONFIGS)' | tr ';' '\n' | while IFS= read -r c; do \
	    echo "== guest tests with XBT_EXTRA_ARGS='$$c'"; \
	    (cd $(BUILD) && XBT_EXTRA_ARGS="$$c" ctest -j$(JOBS) -L guest --output-on-failure) || exit 1; \
	done

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DXBT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest -j$(JOBS) --output-on-failure

bench: build
	$(BUILD)/xbt bench $(BENCH_ARGS)

# setup-deps.sh installs everything, QEMU and gnuplot included
bench-deps: deps

format: deps
	@clang-format -i $(FORMAT_FILES)

format-check: deps
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: the C sources follow .clang-format"

native-refs: build
	cmake --build $(BUILD) --target native-refs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
