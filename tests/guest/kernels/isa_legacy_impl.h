/*
 * isa_legacy_impl.h - the body of isa_legacy.c and isa_legacy_qemu.c (one
 * of the two per kernel; a header so that both rebuild when it changes):
 * every opcode whose meaning differs between 32-bit and 64-bit mode, or that
 * 64-bit mode does not have, run from tables against the host CPU
 * (isa_run.h): 82 (the group-1 alias of 80, register, memory
 * and LOCK forms); PUSH/POP ES/CS/SS/DS; DAA/DAS/AAA/AAS/AAM/AAD (other
 * bases, AAM 0 -> #DE); INC/DEC 40-4F (also followed by instructions a REX
 * prefix would change); PUSHA/POPA; BOUND; ARPL (MOVSXD in 64-bit mode);
 * far CALL/JMP ptr16:32 and m16:32, RETF; LES/LDS (VEX in 64-bit mode);
 * SALC; INTO; ICEBP (INT1: a #DB trap); JCXZ/LOOP with an address-size
 * prefix; PUSH imm and PUSH/POP with an operand-size prefix; near CALL/RET,
 * ENTER/LEAVE (64-bit operand size there); MOV to and from segment
 * registers; MOV moffs and 16-bit addressing (64-bit and 32-bit
 * addressing there); PUSHF/POPF (64-bit there); LAHF/SAHF; XCHG EAX,EAX
 * (zero-extends there).  Near branches with an operand-size prefix are left
 * out: the 16-bit EIP would leave the test's code in either build.
 * Register forms of LES/LDS/BOUND are VEX/EVEX on the host, #UD on an
 * i686: isa_except_i686.c.
 *
 * isa_legacy_ring3 runs the same tables at CPL 3 in the guest
 * (ring3_main.c); the expected output is the same.  QEMU 7.2 deviates from
 * the hardware: it raises #UD for ICEBP, so isa_legacy_qemu.c (and its
 * ring-3 twin) leave ICEBP out and are the variants compared with QEMU.
 */
#include "isa_run.h"

#define FL_ALL ISA_ARITH
#define FL_LOGIC (ISA_ARITH & ~ISA_AF)
#define FL_SZP (ISA_SF | ISA_ZF | ISA_PF)
#define PTR(r) (1u << RUN_##r)

static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const reg8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const reg32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

static uint32_t alu_mask(int op)
{
    return (op == 1 || op == 4 || op == 6) ? FL_LOGIC : FL_ALL;
}

/* ---- the fixed tables ---- */

/* Set-ups (bits of entry.setup); the default is run_new()'s. */
#define S_EBX0 0x001u      /* EBX = d+0x00 */
#define S_EBX20 0x002u     /* EBX = d+0x20 */
#define S_EBP90 0x004u     /* EBP = d+0x90 */
#define S_EBPC0 0x008u     /* EBP = d+0xc0 */
#define S_ESPDATA 0x010u   /* ESP = 0x2468ace0, not an address: the case must not push */
#define S_EAX 0x020u       /* EAX = entry.eax */
#define S_ECX 0x040u       /* ECX = entry.ecx */
#define S_EAXDS 0x080u     /* EAX = DS */
#define S_EAXSS 0x100u     /* EAX = SS */
#define S_ES0 0x200u       /* ES = 0 (null) */
#define S_ESB 0x400u       /* ES = the based segment; BX = 0x10, SI = 4, BP = 0x20 */
#define S_FARDS 0x800u     /* RUN_FIX_FAR with DS as the selector */
#define S_FARNULL 0x1000u  /* RUN_FIX_FAR with the null selector */

struct entry {
    const char *name;
    uint8_t code[12];
    unsigned len;
    unsigned setup;
    uint32_t fin, fmask;
    uint32_t eax, ecx;
    unsigned flags;        /* RUN_* */
    uint8_t fix_at, fix_to;
};

