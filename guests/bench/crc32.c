/*
 * crc32.c - benchmark: table-driven CRC-32 over a 64 KiB buffer, repeated
 * N times (N = command line, default 4).  Compute-bound, one load per byte.
 */
#include "portable.h"
#include "bench.h"

static uint32_t table[256];
static uint8_t buf[1 << 16];

int test_main(void)
{
    long rounds = xbt_arg_long(4);
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t x = 1;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    uint32_t crc = 0;
    bench_start();
    for (long r = 0; r < rounds; r++) {
        uint32_t c = ~crc;
        for (size_t i = 0; i < sizeof(buf); i++)
            c = table[(c ^ buf[i]) & 0xFF] ^ (c >> 8);
        crc = ~c;
    }
    bench_end(crc);
    printf("crc32 rounds=%ld crc=%08x\n", rounds, (unsigned)crc);
    return 0;
}
