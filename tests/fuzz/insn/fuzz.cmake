# fuzz.cmake - the random-instruction fuzzer's guest kernel (an entry of
# XBT_GUEST_LISTS, guests/toolchain.cmake; xbt_guest() is described in
# tests/guest/kernels.cmake).  CONSOLE: built here, run only by
# tests/fuzz/insn/fuzz.sh with a block file as its module; its native
# harness is built by tests/fuzz/CMakeLists.txt.
set(XBT_GUEST_BASE ${CMAKE_CURRENT_LIST_DIR})

xbt_guest(fuzz_insn SOURCES fuzz.c fuzz_main.c CONSOLE)