static void run_entry(const struct entry *e)
{
    struct run_case c = run_new(e->name, e->code, e->len);
    unsigned s = e->setup;

    c.fin = e->fin;
    c.fmask = e->fmask;
    c.flags = RUN_SEL | e->flags;
    c.fix_at = e->fix_at;
    c.fix_to = e->fix_to;
    if (s & (S_EBX0 | S_EBX20)) {
        c.reg[RUN_EBX] = (s & S_EBX0) ? 0 : 0x20;
        c.ptr |= PTR(EBX);
    }
    if (s & (S_EBP90 | S_EBPC0)) {
        c.reg[RUN_EBP] = (s & S_EBP90) ? 0x90 : 0xC0;
        c.ptr |= PTR(EBP);
    }
    if (s & S_ESPDATA) {
        c.reg[RUN_ESP] = 0x2468ACE0;
        c.ptr &= (uint8_t)~PTR(ESP);
    }
    if (s & S_EAX)
        c.reg[RUN_EAX] = e->eax;
    if (s & S_ECX)
        c.reg[RUN_ECX] = e->ecx;
    if (s & S_EAXDS)
        c.reg[RUN_EAX] = run_sel_ds();
    if (s & S_EAXSS)
        __asm__ volatile("movl %%ss, %0" : "=r"(c.reg[RUN_EAX]));
    if (s & S_ES0)
        c.es = 0;
    if (s & S_ESB) {       /* 16-bit offsets into the based segment */
        c.es = run_sel_b();
        c.reg[RUN_EBX] = 0xFFFF0010;
        c.reg[RUN_ESI] = 0xEEEE0004;
        c.reg[RUN_EBP] = 0xDDDD0020;
    }
    if (s & S_FARDS)
        c.far_sel = run_sel_ds();
    if (s & S_FARNULL)
        c.far_sel = 0;
    run_case(&c);
}

/* An entry's name and bytes. */
#define E(nm, ...) .name = (nm), .code = { __VA_ARGS__ }, \
                   .len = sizeof((const uint8_t[]){ __VA_ARGS__ })

#define RUN_TABLE(t) \
    for (unsigned k_ = 0; k_ < sizeof(t) / sizeof((t)[0]); k_++) \
        run_entry(&(t)[k_])

/* PUSH/POP ES/CS/SS/DS */
static const struct entry seg_push_pop[] = {
    { E("06 push es", 0x06), .flags = RUN_SEL16 },
    { E("66 06 push es (o16)", 0x66, 0x06), .flags = RUN_SEL16 },
    { E("0e push cs", 0x0E), .flags = RUN_SEL16 },
    { E("66 0e push cs (o16)", 0x66, 0x0E), .flags = RUN_SEL16 },
    { E("16 push ss", 0x16), .flags = RUN_SEL16 },
    { E("1e push ds", 0x1E), .flags = RUN_SEL16 },
    { E("66 1e push ds (o16)", 0x66, 0x1E), .flags = RUN_SEL16 },
    { E("1e 07 push ds; pop es (es=0)", 0x1E, 0x07), S_ES0, .flags = RUN_SEL16 },
    { E("66 1e 66 07 push ds; pop es (o16, es=0)", 0x66, 0x1E, 0x66, 0x07), S_ES0,
      .flags = RUN_SEL16 },
    { E("16 17 push ss; pop ss", 0x16, 0x17), .flags = RUN_SEL16 },
    { E("1e 1f push ds; pop ds", 0x1E, 0x1F), .flags = RUN_SEL16 },
    { E("0e 66 58 push cs; pop ax", 0x0E, 0x66, 0x58), .flags = RUN_SEL16 },
    { E("6a 00 07 push 0; pop es", 0x6A, 0x00, 0x07) },
    { E("6a 00 1f push 0; pop ds", 0x6A, 0x00, 0x1F) },
    { E("68 f8 ff 00 00 07 push 0xfff8; pop es", 0x68, 0xF8, 0xFF, 0x00, 0x00, 0x07) },
    { E("68 fc ff 00 00 1f push 0xfffc; pop ds", 0x68, 0xFC, 0xFF, 0x00, 0x00, 0x1F) },
    { E("6a 00 17 push 0; pop ss", 0x6A, 0x00, 0x17) },
    { E("0e 07 push cs; pop es", 0x0E, 0x07), .flags = RUN_SEL16 },
    { E("16 17 40 pop ss; inc eax", 0x16, 0x17, 0x40), .flags = RUN_SEL16 },
};

