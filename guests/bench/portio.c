/*
 * portio.c - benchmark (I/O-intensive): N rounds (N = command line,
 * default 1000) of CMOS RAM accesses through the MC146818 index/data
 * ports 0x70/0x71, four port accesses per round (portio_bench.h).
 * Native twin: portio_native.c.
 */
#include "bench.h"
#include "io.h"
#include "rt.h"

static inline void portio_select(uint8_t idx) { outb(0x70, idx); }
static inline void portio_put(uint8_t v) { outb(0x71, v); }
static inline uint8_t portio_get(void) { return inb(0x71); }

#include "portio_bench.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    long n = bench_arg(magic == 0x2BADB002u && mbi && (mbi->flags & 4) ?
                       (const char *)(uintptr_t)mbi->cmdline : 0, 1000);
    portio_fill();
    bench_start();
    uint32_t acc = portio_loop(n);
    bench_end(acc);
    printf("portio n=%ld accesses=%ld acc=%08x\n", n, n * 4, (unsigned)acc);
    return 0;
}
