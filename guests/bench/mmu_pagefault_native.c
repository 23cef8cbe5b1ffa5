/*
 * mmu_pagefault_native.c - native twin of mmu_pagefault.c: the 16 frames
 * are pages of a memfd, the 64 virtual pages a reserved range.  Explicit:
 * mmap(MAP_FIXED) the frame at the page, store and load, munmap.  Demand:
 * the store hits an unmapped page, the SIGSEGV handler maps the frame with
 * mmap and returns (the store is restarted), then load and munmap.  The
 * same data, output and checksum as the guest.
 */
#include "native_util.h"   /* first: it defines _GNU_SOURCE */
#include <signal.h>
#include <string.h>

#include "bench.h"

#define NVA 64u
#define NFR 16u

static int frames_fd;
static uint8_t *region;
static volatile unsigned next_frame, faults;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    uint8_t *a = si->si_addr;
    if (a < region || a >= region + NVA * NPAGE) {
        signal(sig, SIG_DFL);      /* not ours: the retry dies */
        return;
    }
    native_map(frames_fd, region + (uint32_t)(a - region) / NPAGE * NPAGE, next_frame);
    faults++;
}

int main(int argc, char **argv)
{
    long n = bench_arg(argc > 1 ? argv[1] : 0, 200);
    frames_fd = native_frames(NFR);
    region = native_reserve(NVA);
    if (munmap(region, NVA * NPAGE))
        native_fail("munmap");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSEGV, &sa, NULL))
        native_fail("sigaction");

    uint32_t sum_e = 0, sum_d = 0;
    bench_start();
    for (long i = 0; i < n; i++) {             /* explicit */
        unsigned p = (unsigned)i % NVA;
        uint8_t *va = region + p * NPAGE;
        uint32_t off = ((unsigned)i * 68u) & 0xFFCu;
        native_map(frames_fd, va, (unsigned)i % NFR);
        nwr32(va + off, nrd32(va + off) + (uint32_t)i);
        sum_e = sum_e * 31u + nrd32(va + (off ^ 0x800u)) + nrd32(va + off);
        if (munmap(va, NPAGE))
            native_fail("munmap");
    }
    for (long i = 0; i < n; i++) {             /* demand */
        unsigned p = ((unsigned)i * 5u) % NVA;
        uint8_t *va = region + p * NPAGE;
        uint32_t off = ((unsigned)i * 36u) & 0xFFCu;
        next_frame = ((unsigned)i * 3u) % NFR;
        nwr32(va + off, (uint32_t)i ^ 0x5A5A5A5Au);   /* faults */
        sum_d = sum_d * 31u + nrd32(va + (off ^ 0x400u)) + nrd32(va + off);
        if (munmap(va, NPAGE))
            native_fail("munmap");
    }
    uint8_t *all = mmap(NULL, NFR * NPAGE, PROT_READ, MAP_SHARED, frames_fd, 0);
    if (all == MAP_FAILED)
        native_fail("mmap frames");
    uint32_t sum_f = 0;
    for (unsigned k = 0; k < NFR; k++)
        for (uint32_t o = 0; o < NPAGE; o += 4)
            sum_f = sum_f * 33u + nrd32(all + k * NPAGE + o);
    uint32_t h = bench_mix(bench_mix(BENCH_MIX_INIT, sum_e), sum_d);
    bench_end(bench_mix(bench_mix(h, faults), sum_f));
    printf("mmu_pagefault n=%ld explicit=%08x demand=%08x faults=%u frames=%08x\n",
           n, (unsigned)sum_e, (unsigned)sum_d, (unsigned)faults, (unsigned)sum_f);
    return 0;
}
