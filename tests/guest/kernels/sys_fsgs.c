/*
 * sys_fsgs.c - FS and GS loads followed, in the same straight-line code,
 * by accesses through them: xbt leaves their check classes (flat, limit,
 * slow) out of the mode key and checks the class at run time, so a unit
 * goes on after the load.  Each sequence reloads the register with a
 * segment of another class (flat, byte-granular limit, null, read-only,
 * expand-down) and accesses through it; the access that must fault is in
 * a SYS_TRY region.  QEMU does not check data segment limits or null
 * selectors, so the expected output is the SDM's (QEMU SKIP).
 */
#include "sys_common.h"

#define SEL_LIM (SYS_FIRST_FREE << 3)        /* base buf, limit 0xFFF */
#define SEL_RO ((SYS_FIRST_FREE + 1) << 3)   /* base buf, read-only */
#define SEL_DOWN ((SYS_FIRST_FREE + 2) << 3) /* base buf, expand-down limit 0xFFF */

static uint32_t buf[1024] __attribute__((aligned(4096)));

/* FS: limited, flat, limited; the last access crosses the limit. */
static void fs_classes(void)
{
    uint32_t a, b, c;
    __asm__ volatile("movw %w3, %%fs\n\tmovl %%fs:0x10, %0\n\t"
                     "movw %w4, %%fs\n\tmovl %%fs:(%5), %1\n\t"
                     "movw %w3, %%fs\n\tmovl %%fs:0xFFC, %2\n\t" SYS_TRY "movl %%fs:0xFFE, %2" SYS_END
                     : "=&r"(a), "=&r"(b), "=&r"(c)
                     : "r"(SEL_LIM), "r"(SEL_KDATA), "r"(&buf[5])
                     : "memory");
    printf("fs limit/flat/limit: %08x %08x %08x\n", a, b, c);
    sys_report("  fs:0xFFE dword (limit 0xFFF)");
}

/* FS: flat, then null. */
static void fs_null(void)
{
    uint32_t a = 0, b = 0;
    __asm__ volatile("movw %w2, %%fs\n\tmovl %%fs:(%4), %0\n\t"
                     "movw %w3, %%fs\n\t" SYS_TRY "movl %%fs:(%4), %1" SYS_END
                     : "=&r"(a), "+&r"(b)
                     : "r"(SEL_KDATA), "r"(0), "r"(&buf[6])
                     : "memory");
    printf("fs flat then null: %08x %08x\n", a, b);
    sys_report("  null fs read");
}

/* GS: flat write, read-only read, then a write through it. */
static void gs_readonly(void)
{
    uint32_t a;
    __asm__ volatile("movw %w1, %%gs\n\tmovl $0x600d600d, %%gs:(%3)\n\t"
                     "movw %w2, %%gs\n\tmovl %%gs:28, %0\n\t" SYS_TRY "movl %0, %%gs:28" SYS_END
                     : "=&r"(a)
                     : "r"(SEL_KDATA), "r"(SEL_RO), "r"(&buf[7])
                     : "memory");
    printf("gs flat write, read-only read: %08x\n", a);
    sys_report("  read-only gs write");
}

/* GS: expand-down (valid offsets above the limit), then limited. */
static void gs_down(void)
{
    uint32_t a = 0, b = 0;
    __asm__ volatile("movw %w2, %%gs\n\t" SYS_TRY "movl %%gs:0x10, %0" SYS_END
                     "movw %w3, %%gs\n\tmovl %%gs:0x20, %1"
                     : "+&r"(a), "=&r"(b)
                     : "r"(SEL_DOWN), "r"(SEL_LIM)
                     : "memory");
    printf("gs expand-down then limit: %08x %08x\n", a, b);
    sys_report("  gs:0x10 expand-down limit 0xFFF");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    for (unsigned k = 0; k < 1024; k++)
        buf[k] = 0x11110000u + k;
    uint32_t base = (uint32_t)(uintptr_t)buf;
    sys_seg(SYS_FIRST_FREE, base, 0xFFF, ACC_DATA0, GRAN_1B_32);
    sys_seg(SYS_FIRST_FREE + 1, base, 0xFFF, 0x90, GRAN_1B_32);
    sys_seg(SYS_FIRST_FREE + 2, base, 0xFFF, 0x96, GRAN_1B_32);
    for (int round = 0; round < 2; round++) { /* the second time translated */
        fs_classes();
        fs_null();
        gs_readonly();
        gs_down();
    }
    __asm__ volatile("movw %w0, %%fs\n\tmovw %w0, %%gs" : : "r"(SEL_KDATA));
    return 0;
}
