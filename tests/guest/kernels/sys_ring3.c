/*
 * sys_ring3.c - privilege transitions (sys_common.h for the scaffolding):
 *   - IRET to ring 3 and system calls through a DPL-3 `int $0x80` trap gate
 *     and then interrupt gate: the handler checks CS/SS/CPL, that the frame
 *     is at ESP0 - 20 of the TSS, the saved user CS/SS/ESP/EFLAGS, IF as the
 *     gate type leaves it; arguments and results in registers; IRET back,
 *     with DS/ES (DPL 0 data) nulled and FS (conforming code) kept;
 *   - a DPL-3 call gate to ring 0 with 2 parameters: the inner stack at
 *     ESP0 - 24 holds EIP, CS, the copied parameters and the caller's SS:ESP;
 *     `lret $8` back releases the parameters on both stacks; a DPL-0 call
 *     gate used from ring 0 (no stack switch) and from ring 3 (#GP);
 *   - SYSENTER/SYSEXIT (MSRs 0x174-0x176) round trips: CS/SS/ESP/IF after
 *     each; SYSENTER with SYSENTER_CS = 0 raises #GP(0);
 *   - LAR/LSL/VERR/VERW on many kinds of selectors, and ARPL, from ring 0
 *     and ring 3.
 */
#include "sys_common.h"

#define SEL_CGATE3 (6 << 3 | 3)   /* call gate DPL 3, 2 parameters */
#define SEL_CGATE0 (7 << 3)       /* call gate DPL 0, 0 parameters */
#define SEL_CONF0 (8 << 3)        /* conforming readable code, DPL 0 */

static volatile uint32_t nsys;

/* ---- int $0x80 ---- */

static void check_frame(struct isr_frame *f, unsigned gate_if)
{
    uint16_t cs, ss;
    uint32_t fl = read_eflags();

    __asm__ volatile("movw %%cs, %0\n\tmovw %%ss, %1" : "=r"(cs), "=r"(ss));
    printf("  [sys %u] kernel cs=%02x ss=%02x cpl=%u frame at esp0-%u IF=%u"
           " | user cs=%02x ss=%02x esp=ustack-%u IF=%u\n",
           f->eax, cs, ss, cs & 3, SYS_KSTACK_TOP - sys_entry_esp, (fl >> 9) & 1,
           f->cs & 0xFFFF, f->user_ss & 0xFFFF, SYS_USTACK_TOP - f->user_esp,
           (f->eflags >> 9) & 1);
    if (((fl >> 9) & 1) != gate_if)
        printf("  WRONG: IF in the handler\n");
}

static unsigned gate_if;

static int syscall_hook(struct isr_frame *f)
{
    nsys++;
    check_frame(f, gate_if);
    switch (f->eax) {
    case 1:                       /* write(ebx = buffer, ecx = length) */
        serial_write((const char *)f->ebx, f->ecx);
        f->eax = f->ecx;
        break;
    case 2:                       /* ebx + ecx * edx */
        f->eax = f->ebx + f->ecx * f->edx;
        break;
    case 3:                       /* print(ebx = label, ecx = value) */
        printf("  user says %s = %08x\n", (const char *)f->ebx, f->ecx);
        f->eax = 0;
        break;
    case 4:                       /* return with DS/ES = kernel data, FS conforming code */
        f->ds = SEL_KDATA;
        f->es = SEL_KDATA;
        f->fs = SEL_CONF0;
        f->eax = 0;
        break;
    default:
        f->eax = (uint32_t)-1;
    }
    return 1;
}

static inline uint32_t sys_call(uint32_t nr, uint32_t a, uint32_t b, uint32_t c)
{
    __asm__ volatile("int $0x80" : "+a"(nr) : "b"(a), "c"(b), "d"(c) : "memory");
    return nr;
}

