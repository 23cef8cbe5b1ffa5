# linux.cmake - the static i386 Linux programs of `xbt bench`'s linux class
# (src/bench/linux.c) and the script that puts them into a Linux guest;
# included by guests/CMakeLists.txt.  The programs print "bench: start" /
# "bench: end CHECKSUM" (guests/bench/bench.h) and run in the guest as
# /bench/NAME and natively as build/guests/native/NAME:
#   bench_crc32, bench_sort,    the crc32, sort and qsort workloads and
#   bench_qsort, bench_syscall  the syscall workload's native twin, already
#                               built
#   linux_forkexec, linux_exit  fork + execve of the tiny linux_exit + wait
#   linux_fileio                write, fsync, read back files on a disk
# build/guests/linux/make-guest.sh (written here) runs
# scripts/linux-bench-guest.sh with the directory and these programs;
# `xbt bench` runs it before its first Linux boot.  Only with a compiler
# that links -m32 -static programs (XBT_NATIVE_OK).
if(NOT XBT_NATIVE_OK)
  return()
endif()

set(XBT_LINUX_SRC ${CMAKE_CURRENT_LIST_DIR})
set(XBT_LINUX_OUT ${CMAKE_BINARY_DIR}/guests/linux)
file(MAKE_DIRECTORY ${XBT_LINUX_OUT})

# The tiny program linux_forkexec execs: no libc (as the i386 probe).
add_custom_command(
  OUTPUT ${XBT_NATIVE_DIR}/linux_exit
  COMMAND ${XBT_GUEST_CC} -m32 -nostdlib -static -no-pie -Wl,--build-id=none
          ${XBT_LINUX_SRC}/exit_arg.S -o ${XBT_NATIVE_DIR}/linux_exit
  DEPENDS ${XBT_LINUX_SRC}/exit_arg.S
  COMMENT "Building the Linux bench program native/linux_exit"
  VERBATIM)
list(APPEND GUEST_OUTPUTS ${XBT_NATIVE_DIR}/linux_exit)

foreach(prog forkexec fileio)
  set(out ${XBT_NATIVE_DIR}/linux_${prog})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${XBT_GUEST_CC} ${XBT_NATIVE_CFLAGS} -I${CMAKE_CURRENT_SOURCE_DIR}/bench
            ${XBT_LINUX_SRC}/${prog}.c -o ${out}
    DEPENDS ${XBT_LINUX_SRC}/${prog}.c ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench.h
    COMMENT "Building the Linux bench program native/linux_${prog}"
    VERBATIM)
  list(APPEND GUEST_OUTPUTS ${out})
endforeach()

# What goes into the guest's /bench, in the order of the workload table.
set(progs)
foreach(p bench_crc32 bench_sort bench_qsort bench_syscall linux_forkexec linux_exit linux_fileio)
  string(APPEND progs " \"${XBT_NATIVE_DIR}/${p}\"")
endforeach()
file(WRITE ${XBT_LINUX_OUT}/make-guest.sh
     "#!/bin/sh\n"
     "# make-guest.sh - written by CMake (guests/linux/linux.cmake): makes the\n"
     "# Linux guest of `xbt bench`'s linux class in this directory from Debian's\n"
     "# packages and the bench programs; prints the directory.\n"
     "exec sh \"${CMAKE_SOURCE_DIR}/scripts/linux-bench-guest.sh\" \"${XBT_LINUX_OUT}\"${progs}\n")