/* PUSHA/POPA, ARPL with ESP */
static const struct entry pusha_arpl[] = {
    { E("60 pusha", 0x60) },
    { E("66 60 pushaw", 0x66, 0x60) },
    { E("61 popa", 0x61) },
    { E("66 61 popaw", 0x66, 0x61) },
    { E("60 61 pusha; popa", 0x60, 0x61) },
    { E("66 60 66 61 pushaw; popaw", 0x66, 0x60, 0x66, 0x61) },
    { E("63 0b arpl [ebx],cx cx=3", 0x63, 0x0B), S_EBX20 | S_ECX, .fmask = ISA_ZF, .ecx = 3 },
    { E("63 4c 24 a0 arpl [esp-0x60],cx cx=2", 0x63, 0x4C, 0x24, 0xA0), S_ECX,
      .fmask = ISA_ZF, .ecx = 2 },
    { E("63 c4 arpl sp,ax ax=3", 0x63, 0xC4), S_EAX, .fmask = ISA_ZF, .eax = 3 },
    { E("63 e0 arpl ax,sp ax=0x0013", 0x63, 0xE0), S_EAX, .fmask = ISA_ZF, .eax = 0x13 },
};

/* far and near transfers, ENTER/LEAVE */
#define FAR(to) .flags = RUN_FIX_FAR | RUN_SEL16, .fix_at = 1, .fix_to = (to)
#define FARMEM(to) .flags = RUN_FIX_FARMEM | RUN_SEL16, .fix_to = (to)
static const struct entry transfers[] = {
    { E("9a call far ptr16:32 (next)", 0x9A, 0, 0, 0, 0, 0, 0), FAR(7) },
    { E("ea jmp far ptr16:32 (next)", 0xEA, 0, 0, 0, 0, 0, 0), FAR(7) },
    { E("ea jmp far ptr16:32 (+9), skipping inc eax", 0xEA, 0, 0, 0, 0, 0, 0, 0x40, 0x40),
      FAR(9) },
    { E("9a call far; retf", 0x9A, 0, 0, 0, 0, 0, 0, 0xEB, 0x01, 0xCB), FAR(9) },
    { E("9a call far; retf 4", 0x9A, 0, 0, 0, 0, 0, 0, 0xEB, 0x03, 0xCA, 0x04, 0x00),
      FAR(9) },
    { E("9a call far (DS selector)", 0x9A, 0, 0, 0, 0, 0, 0), S_FARDS, FAR(7) },
    { E("ea jmp far (null selector)", 0xEA, 0, 0, 0, 0, 0, 0), S_FARNULL, FAR(7) },
    { E("ff 5b 70 call far [ebx+0x70]", 0xFF, 0x5B, 0x70), S_EBX0, FARMEM(3) },
    { E("ff 6b 70 jmp far [ebx+0x70]", 0xFF, 0x6B, 0x70), S_EBX0, FARMEM(3) },
    { E("ff 5c 24 f0 call far [esp-0x10]", 0xFF, 0x5C, 0x24, 0xF0), FARMEM(4) },
    { E("e8 00 00 00 00 call next", 0xE8, 0, 0, 0, 0) },
    { E("e8; ret 4", 0xE8, 2, 0, 0, 0, 0xEB, 0x03, 0xC2, 0x04, 0x00) },
    { E("e8; ret", 0xE8, 2, 0, 0, 0, 0xEB, 0x01, 0xC3) },
    { E("c8 08 00 00 enter 8,0", 0xC8, 0x08, 0x00, 0x00) },
    { E("c8 04 00 01 enter 4,1", 0xC8, 0x04, 0x00, 0x01) },
    { E("c8 00 00 03 enter 0,3 (ebp=d+0xc0)", 0xC8, 0x00, 0x00, 0x03), S_EBPC0 },
    { E("66 c8 04 00 00 enter 4,0 (o16)", 0x66, 0xC8, 0x04, 0x00, 0x00) },
    { E("c9 leave (ebp=d+0x90)", 0xC9), S_EBP90 },
    { E("66 c7 45 00 a0 40 66 c9 mov word [ebp],0x40a0; leave (o16, ebp=d+0x90)",
        0x66, 0xC7, 0x45, 0x00, 0xA0, 0x40, 0x66, 0xC9), S_EBP90 },
};

