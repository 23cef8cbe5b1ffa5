/*
 * rm_common.c - the protected-mode side of the rm_* and v86_* test
 * kernels (rm_common.h).
 */
#include "rm_common.h"

void rm_copy_blob(void)
{
    memcpy((void *)RM_BASE, rm_blob_start, (size_t)(rm_blob_end - rm_blob_start));
}

void rm_setup(void)
{
    sys_init();
    sys_seg(6, RM_BASE, 0xFFFF, ACC_CODE0, 0); /* 0x30: 16-bit code at the blob */
    sys_seg(7, 0, 0xFFFF, ACC_DATA0, 0);       /* 0x38: 16-bit data, 64 KiB */
    *(volatile uint32_t *)RM_UNREAL_ADDR = RM_UNREAL_VALUE;
    rm_copy_blob();
}

uint32_t rm_res_get(unsigned n)
{
    return ((volatile uint32_t *)(RM_BASE + rm_off(rm_res)))[n];
}

void rm_res_clear(unsigned n)
{
    memset((void *)(RM_BASE + rm_off(rm_res)), 0, 4 * n);
}
