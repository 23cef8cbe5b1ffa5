/*
 * isa_x87_sys.c - the x87 state (control word, sticky status bits, tag word,
 * register stack) must survive everything a VMM does between two guest
 * instructions: port I/O, software interrupts and exceptions delivered
 * through the IDT (INT n, #UD), x87 stores into pages holding translated
 * code (FISTP/FSTP/FBSTP/FNSAVE writing instructions that are then run),
 * patching an x87 instruction and running it again, and an unmasked x87
 * exception (#MF at FWAIT, CR0.NE = 1) whose handler inspects the state
 * with FNSTENV, clears the exception with FNCLEX and returns, so that the
 * FWAIT completes and the interrupted computation continues.  Also x87
 * memory operands through segments with a non-zero base (FS, ES and DS
 * overrides and a based DS, which changes the translation mode) and with
 * 16-bit addressing (0x67 prefix).
 *
 * Guest only (a native program cannot do port I/O or write its code);
 * expected output from QEMU (isa_x87_sys.expected).  Printed: CW,
 * SW, TW of an FNSAVE image and the valid registers; FIP/FCS/FOP/FDP/FDS
 * are masked (they hold translated-code addresses under a translator).
 * The state avoids what QEMU does not model (C1 round-up, DE).
 */
#include "desc.h"
#include "rt.h"

typedef struct __attribute__((packed)) {
    uint64_t m;
    uint16_t se;
} f80;

/* the state: CW = PC53, round down, all masked; 6 values and 1/3 (PE) */
__attribute__((used)) static const uint16_t st_cw = 0x067f;
__attribute__((used)) static const uint16_t st_cw_ze = 0x067b;   /* ZE unmasked */
/* QEMU's FBLD rounds to the precision control (the x87 loads exactly) */
__attribute__((used)) static const uint16_t st_cw64 = 0x077f;
__attribute__((used)) static const double st_three = 3.0;
__attribute__((used)) static const f80 st_vals[6] = {
    { 0x8000000000000000ull, 0x3fff }, { 0xc90fdaa22168c235ull, 0x4000 },
    { 0x0000000000000000ull, 0x8000 }, { 0x8000000000000000ull, 0x7fff },
    { 0xc000000000001234ull, 0x7fff }, { 0xe000000000000000ull, 0xc005 },
};
__attribute__((used)) static unsigned char save[108];

#define LOAD_STATE                                                          \
    "fninit\n\t"                                                            \
    "fldcw st_cw\n\t"                                                       \
    "fldt st_vals+50\n\tfldt st_vals+40\n\tfldt st_vals+30\n\t"             \
    "fldt st_vals+20\n\tfldt st_vals+10\n\tfldt st_vals\n\t"                \
    "fld1\n\tfdivl st_three\n\t"

static void print_state(const char *what)
{
    uint16_t cw, sw, tw;

    memcpy(&cw, save, 2);
    memcpy(&sw, save + 4, 2);
    memcpy(&tw, save + 8, 2);
    printf("%-12s cw=%04x sw=%04x tw=%04x", what, cw, sw, tw);
    int top = (sw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        if (((tw >> (2 * ((top + i) & 7))) & 3) == 3)
            continue;             /* empty: contents undefined */
        f80 v;
        memcpy(&v, save + 28 + 10 * i, 10);
        printf(" %04x:%016llx", v.se, (unsigned long long)v.m);
    }
    putchar('\n');
}

/* ---- handlers ---- */
static volatile uint32_t int_count, ud_count, mf_count;
static uint16_t mf_env[14];

static void on_int2e(struct isr_frame *f)
{
    (void)f;
    int_count++;
}

static void on_ud(struct isr_frame *f)
{
    ud_count++;
    f->eip += 2;                  /* skip the ud2 */
}

static void on_mf(struct isr_frame *f)
{
    (void)f;
    mf_count++;
    /* what the handler sees; FNSTENV masks all exceptions: reload CW */
    __asm__ volatile("fnstenv %0\n\t"
                     "fldcw %0\n\t"
                     "fnclex" : "=m"(mf_env) : : "memory");
}

