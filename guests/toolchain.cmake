# toolchain.cmake - how xbt guest kernels and their native references are
# compiled, and where their lists and shared helpers are; shared by
# guests/CMakeLists.txt (which builds them) and tests/guest/CMakeLists.txt
# (which runs them).  Guests are built with the host C compiler in 32-bit
# mode (gcc-multilib), outside CMake's toolchain, so the flags below are all
# there is.

set(XBT_GUEST_CC ${CMAKE_C_COMPILER} CACHE FILEPATH
    "C compiler used (with -m32) for xbt guest kernels and native references")
set(XBT_GUEST_AR ${CMAKE_AR})

set(XBT_GUEST_CFLAGS
    -m32 -march=i686 -O2 -std=gnu17 -g
    -ffreestanding -fno-pic -fno-pie -fno-stack-protector
    -fno-asynchronous-unwind-tables -fno-unwind-tables
    -mno-sse -mno-mmx
    -Wall -Wextra)
if(XBT_WERROR)
  list(APPEND XBT_GUEST_CFLAGS -Werror)
endif()
set(XBT_GUEST_LDFLAGS
    -m32 -nostdlib -static -no-pie
    -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096)
# Native reference programs: the same code generation flags, but hosted.
set(XBT_NATIVE_CFLAGS
    -m32 -march=i686 -O2 -std=gnu17
    -fno-pic -fno-pie -fno-stack-protector
    -mno-sse -mno-mmx -static -no-pie
    -Wall -Wextra -DXBT_NATIVE)

# Can the compiler build 32-bit freestanding objects, and 32-bit static
# Linux programs?  (Both need gcc-multilib on Debian.)
if(NOT DEFINED XBT_GUEST_OK)
  set(_dir ${CMAKE_BINARY_DIR}/CMakeFiles/xbt_guest_check)
  file(MAKE_DIRECTORY ${_dir})
  file(WRITE ${_dir}/t.c "int main(void) { return 0; }\n")
  execute_process(COMMAND ${XBT_GUEST_CC} -m32 -ffreestanding -c t.c -o t.o
                  WORKING_DIRECTORY ${_dir} RESULT_VARIABLE _r1
                  OUTPUT_QUIET ERROR_QUIET)
  execute_process(COMMAND ${XBT_GUEST_CC} -m32 -static t.c -o t
                  WORKING_DIRECTORY ${_dir} RESULT_VARIABLE _r2
                  OUTPUT_QUIET ERROR_QUIET)
  if(_r1 EQUAL 0)
    set(XBT_GUEST_OK ON CACHE INTERNAL "compiler builds i386 guest objects")
  else()
    set(XBT_GUEST_OK OFF CACHE INTERNAL "compiler builds i386 guest objects")
    message(WARNING "${XBT_GUEST_CC} cannot compile with -m32 (install gcc-multilib): "
                    "guest kernels and guest tests are disabled")
  endif()
  if(_r2 EQUAL 0)
    set(XBT_NATIVE_OK ON CACHE INTERNAL "compiler builds i386 static Linux programs")
  else()
    set(XBT_NATIVE_OK OFF CACHE INTERNAL "compiler builds i386 static Linux programs")
    message(WARNING "${XBT_GUEST_CC} cannot link -m32 -static programs: "
                    "native reference tests will be skipped")
  endif()
endif()

# Where guests/CMakeLists.txt puts its outputs.
set(XBT_GUEST_DIR ${CMAKE_BINARY_DIR}/guests)
set(XBT_NATIVE_DIR ${CMAKE_BINARY_DIR}/guests/native)
# The kernel lists, each included by both users (xbt_guest() is described
# in tests/guest/kernels.cmake).
set(XBT_GUEST_LISTS ${CMAKE_CURRENT_LIST_DIR}/guests.cmake
                    ${CMAKE_SOURCE_DIR}/tests/guest/kernels.cmake
                    ${CMAKE_SOURCE_DIR}/tests/fuzz/insn/fuzz.cmake)
# Kernel-side helpers shared by test kernels and bench workloads (common/,
# on every guest object's include path): the sources a kernel lists for
# paging (mmu_common) and for rings, gates and tasks (sys_common).
set(XBT_GUEST_COMMON ${CMAKE_CURRENT_LIST_DIR}/common)
set(XBT_MMU_COMMON ${XBT_GUEST_COMMON}/mmu_common.c)
set(XBT_SYS_COMMON ${XBT_GUEST_COMMON}/sys_common.c ${XBT_GUEST_COMMON}/sys_stubs.S)