static uint32_t user_syscalls(void)
{
    static const char msg[] = "  hello from ring 3 through int $0x80\n";
    uint16_t cs, ss, ds;
    uint32_t r, esi = 0x51515151, edi = 0xD1D1D1D1;

    r = sys_call(1, (uint32_t)msg, sizeof msg - 1, 0);
    sys_call(3, (uint32_t)"write returned", r, 0);
    __asm__ volatile("int $0x80" : "=a"(r), "+S"(esi), "+D"(edi)
                     : "a"(2), "b"(100), "c"(6), "d"(7) : "memory");
    sys_call(3, (uint32_t)"100 + 6 * 7", r, 0);
    sys_call(3, (uint32_t)"esi, edi kept", esi == 0x51515151 && edi == 0xD1D1D1D1, 0);
    __asm__ volatile("movw %%cs, %0\n\tmovw %%ss, %1\n\tmovw %%ds, %2"
                     : "=r"(cs), "=r"(ss), "=r"(ds));
    sys_call(3, (uint32_t)"ring-3 cs", cs, 0);
    sys_call(3, (uint32_t)"ring-3 ss", ss, 0);
    sys_call(3, (uint32_t)"ring-3 ds", ds, 0);
    sys_call(3, (uint32_t)"ring-3 eflags", read_eflags() & ~0x10000u, 0);
    return 0x600D;
}

/* The kernel IRETs with DS = ES = 0x10 (DPL 0: nulled) and FS = a DPL-0
 * conforming code segment (kept); GS stays 0x23. */
static uint32_t user_nulls(void)
{
    uint32_t ds, es, fs, gs;

    __asm__ volatile("int $0x80\n\t"
                     "movl %%ds, %0\n\t"
                     "movl %%es, %1\n\t"
                     "movl %%fs, %2\n\t"
                     "movl %%gs, %3\n\t"
                     "movw %w4, %%ds\n\t"
                     "movw %w4, %%es\n\t"
                     "movw %w4, %%fs"
                     : "=&r"(ds), "=&r"(es), "=&r"(fs), "=&r"(gs)
                     : "r"((uint32_t)SEL_UDATA), "a"(4) : "memory");
    sys_call(3, (uint32_t)"ds after iret", ds & 0xFFFF, 0);
    sys_call(3, (uint32_t)"es after iret", es & 0xFFFF, 0);
    sys_call(3, (uint32_t)"fs after iret", fs & 0xFFFF, 0);
    sys_call(3, (uint32_t)"gs after iret", gs & 0xFFFF, 0);
    return 0;
}

/* ---- call gates ---- */

struct cg_seen {
    uint32_t entry_esp, eip, cs, p0, p1, esp, ss, kcs, kss;
};
volatile struct cg_seen cg;

/* Call gate target: records the inner stack, returns p0 - p1 in EAX. */
__asm__(".text\n"
        "cg_entry:\n\t"
        "movl %esp, %ss:cg\n\t"
        "pushl %eax\n\t"
        "movl 4(%esp), %eax\n\tmovl %eax, %ss:cg+4\n\t"
        "movl 8(%esp), %eax\n\tmovl %eax, %ss:cg+8\n\t"
        "movl 12(%esp), %eax\n\tmovl %eax, %ss:cg+12\n\t"
        "movl 16(%esp), %eax\n\tmovl %eax, %ss:cg+16\n\t"
        "movl 20(%esp), %eax\n\tmovl %eax, %ss:cg+20\n\t"
        "movl 24(%esp), %eax\n\tmovl %eax, %ss:cg+24\n\t"
        "movl %cs, %eax\n\tmovl %eax, %ss:cg+28\n\t"
        "movl %ss, %eax\n\tmovl %eax, %ss:cg+32\n\t"
        "popl %eax\n\t"
        "movl 8(%esp), %eax\n\t"
        "subl 12(%esp), %eax\n\t"
        "lret $8\n"
        /* DPL-0 gate with no parameters, called from ring 0 */
        "cg0_entry:\n\t"
        "movl %esp, %ss:cg\n\t"
        "movl %cs, %eax\n\t"
        "lret\n");
extern char cg_entry[], cg0_entry[];

static volatile uint32_t u_esp_before, u_esp_after, u_ret, u_cs_after;