/* ---- code patched by x87 stores ---- */
uint32_t patch_fn(void);
uint32_t x87_patch_fn(void);
uint32_t save_area(void);   /* returns whatever is in EAX: only its bytes matter */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl patch_fn\n"
        "patch_fn:\n\t"
        "movl $0x11111111, %eax\n\t"      /* 5 bytes */
        "ret\n\t"                         /* 1 */
        "nop\n\tnop\n\tnop\n\tnop\n\t"   /* 4: ret at offset 10 */
        "ret\n"
        ".p2align 4\n"
        ".globl x87_patch_fn\n"
        /* returns 3 op 2 rounded to an integer; op is patched */
        "x87_patch_fn:\n\t"
        "pushl %eax\n\t"
        "fldl st_three\n\t"
        "fld1\n\tfadd %st(0), %st\n"
        ".globl x87_patch_op\n"
        "x87_patch_op:\n\t"
        ".byte 0xde, 0xc1\n\t"              /* faddp, patched below */
        "fistpl (%esp)\n\t"
        "popl %eax\n\t"
        "ret\n"
        ".p2align 4\n"
        ".globl save_area\n"
        "save_area:\n\t"                    /* 128 bytes of code for FNSAVE */
        ".fill 128, 1, 0xc3\n");
extern unsigned char x87_patch_op[];

/* FISTP m64: mov $0x22222222, %eax; ret; nop; nop */
__attribute__((used)) static const int64_t patch_int = (int64_t)0x9090c322222222b8ull;
/* FSTP m64 of a double: mov $0x33333333, %eax; ret; nop; nop */
__attribute__((used)) static const uint64_t patch_dbl = 0x9090c333333333b8ull;
/* FBLD/FBSTP of 332211059090909090: nop x5; add $0x00332211, %eax (the
 * last immediate byte is the sign byte), then the original ret */
__attribute__((used)) static const unsigned char patch_bcd[10] = {
    0x90, 0x90, 0x90, 0x90, 0x90, 0x05, 0x11, 0x22, 0x33, 0x00 };

#define ALL_ST "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)"

/* ---- segment bases and 16-bit addressing ---- */
#define SEG_BASE 0x1000u
#define SEG_SEL 0x30                     /* GDT slot 6 */
__attribute__((used)) static double seg_src[4] = { 1.25, -3.5, 1e100, 0.1 };
__attribute__((used)) static double seg_dst[6];
__attribute__((used)) static unsigned char seg_env[28];

static void segments(void)
{
    gdt_set_entry(SEG_SEL >> 3, SEG_BASE, 0xFFFFF, 0x92, 0xC);
    memset(seg_dst, 0, sizeof seg_dst);
    /* offsets are linear - SEG_BASE: the segments have base 0x1000 */
    __asm__ volatile("movw %%es, %%si\n\t"
                     "movw %[sel], %%ax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%es\n\t"
                     "fninit\n\t"
                     "fldl %%fs:seg_src-0x1000\n\t"
                     "faddl %%fs:seg_src+8-0x1000\n\t"
                     "fstpl %%es:seg_dst-0x1000\n\t"
                     "movl $8, %%ecx\n\t"
                     "fldl %%fs:seg_src-0x1000(,%%ecx,2)\n\t"
                     "fstpl %%es:seg_dst-0x1000(%%ecx)\n\t"
                     "fnstenv %%es:seg_env-0x1000\n\t"
                     "movw %%si, %%es\n\t"
                     "movw %%ax, %%ds\n\t"            /* DS based: another mode */
                     "fldl seg_src+24-0x1000\n\t"
                     "fmull seg_src-0x1000\n\t"
                     "fstpl seg_dst+16-0x1000\n\t"
                     "fldl %%ss:seg_src+8\n\t"        /* SS stays flat */
                     "fistpl seg_dst+24-0x1000\n\t"
                     "movw %[ds], %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%fs\n\t"
                     "fninit"
                     : : [sel] "i"(SEG_SEL), [ds] "i"(KERNEL_DS)
                     : "eax", "ecx", "esi", "memory", ALL_ST);
    uint64_t d[3];
    uint32_t i32;
    memcpy(d, seg_dst, sizeof d);
    memcpy(&i32, &seg_dst[3], 4);
    printf("segments: %016llx %016llx %016llx %08x env.cw=%02x%02x\n",
           (unsigned long long)d[0], (unsigned long long)d[1], (unsigned long long)d[2],
           (unsigned)i32, seg_env[1], seg_env[0]);
}

