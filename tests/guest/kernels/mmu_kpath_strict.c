/*
 * mmu_kpath_strict.c - mmu_kpath.c with the cases where QEMU departs from
 * the SDM (see there); the expected output is the SDM's.
 */
#define KPATH_STRICT 1
#include "mmu_kpath.c"
