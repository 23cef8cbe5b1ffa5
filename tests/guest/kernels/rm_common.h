/*
 * rm_common.h - the protected-mode side of the rm_* and v86_* test kernels:
 * the blob of 16-bit code (rm_head.inc ... rm_tail.inc) copied to RM_BASE
 * (real-mode segment RM_SEG), GDT entries 6 and 7 (0x30: 16-bit code at
 * RM_BASE, 0x38: 16-bit 64 KiB data) for the trampoline rm_run(), and the
 * blob's result dwords rm_res[] read back at their copy.
 */
#ifndef RM_COMMON_H
#define RM_COMMON_H

#include "sys_common.h"

#define RM_BASE 0x20000
#define RM_SEG 0x2000
#define RM_UNREAL_ADDR 0x200000 /* a dword the unreal-mode tests read */
#define RM_UNREAL_VALUE 0xCAFEBABEu

extern char rm_blob_start[], rm_blob_end[], rm_res[];
/* Runs the blob's function at `entry` (its address in the kernel image)
 * in real mode and comes back (rm_tail.inc). */
void rm_run(uint32_t entry);

/* sys_init(), the two GDT entries, the unreal-mode dword, the blob copied. */
void rm_setup(void);
/* (Re)copies the blob to RM_BASE (its data included). */
void rm_copy_blob(void);
/* The offset of a blob symbol (for rm_run and V86 entry points). */
static inline uint32_t rm_off(const char *sym)
{
    return (uint32_t)(sym - rm_blob_start);
}
/* rm_res[n] of the copy at RM_BASE; rm_res_clear zeroes n dwords. */
uint32_t rm_res_get(unsigned n);
void rm_res_clear(unsigned n);

#endif