static uint32_t user_callgate(void)
{
    __asm__ volatile("movl %%esp, %0\n\t"
                     "pushl $0x11111111\n\t"
                     "pushl $0x33333333\n\t"
                     "lcall $%c4, $0x12345678\n\t"   /* the offset is ignored */
                     "movl %%esp, %1\n\t"
                     "movl %%eax, %2\n\t"
                     "movl %%cs, %%eax\n\t"
                     "movl %%eax, %3"
                     : "=m"(u_esp_before), "=m"(u_esp_after), "=m"(u_ret), "=m"(u_cs_after)
                     : "i"(SEL_CGATE3) : "eax", "memory");
    return 0;
}

static uint32_t user_callgate0(void)
{
    __asm__ volatile(SYS_TRY "lcall $%c0, $0" SYS_END : : "i"(SEL_CGATE0 | 3) : "eax", "memory");
    return 0;
}

/* ---- SYSENTER / SYSEXIT ---- */

static uint8_t se_stack[1024] __attribute__((aligned(16)));
struct se_seen {
    uint32_t esp, cs, ss, eflags, ds;
};
volatile struct se_seen se;

/* SYSENTER target: records CS/SS/ESP/EFLAGS/DS, EAX = EAX * 2 + 1, SYSEXIT
 * to EDX with ESP = ECX (both set by the caller). */
__asm__(".text\n"
        "se_entry:\n\t"
        "movl %esp, %ss:se\n\t"
        "pushl %ebx\n\t"
        "movl %cs, %ebx\n\tmovl %ebx, %ss:se+4\n\t"
        "movl %ss, %ebx\n\tmovl %ebx, %ss:se+8\n\t"
        "pushfl\n\tpopl %ebx\n\tmovl %ebx, %ss:se+12\n\t"
        "movl %ds, %ebx\n\tmovl %ebx, %ss:se+16\n\t"
        "popl %ebx\n\t"
        "leal 1(%eax,%eax), %eax\n\t"
        "sysexit\n");
extern char se_entry[];

struct se_user {
    uint32_t in, out, cs, ss, ds, eflags, esp_ok;
};
static volatile struct se_user seu[2];

static uint32_t user_sysenter(void)
{
    for (int i = 0; i < 2; i++) {
        uint32_t out, cs, ss, ds, fl, esp0, esp1;
        __asm__ volatile("movl %%esp, %%ecx\n\t"
                         "movl %%ecx, %[esp0]\n\t"
                         "movl $1f, %%edx\n\t"
                         "sysenter\n"
                         "1:\tmovl %%esp, %[esp1]\n\t"
                         "movl %%cs, %[cs]\n\t"
                         "movl %%ss, %[ss]\n\t"
                         "movl %%ds, %[ds]\n\t"
                         "pushfl\n\t"
                         "popl %[fl]"
                         : "=a"(out), [cs] "=&r"(cs), [ss] "=&r"(ss), [ds] "=&r"(ds),
                           [fl] "=&r"(fl), [esp0] "=&m"(esp0), [esp1] "=&m"(esp1)
                         : "a"(seu[i].in) : "ecx", "edx", "memory");
        seu[i].out = out;
        seu[i].cs = cs & 0xFFFF;
        seu[i].ss = ss & 0xFFFF;
        seu[i].ds = ds & 0xFFFF;
        seu[i].eflags = fl;
        seu[i].esp_ok = esp0 == esp1;
    }
    return 0;
}

static uint32_t user_sysenter_gp(void)
{
    __asm__ volatile("movl %%esp, %%ecx\n\t"
                     "movl $7772f, %%edx\n\t"
                     SYS_TRY "sysenter" SYS_END : : : "ecx", "edx", "memory");
    return 0;
}

/* ---- LAR / LSL / VERR / VERW / ARPL ---- */

struct probe {
    uint16_t sel;
    uint8_t lar_ok, lsl_ok, verr, verw, kept;
    uint32_t lar, lsl;
};