/* 16-bit addressing: operands at 0x6000 (below 64 KiB) */
static void addr16(void)
{
    unsigned char *low = (unsigned char *)0x6000;
    static const unsigned char pi80[10] = { 0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda,
                                            0x0f, 0xc9, 0x00, 0x40 };
    double two = 2.0;
    uint16_t sw;

    memcpy(low, pi80, 10);
    memcpy(low + 0x10, &two, 8);
    memset(low + 0x20, 0, 0x60);
    __asm__ volatile("movw $0x6000, %%bx\n\t"
                     "movw $0x10, %%si\n\t"
                     "fninit\n\t"
                     "fldt (%%bx)\n\t"
                     "fmull (%%bx,%%si)\n\t"
                     "fstpt 0x20(%%bx)\n\t"
                     "fldl 0x10(%%bx)\n\t"
                     "fistps 0x30(%%bx,%%si)\n\t"
                     "fldt (%%bx)\n\t"
                     "data16 fnstenv 0x50(%%bx)\n\t"
                     "fnstsw 0x4e(%%bx)\n\t"
                     "fnsave 0x60(%%bx)\n\t"      /* 108 bytes: 0x6060..0x60cb */
                     "frstor 0x60(%%bx)\n\t"
                     "fstpt 0x34(%%bx)\n\t"
                     "fnstsw %[sw]\n\t"
                     "fninit"
                     : [sw] "=m"(sw) : : "ebx", "esi", "memory", ALL_ST);
    f80 a, b;
    memcpy(&a, low + 0x20, 10);
    memcpy(&b, low + 0x34, 10);
    uint16_t i16, env_cw, env_sw, sw2;
    memcpy(&i16, low + 0x40, 2);
    memcpy(&env_cw, low + 0x50, 2);
    memcpy(&env_sw, low + 0x52, 2);
    memcpy(&sw2, low + 0x4e, 2);
    printf("addr16: %04x:%016llx %d %04x:%016llx env16 cw=%04x sw=%04x sw=%04x %04x\n",
           a.se, (unsigned long long)a.m, i16, b.se, (unsigned long long)b.m, env_cw,
           env_sw, sw2, sw);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    uint32_t cr0, r;

    (void)magic;
    (void)mbi;
    idt_init();
    isr_register(0x2e, on_int2e);
    isr_register(6, on_ud);
    isr_register(16, on_mf);
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0 | 0x20) : "memory");   /* NE */

    /* baseline */
    __asm__ volatile(LOAD_STATE "fnsave save" : : : "memory", ALL_ST);
    print_state("baseline");

    /* port I/O (a VMM helper each) */
    __asm__ volatile(LOAD_STATE
                     "movb $0x5a, %%al\n\toutb %%al, $0x80\n\t"
                     "movw $0x3fd, %%dx\n\tinb %%dx, %%al\n\t"
                     "fnsave save"
                     : : : "eax", "edx", "memory", ALL_ST);
    print_state("port i/o");

    /* INT 0x2E and #UD through the IDT */
    __asm__ volatile(LOAD_STATE "int $0x2e\n\tud2\n\tfnsave save"
                     : : : "memory", ALL_ST);
    print_state("int/ud");
    printf("int 0x2e count %u, #UD count %u\n", int_count, ud_count);

    /* FISTP m64 writes code, which is then called (SMC by an x87 store) */
    r = patch_fn();
    __asm__ volatile(LOAD_STATE
                     "fildll patch_int\n\t"
                     "fistpll patch_fn\n\t"
                     "call patch_fn\n\t"
                     "movl %%eax, %0\n\t"
                     "fnsave save"
                     : "=m"(r) : : "eax", "memory", ALL_ST);
    print_state("fistp smc");
    printf("patch_fn after fistp: %08x\n", r);

    /* FSTP m64 of an exact double writes code */
    __asm__ volatile(LOAD_STATE
                     "fldl patch_dbl\n\t"
                     "fstpl patch_fn\n\t"
                     "call patch_fn\n\t"
                     "movl %%eax, %0\n\t"
                     "fnsave save"
                     : "=m"(r) : : "eax", "memory", ALL_ST);
    print_state("fstp smc");
    printf("patch_fn after fstp: %08x\n", r);

    /* FBSTP writes code */
    __asm__ volatile(LOAD_STATE
                     "fldcw st_cw64\n\t"
                     "fbld patch_bcd\n\t"
                     "fbstp patch_fn\n\t"
                     "fldcw st_cw\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "call patch_fn\n\t"
                     "movl %%eax, %0\n\t"
                     "fnsave save"
                     : "=m"(r) : : "eax", "memory", ALL_ST);
    print_state("fbstp smc");
    printf("patch_fn after fbstp: %08x\n", r);

    /* FNSAVE's 108 bytes over translated code, FRSTOR from there; then
     * code copied over the image runs */
    save_area();
    __asm__ volatile(LOAD_STATE
                     "fnsave save_area\n\t"
                     "frstor save_area\n\t"
                     "fnsave save"
                     : : : "memory", ALL_ST);
    print_state("fnsave smc");
    {
        const unsigned char *p = (const unsigned char *)(uintptr_t)save_area;
        static const unsigned char code[6] = { 0xb8, 0x44, 0x44, 0x44, 0x44, 0xc3 };

        printf("fnsave over code: cw %02x%02x sw %02x%02x\n", p[1], p[0], p[5], p[4]);
        memcpy((void *)(uintptr_t)save_area, code, sizeof code);
        printf("save_area after memcpy: %08x\n", save_area());
    }

    /* patch an x87 instruction: faddp -> fmulp -> fsubp -> fdivp */
    {
        static const unsigned char ops[4] = { 0xc1, 0xc9, 0xe9, 0xf9 };

        for (int i = 0; i < 4; i++) {
            uint32_t v;

            x87_patch_op[1] = ops[i];
            __asm__ volatile("call x87_patch_fn" : "=a"(v) : : "memory", ALL_ST);
            printf("x87 patch de %02x: %d\n", ops[i], (int)v);
        }
    }

    /* #MF at FWAIT: the handler sees the state, clears the exception and
     * returns; the FWAIT completes and the stack is intact */
    __asm__ volatile(LOAD_STATE
                     "fldcw st_cw_ze\n\t"
                     "fld1\n\t"
                     ".byte 0xd8, 0xf4\n\t"        /* fdiv st,st4: 1/-0, ZE pending, ST0 kept */
                     "fwait\n\t"                  /* #MF here */
                     "fstp %%st(0)\n\t"
                     "fnsave save"
                     : : : "memory", ALL_ST);
    print_state("after #MF");
    /* The handler's tag word is printed as empty/non-empty per register:
     * whether a non-empty register reads as valid (0) or special (2) after
     * the exception differs between implementations (QEMU keeps a tag
     * computed at load time, xbt's host x87 recomputes it from the value
     * after the state was restored), and the SDM leaves this open. */
    uint16_t tw_abridged = 0;
    for (int r = 0; r < 8; r++)
        if (((mf_env[4] >> (2 * r)) & 3) == 3)
            tw_abridged |= (uint16_t)(3u << (2 * r));
    printf("#MF count %u; handler saw cw=%04x sw=%04x tw=%04x\n", mf_count, mf_env[0],
           mf_env[2], tw_abridged);
    segments();
    addr16();
    puts("PASS: isa_x87_sys");
    return 0;
}
