# guests.cmake - the list of the kernels in guests/ that are not tests but
# run as tests too: hello, demo and the `xbt bench` workloads (bench/).  The
# test kernels are listed in tests/guest/kernels.cmake, which also describes
# xbt_guest(); both lists are included by guests/CMakeLists.txt (build
# rules) and tests/guest/CMakeLists.txt (ctest registration), through
# XBT_GUEST_LISTS (toolchain.cmake).  Paths are relative to guests/.

set(XBT_GUEST_BASE ${CMAKE_CURRENT_LIST_DIR})

xbt_guest(hello    SOURCES hello/hello.c EXPECTED hello/hello.expected)
xbt_guest(demo     SOURCES demo/demo.c EXPECTED demo/demo.expected PORTABLE)

# Benchmarks (guests/bench): also quick portable tests at their default size;
# `xbt bench` (src/bench/) runs them with more work.
xbt_guest(bench_crc32    SOURCES bench/crc32.c PORTABLE EXPECTED bench/crc32.expected)
xbt_guest(bench_sort     SOURCES bench/sort.c PORTABLE EXPECTED bench/sort.expected)
xbt_guest(bench_qsort    SOURCES bench/qsort.c PORTABLE EXPECTED bench/qsort.expected)
xbt_guest(bench_bytecode SOURCES bench/bytecode.c PORTABLE EXPECTED bench/bytecode.expected)
# a 1024-function code footprint for translation-cache studies (the sweep)
xbt_guest(bench_codefoot SOURCES bench/codefoot.c PORTABLE EXPECTED bench/codefoot.expected)

# MMU benchmarks (guests/bench/mmu_*.c, kernel-only: they need paging)
# Their native twins (NATIVE_SOURCES) are the closest Linux equivalents.
xbt_guest(bench_mmu_pagefault SOURCES bench/mmu_pagefault.c ${XBT_MMU_COMMON} EXPECTED bench/mmu_pagefault.expected
          NATIVE_SOURCES bench/mmu_pagefault_native.c)
xbt_guest(bench_mmu_asswitch SOURCES bench/mmu_asswitch.c ${XBT_MMU_COMMON} EXPECTED bench/mmu_asswitch.expected
          NATIVE_SOURCES bench/mmu_asswitch_native.c)
xbt_guest(bench_mmu_ptewrite SOURCES bench/mmu_ptewrite.c ${XBT_MMU_COMMON} EXPECTED bench/mmu_ptewrite.expected
          NATIVE_SOURCES bench/mmu_ptewrite_native.c)
xbt_guest(bench_mmu_random SOURCES bench/mmu_random.c ${XBT_MMU_COMMON} EXPECTED bench/mmu_random.expected)
# qsort under paging with an OS's TLB maintenance (its native twin: qsort's)
xbt_guest(bench_qsort_pg SOURCES bench/qsort_pg.c ${XBT_MMU_COMMON} EXPECTED bench/qsort_pg.expected)
# The compute workloads again with guest paging on (bench/paged_main.c: the
# low 8 MiB identity-mapped with 4 KiB pages), the same loop and output
xbt_guest(bench_sort_paged  SOURCES bench/sort.c bench/paged_main.c ${XBT_MMU_COMMON}
          EXPECTED bench/sort.expected)
xbt_guest(bench_crc32_paged SOURCES bench/crc32.c bench/paged_main.c ${XBT_MMU_COMMON}
          EXPECTED bench/crc32.expected)
xbt_guest(bench_qsort_paged SOURCES bench/qsort.c bench/paged_main.c ${XBT_MMU_COMMON}
          EXPECTED bench/qsort.expected)

# `xbt bench` workloads (guests/bench, src/bench/workloads.c): each prints
# "bench: start" / "bench: end CHECKSUM" around its timed work.  randmem:
# the mmu_random access pattern with paging off (its native twin is also
# mmu_random's native equivalent); syscall, portio, idle: kernel-only, with
# native twins; jit: self-modifying code, natively in an RWX mmap.
xbt_guest(bench_randmem  SOURCES bench/randmem.c PORTABLE EXPECTED bench/randmem.expected)
xbt_guest(bench_syscall  SOURCES bench/syscall.c ${XBT_SYS_COMMON}
          EXPECTED bench/syscall.expected NATIVE_SOURCES bench/syscall_native.c)
xbt_guest(bench_portio   SOURCES bench/portio.c EXPECTED bench/portio.expected
          NATIVE_SOURCES bench/portio_native.c)
xbt_guest(bench_idle     SOURCES bench/idle.c EXPECTED bench/idle.expected
          NATIVE_SOURCES bench/idle_native.c)
xbt_guest(bench_jit      SOURCES bench/jit.c PORTABLE EXPECTED bench/jit.expected)