static const uint16_t probe_sels[] = {
    0x0000, 0x0008, 0x0010, 0x001B, 0x0023, 0x0028, 0x0013, 0x0018,
    SEL_CGATE3, SEL_CGATE0, SEL_CONF0, SEL_CONF0 | 3,
    9 << 3 | 3, 10 << 3 | 3, 11 << 3, 12 << 3 | 3, 13 << 3, 14 << 3 | 3,
    15 << 3 | 3, 16 << 3 | 3, 17 << 3 | 3, 18 << 3 | 3, 19 << 3 | 3,
    20 << 3 | 3, 0x01FB, 0x0203, 0x000C | 3,
};
#define NPROBES (sizeof probe_sels / sizeof probe_sels[0])
static volatile struct probe probes[2][NPROBES];

static void probe_one(volatile struct probe *p, uint16_t sel)
{
    uint32_t lar = 0xDEADBEEF, lsl = 0xCAFEF00D;
    uint8_t z1, z2, z3, z4;

    __asm__ volatile("larl %k[s], %[lar]\n\tsetz %[z1]\n\t"
                     "lsll %k[s], %[lsl]\n\tsetz %[z2]\n\t"
                     "verr %w[s]\n\tsetz %[z3]\n\t"
                     "verw %w[s]\n\tsetz %[z4]"
                     : [lar] "+r"(lar), [lsl] "+r"(lsl), [z1] "=&q"(z1), [z2] "=&q"(z2),
                       [z3] "=&q"(z3), [z4] "=&q"(z4)
                     : [s] "r"((uint32_t)sel) : "cc");
    p->sel = sel;
    p->lar_ok = z1;
    p->lsl_ok = z2;
    p->verr = z3;
    p->verw = z4;
    p->lar = lar;
    p->lsl = lsl;
    p->kept = (z1 || lar == 0xDEADBEEF) && (z2 || lsl == 0xCAFEF00D);
}

struct arpl_case {
    uint16_t dst, src, res;
    uint8_t zf;
};
static volatile struct arpl_case arpls[2][5];

static void arpl_all(volatile struct arpl_case *a)
{
    static const uint16_t cases[5][2] = {
        { 0x0010, 0x001B }, { 0x0013, 0x0018 }, { 0x0023, 0x001B },
        { 0x0021, 0x0002 }, { 0xFFFC, 0x0001 },
    };
    for (int i = 0; i < 5; i++) {
        uint16_t d = cases[i][0];
        uint8_t z;
        if (i == 4)               /* memory destination */
            __asm__ volatile("arpl %w2, %0\n\tsetz %1" : "+m"(d), "=q"(z)
                             : "r"((uint32_t)cases[i][1]) : "cc");
        else
            __asm__ volatile("arpl %w2, %w0\n\tsetz %1" : "+r"(d), "=q"(z)
                             : "r"((uint32_t)cases[i][1]) : "cc");
        a[i].dst = cases[i][0];
        a[i].src = cases[i][1];
        a[i].res = d;
        a[i].zf = z;
    }
}

static uint32_t user_probes(void)
{
    for (unsigned i = 0; i < NPROBES; i++)
        probe_one(&probes[1][i], probe_sels[i]);
    arpl_all(arpls[1]);
    return 0;
}

static const char *probe_name(uint16_t sel)
{
    switch (sel >> 3) {
    case 0: return "null";
    case 1: return (sel & 4) ? "ldt entry 1, no ldt" : "code dpl0";
    case 2: return "data dpl0";
    case 3: return "code dpl3";
    case 4: return "data dpl3";
    case 5: return "tss busy";
    case 6: return "call gate dpl3";
    case 7: return "call gate dpl0";
    case 8: return "conforming code dpl0";
    case 9: return "exec-only code dpl3";
    case 10: return "ro data dpl3 lim 0xfff";
    case 11: return "data dpl0 4k lim 0xf";
    case 12: return "ldt";
    case 13: return "not-present data dpl0";
    case 14: return "int gate in gdt";
    case 15: return "tss avail dpl3";
    case 16: return "16-bit tss dpl3";
    case 17: return "task gate dpl3";
    case 18: return "reserved type 0";
    case 19: return "not-present data dpl3";
    case 20: return "conforming exec-only dpl3";
    case 63: return "last gdt entry (empty)";
    case 64: return "beyond gdt limit";
    default: return "?";
    }
}

