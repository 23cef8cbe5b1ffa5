# xbt - convenience entry points.  The real build is CMake (CMakeLists.txt).
#   make run    install what is missing, build, boot the default guest
#   make test   install what is missing, build, run every test
#   make asan   build with ASan+UBSan and run under them every test that
#               runs xbt (not the QEMU and native references), with one
#               Linux boot and one disk-image boot (ASAN_SLOW_TESTS) of the
#               slow linux and disk labels (CI's time budget)
#   make asan-full  every test under ASan+UBSan, the long boots included
#   make test-knobs  run every guest test again under each translation-cache
#               configuration in KNOB_CONFIGS (a 64 KiB cache under every
#               policy, --no-chain, --max-unit-insns 1)
#   (libzstd-dev, for translation-cache traces, and every other Debian
#   package come from scripts/setup-deps.sh: make deps)
#   make bench  build, then compare xbt with native and QEMU (xbt bench;
#               BENCH_ARGS="--runs 3 --only crc32 --plot b.svg" ...; the
#               Linux boots and in-guest workloads: BENCH_ARGS="--only linux")
#   make bench-deps  install what the benchmarks use (QEMU, gnuplot)
#   make disk-images  build the bootable PC disk images (SYSLINUX and GRUB
#               booting Debian's i386 Linux, GRUB booting memtest86+) into
#               ~/.cache/xbt/disks (scripts/disk-images.sh, docs/disk-images.md)
#   make native-refs  regenerate the committed native references (guest test
#               outputs, bench checksums) from the native twins; refuses on
#               a host that cannot run i386 programs
#   make test-no-native  run the guest and CLI tests as on a host that
#               cannot run i386 programs (XBT_NO_NATIVE=1)
#   make format-check  the C sources follow .clang-format (make format
#               rewrites them)
#   make fuzz SEEDS=N  the random-instruction differential fuzzer
#               (tests/fuzz/insn/README.md): N seeds of FUZZ_BLOCKS blocks
#               from FUZZ_SEED0 on, every variant, once plain and once with
#               each configuration in FUZZ_KNOBS
#   make fuzz-build  the libFuzzer harnesses (tests/fuzz/) built with clang,
#               ASan and UBSan in build-fuzz/ (the gcc build is untouched)
#   make fuzz-harness  runs each harness for FUZZ_TIME seconds (default 60)
#               on its committed corpus (FUZZ_HARNESSES="ide pci" picks);
#               new inputs go to build-fuzz/corpus/, crashes to
#               build-fuzz/artifacts/
#   make fuzz-seeds  rewrites the generated seeds of the committed corpora
#               (scripts/fuzz-seeds.py)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
FUZZ_HARNESSES ?= multiboot bzimage ide pci fw_cfg console_escape
JOBS ?= 2
CMAKE_FLAGS ?=

BENCH_ARGS ?=

SEEDS ?= 20
FUZZ_BLOCKS ?= 1000
FUZZ_SEED0 ?= 1000
# one configuration per line of xbt options, each run after the plain one
FUZZ_KNOBS ?= --no-chain --max-unit-insns 1;--tcache-size 64K --tcache-policy=fifo

.PHONY: all deps build run test test-knobs test-no-native asan asan-build asan-full bench bench-deps native-refs disk-images \
        format format-check clean fuzz fuzz-build fuzz-harness fuzz-seeds

# the C sources clang-format checks (guest kernels keep their own layout)
FORMAT_FILES = $(shell git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/unit/*.[ch]' \
                 'tests/tools/*.c' 'tests/guest/mkdisk.c' 'tests/fuzz/*.[ch]' 2>/dev/null)

# Under ASan, of the linux and disk labels (minutes each): one Linux boot to
# the shell and one BIOS disk-image boot.
ASAN_SLOW_TESTS ?= ^(linux_shell|xbt_disk_syslinux)$$
# one configuration per line of xbt options (XBT_EXTRA_ARGS of the guest
# tests; the native_* twins do not run xbt and are left out)
KNOB_CONFIGS ?= --tcache-size 64K --tcache-policy=flush;--tcache-size 64K --tcache-policy=fifo;--tcache-size 64K --tcache-policy=gen;--tcache-size 64K --tcache-policy=clock;--no-chain;--max-unit-insns 1

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
	    (cd $(BUILD) && XBT_EXTRA_ARGS="$$c" ctest -j$(JOBS) -L guest -LE native --output-on-failure) || exit 1; \
	done

asan-build: deps
	cmake -S . -B $(ASAN_BUILD) -DXBT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)

asan: asan-build
	cd $(ASAN_BUILD) && XBT_ENCODE_CHECK=1 ctest -j$(JOBS) --output-on-failure -LE 'qemu|bochs|native|linux|disk'
	cd $(ASAN_BUILD) && XBT_ENCODE_CHECK=1 ctest -j$(JOBS) --output-on-failure -R '$(ASAN_SLOW_TESTS)'

asan-full: asan-build
	cd $(ASAN_BUILD) && XBT_ENCODE_CHECK=1 ctest -j$(JOBS) --output-on-failure

# Long fuzzing runs (CI runs a small fixed set through ctest -L fuzz).
fuzz: build
	@seeds=$$(seq $(FUZZ_SEED0) $$(($(FUZZ_SEED0) + $(SEEDS) - 1)) | tr '\n' ' '); \
	(echo; [ -z '$(FUZZ_KNOBS)' ] || echo '$(FUZZ_KNOBS)' | tr ';' '\n') | while IFS= read -r c; do \
	    echo "== fuzz: $(SEEDS) seeds x $(FUZZ_BLOCKS) blocks with XBT_EXTRA_ARGS='$$c'"; \
	    XBT_EXTRA_ARGS="$$c" sh tests/fuzz/insn/fuzz.sh --xbt $(BUILD)/xbt \
	        --kernel $(BUILD)/guests/fuzz_insn.elf --native $(BUILD)/guests/native/fuzz_insn \
	        --gen tests/fuzz/insn/gen.py --qemu "$$(command -v qemu-system-i386)" \
	        --seeds "$$seeds" --blocks $(FUZZ_BLOCKS) --outdir $(BUILD)/fuzz-run || exit 1; \
	done

# clang's own libFuzzer; the libraries built with clang's sanitizers too
fuzz-build:
	@XBT_DEPS_FUZZ=1 sh scripts/setup-deps.sh
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DXBT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_harnesses

# one process per harness, niced; the committed corpus is read, not written
fuzz-harness: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@for h in $(FUZZ_HARNESSES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$h; \
	    echo "== fuzz_$$h for $(FUZZ_TIME) s"; \
	    nice -n 10 $(FUZZ_BUILD)/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_TIME) \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- \
	        $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h || exit 1; \
	done

fuzz-seeds:
	python3 scripts/fuzz-seeds.py tests/fuzz/corpus

bench: build
	$(BUILD)/xbt bench $(BENCH_ARGS)

# setup-deps.sh installs everything, QEMU and gnuplot included
bench-deps: deps

disk-images: deps
	sh scripts/disk-images.sh build

format: deps
	@clang-format -i $(FORMAT_FILES)

format-check: deps
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: the C sources follow .clang-format"

native-refs: build
	cmake --build $(BUILD) --target native-refs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
