/*
 * mmu_sysxfer_strict.c - mmu_sysxfer.c with section h (SYSXFER_STRICT):
 * data-segment limit and null-selector checks through FS and GS after the
 * handler's per-CPU loads and the exit's reloads, which QEMU does not make;
 * the expected output is the SDM's (see mmu_sysxfer.c).
 */
#define SYSXFER_STRICT 1
#include "mmu_sysxfer.c"
