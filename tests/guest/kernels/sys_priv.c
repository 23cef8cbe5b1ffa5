/*
 * sys_priv.c - privileged and sensitive instructions executed by ring-3
 * code (sys_common.h): each either raises #GP (error code, EIP and CS
 * printed; the machine state it would change is shown unchanged) or has
 * its architectural, virtualized effect (values printed):
 *   HLT, CLI/STI (IOPL 0: #GP; IOPL 3: allowed), POPF and IRET trying to
 *   change IF and IOPL (silently kept), PUSHF, LGDT/LIDT/LLDT/LTR, SGDT/
 *   SIDT/SLDT/STR/SMSW (allowed: the guest's values), MOV to/from CR0/CR3/
 *   CR4/DR7, LMSW, CLTS, INVD, WBINVD, INVLPG, RDMSR/WRMSR, RDTSC (CR4.TSD
 *   0 and 1), RDPMC, SYSEXIT, CPUID;
 *   IN/OUT/INS/OUTS with IOPL 0 through the TSS I/O permission bitmap,
 *   which allows exactly port 0x2a1, ports 0x2b7-0x2b8 (across a bitmap
 *   byte) and 0x2c0-0x2c3: byte, word and dword accesses on and across
 *   their edges; with IOPL 3 every port is allowed;
 *   at ring 0: CR0.ET reads as 1, LMSW cannot clear PE, POPF changes IOPL.
 * A deprivileged guest must never run these natively: each line proves the
 * instruction trapped or was emulated.
 */
#include "sys_common.h"

static volatile uint32_t v1, v2, v3;
static uint8_t ubuf[16] __attribute__((used));

struct dtr {
    uint16_t pad;
    uint16_t limit;
    uint32_t base;
} __attribute__((packed, aligned(4)));
static struct dtr udtr;