/* LES/LDS, MOV Sreg, MOV moffs, 16-bit addressing */
#define ABS(at, to) .flags = RUN_FIX_ABS, .fix_at = (at), .fix_to = (to)
static const struct entry segs[] = {
    { E("c4 43 50 les eax,[ebx+0x50] (es=0)", 0xC4, 0x43, 0x50), S_EBX0 | S_ES0 },
    { E("c5 43 58 lds eax,[ebx+0x58] (null)", 0xC5, 0x43, 0x58), S_EBX0 },
    { E("c4 43 60 les eax,[ebx+0x60] (0xfff8)", 0xC4, 0x43, 0x60), S_EBX0 },
    { E("66 c4 43 68 les ax,[ebx+0x68] (es=0)", 0x66, 0xC4, 0x43, 0x68), S_EBX0 | S_ES0 },
    { E("c5 4c 24 d0 lds ecx,[esp-0x30]", 0xC5, 0x4C, 0x24, 0xD0) },
    { E("c4 63 50 les esp,[ebx+0x50] (es=0)", 0xC4, 0x63, 0x50), S_EBX0 | S_ES0 },
    { E("8c d8 mov eax,ds", 0x8C, 0xD8) },
    { E("66 8c d8 mov ax,ds", 0x66, 0x8C, 0xD8) },
    { E("8c c8 mov eax,cs", 0x8C, 0xC8) },
    { E("8c d0 mov eax,ss", 0x8C, 0xD0) },
    { E("8c dc mov esp,ds", 0x8C, 0xDC), S_ESPDATA },
    { E("8c 1b mov [ebx],ds", 0x8C, 0x1B), S_EBX0, .flags = RUN_SEL16 },
    { E("66 8c 1b mov [ebx],ds (o16)", 0x66, 0x8C, 0x1B), S_EBX0, .flags = RUN_SEL16 },
    { E("8c 5c 24 fc mov [esp-4],ds", 0x8C, 0x5C, 0x24, 0xFC), .flags = RUN_SEL16 },
    { E("8e c0 mov es,eax (eax=DS, es=0)", 0x8E, 0xC0), S_EAXDS | S_ES0 },
    { E("66 8e c0 mov es,ax (ax=DS, es=0)", 0x66, 0x8E, 0xC0), S_EAXDS | S_ES0 },
    { E("8e c0 mov es,eax (eax=0)", 0x8E, 0xC0), S_EAX },
    { E("8e d8 mov ds,eax (eax=0)", 0x8E, 0xD8), S_EAX },
    { E("8e c0 mov es,eax (eax=0xfff8)", 0x8E, 0xC0), S_EAX, .eax = 0xFFF8 },
    { E("8e 43 54 mov es,[ebx+0x54] (es=0)", 0x8E, 0x43, 0x54), S_EBX0 | S_ES0 },
    { E("8e d0 41 mov ss,eax (eax=SS); inc ecx", 0x8E, 0xD0, 0x41), S_EAXSS },
    { E("8e d0 mov ss,eax (eax=0)", 0x8E, 0xD0), S_EAX },
    { E("8e c8 mov cs,eax", 0x8E, 0xC8), S_EAXDS },
    { E("8c f8 mov eax,sreg7", 0x8C, 0xF8) },
    { E("a1 mov eax,[moffs d+0x10]", 0xA1, 0, 0, 0, 0), ABS(1, 0x10) },
    { E("a0 mov al,[moffs d+0x11]", 0xA0, 0, 0, 0, 0), ABS(1, 0x11) },
    { E("66 a1 mov ax,[moffs d+0x13]", 0x66, 0xA1, 0, 0, 0, 0), ABS(2, 0x13) },
    { E("a3 mov [moffs d+0x20],eax", 0xA3, 0, 0, 0, 0), S_EAX, .eax = 0x11223344, ABS(1, 0x20) },
    { E("a2 mov [moffs d+0x21],al", 0xA2, 0, 0, 0, 0), S_EAX, .eax = 0x11223344, ABS(1, 0x21) },
    { E("26 67 a1 10 00 mov eax,es:[0x0010]", 0x26, 0x67, 0xA1, 0x10, 0x00), S_ESB },
    { E("26 67 a3 22 00 mov es:[0x0022],eax", 0x26, 0x67, 0xA3, 0x22, 0x00),
      S_ESB | S_EAX, .eax = 0x11223344 },
    { E("26 67 8b 07 mov eax,es:[bx]", 0x26, 0x67, 0x8B, 0x07), S_ESB },
    { E("26 67 8a 67 04 mov ah,es:[bx+4]", 0x26, 0x67, 0x8A, 0x67, 0x04), S_ESB },
    { E("26 67 88 78 08 mov es:[bx+si+8],bh", 0x26, 0x67, 0x88, 0x78, 0x08), S_ESB },
    { E("26 67 86 62 fe xchg es:[bp+si-2],ah", 0x26, 0x67, 0x86, 0x62, 0xFE), S_ESB },
    { E("26 67 0f b6 27 movzx esp,byte es:[bx]", 0x26, 0x67, 0x0F, 0xB6, 0x27),
      S_ESB | S_ESPDATA },
    { E("67 8d 07 lea eax,[bx]", 0x67, 0x8D, 0x07) },
    { E("67 8d 40 ff lea eax,[bx+si-1]", 0x67, 0x8D, 0x40, 0xFF) },
    { E("67 8d 26 34 12 lea esp,[0x1234]", 0x67, 0x8D, 0x26, 0x34, 0x12), S_ESPDATA },
};

