/*
 * disk_layout.h - the test disk image of the disk_* guest tests, shared by
 * its generator (tests/guest/mkdisk.c, a host program run at build time)
 * and the guest kernels that check what they read.
 *
 * DISK_SECTORS sectors of 512 bytes.  Every sector holds disk_pattern()
 * bytes, except the code sectors:
 *   DISK_LBA_CODE_A   machine code "mov eax, 0x11111111; ret", then int3s
 *   DISK_LBA_CODE_B   machine code "mov eax, 0x22222222; ret", then int3s
 *   DISK_LBA_LOOP     int loop(int n, void (*cb)(int)): sums 1 per iteration
 *                     (calls cb(remaining) first in each iteration)
 *   DISK_LBA_PATCH    pattern bytes, but the last two are DISK_LOOP_PATCH:
 *                     DMA'd onto loop + DISK_LOOP_PATCH_OFF they turn the
 *                     loop's "add ebx, 1" into "add ebx, 100"
 * Sector 0 does not end in 55 AA (no partition table for firmware to guess a
 * geometry from).  Pure C: included by freestanding and hosted code.
 */
#ifndef XBT_DISK_LAYOUT_H
#define XBT_DISK_LAYOUT_H

#include <stdint.h>

#define DISK_SECTOR 512u
#define DISK_SECTORS 4096u             /* 2 MiB */
#define DISK_LBA_CODE_A 8u
#define DISK_LBA_CODE_B 9u
#define DISK_LBA_LOOP 10u
#define DISK_LBA_PATCH 11u

/* The byte at offset i of sector lba (for every sector but the code ones). */
static inline uint8_t disk_pattern(uint32_t lba, uint32_t i)
{
    uint32_t x = lba * 0x9E3779B1u + i * 0x85EBCA77u;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    return (uint8_t)x;
}

/* mov eax, imm32 ; ret */
#define DISK_CODE_A_BYTES 0xB8, 0x11, 0x11, 0x11, 0x11, 0xC3
#define DISK_CODE_B_BYTES 0xB8, 0x22, 0x22, 0x22, 0x22, 0xC3

/*
 * int loop(int n, void (*cb)(int remaining)), cdecl:
 *   0: push ebx; push esi; push edi; xor ebx, ebx
 *   5: mov esi, [esp+16]; mov edi, [esp+20]; nop
 *  14: L: push esi; call edi; add esp, 4
 *  20: add ebx, 1          <- the immediate (offset 22) is patched
 *  23: dec esi; jnz L
 *  26: mov eax, ebx; pop edi; pop esi; pop ebx; ret
 * The immediate sits at an even offset so a 2-byte PRD can reach it; the
 * second patched byte is the unchanged "dec esi".
 */
#define DISK_LOOP_BYTES                                                    \
    0x53, 0x56, 0x57, 0x31, 0xDB,                                          \
    0x8B, 0x74, 0x24, 0x10, 0x8B, 0x7C, 0x24, 0x14, 0x90,                  \
    0x56, 0xFF, 0xD7, 0x83, 0xC4, 0x04,                                    \
    0x83, 0xC3, 0x01,                                                      \
    0x4E, 0x75, 0xF4,                                                      \
    0x89, 0xD8, 0x5F, 0x5E, 0x5B, 0xC3
#define DISK_LOOP_PATCH_OFF 22u
#define DISK_LOOP_PATCH 0x64, 0x4E

#endif
