# xbt - convenience entry points.  The real build is CMake (CMakeLists.txt).
#   make run    install what is missing, build, boot the default guest
#   make test   install what is missing, build, run every test
#   make asan   build with ASan+UBSan and run every test under them
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build run test asan clean

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

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DXBT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest -j$(JOBS) --output-on-failure

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