/* SALC, INTO, ICEBP, JCXZ/LOOP, PUSH/POP sizes, LAHF/SAHF, XCHG, XLAT */
#define ECX(v) S_ECX, .ecx = (v)
static const struct entry misc[] = {
    { E("d6 salc cf=0", 0xD6), .fmask = ISA_ARITH },
    { E("d6 salc cf=1", 0xD6), .fin = ISA_CF, .fmask = ISA_ARITH },
    { E("ce into of=0", 0xCE), .fin = ISA_ARITH & ~ISA_OF, .fmask = ISA_ARITH },
    { E("ce into of=1", 0xCE), .fin = ISA_OF, .fmask = ISA_ARITH },
    { E("40 ce inc eax; into (of=1)", 0x40, 0xCE), S_EAX, .eax = 0x7FFFFFFF,
      .fmask = ISA_ARITH },
#ifndef ISA_LEGACY_QEMU           /* QEMU 7.2 raises #UD for ICEBP */
    { E("f1 icebp", 0xF1), .fmask = ISA_ARITH },
    { E("f1 icebp (all flags)", 0xF1), .fin = ISA_ARITH, .fmask = ISA_ARITH },
    { E("40 f1 inc eax; icebp", 0x40, 0xF1), .fmask = ISA_ARITH },
    { E("8b 03 f1 mov eax,[ebx]; icebp", 0x8B, 0x03, 0xF1), S_EBX20 },
    { E("f1 40 icebp; inc eax", 0xF1, 0x40) },
#endif
    { E("67 e3 01 40 jcxz (ecx=0x10000)", 0x67, 0xE3, 0x01, 0x40), ECX(0x10000) },
    { E("67 e3 01 40 jcxz (ecx=1)", 0x67, 0xE3, 0x01, 0x40), ECX(1) },
    { E("e3 01 40 jecxz (ecx=0x10000)", 0xE3, 0x01, 0x40), ECX(0x10000) },
    { E("e3 01 40 jecxz (ecx=0)", 0xE3, 0x01, 0x40), ECX(0) },
    { E("67 e2 fe loop (ecx=0x50003)", 0x67, 0xE2, 0xFE), ECX(0x50003) },
    { E("e2 fe loop (ecx=0x50003)", 0xE2, 0xFE), ECX(0x50003) },
    { E("67 e2 fe loop (ecx=0x70000)", 0x67, 0xE2, 0xFE), ECX(0x70000) },
    { E("67 e1 fe loope zf=1 (ecx=0x50003)", 0x67, 0xE1, 0xFE), ECX(0x50003),
      .fin = ISA_ZF, .fmask = ISA_ARITH },
    { E("67 e0 fe loopne zf=0 (ecx=0x50003)", 0x67, 0xE0, 0xFE), ECX(0x50003),
      .fmask = ISA_ARITH },
    { E("67 e1 02 40 40 loope zf=0 (ecx=0x50003)", 0x67, 0xE1, 0x02, 0x40, 0x40),
      ECX(0x50003), .fmask = ISA_ARITH },
    { E("6a 80 push -128", 0x6A, 0x80) },
    { E("68 push 0x12345678", 0x68, 0x78, 0x56, 0x34, 0x12) },
    { E("66 6a 80 push word -128", 0x66, 0x6A, 0x80) },
    { E("66 68 push word 0x1234", 0x66, 0x68, 0x34, 0x12) },
    { E("66 50 push ax", 0x66, 0x50) },
    { E("66 58 pop ax", 0x66, 0x58) },
    { E("66 54 push sp", 0x66, 0x54) },
    { E("54 push esp", 0x54) },
    { E("5c pop esp", 0x5C) },
    { E("66 ff 33 push word [ebx]", 0x66, 0xFF, 0x33), S_EBX20 },
    { E("66 8f 03 pop word [ebx]", 0x66, 0x8F, 0x03), S_EBX20 },
    { E("ff 33 push dword [ebx]", 0xFF, 0x33), S_EBX20 },
    { E("8f 03 pop dword [ebx]", 0x8F, 0x03), S_EBX20 },
    { E("8f 04 24 pop dword [esp]", 0x8F, 0x04, 0x24) },
    { E("66 8f 44 24 fe pop word [esp-2]", 0x66, 0x8F, 0x44, 0x24, 0xFE) },
    { E("ff 34 24 push dword [esp]", 0xFF, 0x34, 0x24) },
    { E("9c 81 24 24 d5 08 00 00 pushf; and dword [esp],0x8d5 (all flags)", 0x9C, 0x81, 0x24,
        0x24, 0xD5, 0x08, 0x00, 0x00), .fin = ISA_ARITH },
    { E("66 9c 66 81 24 24 d5 08 pushfw; and word [esp],0x8d5 (all flags)", 0x66, 0x9C, 0x66,
        0x81, 0x24, 0x24, 0xD5, 0x08), .fin = ISA_ARITH },
    { E("68 d5 08 00 00 9d push 0x8d5; popf", 0x68, 0xD5, 0x08, 0x00, 0x00, 0x9D),
      .fmask = ISA_ARITH },
    { E("66 68 d5 08 66 9d push word 0x8d5; popfw", 0x66, 0x68, 0xD5, 0x08, 0x66, 0x9D),
      .fmask = ISA_ARITH },
    { E("9f lahf (all flags)", 0x9F), .fin = ISA_ARITH, .fmask = ISA_ARITH },
    { E("9f lahf (no flags)", 0x9F), .fmask = ISA_ARITH },
    { E("9e sahf (ah=0x56)", 0x9E), .fmask = ISA_ARITH },
    { E("90 nop", 0x90) },
    { E("87 c0 xchg eax,eax", 0x87, 0xC0) },
    { E("66 87 c0 xchg ax,ax", 0x66, 0x87, 0xC0) },
    { E("87 e0 xchg eax,esp", 0x87, 0xE0) },
    { E("94 xchg esp,eax", 0x94) },
    { E("66 87 e3 xchg bx,sp", 0x66, 0x87, 0xE3), S_ESPDATA },
    { E("d7 xlat (ebx=d+0x20, al=0x78)", 0xD7), S_EBX20 },
};