#define UCASE(fn, text)                                                     \
    static uint32_t fn(void)                                                \
    {                                                                       \
        __asm__ volatile(text SYS_END                                       \
                         : : "m"(udtr.limit)                                \
                         : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory", "cc"); \
        return 0;                                                           \
    }
#define GETFL "pushfl\n\tpopl v1\n\t"

UCASE(u_hlt, SYS_TRY "hlt")
UCASE(u_cli, SYS_TRY "cli" SYS_END GETFL)
UCASE(u_sti, SYS_TRY "sti" SYS_END GETFL)
UCASE(u_pushf, GETFL)
/* POPF: toggle IF, IOPL (to 3), DF and CF; v1 = before, v2 = after. */
UCASE(u_popf, "pushfl\n\tpopl v1\n\tmovl v1, %%eax\n\txorl $0x3601, %%eax\n\t"
              "pushl %%eax\n\t" SYS_TRY "popfl" SYS_END "pushfl\n\tpopl v2\n\tcld\n\t")
/* IRET to ring 3 (same level) with IF and IOPL toggled. */
UCASE(u_iret, "pushfl\n\tpopl v1\n\tmovl v1, %%eax\n\txorl $0x3201, %%eax\n\t"
              "pushl %%eax\n\tpushl %%cs\n\tpushl $7772f\n\t" SYS_TRY "iretl" SYS_END
              "pushfl\n\tpopl v2\n\t")
UCASE(u_lgdt, SYS_TRY "lgdt %0")
UCASE(u_lidt, SYS_TRY "lidt %0")
UCASE(u_lldt, "xorl %%eax, %%eax\n\t" SYS_TRY "lldt %%ax")
UCASE(u_ltr, "movl $0x28, %%eax\n\t" SYS_TRY "ltr %%ax")
UCASE(u_sgdt, SYS_TRY "sgdt %0")
UCASE(u_sidt, SYS_TRY "sidt %0")
UCASE(u_sldt, "movl $0xffffffff, %%eax\n\t" SYS_TRY "sldt %%eax" SYS_END "movl %%eax, v1\n\t")
UCASE(u_str, "movl $0xffffffff, %%eax\n\t" SYS_TRY "str %%eax" SYS_END "movl %%eax, v1\n\t")
UCASE(u_smsw, "movl $0xffffffff, %%eax\n\t" SYS_TRY "smsw %%eax" SYS_END "movl %%eax, v1\n\t")
UCASE(u_smsw_m, SYS_TRY "smsw ubuf" SYS_END "movzwl ubuf, %%eax\n\tmovl %%eax, v1\n\t")
UCASE(u_rd_cr0, SYS_TRY "movl %%cr0, %%eax")
UCASE(u_wr_cr0, "xorl %%eax, %%eax\n\t" SYS_TRY "movl %%eax, %%cr0")
UCASE(u_rd_cr3, SYS_TRY "movl %%cr3, %%eax")
UCASE(u_wr_cr3, "xorl %%eax, %%eax\n\t" SYS_TRY "movl %%eax, %%cr3")
UCASE(u_rd_cr4, SYS_TRY "movl %%cr4, %%eax")
UCASE(u_rd_dr7, SYS_TRY "movl %%dr7, %%eax")
UCASE(u_wr_dr7, "movl $0x3ff, %%eax\n\t" SYS_TRY "movl %%eax, %%dr7")
UCASE(u_lmsw, "movl $0x1, %%eax\n\t" SYS_TRY "lmsw %%ax")
UCASE(u_clts, SYS_TRY "clts")
UCASE(u_invd, SYS_TRY "invd")
UCASE(u_wbinvd, SYS_TRY "wbinvd")
UCASE(u_invlpg, SYS_TRY "invlpg ubuf")
UCASE(u_rdmsr, "movl $0x174, %%ecx\n\t" SYS_TRY "rdmsr")
UCASE(u_wrmsr, "movl $0x174, %%ecx\n\txorl %%eax, %%eax\n\txorl %%edx, %%edx\n\t" SYS_TRY "wrmsr")
UCASE(u_rdtsc, SYS_TRY "rdtsc")
UCASE(u_rdpmc, "xorl %%ecx, %%ecx\n\t" SYS_TRY "rdpmc")
UCASE(u_sysexit, "movl %%esp, %%ecx\n\tmovl $7772f, %%edx\n\t" SYS_TRY "sysexit")
UCASE(u_cpuid, "xorl %%eax, %%eax\n\t" SYS_TRY "cpuid")

/* Port I/O: v1 = what IN read (preset to 0x5a5a5a5a). */
#define IOCASE(fn, text)                                                    \
    UCASE(fn, "movl $0x5a5a5a5a, %%eax\n\t" text SYS_END "movl %%eax, v1\n\t")
IOCASE(in_b2a0, "movl $0x2a0, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_b2a1, "movl $0x2a1, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_b2a2, "movl $0x2a2, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_w2a0, "movl $0x2a0, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(in_w2a1, "movl $0x2a1, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(in_l2a1, "movl $0x2a1, %%edx\n\t" SYS_TRY "inl %%dx, %%eax")
IOCASE(out_b2a1, "movl $0x2a1, %%edx\n\t" SYS_TRY "outb %%al, %%dx")
IOCASE(out_b2a2, "movl $0x2a2, %%edx\n\t" SYS_TRY "outb %%al, %%dx")
IOCASE(out_w2a1, "movl $0x2a1, %%edx\n\t" SYS_TRY "outw %%ax, %%dx")
IOCASE(in_b2b7, "movl $0x2b7, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_b2b8, "movl $0x2b8, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_w2b7, "movl $0x2b7, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(in_w2b6, "movl $0x2b6, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(in_w2b8, "movl $0x2b8, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(out_l2b7, "movl $0x2b7, %%edx\n\t" SYS_TRY "outl %%eax, %%dx")
IOCASE(in_l2c0, "movl $0x2c0, %%edx\n\t" SYS_TRY "inl %%dx, %%eax")
IOCASE(out_l2c0, "movl $0x2c0, %%edx\n\t" SYS_TRY "outl %%eax, %%dx")
IOCASE(in_l2c1, "movl $0x2c1, %%edx\n\t" SYS_TRY "inl %%dx, %%eax")
IOCASE(in_w2c2, "movl $0x2c2, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(in_w2c3, "movl $0x2c3, %%edx\n\t" SYS_TRY "inw %%dx, %%ax")
IOCASE(in_b61, SYS_TRY "inb $0x61, %%al")
IOCASE(out_b80, SYS_TRY "outb %%al, $0x80")
IOCASE(in_b3ff, "movl $0x3ff, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_b400, "movl $0x400, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
IOCASE(in_bf000, "movl $0xf000, %%edx\n\t" SYS_TRY "inb %%dx, %%al")
/* String I/O: v1 = the destination buffer's first dword, v2 = EDI/ESI
 * advance, v3 = ECX left. */
#define STRCASE(fn, setup, insn)                                            \
    UCASE(fn, "movl $0x5a5a5a5a, ubuf\n\tmovl $ubuf, %%edi\n\tmovl $ubuf, %%esi\n\t" \
              "movl $2, %%ecx\n\t"                                        \
              setup SYS_TRY insn SYS_END                                    \
              "movl ubuf, %%eax\n\tmovl %%eax, v1\n\t"                      \
              "leal (%%edi,%%esi), %%eax\n\tsubl $ubuf, %%eax\n\tsubl $ubuf, %%eax\n\tmovl %%eax, v2\n\t" \
              "movl %%ecx, v3\n\t")
STRCASE(ins_b2a1, "movl $0x2a1, %%edx\n\t", "insb")
STRCASE(ins_b2a2, "movl $0x2a2, %%edx\n\t", "insb")
STRCASE(ins_w2b7, "movl $0x2b7, %%edx\n\t", "insw")
STRCASE(ins_w2a1, "movl $0x2a1, %%edx\n\t", "insw")
STRCASE(rep_insb, "movl $0x2a1, %%edx\n\tmovl $3, %%ecx\n\t", "rep insb")
STRCASE(rep_insl, "movl $0x2c1, %%edx\n\tmovl $2, %%ecx\n\t", "rep insl")
STRCASE(outs_b2a1, "movl $0x2a1, %%edx\n\t", "outsb")
STRCASE(outs_l2c0, "movl $0x2c0, %%edx\n\t", "outsl")
STRCASE(outs_w2b8, "movl $0x2b8, %%edx\n\t", "outsw")
STRCASE(rep_outsb, "movl $0x2b6, %%edx\n\tmovl $4, %%ecx\n\t", "rep outsb")

struct ucase {
    const char *name;
    uint32_t (*fn)(void);
    /* 0: nothing; 1: v1 (the byte IN read); 2: v1..v3 (byte string I/O);
     * 3: v2, v3 (word/dword string I/O).  Word and dword reads of unclaimed
     * ports are not shown: QEMU returns 0 for some of them (split
     * unaligned accesses), a PC's open bus all ones. */
    int show;
};

static void run(const struct ucase *c, unsigned n, uint32_t eflags)
{
    char buf[64];

    for (unsigned i = 0; i < n; i++) {
        v1 = v2 = v3 = 0xEEEEEEEE;
        sys_user_run(c[i].fn, eflags);
        sys_fault_str(buf, sizeof buf);
        if (c[i].show == 1 && sys_trap.vector < 0)
            printf("%-34s ok, read %08x\n", c[i].name, v1);
        else if (c[i].show == 2 && sys_trap.vector < 0)
            printf("%-34s ok, buf %08x, di/si +%u, ecx %u\n", c[i].name, v1, v2, v3);
        else if (c[i].show == 2)
            printf("%-34s %s, buf %08x, di/si +%u, ecx %u\n", c[i].name, buf, v1, v2, v3);
        else if (c[i].show == 3)
            printf("%-34s %s, di/si +%u, ecx %u\n", c[i].name,
                   sys_trap.vector < 0 ? "ok" : buf, v2, v3);
        else
            printf("%-34s %s\n", c[i].name, sys_trap.vector < 0 ? "ok" : buf);
        sys_trap.vector = -1;
    }
}

static const struct ucase io_cases[] = {
    { "inb 0x2a0", in_b2a0, 1 }, { "inb 0x2a1", in_b2a1, 1 }, { "inb 0x2a2", in_b2a2, 1 },
    { "inw 0x2a0", in_w2a0, 0 }, { "inw 0x2a1", in_w2a1, 0 }, { "inl 0x2a1", in_l2a1, 0 },
    { "outb 0x2a1", out_b2a1, 0 }, { "outb 0x2a2", out_b2a2, 0 }, { "outw 0x2a1", out_w2a1, 0 },
    { "inb 0x2b7", in_b2b7, 1 }, { "inb 0x2b8", in_b2b8, 1 }, { "inw 0x2b7", in_w2b7, 0 },
    { "inw 0x2b6", in_w2b6, 0 }, { "inw 0x2b8", in_w2b8, 0 }, { "outl 0x2b7", out_l2b7, 0 },
    { "inl 0x2c0", in_l2c0, 0 }, { "outl 0x2c0", out_l2c0, 0 }, { "inl 0x2c1", in_l2c1, 0 },
    { "inw 0x2c2", in_w2c2, 0 }, { "inw 0x2c3", in_w2c3, 0 },
    { "inb $0x61", in_b61, 1 }, { "outb $0x80", out_b80, 0 },
    { "inb 0x3ff", in_b3ff, 1 }, { "inb 0x400 (bitmap terminator)", in_b400, 1 },
    { "inb 0xf000 (beyond the tss limit)", in_bf000, 1 },
    { "insb 0x2a1", ins_b2a1, 2 }, { "insb 0x2a2", ins_b2a2, 2 }, { "insw 0x2b7", ins_w2b7, 3 },
    { "insw 0x2a1", ins_w2a1, 3 }, { "rep insb 0x2a1 x3", rep_insb, 2 },
    { "rep insl 0x2c1 x2", rep_insl, 3 }, { "outsb 0x2a1", outs_b2a1, 2 },
    { "outsl 0x2c0", outs_l2c0, 3 }, { "outsw 0x2b8", outs_w2b8, 3 },
    { "rep outsb 0x2b6 x4", rep_outsb, 2 },
};

static void report_fl(const char *name, uint32_t (*fn)(void), uint32_t eflags)
{
    char buf[64];

    v1 = v2 = 0;
    sys_user_run(fn, eflags);
    printf("%-34s %s, eflags & 0x3602 %08x -> %08x, cf %s\n", name,
           sys_fault_str(buf, sizeof buf), v1 & 0x3602, v2 & 0x3602,
           (v1 ^ v2) & 1 ? "toggled" : "kept");
    sys_trap.vector = -1;
}

static void one(const char *name, uint32_t (*fn)(void), uint32_t eflags)
{
    struct ucase c = { name, fn, 0 };
    run(&c, 1, eflags);
}

static uint32_t read_cr4(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr4, %0" : "=r"(v));
    return v;
}

static void write_cr4(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr4" : : "r"(v) : "memory");
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    char buf[64];
    struct dtr g0, i0;
    uint16_t ldt0, tr0;

    (void)magic;
    (void)mbi;
    sys_init();
    __asm__ volatile("sgdt %0\n\tsidt %1\n\tsldt %2\n\tstr %3"
                     : "=m"(g0.limit), "=m"(i0.limit), "=r"(ldt0), "=r"(tr0));
    sys_wrmsr(0x174, SEL_KCODE, 0);

    printf("== ring 0 ==\n");
    uint32_t cr0 = sys_read_cr0();
    sys_write_cr0((cr0 & ~0xFFFFu) | 0x0001);         /* PE only: ET is hard-wired */
    printf("cr0 written with ET=0 reads low word %04x\n", sys_read_cr0() & 0xFFFF);
    __asm__ volatile("lmsw %w0" : : "r"(0x0000u));
    printf("lmsw 0: cr0 low word %04x (PE stays set)\n", sys_read_cr0() & 0xFFFF);
    sys_write_cr0(cr0 | 0x10);
    uint32_t fl;
    __asm__ volatile("pushfl\n\torl $0x3000, (%%esp)\n\tpopfl\n\tpushfl\n\tpopl %0\n\t"
                     "pushfl\n\tandl $~0x3000, (%%esp)\n\tpopfl"
                     : "=r"(fl) : : "memory", "cc");
    printf("popf at ring 0 sets IOPL: iopl %u\n", (fl >> 12) & 3);

    printf("== ring 3, IOPL 0, IF 1 ==\n");
    one("hlt", u_hlt, EFL_FIXED | EFL_IF);
    v1 = 0;
    sys_user_run(u_cli, EFL_FIXED | EFL_IF);
    printf("%-34s %s, IF after %u\n", "cli", sys_fault_str(buf, sizeof buf), (v1 >> 9) & 1);
    sys_trap.vector = -1;
    sys_user_run(u_sti, EFL_FIXED);
    printf("%-34s %s, IF after %u\n", "sti (IF 0)", sys_fault_str(buf, sizeof buf), (v1 >> 9) & 1);
    sys_trap.vector = -1;
    sys_user_run(u_pushf, EFL_FIXED | EFL_IF);
    printf("%-34s ok, eflags & 0x3602 %08x\n", "pushf", v1 & 0x3602);
    report_fl("popf toggling IF IOPL DF CF", u_popf, EFL_FIXED | EFL_IF);
    report_fl("iret toggling IF IOPL CF", u_iret, EFL_FIXED | EFL_IF);
    static const struct ucase priv_cases[] = {
        { "lgdt", u_lgdt, 0 }, { "lidt", u_lidt, 0 }, { "lldt", u_lldt, 0 }, { "ltr", u_ltr, 0 },
        { "mov %cr0, %eax", u_rd_cr0, 0 }, { "mov %eax, %cr0", u_wr_cr0, 0 },
        { "mov %cr3, %eax", u_rd_cr3, 0 }, { "mov %eax, %cr3", u_wr_cr3, 0 },
        { "mov %cr4, %eax", u_rd_cr4, 0 }, { "mov %dr7, %eax", u_rd_dr7, 0 },
        { "mov %eax, %dr7", u_wr_dr7, 0 }, { "lmsw", u_lmsw, 0 }, { "clts", u_clts, 0 },
        { "invd", u_invd, 0 }, { "wbinvd", u_wbinvd, 0 }, { "invlpg", u_invlpg, 0 },
        { "rdmsr 0x174", u_rdmsr, 0 }, { "wrmsr 0x174", u_wrmsr, 0 },
        { "rdtsc (cr4.tsd 0)", u_rdtsc, 0 }, { "rdpmc (cr4.pce 0)", u_rdpmc, 0 },
        { "sysexit", u_sysexit, 0 }, { "cpuid", u_cpuid, 0 },
    };
    sys_write_cr0(sys_read_cr0() | 0x8);              /* TS: CLTS must not clear it */
    run(priv_cases, sizeof priv_cases / sizeof priv_cases[0], EFL_FIXED | EFL_IF);
    sys_user_run(u_sgdt, EFL_FIXED);
    printf("%-34s %s, limit %04x base %s\n", "sgdt", sys_fault_str(buf, sizeof buf),
           udtr.limit, udtr.base == (uint32_t)sys_gdt ? "sys_gdt" : "WRONG");
    sys_trap.vector = -1;
    sys_user_run(u_sidt, EFL_FIXED);
    printf("%-34s %s, limit %04x base %s\n", "sidt", sys_fault_str(buf, sizeof buf),
           udtr.limit, udtr.base == i0.base ? "the idt" : "WRONG");
    sys_trap.vector = -1;
    sys_user_run(u_sldt, EFL_FIXED);
    printf("%-34s %s, %08x\n", "sldt %eax", sys_fault_str(buf, sizeof buf), v1);
    sys_trap.vector = -1;
    sys_user_run(u_str, EFL_FIXED);
    printf("%-34s %s, %08x\n", "str %eax", sys_fault_str(buf, sizeof buf), v1);
    sys_trap.vector = -1;
    sys_user_run(u_smsw, EFL_FIXED);
    printf("%-34s %s, low word %04x\n", "smsw %eax", sys_fault_str(buf, sizeof buf), v1 & 0xFFFF);
    sys_trap.vector = -1;
    sys_user_run(u_smsw_m, EFL_FIXED);
    printf("%-34s %s, %04x\n", "smsw mem", sys_fault_str(buf, sizeof buf), v1);
    sys_trap.vector = -1;

    struct dtr g1, i1;
    uint16_t ldt1, tr1;
    __asm__ volatile("sgdt %0\n\tsidt %1\n\tsldt %2\n\tstr %3"
                     : "=m"(g1.limit), "=m"(i1.limit), "=r"(ldt1), "=r"(tr1));
    uint32_t cr0b = sys_read_cr0();
    printf("state kept: gdtr %s idtr %s ldtr %04x tr %04x cr0.ts %u cr0.pe %u sysenter_cs %02x"
           " dr7 %08x\n",
           g1.limit == g0.limit && g1.base == g0.base ? "same" : "CHANGED",
           i1.limit == i0.limit && i1.base == i0.base ? "same" : "CHANGED", ldt1, tr1,
           (cr0b >> 3) & 1, cr0b & 1, sys_rdmsr(0x174), ({
               uint32_t d;
               __asm__ volatile("movl %%dr7, %0" : "=r"(d));
               d & 0x3FF;
           }));
    __asm__ volatile("clts");

    write_cr4(read_cr4() | 0x4);                      /* TSD */
    one("rdtsc (cr4.tsd 1)", u_rdtsc, EFL_FIXED);
    uint32_t lo;
    __asm__ volatile("rdtsc" : "=a"(lo) : : "edx");
    (void)lo;
    printf("%-34s ok\n", "rdtsc at ring 0 (cr4.tsd 1)");
    write_cr4(read_cr4() & ~0x4u);

    printf("== ring 3, IOPL 0: I/O through the bitmap (0x2a1, 0x2b7-8, 0x2c0-3) ==\n");
    sys_io_allow(0x2A1, 1, 1);
    sys_io_allow(0x2B7, 2, 1);
    sys_io_allow(0x2C0, 4, 1);
    run(io_cases, sizeof io_cases / sizeof io_cases[0], EFL_FIXED);

    printf("== ring 3, IOPL 3 ==\n");
    one("hlt", u_hlt, EFL_FIXED | EFL_IOPL3 | EFL_IF);
    sys_user_run(u_cli, EFL_FIXED | EFL_IOPL3 | EFL_IF);
    printf("%-34s %s, IF after %u\n", "cli", sys_fault_str(buf, sizeof buf), (v1 >> 9) & 1);
    sys_trap.vector = -1;
    sys_user_run(u_sti, EFL_FIXED | EFL_IOPL3);
    printf("%-34s %s, IF after %u\n", "sti (IF 0)", sys_fault_str(buf, sizeof buf), (v1 >> 9) & 1);
    sys_trap.vector = -1;
    report_fl("popf toggling IF IOPL DF CF", u_popf, EFL_FIXED | EFL_IOPL3 | EFL_IF);
    report_fl("iret toggling IF IOPL CF", u_iret, EFL_FIXED | EFL_IOPL3 | EFL_IF);
    static const struct ucase io3_cases[] = {
        { "inb 0x2a0", in_b2a0, 1 }, { "inl 0x2a1", in_l2a1, 0 }, { "inb $0x61", in_b61, 0 },
        { "outb 0x2a2", out_b2a2, 0 }, { "inb 0xf000", in_bf000, 1 },
        { "insw 0x2a1", ins_w2a1, 3 }, { "rep outsb 0x2b6 x4", rep_outsb, 2 },
        { "mov %cr0, %eax", u_rd_cr0, 0 }, { "wrmsr 0x174", u_wrmsr, 0 },
    };
    run(io3_cases, sizeof io3_cases / sizeof io3_cases[0], EFL_FIXED | EFL_IOPL3);

    printf("%u exceptions\n", sys_trap.count);
    return 0;
}
