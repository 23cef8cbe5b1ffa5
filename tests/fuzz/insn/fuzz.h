/*
 * fuzz.h - the random-instruction fuzzer's runner, shared by its guest
 * kernel (fuzz_main.c) and its native harness (a static -m32 Linux program):
 * the fixed scratch memory both use and the entry points.
 *
 * Scratch memory (fixed addresses, so that every address a block computes
 * is the same in both builds; gen.py uses the same numbers):
 *   FUZZ_CODE       the block's code (<= 4 KiB - 8), ending in the fixed
 *                   epilogue `jmp *%cs:FUZZ_BACK_PTR`
 *   FUZZ_BACK_PTR   the runner's return address (written by the runner)
 *   [FUZZ_STACK_LO, FUZZ_DATA)  the stack, ESP = FUZZ_STACK_TOP at entry;
 *                   below FUZZ_HASH_LO it is room for a signal frame
 *   [FUZZ_DATA, FUZZ_END)       the data area, memory operands go here
 * Natively the runner maps [FUZZ_BASE, FUZZ_END) RWX at that address; in
 * the guest it is guest-physical RAM (identity-mapped with paging on).
 *
 * fuzz_run(file, size) runs every block of a gen.py file and prints one
 * line per block (fuzz.c describes it); returns 0, or 1 for a bad file.
 */
#ifndef XBT_FUZZ_INSN_FUZZ_H
#define XBT_FUZZ_INSN_FUZZ_H

#include <stdint.h>

#define FUZZ_BASE 0x00C00000u
#define FUZZ_CODE FUZZ_BASE
#define FUZZ_CODE_MAX 0x0FF8u
#define FUZZ_BACK_PTR (FUZZ_BASE + 0x0FF8u)
#define FUZZ_STACK_LO (FUZZ_BASE + 0x1000u)
#define FUZZ_HASH_LO (FUZZ_BASE + 0x3000u)
#define FUZZ_STACK_TOP (FUZZ_BASE + 0x3800u)
#define FUZZ_DATA (FUZZ_BASE + 0x4000u)
#define FUZZ_END (FUZZ_BASE + 0x5000u)

int fuzz_run(const uint8_t *file, uint32_t size);

#endif