/* ---- generated tables ---- */

/* 82: ADD/OR/ADC/SBB/AND/SUB/XOR/CMP r/m8, imm8 */
static void op82_reg(void)
{
    static const uint8_t imms[] = { 0x01, 0x7F, 0x80, 0xFF };
    static const int regs[] = { 0, 4, 3, 7, 1, 5 };
    char name[96];

    for (int op = 0; op < 8; op++)
        for (unsigned r = 0; r < sizeof regs / sizeof regs[0]; r++)
            for (unsigned k = 0; k < sizeof imms; k++)
                for (int cf = 0; cf < ((op == 2 || op == 3) ? 2 : 1); cf++) {
                    snprintf(name, sizeof name, "82 /%d %s %s,0x%02x%s", op, alu[op],
                             reg8[regs[r]], imms[k], cf ? " cf=1" : "");
                    struct run_case c = RUN_NEW(name, 0x82, (uint8_t)(0xC0 | op << 3 | regs[r]),
                                                imms[k]);
                    c.fin = cf ? ISA_CF : 0;
                    c.fmask = alu_mask(op);
                    run_case(&c);
                }
}

/* 82 on memory: [ebx+disp8], [esp+disp8], LOCK, 16-bit addressing */
static void op82_mem(void)
{
    static const struct {
        const char *fmt;
        uint8_t pre[3], npre, modrm, sib, nsib, disp, ndisp;
        int es_b;
    } forms[] = {
        { "82 /%d %s byte [ebx+0x10],0x%02x", { 0 }, 0, 0x43, 0, 0, 0x10, 1, 0 },
        { "82 /%d %s byte [esp+4],0x%02x", { 0 }, 0, 0x44, 0x24, 1, 0x04, 1, 0 },
        { "f0 82 /%d lock %s byte [ebx+0x10],0x%02x", { 0xF0 }, 1, 0x43, 0, 0, 0x10, 1, 0 },
        { "26 67 82 /%d %s byte es:[bx],0x%02x", { 0x26, 0x67 }, 2, 0x07, 0, 0, 0, 0, 1 },
    };
    static const uint8_t imms[] = { 0x01, 0x80 };
    char name[96];

    for (int op = 0; op < 8; op++)
        for (unsigned k = 0; k < sizeof imms; k++)
            for (unsigned f = 0; f < sizeof forms / sizeof forms[0]; f++) {
                uint8_t code[8];
                unsigned n = 0;
                memcpy(code, forms[f].pre, forms[f].npre);
                n = forms[f].npre;
                code[n++] = 0x82;
                code[n++] = (uint8_t)(forms[f].modrm | op << 3);
                if (forms[f].nsib)
                    code[n++] = forms[f].sib;
                if (forms[f].ndisp)
                    code[n++] = forms[f].disp;
                code[n++] = imms[k];
                snprintf(name, sizeof name, forms[f].fmt, op, alu[op], imms[k]);
                struct run_case c = run_new(name, code, n);
                if (forms[f].es_b) {
                    c.es = run_sel_b();
                    c.reg[RUN_EBX] = 0xFFFF0020;
                } else {
                    c.reg[RUN_EBX] = 0;
                    c.ptr |= PTR(EBX);
                }
                c.fmask = alu_mask(op);
                run_case(&c);
            }
    struct run_case c = RUN_NEW("f0 82 /0 lock add al,1", 0xF0, 0x82, 0xC0, 0x01);
    run_case(&c);
    c = RUN_NEW("82 /0 add al,1; 82 /5 sub ah,2; 82 /6 xor bh,3", 0x82, 0xC0, 0x01, 0x82, 0xEC,
                0x02, 0x82, 0xF7, 0x03);
    c.fmask = FL_LOGIC;
    run_case(&c);
}