static void print_probes(int ring)
{
    printf("LAR/LSL/VERR/VERW at ring %d (lar & 0x00f0fe00):\n", ring * 3);
    for (unsigned i = 0; i < NPROBES; i++) {
        volatile struct probe *p = &probes[ring][i];
        char lar[16] = "-", lsl[16] = "-";
        /* the accessed bit (0x100) is left out: QEMU does not set it when
         * CS is loaded, the SDM does (mmu_strict checks it) */
        if (p->lar_ok)
            snprintf(lar, sizeof lar, "%08x", p->lar & 0x00F0FE00);
        if (p->lsl_ok)
            snprintf(lsl, sizeof lsl, "%08x", p->lsl);
        printf("  %04x %-26s lar %-8s lsl %-8s verr %u verw %u%s\n", p->sel,
               probe_name(p->sel), lar, lsl, p->verr, p->verw,
               p->kept ? "" : " (dest changed on failure!)");
    }
    printf("ARPL at ring %d:", ring * 3);
    for (int i = 0; i < 5; i++)
        printf(" %04x,%04x->%04x/%u", arpls[ring][i].dst, arpls[ring][i].src,
               arpls[ring][i].res, arpls[ring][i].zf);
    printf("\n");
}

static struct tss32 spare_tss;

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic;
    (void)mbi;
    sys_init();
    sys_hook(0x80, syscall_hook);

    /* Descriptors for the call gates and the probes. */
    sys_gate(6, SEL_KCODE, (uint32_t)cg_entry, ACC_CALLGATE | ACC_DPL(3), 2);
    sys_gate(7, SEL_KCODE, (uint32_t)cg0_entry, ACC_CALLGATE, 0);
    sys_seg(8, 0, 0xFFFFF, 0x9E, GRAN_4K_32);            /* conforming, readable */
    sys_seg(9, 0, 0xFFFFF, 0xF8, GRAN_4K_32);            /* execute-only */
    sys_seg(10, 0x1000, 0xFFF, 0xF0, GRAN_1B_32);        /* read-only data */
    sys_seg(11, 0, 0xF, ACC_DATA0, GRAN_4K_32);
    sys_seg(12, 0x2000, 0x37, ACC_LDT, 0);
    sys_seg(13, 0, 0xFFFFF, 0x12, GRAN_4K_32);           /* P = 0 */
    sys_gate(14, SEL_KCODE, (uint32_t)cg_entry, ACC_INTGATE | ACC_DPL(3), 0);
    sys_seg(15, (uint32_t)&spare_tss, 0x67, ACC_TSS | ACC_DPL(3), 0);
    sys_seg(16, (uint32_t)&spare_tss, 0x2B, 0xE1, 0);   /* 16-bit TSS */
    sys_gate(17, SEL_TSS, 0, ACC_TASKGATE | ACC_DPL(3), 0);
    sys_seg(18, 0, 0xFFFF, 0xE0, 0);                     /* type 0 */
    sys_seg(19, 0, 0xFFFFF, 0x72, GRAN_4K_32);           /* P = 0, DPL 3 */
    sys_seg(20, 0, 0xFFFFF, 0xFC, GRAN_4K_32);           /* conforming exec-only */

    printf("== int $0x80 through a DPL-3 trap gate (user IF=1) ==\n");
    sys_idt_stub(0x80, ACC_TRAPGATE | ACC_DPL(3));
    gate_if = 1;
    uint32_t r = sys_user_run(user_syscalls, EFL_FIXED | EFL_IF);
    printf("back in ring 0: result %x, %u system calls\n", r, nsys);

    printf("== int $0x80 through a DPL-3 interrupt gate ==\n");
    sys_idt_stub(0x80, ACC_INTGATE | ACC_DPL(3));
    gate_if = 0;
    nsys = 0;
    r = sys_user_run(user_syscalls, EFL_FIXED | EFL_IF);
    printf("back in ring 0: result %x, %u system calls\n", r, nsys);

    printf("== IRET to ring 3 with DS/ES = 0x10, FS = conforming code ==\n");
    sys_user_run(user_nulls, EFL_FIXED);

    printf("== call gates ==\n");
    sys_user_run(user_callgate, EFL_FIXED);
    printf("ring 3 -> DPL-3 call gate, 2 params: entry esp=esp0-%u eip=%s cs=%02x"
           " params %08x %08x caller esp=ustack-%u ss=%02x kernel cs=%02x ss=%02x\n",
           SYS_KSTACK_TOP - cg.entry_esp,
           cg.eip > (uint32_t)user_callgate && cg.eip < (uint32_t)user_callgate + 64 ? "ok" : "WRONG",
           cg.cs, cg.p0, cg.p1, SYS_USTACK_TOP - cg.esp, cg.ss, cg.kcs & 0xFFFF, cg.kss & 0xFFFF);
    printf("  back: eax=%08x esp balanced %s cs=%02x\n", u_ret,
           u_esp_after == u_esp_before ? "yes" : "NO", u_cs_after & 0xFFFF);
    uint32_t cs0, esp_before, esp_in;
    __asm__ volatile("movl %%esp, %1\n\t"
                     "lcall $%c2, $0"
                     : "=a"(cs0), "=&r"(esp_before) : "i"(SEL_CGATE0) : "memory");
    esp_in = cg.entry_esp;
    printf("ring 0 -> DPL-0 call gate: cs=%02x, frame at esp-%u\n", cs0 & 0xFFFF,
           esp_before - esp_in);
    sys_user_run(user_callgate0, EFL_FIXED);
    sys_report("ring 3 -> DPL-0 call gate");

    printf("== SYSENTER / SYSEXIT ==\n");
    sys_wrmsr(0x174, SEL_KCODE, 0);
    sys_wrmsr(0x175, (uint32_t)(se_stack + sizeof se_stack), 0);
    sys_wrmsr(0x176, (uint32_t)se_entry, 0);
    printf("msrs: cs=%02x esp=%s eip=%s\n", sys_rdmsr(0x174),
           sys_rdmsr(0x175) == (uint32_t)(se_stack + sizeof se_stack) ? "se_stack" : "WRONG",
           sys_rdmsr(0x176) == (uint32_t)se_entry ? "se_entry" : "WRONG");
    seu[0].in = 20;
    seu[1].in = 0x7FFF0000;
    sys_user_run(user_sysenter, EFL_FIXED | EFL_IF);
    for (int i = 0; i < 2; i++)
        printf("round trip %d: %x -> %x; kernel saw cs=%02x ss=%02x esp=%s IF=%u ds=%02x;"
               " back at cs=%02x ss=%02x ds=%02x IF=%u esp kept %s\n",
               i, seu[i].in, seu[i].out, se.cs & 0xFFFF, se.ss & 0xFFFF,
               se.esp == (uint32_t)(se_stack + sizeof se_stack) ? "msr" : "WRONG",
               (se.eflags >> 9) & 1, se.ds & 0xFFFF, seu[i].cs, seu[i].ss, seu[i].ds,
               (seu[i].eflags >> 9) & 1, seu[i].esp_ok ? "yes" : "NO");
    sys_wrmsr(0x174, 0, 0);
    sys_user_run(user_sysenter_gp, EFL_FIXED);
    sys_report("sysenter with SYSENTER_CS = 0");

    printf("== LAR / LSL / VERR / VERW / ARPL ==\n");
    for (unsigned i = 0; i < NPROBES; i++)
        probe_one(&probes[0][i], probe_sels[i]);
    arpl_all(arpls[0]);
    print_probes(0);
    sys_user_run(user_probes, EFL_FIXED);
    print_probes(1);

    printf("%u exceptions recorded\n", sys_trap.count);
    return 0;
}
