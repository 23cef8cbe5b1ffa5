/*
 * mmu_ptewrite_native.c - native twin of mmu_ptewrite.c: the 64 frames are
 * pages of a memfd, the 16 virtual pages stay mapped; each guest PTE write
 * + INVLPG becomes an mmap(MAP_FIXED) of the new frame over the live
 * mapping (the host kernel rewrites the PTE and flushes the TLB entry).
 * The same data, output and checksum as the guest.
 */
#include "native_util.h"
#include "bench.h"

#define NVA 16u
#define NFR 64u

int main(int argc, char **argv)
{
    long n = bench_arg(argc > 1 ? argv[1] : 0, 20);
    int fd = native_frames(NFR);
    uint8_t *all = mmap(NULL, NFR * NPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (all == MAP_FAILED)
        native_fail("mmap frames");
    for (unsigned f = 0; f < NFR; f++)
        nwr32(all + f * NPAGE, f);
    uint8_t *region = native_reserve(NVA);
    for (unsigned k = 0; k < NVA; k++)
        native_map(fd, region + k * NPAGE, k);

    uint32_t sum = 0;
    bench_start();
    for (long i = 0; i < n; i++) {
        for (unsigned k = 0; k < NVA; k++) {
            uint8_t *va = region + k * NPAGE;
            uint32_t off = ((unsigned)i * 4u + k * 8u) & 0xFFCu;
            native_map(fd, va, ((unsigned)i * 7u + k * 5u) % NFR);
            uint32_t v = nrd32(va) + nrd32(va + off);
            nwr32(va + off, v + (uint32_t)i);
            sum = sum * 31u + v;
        }
    }
    uint32_t mem = 0;
    for (unsigned f = 0; f < NFR; f++)
        for (uint32_t o = 0; o < NPAGE; o += 4)
            mem = mem * 33u + nrd32(all + f * NPAGE + o);
    bench_end(bench_mix(bench_mix(BENCH_MIX_INIT, sum), mem));
    printf("mmu_ptewrite n=%ld remaps=%ld sum=%08x mem=%08x\n",
           n, n * (long)NVA, (unsigned)sum, (unsigned)mem);
    return 0;
}