/* DAA DAS AAA AAS AAM AAD */
static void bcd(void)
{
    static const uint8_t als[] = { 0x00, 0x09, 0x0A, 0x0F, 0x19, 0x99, 0x9A, 0xFF };
    static const struct {
        const char *name;
        uint8_t op;
        uint32_t mask;
    } ops[] = {
        { "27 daa", 0x27, ISA_ARITH & ~ISA_OF }, { "2f das", 0x2F, ISA_ARITH & ~ISA_OF },
        { "37 aaa", 0x37, ISA_CF | ISA_AF }, { "3f aas", 0x3F, ISA_CF | ISA_AF },
    };
    static const uint8_t bases[] = { 10, 16, 1, 0xFF, 7, 0 };
    static const uint32_t axs[] = { 0x0000, 0x003F, 0x00FF, 0x0909, 0xFFFF, 0x1234 };
    char name[64];

    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (unsigned k = 0; k < sizeof als; k++)
            for (int f = 0; f < 2; f++) {
                snprintf(name, sizeof name, "%s ax=0x12%02x%s", ops[o].name, als[k],
                         f ? " cf=af=1" : "");
                struct run_case c = run_new(name, &ops[o].op, 1);
                c.reg[RUN_EAX] = 0xABCD1200u | als[k];
                c.fin = f ? ISA_CF | ISA_AF : 0;
                c.fmask = ops[o].mask;
                run_case(&c);
            }
    for (unsigned b = 0; b < sizeof bases; b++)
        for (unsigned k = 0; k < sizeof axs / sizeof axs[0]; k++)
            for (int aad = 0; aad < 2; aad++) {
                snprintf(name, sizeof name, "%s %02x %s %u ax=0x%04x", aad ? "d5" : "d4",
                         bases[b], aad ? "aad" : "aam", bases[b], (unsigned)axs[k]);
                struct run_case c = RUN_NEW(name, aad ? 0xD5 : 0xD4, bases[b]);
                c.reg[RUN_EAX] = 0xABCD0000u | axs[k];
                c.fmask = FL_SZP;
                run_case(&c);
            }
}

/* INC/DEC 40-4F, alone and followed by what a REX prefix would change */
static void inc_dec(void)
{
    static const uint32_t vals[] = { 0x7FFFFFFF, 0xFFFFFFFF, 0x00000000 };
    static const uint32_t vals16[] = { 0x12347FFF, 0x1234FFFF };
    static const struct {
        uint8_t b[2];
        const char *name;
    } next[] = { { { 0x89, 0xC3 }, "mov ebx,eax" }, { { 0x88, 0xE3 }, "mov bl,ah" },
                 { { 0x01, 0xF7 }, "add edi,esi" }, { { 0x88, 0xF9 }, "mov cl,bh" } };
    char name[96];

    for (int op = 0x40; op <= 0x4F; op++) {
        int r = op & 7;
        const char *mn = op < 0x48 ? "inc" : "dec";
        for (unsigned k = 0; k < 5; k++) {
            int o16 = k >= 3;
            uint32_t v = o16 ? vals16[k - 3] : vals[k];
            snprintf(name, sizeof name, "%s%02x %s %s=0x%08x cf=1", o16 ? "66 " : "", op, mn,
                     reg32[r] + o16, (unsigned)v);   /* "ax" for o16 */
            struct run_case c = o16 ? RUN_NEW(name, 0x66, (uint8_t)op) : RUN_NEW(name, (uint8_t)op);
            c.reg[r] = v;
            c.ptr = 0;        /* ESP is data here: nothing may push */
            c.fin = ISA_CF;
            c.fmask = ISA_ARITH;   /* CF is kept: print it too */
            run_case(&c);
        }
        for (unsigned k = 0; k < sizeof next / sizeof next[0]; k++) {
            snprintf(name, sizeof name, "%02x %02x %02x %s %s; %s", op, next[k].b[0],
                     next[k].b[1], mn, reg32[r], next[k].name);
            struct run_case c = RUN_NEW(name, (uint8_t)op, next[k].b[0], next[k].b[1]);
            c.ptr = 0;
            c.fmask = ISA_ARITH;
            run_case(&c);
        }
    }
}

/* BOUND (32/16-bit, EBX and ESP based), ARPL register forms */
static void bound_arpl(void)
{
    static const int32_t vals[] = { -6, -5, 0, 5, 6, 0x7FFFFFFF };
    static const uint16_t dsts[] = { 0x0010, 0x0011, 0x0013, 0xFFFC };
    static const uint16_t srcs[] = { 0x0000, 0x0002, 0x0003 };
    char name[96];

    for (unsigned k = 0; k < sizeof vals / sizeof vals[0]; k++)
        for (int form = 0; form < 3; form++) {
            static const char *const fmt[3] = {
                "62 03 bound eax,[ebx] [-5,5] eax=%d", "66 62 03 bound ax,[ebx] [-5,5] ax=%d",
                "62 4c 24 c0 bound ecx,[esp-0x40] [-5,5] ecx=%d" };
            int32_t v = form == 1 ? (int16_t)vals[k] : vals[k];
            snprintf(name, sizeof name, fmt[form], (int)v);
            struct run_case c = form == 0 ? RUN_NEW(name, 0x62, 0x03)
                              : form == 1 ? RUN_NEW(name, 0x66, 0x62, 0x03)
                                          : RUN_NEW(name, 0x62, 0x4C, 0x24, 0xC0);
            c.reg[form == 2 ? RUN_ECX : RUN_EAX] =
                form == 1 ? 0x55550000u | ((uint32_t)vals[k] & 0xFFFF) : (uint32_t)vals[k];
            c.reg[RUN_EBX] = form == 1 ? 0x48 : 0x40;
            c.ptr |= PTR(EBX);
            run_case(&c);
        }
    for (unsigned d = 0; d < sizeof dsts / sizeof dsts[0]; d++)
        for (unsigned s = 0; s < sizeof srcs / sizeof srcs[0]; s++) {
            snprintf(name, sizeof name, "63 c8 arpl ax,cx ax=%04x cx=%04x", dsts[d], srcs[s]);
            struct run_case c = RUN_NEW(name, 0x63, 0xC8);
            c.reg[RUN_EAX] = 0xAAAA0000u | dsts[d];
            c.reg[RUN_ECX] = 0xCCCC0000u | srcs[s];
            c.fin = ISA_ZF * (s & 1);
            c.fmask = ISA_ZF;
            run_case(&c);
        }
}

/* LES with every base register but ESP */
static void les_bases(void)
{
    char name[96];

    for (int r = 0; r < 8; r++) {
        if (r == RUN_ESP)
            continue;
        snprintf(name, sizeof name, "c4 %02x 50 les ecx,[%s+0x50] (es=0)", 0x48 + r, reg32[r]);
        struct run_case c = RUN_NEW(name, 0xC4, (uint8_t)(0x48 + r), 0x50);
        c.reg[r] = 0;
        c.ptr |= (uint8_t)(1u << r);
        c.es = 0;
        c.flags = RUN_SEL;
        run_case(&c);
    }
}

int test_main(void)
{
    run_init();
    op82_reg();
    op82_mem();
    RUN_TABLE(seg_push_pop);
    bcd();
    inc_dec();
    RUN_TABLE(pusha_arpl);
    bound_arpl();
    RUN_TABLE(transfers);
    RUN_TABLE(segs);
    les_bases();
    RUN_TABLE(misc);
    isa_done("isa_legacy");
    return 0;
}
