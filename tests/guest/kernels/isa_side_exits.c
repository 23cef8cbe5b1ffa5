/*
 * isa_side_exits.c - straight-line code with conditional branches in the
 * middle, against the host CPU.  xbt translates a unit past up to
 * --unit-branches Jcc (default 2): each becomes a side exit, and the
 * fall-through goes on in the same unit (src/bt/decode.c bt_decode_unit,
 * src/bt/tr_flow.c).  The chains below are written so that most of them
 * are exactly one such unit: each is entered by a CALL (a unit starts at
 * its first byte), is 256-byte aligned (no page boundary inside), and has
 * the shape
 *     block 1; Jcc x1; block 2; Jcc x2; block 3; Jcc x3 (or RET)
 * The blocks change the flags again right after a side exit (so the
 * fall-through never reads the flags the side exit's target sees) and put
 * instructions whose translations clobber the host flags (BT m,r with a
 * register offset, GS-relative loads and stores, and under --mem=tlb every
 * access) between the flag producer and the Jcc.  Every exit records
 * EFLAGS (PUSHF first thing at the target), the registers and an exit
 * number; the printed flags are those the SDM defines at that point.
 *   A      three blocks, all exits, rel8 and rel32 (A8/A32);
 *   L1 L2  liveness across a side exit: flags made before BT m,r or a GS
 *          access, one of them tested by the side exit, others consumed
 *          only at its target;
 *   CC     all 16 conditions as side exits (rel8 backward, rel32 forward,
 *          rel32 backward final) over all 32 CF PF ZF SF OF inputs;
 *   LP1-3  loops whose back edge is a side exit: to the unit's own start
 *          (CF carried around the loop through ADC), into the middle of
 *          the unit (RCL), and a forward side exit into the same unit;
 *   S1 S2  REP MOVSB / REP STOSL / REPE CMPSB / STD REP STOSB in the later
 *          blocks, Jcc there on flags made in block 1 (or by CMPSB);
 *   H      DAA, PUSHAD/AAM/POPAD, LAHF/SAHF, CMPXCHG in the later blocks;
 *   F1-F4  #DE and #BR in block 2 or 3 and in a loop body entered by a side
 *          exit: EIP relative to a mark, registers, flags and memory in the
 *          exception frame (xbt_catch(), catch.h);
 *   SMC    (code copied into executable memory) block 1 patching an
 *          immediate in block 3, the opcode of the second side exit, block
 *          2 patching block 3, a loop rewriting its own first instruction;
 *   SEG16  Jcc with a 0x66 prefix (rel16, rel8) as side exits in a based
 *          16-bit-offset code segment: taken targets wrap at 64 KiB;
 *   IRQ    the loops again for millions of rounds (the command line's last
 *          word, default 3000000) under 1 kHz interrupts (guest: PIT IRQ0
 *          through the 8259; native: SIGALRM): results, and that
 *          interrupts arrived inside the loops.
 * Absolute addresses never reach the output (pointer registers are printed
 * relative to the state block or to GS, or left out).
 */
#ifdef XBT_NATIVE
#define _GNU_SOURCE 1
#include <signal.h>
#include <sys/time.h>
#include <ucontext.h>
#endif
#include "isa_sys.h"
#ifndef XBT_NATIVE
#include "pc_common.h"
#endif

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The state block a chain runs on; %ebp points at it in the chains (the
 * offsets are written into the asm below). */
struct sx {
    uint32_t in[6];               /*   0: eax ecx edx ebx esi edi */
    uint32_t fin;                 /*  24: arithmetic flags in */
    uint32_t out[6];              /*  28: registers at the exit */
    uint32_t fout;                /*  52: EFLAGS at the exit's target */
    uint32_t exit;                /*  56: exit number */
    uint32_t aux[4];              /*  60 */
    uint32_t mem[16];             /*  76: memory the chains use */
};
_Static_assert(offsetof(struct sx, fin) == 24, "asm offsets");
_Static_assert(offsetof(struct sx, out) == 28, "asm offsets");
_Static_assert(offsetof(struct sx, fout) == 52, "asm offsets");
_Static_assert(offsetof(struct sx, exit) == 56, "asm offsets");
_Static_assert(offsetof(struct sx, aux) == 60, "asm offsets");
_Static_assert(offsetof(struct sx, mem) == 76, "asm offsets");

/* sx_run(s, entry): EAX..EDI = s->in, the arithmetic flags = s->fin (TF,
 * DF clear), EBP = s, CALL entry; afterwards s->out = EAX..EDI.  The chain
 * leaves through SX_X(n): flags to s->fout, n to s->exit, RET. */
void sx_run(struct sx *s, const void *entry);
uint32_t sx_entry;
__asm__(".text\n"
        ".globl sx_run\n"
        ".p2align 4\n"
        "sx_run:\n\t"
        "pushl %ebp\n\t"
        "pushl %ebx\n\t"
        "pushl %esi\n\t"
        "pushl %edi\n\t"
        "movl 20(%esp), %ebp\n\t"
        "movl 24(%esp), %eax\n\t"
        "movl %eax, sx_entry\n\t"
        "pushfl\n\t"
        "andl $0xfffff22a, (%esp)\n\t"
        "movl 24(%ebp), %eax\n\t"
        "andl $0x8d5, %eax\n\t"
        "orl %eax, (%esp)\n\t"
        "movl 0(%ebp), %eax\n\t"
        "movl 4(%ebp), %ecx\n\t"
        "movl 8(%ebp), %edx\n\t"
        "movl 12(%ebp), %ebx\n\t"
        "movl 16(%ebp), %esi\n\t"
        "movl 20(%ebp), %edi\n\t"
        "popfl\n\t"
        "call *sx_entry\n\t"
        "movl %eax, 28(%ebp)\n\t"
        "movl %ecx, 32(%ebp)\n\t"
        "movl %edx, 36(%ebp)\n\t"
        "movl %ebx, 40(%ebp)\n\t"
        "movl %esi, 44(%ebp)\n\t"
        "movl %edi, 48(%ebp)\n\t"
        "popl %edi\n\t"
        "popl %esi\n\t"
        "popl %ebx\n\t"
        "popl %ebp\n\t"
        "ret\n");

#define SX_X(id) "pushfl\n\tpopl 52(%ebp)\n\tmovl $" #id ", 56(%ebp)\n\tret\n"
#define SX_FN(name) ".text\n.globl " name "\n.p2align 8\n" name ":\n\t"
#define J8 ""
#define J32 "{disp32} "

/* ---- A: three blocks ---- */
#define CHAIN_A(name, J)                                                    \
    __asm__(SX_FN(name)                                                     \
            "cmpl %ebx, %eax\n\t"                                           \
            "movl 76(%ebp), %edx\n\t"      /* load between producer, jcc */ \
            "incl %ecx\n\t"                /* OSZAP; CF from the cmp */     \
            J "jle 1f\n\t"                                                  \
            "addl %ecx, %edx\n\t"          /* block 2: new flags first */   \
            "rcll $1, %esi\n\t"                                             \
            "adcl %edx, %edi\n\t"                                           \
            "movl %edi, 80(%ebp)\n\t"                                       \
            "cmpl %esi, %edi\n\t"                                           \
            J "jg 2f\n\t"                                                   \
            "sbbl %ecx, %eax\n\t"          /* block 3: CF of the cmp */     \
            "negl %ebx\n\t"                                                 \
            "incl %edx\n\t"                                                 \
            J "js 3f\n\t"                                                   \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2) "3:\t" SX_X(3));
CHAIN_A("sx_a8", J8)
CHAIN_A("sx_a32", J32)

/* ---- L1: BT m,r between the producer and the side exit ----
 * BT leaves ZF alone (CF = the bit; OF SF AF PF undefined): at x1 and x2
 * ZF is still the ADD's / SUB's, live only at the side exit's target. */
#define CHAIN_L1(name, J)                                                   \
    __asm__(SX_FN(name)                                                     \
            "addl %ebx, %eax\n\t"                                           \
            "btl %ecx, 76(%ebp)\n\t"                                        \
            J "jc 1f\n\t"                                                   \
            "xorl %edx, %edx\n\t"          /* fall-through kills all */     \
            "subl %esi, %edi\n\t"                                           \
            "btsl %ecx, 80(%ebp)\n\t"                                       \
            J "jnc 2f\n\t"                                                  \
            "movl %edi, %edx\n\t"                                           \
            "addl %eax, %edx\n\t"                                           \
            J "jz 3f\n\t"                                                   \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2) "3:\t" SX_X(3));
CHAIN_L1("sx_l1_8", J8)
CHAIN_L1("sx_l1_32", J32)

/* ---- L2: GS-relative accesses (ESI = GS offset of mem) ----
 * INC/DEC keep CF: at x1 and x2 CF is the SUB's / ADD's. */
#define CHAIN_L2(name, J)                                                   \
    __asm__(SX_FN(name)                                                     \
            "subl %ebx, %eax\n\t"                                           \
            "movl %gs:(%esi), %edx\n\t"                                     \
            "incl %ecx\n\t"                                                 \
            J "jz 1f\n\t"                                                   \
            "xorl %edi, %edi\n\t"                                           \
            "addl %edx, %eax\n\t"                                           \
            "movl %gs:4(%esi), %edi\n\t"                                    \
            "decl %ebx\n\t"                                                 \
            J "js 2f\n\t"                                                   \
            "movl %eax, %gs:8(%esi)\n\t"                                    \
            "addl %edi, %ecx\n\t"                                           \
            J "jc 3f\n\t"                                                   \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2) "3:\t" SX_X(3));
CHAIN_L2("sx_l2_8", J8)
CHAIN_L2("sx_l2_32", J32)

/* ---- CC: every condition as a side exit ----
 * x1 (rel8, backward): the input flags; x2 (rel32, forward): the ADD's;
 * x3 (rel32, backward, the last branch): the SBB's. */
#define CHAIN_CC(cc)                                                        \
    __asm__(".text\n.p2align 8\n"                                           \
            "1:\t" SX_X(1) "3:\t" SX_X(3)                                   \
            ".globl sx_cc_" cc "\nsx_cc_" cc ":\n\t"                        \
            "j" cc " 1b\n\t"                                                \
            "addl %ebx, %eax\n\t"                                           \
            "{disp32} j" cc " 2f\n\t"                                       \
            "sbbl %edx, %ecx\n\t"                                           \
            "{disp32} j" cc " 3b\n\t"                                       \
            SX_X(0) "2:\t" SX_X(2));
CHAIN_CC("o") CHAIN_CC("no") CHAIN_CC("b") CHAIN_CC("ae")
CHAIN_CC("e") CHAIN_CC("ne") CHAIN_CC("be") CHAIN_CC("a")
CHAIN_CC("s") CHAIN_CC("ns") CHAIN_CC("p") CHAIN_CC("np")
CHAIN_CC("l") CHAIN_CC("ge") CHAIN_CC("le") CHAIN_CC("g")

/* ---- loops (between sx_loops_begin and sx_loops_end: IRQ section) ----
 * LP1: the back edge is the first side exit, to the unit's own start; CF
 * goes around the loop (ADC ... DEC ... JNZ) past a GS load.
 * LP2: the back edge is a side exit into the middle of the unit; CF from
 * RCL goes around it past a GS store.
 * LP3: a forward side exit into the same unit, then the back edge to the
 * start.  ECX = rounds (not 0); ESI = GS offset of mem (LP1, LP2). */
#define CHAIN_LP1(name, J)                                                  \
    SX_FN(name) "5:\t"                                                      \
            "adcl %edx, %eax\n\t"                                           \
            "movl %gs:(%esi), %ebx\n\t"                                     \
            "leal 0x9e3779b9(%edx,%ebx), %edx\n\t"                          \
            "bswap %edx\n\t"                                                \
            "decl %ecx\n\t"                                                 \
            J "jnz 5b\n\t"                                                   \
            "movl %eax, 60(%ebp)\n\t"                                       \
            "addl %ebx, %edi\n\t"                                           \
            "cmpl %edi, %eax\n\t"                                           \
            J "ja 1f\n\t"                                                   \
            "subl %edx, %eax\n\t"                                           \
            SX_X(0) "1:\t" SX_X(1)
#define CHAIN_LP2(name, J)                                                  \
    SX_FN(name)                                                             \
            "movl %eax, %edi\n\t"                                           \
            "xorl %ebx, %ebx\n"                                             \
            "4:\t"                                                          \
            "adcl %edx, %edi\n\t"                                           \
            "rcll $1, %ebx\n\t"                                             \
            "movl %edi, %gs:(%esi)\n\t"                                     \
            "decl %ecx\n\t"                                                 \
            J "jnz 4b\n\t"                                                  \
            "movl %ebx, %eax\n\t"                                           \
            "addl %edi, %eax\n\t"                                           \
            "cmpl $0x1000, %ebx\n\t"                                        \
            J "jb 1f\n\t"                                                   \
            "subl %edx, %eax\n\t"                                           \
            SX_X(0) "1:\t" SX_X(1)
#define CHAIN_LP3(name, J)                                                  \
    SX_FN(name) "5:\t"                                                      \
            "testl $1, %eax\n\t"                                            \
            J "jz 4f\n\t"                                                   \
            "addl %edx, %ebx\n\t"                                           \
            "leal 1(%edx,%edx,2), %edx\n"                                   \
            "4:\t"                                                          \
            "rorl $1, %eax\n\t"                                             \
            "adcl $0, %esi\n\t"                                             \
            "decl %ecx\n\t"                                                 \
            J "jnz 5b\n\t"                                                   \
            "addl %esi, %ebx\n\t"                                           \
            SX_X(0)
__asm__(".text\n.globl sx_loops_begin\nsx_loops_begin:\n"
        CHAIN_LP1("sx_lp1_8", J8)
        CHAIN_LP1("sx_lp1_32", J32)
        CHAIN_LP2("sx_lp2_8", J8)
        CHAIN_LP2("sx_lp2_32", J32)
        CHAIN_LP3("sx_lp3_8", J8)
        CHAIN_LP3("sx_lp3_32", J32)
        ".globl sx_loops_end\nsx_loops_end:\n");

/* ---- S1 S2: string instructions in the later blocks ----
 * S1: ECX = STOSL count, EDX = MOVSB count; block 2 copies mem[0..] to
 * mem[8..] (REP MOVSB, flags unaffected) and x2 tests ZF of block 1's CMP,
 * block 3 stores EAX over mem[0..] (REP STOSL) and x3 tests its OF.
 * S2: ECX = CMPSB count, EDX = STOSB count; REPE CMPSB mem[0..] with
 * mem[8..] (flags of the last compare, or block 1's CMP when the count is
 * 0), then STD; REP STOSB backwards from the last byte of mem; CLD; ADC
 * (CF of the compare). */
#define CHAIN_S1(name, J)                                                   \
    __asm__(SX_FN(name)                                                     \
            "cmpl %ebx, %eax\n\t"                                           \
            J "jb 1f\n\t"                                                   \
            "leal 76(%ebp), %esi\n\t"                                       \
            "leal 108(%ebp), %edi\n\t"                                      \
            "xchgl %ecx, %edx\n\t"                                          \
            "rep movsb\n\t"                                                 \
            J "jz 2f\n\t"                                                   \
            "movl %edx, %ecx\n\t"                                           \
            "leal 76(%ebp), %edi\n\t"                                       \
            "rep stosl\n\t"                                                 \
            J "jo 3f\n\t"                                                   \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2) "3:\t" SX_X(3));
#define CHAIN_S2(name, J)                                                   \
    __asm__(SX_FN(name)                                                     \
            "cmpl %ebx, %eax\n\t"                                           \
            J "jz 1f\n\t"                                                   \
            "leal 76(%ebp), %esi\n\t"                                       \
            "leal 108(%ebp), %edi\n\t"                                      \
            "repe cmpsb\n\t"                                                \
            J "jne 2f\n\t"                                                  \
            "std\n\t"                                                       \
            "leal 139(%ebp), %edi\n\t"                                      \
            "movl %edx, %ecx\n\t"                                           \
            "rep stosb\n\t"                                                 \
            "cld\n\t"                                                       \
            "adcl %ebx, %eax\n\t"                                           \
            J "jbe 3f\n\t"                                                  \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2) "3:\t" SX_X(3));
CHAIN_S1("sx_s1_8", J8)
CHAIN_S1("sx_s1_32", J32)
CHAIN_S2("sx_s2_8", J8)
CHAIN_S2("sx_s2_32", J32)

/* ---- H: helpers and inline system paths in the later blocks ----
 * x1: DAA (OF undefined); x2: AAM's SF ZF PF (PUSHAD/POPAD around it keep
 * the registers, not the flags); x3/x0: CMPXCHG's OF, SAHF's others (AH
 * XOR DL). */
#define CHAIN_H(name, J)                                                    \
    __asm__(SX_FN(name)                                                     \
            "addb %bl, %al\n\t"                                             \
            "daa\n\t"                                                       \
            J "jc 1f\n\t"                                                   \
            "pushal\n\t"                                                    \
            "movl %ecx, %eax\n\t"                                           \
            "aam $10\n\t"                                                   \
            "popal\n\t"                                                     \
            J "jz 2f\n\t"                                                   \
            "movl %esi, %eax\n\t"                                           \
            "cmpxchgl %edi, 76(%ebp)\n\t"                                   \
            "lahf\n\t"                                                      \
            "xorb %dl, %ah\n\t"                                             \
            "sahf\n\t"                                                      \
            J "jne 3f\n\t"                                                  \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2) "3:\t" SX_X(3));
CHAIN_H("sx_h8", J8)
CHAIN_H("sx_h32", J32)

/* ---- F1-F4: faults in the later blocks ----
 * F1: stores in blocks 1-3, DIVL %edi in block 3 (#DE: EDI = 0 or EDX >=
 * EDI).  F2: DIVL %ecx in block 2.  F3: BOUND in block 3 (mem[4], mem[5]
 * the bounds).  F4: a loop whose back edge is a side exit into the unit
 * after the mark, dividing by EDI - ECX (#DE in the round ECX = EDI). */
#define CHAIN_F1(name, J)                                                   \
    __asm__(SX_FN(name) XBT_MARK                                            \
            "movl %eax, 76(%ebp)\n\t"                                       \
            "cmpl %ebx, %eax\n\t"                                           \
            J "jl 1f\n\t"                                                   \
            "movl %ebx, 80(%ebp)\n\t"                                       \
            "addl %esi, %ebx\n\t"                                           \
            J "js 2f\n\t"                                                   \
            "movl %ecx, 84(%ebp)\n\t"                                       \
            "subl %ebx, %ecx\n\t"                                           \
            "divl %edi\n\t"                                                 \
            "movl %eax, 88(%ebp)\n\t"                                       \
            "addl %edx, %ecx\n\t"                                           \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2));
#define CHAIN_F2(name, J)                                                   \
    __asm__(SX_FN(name) XBT_MARK                                            \
            "addl %ebx, %esi\n\t"                                           \
            J "jc 1f\n\t"                                                   \
            "movl %esi, 76(%ebp)\n\t"                                       \
            "sbbl %edi, %ebx\n\t"                                           \
            "divl %ecx\n\t"                                                 \
            "movl %eax, 80(%ebp)\n\t"                                       \
            "cmpl %esi, %eax\n\t"                                           \
            J "jae 2f\n\t"                                                  \
            "movl %edx, 84(%ebp)\n\t"                                       \
            "negl %edx\n\t"                                                 \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2));
#define CHAIN_F3(name, J)                                                   \
    __asm__(SX_FN(name) XBT_MARK                                            \
            "cmpl %ebx, %eax\n\t"                                           \
            J "jg 1f\n\t"                                                   \
            "movl %eax, 88(%ebp)\n\t"                                       \
            "incl %ecx\n\t"                                                 \
            J "jz 2f\n\t"                                                   \
            "addl %esi, %edi\n\t"                                           \
            "boundl %ecx, 92(%ebp)\n\t"                                     \
            "movl %ecx, 100(%ebp)\n\t"                                      \
            "adcl $0, %edi\n\t"                                             \
            SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2));
#define CHAIN_F4(name, J)                                                   \
    __asm__(SX_FN(name) XBT_MARK                                            \
            "4:\t"                                                          \
            "movl %edi, %ebx\n\t"                                           \
            "subl %ecx, %ebx\n\t"                                           \
            "movl %esi, %eax\n\t"                                           \
            "xorl %edx, %edx\n\t"                                           \
            "addl %ecx, 80(%ebp)\n\t"                                       \
            "divl %ebx\n\t"                                                 \
            "addl %eax, 76(%ebp)\n\t"                                       \
            "decl %ecx\n\t"                                                 \
            J "jnz 4b\n\t"                                                  \
            "cmpl $100, 76(%ebp)\n\t"                                       \
            J "ja 1f\n\t"                                                   \
            SX_X(0) "1:\t" SX_X(1));
CHAIN_F1("sx_f1_8", J8)
CHAIN_F1("sx_f1_32", J32)
CHAIN_F2("sx_f2_8", J8)
CHAIN_F2("sx_f2_32", J32)
CHAIN_F3("sx_f3_8", J8)
CHAIN_F3("sx_f3_32", J32)
CHAIN_F4("sx_f4_8", J8)
CHAIN_F4("sx_f4_32", J32)

/* ---- SMC templates (copied into executable memory; EDI = the copy) ----
 * SMC1: block 1 stores EAX into the immediate of block 3's MOV $imm, %edx.
 * SMC2: block 1 stores AL (0x74 JE / 0x75 JNE) over the opcode of the
 * second side exit, block 2 stores ECX into block 3's immediate.
 * SMC3: a loop whose first instruction (ADD $imm, %ebx) gets ECX stored
 * into its immediate each round; the back edge is a side exit to the start.
 */
__asm__(".pushsection .rodata\n"
        ".globl sx_smc1, sx_smc1_end\n"
        "sx_smc1:\n\t"
        "movl %eax, (sx_smc1_imm - sx_smc1)(%edi)\n\t"
        "cmpl %ebx, %ecx\n\t"
        "jb 1f\n\t"
        "addl %ecx, %esi\n\t"
        "cmpl %esi, %ebx\n\t"
        "jz 2f\n\t"
        ".byte 0xba\n"                                /* movl $imm32, %edx */
        "sx_smc1_imm: .long 0x11111111\n\t"
        "addl %edx, %esi\n\t"
        SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2)
        "sx_smc1_end:\n"
        ".globl sx_smc2, sx_smc2_end\n"
        "sx_smc2:\n\t"
        "movb %al, (sx_smc2_jcc - sx_smc2)(%edi)\n\t"
        "addl %ebx, %ecx\n\t"
        "jo 1f\n\t"
        "movl %ecx, (sx_smc2_imm - sx_smc2)(%edi)\n\t"
        "testl %edx, %edx\n"
        "sx_smc2_jcc:\n\t"
        "jz 2f\n\t"
        ".byte 0xbe\n"                                /* movl $imm32, %esi */
        "sx_smc2_imm: .long 0x22222222\n\t"
        "addl %esi, %edx\n\t"
        SX_X(0) "1:\t" SX_X(1) "2:\t" SX_X(2)
        "sx_smc2_end:\n"
        ".globl sx_smc3, sx_smc3_end\n"
        "sx_smc3:\n"
        "5:\t.byte 0x81, 0xc3\n"                          /* addl $imm32, %ebx */
        "sx_smc3_imm: .long 0x33333333\n\t"
        "movl %ecx, (sx_smc3_imm - sx_smc3)(%edi)\n\t"
        "adcl %ebx, %edx\n\t"
        "decl %ecx\n\t"
        "jnz 5b\n\t"
        "cmpl %edx, %ebx\n\t"
        "jl 1f\n\t"
        SX_X(0) "1:\t" SX_X(1)
        "sx_smc3_end:\n"
        ".popsection\n");

extern const char sx_a8[], sx_a32[], sx_l1_8[], sx_l1_32[], sx_l2_8[], sx_l2_32[];
extern const char sx_lp1_8[], sx_lp1_32[], sx_lp2_8[], sx_lp2_32[], sx_lp3_8[], sx_lp3_32[];
extern const char sx_loops_begin[], sx_loops_end[];
extern const char sx_s1_8[], sx_s1_32[], sx_s2_8[], sx_s2_32[], sx_h8[], sx_h32[];
extern const char sx_f1_8[], sx_f1_32[], sx_f2_8[], sx_f2_32[], sx_f3_8[], sx_f3_32[];
extern const char sx_f4_8[], sx_f4_32[];
extern const char sx_cc_o[], sx_cc_no[], sx_cc_b[], sx_cc_ae[], sx_cc_e[], sx_cc_ne[];
extern const char sx_cc_be[], sx_cc_a[], sx_cc_s[], sx_cc_ns[], sx_cc_p[], sx_cc_np[];
extern const char sx_cc_l[], sx_cc_ge[], sx_cc_le[], sx_cc_g[];
extern const uint8_t sx_smc1[], sx_smc1_end[], sx_smc1_imm[];
extern const uint8_t sx_smc2[], sx_smc2_end[], sx_smc2_imm[], sx_smc2_jcc[];
extern const uint8_t sx_smc3[], sx_smc3_end[], sx_smc3_imm[];

/* ---- common ---- */
#define ALL ISA_ARITH

/* Every result line goes through out(), which also hashes it (FNV-1a):
 * the last line is the checksum of all of them. */
static uint32_t sx_checksum = 2166136261u;

__attribute__((format(printf, 1, 2)))
static void out(const char *fmt, ...)
{
    char b[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    for (const char *p = b; *p; p++)
        sx_checksum = (sx_checksum ^ (uint8_t)*p) * 16777619u;
    isa_line("%s", b);
}

/* The GS base (native: glibc's TLS block, whose first word points at
 * itself; guest: the flat data segment). */
static uint32_t gs_base(void)
{
#ifdef XBT_NATIVE
    uint32_t b;
    __asm__ volatile("movl %%gs:0, %0" : "=r"(b));
    return b;
#else
    return 0;
#endif
}

static uint32_t gsoff(const void *p) { return (uint32_t)(uintptr_t)p - gs_base(); }

/* Random inputs: a quarter edge values, the rest random. */
static uint32_t rv(void)
{
    uint32_t r = isa_rand();
    return (r & 3) == 0 ? isa_vals32[(r >> 8) % ISA_NVALS32] : isa_rand();
}

static uint32_t rfl(void) { return isa_rand() & ALL; }

static const char *const rname[6] = { "a", "c", "d", "b", "S", "D" };

/* Prints "k: r=... f=... -> xN r=... f=... m=..."; registers in `rel` hold
 * addresses in *s (printed as s+off), those in `grel` GS offsets of
 * s->mem (printed as g+off), those in `skip` are not printed. */
struct regfmt {
    unsigned rel, grel, skip;
};

static void fmt_regs(char *b, size_t n, const uint32_t *r, const struct sx *s,
                     const struct regfmt *rf)
{
    size_t o = 0;
    for (int i = 0; i < 6 && o < n; i++) {
        if (rf->skip & (1u << i))
            continue;
        if (rf->rel & (1u << i))
            o += (size_t)snprintf(b + o, n - o, " %s=s+%03x", rname[i],
                                  r[i] - (uint32_t)(uintptr_t)s);
        else if (rf->grel & (1u << i))
            o += (size_t)snprintf(b + o, n - o, " %s=g+%03x", rname[i],
                                  r[i] - gsoff(s->mem));
        else
            o += (size_t)snprintf(b + o, n - o, " %s=%08x", rname[i], r[i]);
    }
}

static void print_run(const char *name, int k, const struct sx *in, const struct sx *s,
                      const uint32_t mask[4], const struct regfmt *rf)
{
    char ib[120], ob[120];
    fmt_regs(ib, sizeof ib, in->in, s, rf);
    fmt_regs(ob, sizeof ob, s->out, s, rf);
    uint32_t m = sys_fnv(s->mem, sizeof s->mem);
    uint32_t x = s->exit & 3;
    out("%s %02d%s f=%s -> x%u%s f=%s m=%08x\n", name, k, ib, isa_fl(in->fin, ALL),
        s->exit, ob, isa_fl(s->fout, mask[x]), m);
}

/* Runs a chain over the cases setup() makes; prints each and a line with
 * how often each exit was taken. */
struct chain {
    const char *name;
    const char *entry;
    uint32_t mask[4];
    struct regfmt rf;
    void (*setup)(struct sx *s, int k);
    int ncases;
};

static void run_chain(const struct chain *c)
{
    unsigned hist[4] = { 0, 0, 0, 0 };
    for (int k = 0; k < c->ncases; k++) {
        struct sx s, in;
        memset(&s, 0, sizeof s);
        c->setup(&s, k);
        in = s;
        sx_run(&s, c->entry);
        print_run(c->name, k, &in, &s, c->mask, &c->rf);
        hist[s.exit & 3]++;
    }
    out("%s exits: x0=%u x1=%u x2=%u x3=%u\n", c->name, hist[0], hist[1], hist[2],
        hist[3]);
}

static void fill_mem(struct sx *s)
{
    for (int i = 0; i < 16; i++)
        s->mem[i] = rv();
}

/* ---- setups ---- */
static void setup_a(struct sx *s, int k)
{
    for (int i = 0; i < 6; i++)
        s->in[i] = rv();
    if (k % 4 == 1)
        s->in[1] = 0xFFFFFFFFu;   /* INC -> 0: x1 */
    if (k % 4 == 2)
        s->in[1] = 0x7FFFFFFFu;   /* INC overflows: not x1 */
    s->fin = rfl();
    fill_mem(s);
}

static void setup_l1(struct sx *s, int k)
{
    for (int i = 0; i < 6; i++)
        s->in[i] = rv();
    s->in[1] = isa_rand() & 31;   /* bit offset */
    if (k % 3 == 0)
        s->in[3] = -s->in[0];     /* ADD -> 0 */
    if (k % 5 == 0)
        s->in[4] = s->in[5];      /* SUB -> 0 */
    s->fin = rfl();
    fill_mem(s);
}

static void setup_l2(struct sx *s, int k)
{
    for (int i = 0; i < 6; i++)
        s->in[i] = rv();
    if (k % 3 != 2)
        s->in[1] = 0xFFFFFFFFu;   /* INC -> 0: x1 */
    s->in[4] = gsoff(s->mem);
    s->fin = rfl();
    fill_mem(s);
}

static void setup_lp(struct sx *s, int k)
{
    for (int i = 0; i < 6; i++)
        s->in[i] = rv();
    s->in[1] = 1 + (uint32_t)k * 3;   /* rounds */
    s->in[4] = gsoff(s->mem);
    s->fin = rfl();
    fill_mem(s);
}

static void setup_lp3(struct sx *s, int k)
{
    setup_lp(s, k);
    s->in[4] = rv();
}

static void setup_s(struct sx *s, int k)
{
    for (int i = 0; i < 6; i++)
        s->in[i] = rv();
    if (k % 3 == 0)
        s->in[3] = s->in[0];      /* CMP equal: ZF */
    s->in[1] = isa_rand() % 9;    /* dwords (S1) / bytes compared (S2) */
    s->in[2] = isa_rand() % 33;   /* bytes (S1) / bytes stored (S2) */
    s->in[4] = s->in[5] = (uint32_t)(uintptr_t)s;   /* printed as s+000 */
    s->fin = rfl();
    fill_mem(s);
    if (k % 2) {                  /* S2: equal prefixes of random length */
        uint8_t *m = (uint8_t *)s->mem;
        unsigned same = isa_rand() % 12;
        for (unsigned i = 0; i < same; i++)
            m[32 + i] = m[i];
    }
}

static void setup_h(struct sx *s, int k)
{
    for (int i = 0; i < 6; i++)
        s->in[i] = rv();
    /* BCD digits in AL and BL for DAA, mostly */
    if (k % 4) {
        s->in[0] = (s->in[0] & ~0xFFu) | (isa_rand() % 10) << 4 | isa_rand() % 10;
        s->in[3] = (s->in[3] & ~0xFFu) | (isa_rand() % 10) << 4 | isa_rand() % 10;
    }
    if (k % 3 == 0)
        s->in[1] &= ~0xFFu;       /* AAM: AL = 0, ZF */
    fill_mem(s);
    if (k % 2)
        s->mem[0] = s->in[4];     /* CMPXCHG: equal */
    s->fin = rfl();
}

static const struct {
    const char *cc;
    const char *entry;
} ccs[16] = {
    { "o", sx_cc_o },   { "no", sx_cc_no }, { "b", sx_cc_b },   { "ae", sx_cc_ae },
    { "e", sx_cc_e },   { "ne", sx_cc_ne }, { "be", sx_cc_be }, { "a", sx_cc_a },
    { "s", sx_cc_s },   { "ns", sx_cc_ns }, { "p", sx_cc_p },   { "np", sx_cc_np },
    { "l", sx_cc_l },   { "ge", sx_cc_ge }, { "le", sx_cc_le }, { "g", sx_cc_g },
};

static void cc_tests(void)
{
    static const uint32_t av[] = { 0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678,
                                   0x0F, 0x80000001 };
    static const uint32_t mask[4] = { ALL, ALL, ALL, ALL };
    static const struct regfmt rf = { 0, 0, (1u << 4) | (1u << 5) };
    for (int c = 0; c < 16; c++) {
        unsigned hist[4] = { 0, 0, 0, 0 };
        char name[16];
        snprintf(name, sizeof name, "cc.j%s", ccs[c].cc);
        for (uint32_t i = 0; i < 32; i++) {
            struct sx s, in;
            memset(&s, 0, sizeof s);
            s.fin = ((i & 1) ? ISA_CF : 0) | ((i & 2) ? ISA_PF : 0) | ((i & 4) ? ISA_ZF : 0) |
                    ((i & 8) ? ISA_SF : 0) | ((i & 16) ? ISA_OF : 0) |
                    (__builtin_parity(i) ? ISA_AF : 0);
            s.in[0] = av[i % 8];
            s.in[3] = av[(i / 8 + i * 3) % 8];
            s.in[1] = av[(i * 5 + 1) % 8];
            s.in[2] = av[(i * 7 + 3) % 8];
            in = s;
            sx_run(&s, ccs[c].entry);
            print_run(name, (int)i, &in, &s, mask, &rf);
            hist[s.exit & 3]++;
        }
        out("%s exits: x0=%u x1=%u x2=%u x3=%u\n", name, hist[0], hist[1], hist[2],
            hist[3]);
    }
}

static void chain_tests(void)
{
    static const struct chain chains[] = {
        { "A8", sx_a8, { ALL, ALL, ALL, ALL }, { 0, 0, 0 }, setup_a, 32 },
        { "A32", sx_a32, { ALL, ALL, ALL, ALL }, { 0, 0, 0 }, setup_a, 32 },
        { "L1.8", sx_l1_8, { ALL, ISA_ZF | ISA_CF, ISA_ZF | ISA_CF, ALL }, { 0, 0, 0 },
          setup_l1, 32 },
        { "L1.32", sx_l1_32, { ALL, ISA_ZF | ISA_CF, ISA_ZF | ISA_CF, ALL }, { 0, 0, 0 },
          setup_l1, 32 },
        { "L2.8", sx_l2_8, { ALL, ALL, ALL, ALL }, { 0, 1u << 4, 0 }, setup_l2, 32 },
        { "L2.32", sx_l2_32, { ALL, ALL, ALL, ALL }, { 0, 1u << 4, 0 }, setup_l2, 32 },
        { "LP1.8", sx_lp1_8, { ALL, ALL, ALL, ALL }, { 0, 1u << 4, 0 }, setup_lp, 24 },
        { "LP1.32", sx_lp1_32, { ALL, ALL, ALL, ALL }, { 0, 1u << 4, 0 }, setup_lp, 24 },
        { "LP2.8", sx_lp2_8, { ALL, ALL, ALL, ALL }, { 0, 1u << 4, 0 }, setup_lp, 24 },
        { "LP2.32", sx_lp2_32, { ALL, ALL, ALL, ALL }, { 0, 1u << 4, 0 }, setup_lp, 24 },
        { "LP3.8", sx_lp3_8, { ALL, ALL, ALL, ALL }, { 0, 0, 0 }, setup_lp3, 24 },
        { "LP3.32", sx_lp3_32, { ALL, ALL, ALL, ALL }, { 0, 0, 0 }, setup_lp3, 24 },
        { "S1.8", sx_s1_8, { ALL, ALL, ALL, ALL }, { (1u << 4) | (1u << 5), 0, 0 }, setup_s,
          32 },
        { "S1.32", sx_s1_32, { ALL, ALL, ALL, ALL }, { (1u << 4) | (1u << 5), 0, 0 },
          setup_s, 32 },
        { "S2.8", sx_s2_8, { ALL, ALL, ALL, ALL }, { (1u << 4) | (1u << 5), 0, 0 }, setup_s,
          32 },
        { "S2.32", sx_s2_32, { ALL, ALL, ALL, ALL }, { (1u << 4) | (1u << 5), 0, 0 },
          setup_s, 32 },
        { "H8", sx_h8, { ALL, ALL & ~ISA_OF, ISA_SF | ISA_ZF | ISA_PF, ALL }, { 0, 0, 0 },
          setup_h, 32 },
        { "H32", sx_h32, { ALL, ALL & ~ISA_OF, ISA_SF | ISA_ZF | ISA_PF, ALL }, { 0, 0, 0 },
          setup_h, 32 },
    };
    for (int i = 0; i < N(chains); i++) {
        isa_srand(0x5EED0000u + (uint32_t)i / 2);   /* rel8 and rel32: same inputs */
        run_chain(&chains[i]);
    }
}

/* ---- faults ---- */
struct fcase {
    struct sx s;
    const char *entry;
};

static void fault_body(void *p)
{
    struct fcase *c = p;
    sx_run(&c->s, c->entry);
}

static void fault_case(const char *name, int k, struct fcase *c, const uint32_t mask[4])
{
    static const struct regfmt rf = { 0, 0, 0 };
    struct sx in = c->s;
    struct xbt_fault f;
    char b[48], ib[120];

    if (xbt_catch(fault_body, c, &f) < 0) {
        print_run(name, k, &in, &c->s, mask, &rf);
        return;
    }
    uint32_t r[6] = { f.eax, f.ecx, f.edx, f.ebx, f.esi, f.edi };
    char ob[120];
    fmt_regs(ib, sizeof ib, in.in, &c->s, &rf);
    fmt_regs(ob, sizeof ob, r, &c->s, &rf);
    out("%s %02d%s f=%s -> %s%s f=%s mem=%08x,%08x,%08x,%08x,%08x\n", name, k, ib,
        isa_fl(in.fin, ALL), xbt_fault_str(&f, b, sizeof b), ob, isa_fl(f.eflags, ALL),
        c->s.mem[0], c->s.mem[1], c->s.mem[2], c->s.mem[3], c->s.mem[6]);
}

static void fault_tests(void)
{
    static const uint32_t mask[4] = { ALL, ALL, ALL, ALL };
    static const char *const f1[2] = { sx_f1_8, sx_f1_32 }, *const f2[2] = { sx_f2_8, sx_f2_32 };
    static const char *const f3[2] = { sx_f3_8, sx_f3_32 }, *const f4[2] = { sx_f4_8, sx_f4_32 };
    char name[16];

    for (int j = 0; j < 2; j++) {
        /* F1: a = b + 1 (not x1), esi small (not x2), edi 0 or not */
        isa_srand(0xF1);
        snprintf(name, sizeof name, "F1.%d", j ? 32 : 8);
        for (int k = 0; k < 12; k++) {
            struct fcase c;
            memset(&c, 0, sizeof c);
            c.entry = f1[j];
            c.s.in[0] = 0x100 + isa_rand() % 0x1000;
            c.s.in[3] = (k % 6 == 5) ? c.s.in[0] + 1 : isa_rand() % 0x100;
            c.s.in[4] = (k % 6 == 4) ? 0x80000000u : isa_rand() % 0x100;
            c.s.in[1] = rv();
            c.s.in[2] = (k % 3 == 2) ? 7 : isa_rand() % 5;      /* EDX: overflow if >= EDI */
            c.s.in[5] = (k % 3 == 0) ? 0 : 5 + isa_rand() % 3;  /* EDI: 0 -> #DE */
            c.s.fin = rfl();
            fault_case(name, k, &c, mask);
        }
        isa_srand(0xF2);
        snprintf(name, sizeof name, "F2.%d", j ? 32 : 8);
        for (int k = 0; k < 8; k++) {
            struct fcase c;
            memset(&c, 0, sizeof c);
            c.entry = f2[j];
            c.s.in[4] = (k == 3) ? 0xFFFFFFF0u : isa_rand() % 0x10000;
            c.s.in[3] = isa_rand() % 0x100;
            c.s.in[5] = rv();
            c.s.in[0] = rv();
            c.s.in[2] = isa_rand() % 3;
            c.s.in[1] = (k % 2) ? 0 : 3 + isa_rand() % 10;     /* ECX 0 -> #DE */
            c.s.fin = rfl();
            fault_case(name, k, &c, mask);
        }
        isa_srand(0xF3);
        snprintf(name, sizeof name, "F3.%d", j ? 32 : 8);
        for (int k = 0; k < 10; k++) {
            struct fcase c;
            memset(&c, 0, sizeof c);
            c.entry = f3[j];
            c.s.in[0] = isa_rand() % 100;
            c.s.in[3] = (k == 0) ? 0 : 100;                      /* a > b: x1 */
            c.s.in[1] = (k == 1) ? 0xFFFFFFFFu : (uint32_t)k * 7 - 27;  /* INC -> 0: x2 */
            c.s.in[4] = rv();
            c.s.in[5] = rv();
            c.s.mem[4] = (uint32_t)-5;                           /* bounds -5..30 */
            c.s.mem[5] = 30;
            c.s.fin = rfl();
            fault_case(name, k, &c, mask);
        }
        snprintf(name, sizeof name, "F4.%d", j ? 32 : 8);
        for (int k = 0; k < 6; k++) {
            struct fcase c;
            memset(&c, 0, sizeof c);
            c.entry = f4[j];
            c.s.in[1] = 10 + (uint32_t)k * 7;                    /* rounds */
            c.s.in[5] = (k % 3 == 2) ? 0 : (uint32_t)k * 5 + 1;  /* #DE when ECX = EDI */
            c.s.in[4] = 1000 + (uint32_t)k;
            c.s.fin = (uint32_t)k * 0x45 & ALL;
            fault_case(name, k, &c, mask);
        }
    }
}

/* ---- self-modifying code ---- */
#define SMC_OFF 0x2000u           /* past the SEG16 blob in sys_exec_buf() */

static void smc_tests(void)
{
    uint8_t *buf = sys_exec_buf();
    static const uint32_t mask[4] = { ALL, ALL, ALL, ALL };
    const struct regfmt rf = { 0, 0, 1u << 5 };   /* EDI: the copy */

    if (!buf) {
        printf("no executable memory: SMC tests skipped\n");
        return;
    }
    uint8_t *code = buf + SMC_OFF;
    isa_srand(0x5AC);

    /* SMC1: each call patches block 3 with a new value; the copy is kept
     * between calls (translations reused, the store must still win) */
    memcpy(code, sx_smc1, (size_t)(sx_smc1_end - sx_smc1));
    for (int k = 0; k < 16; k++) {
        struct sx s, in;
        memset(&s, 0, sizeof s);
        s.in[0] = 0x1000u * (uint32_t)k + 0xABu;                 /* the new immediate */
        s.in[1] = (k % 4 == 1) ? 1 : 100 + (uint32_t)k;          /* ECX < EBX: x1 */
        s.in[3] = 50;
        s.in[4] = (k % 4 == 2) ? (uint32_t)(50 - 100 - k) : (uint32_t)k;   /* x2 */
        s.in[5] = (uint32_t)(uintptr_t)code;
        s.fin = rfl();
        in = s;
        sx_run(&s, code);
        print_run("SMC1", k, &in, &s, mask, &rf);
        uint32_t imm;
        memcpy(&imm, code + (sx_smc1_imm - sx_smc1), 4);
        out("SMC1 %02d imm=%08x\n", k, imm);
    }

    /* SMC2: the second side exit's condition flips between JE and JNE */
    memcpy(code, sx_smc2, (size_t)(sx_smc2_end - sx_smc2));
    for (int k = 0; k < 16; k++) {
        struct sx s, in;
        memset(&s, 0, sizeof s);
        s.in[0] = 0xCAFE7400u | ((k / 2) % 2 ? 0x75u : 0x74u);
        s.in[1] = 0x100u * (uint32_t)k + 1;
        s.in[3] = (k % 8 == 7) ? 0x7FFFFFFFu : (uint32_t)k;      /* ADD overflows: x1 */
        s.in[2] = (k % 2) ? 0 : (uint32_t)k + 3;                  /* TEST: ZF */
        s.in[5] = (uint32_t)(uintptr_t)code;
        s.fin = rfl();
        in = s;
        sx_run(&s, code);
        print_run("SMC2", k, &in, &s, mask, &rf);
    }

    /* SMC3: the loop rewrites its first instruction each round */
    for (int k = 0; k < 8; k++) {
        struct sx s, in;
        memcpy(code, sx_smc3, (size_t)(sx_smc3_end - sx_smc3));
        memset(&s, 0, sizeof s);
        s.in[1] = 1 + (uint32_t)k * 5;
        s.in[3] = rv();
        s.in[2] = rv();
        s.in[5] = (uint32_t)(uintptr_t)code;
        s.fin = rfl();
        in = s;
        sx_run(&s, code);
        print_run("SMC3", k, &in, &s, mask, &rf);
        /* and again on the patched copy (imm = 1 now) */
        s = in;
        sx_run(&s, code);
        print_run("SMC3'", k, &in, &s, mask, &rf);
    }
}

/* ---- 16-bit operand size Jcc in a based code segment ----
 * Entered by a far JMP with EBX = &sx16_back; EAX, ESI, EDI, ECX inputs;
 * every exit leaves EFLAGS in ECX, its number in EDX and goes back.
 * Entry 0x100: CMP; JB rel16 (66 0F 82) taken -> 0x10040 wraps to 0x40;
 * not taken: CMP; JE rel8 (66 74) -> 0x180; SUB; JG rel16 -> wraps to 0x50
 * (the last branch); fall-through exit 0. */
__asm__(".pushsection .rodata\n"
        ".globl sx16_blob, sx16_blob_end\n"
        ".p2align 4\n"
        "sx16_blob:\n"
        ".org sx16_blob + 0x40\n"
        "  pushfl\n  popl %ecx\n  movl $1, %edx\n  ljmp *(%ebx)\n"
        ".org sx16_blob + 0x50\n"
        "  pushfl\n  popl %ecx\n  movl $3, %edx\n  ljmp *(%ebx)\n"
        ".org sx16_blob + 0x100\n"
        "  cmpl %esi, %eax\n"
        "  .byte 0x66, 0x0f, 0x82\n"
        "  .word 0x10040 - (9f - sx16_blob)\n"
        "9:\n"
        "  xorl %edx, %edx\n"
        "  cmpl %edi, %eax\n"
        "  .byte 0x66\n"
        "  je 2f\n"
        "  subl %eax, %ecx\n"
        "  .byte 0x66, 0x0f, 0x8f\n"
        "  .word 0x10050 - (8f - sx16_blob)\n"
        "8:\n"
        "  pushfl\n  popl %ecx\n  movl $0, %edx\n  ljmp *(%ebx)\n"
        ".org sx16_blob + 0x180\n"
        "2:\n"
        "  pushfl\n  popl %ecx\n  movl $2, %edx\n  ljmp *(%ebx)\n"
        "sx16_blob_end:\n"
        ".popsection\n");
extern const uint8_t sx16_blob[], sx16_blob_end[];

struct farptr {
    uint32_t off;
    uint16_t sel;
} __attribute__((packed));
struct farptr sx16_ent, sx16_back;

struct r16 {
    uint32_t a, c, S, D;
    uint32_t fl, x;
};

static void seg16_body(void *p)
{
    struct r16 *r = p;
    uint32_t a = r->a, c = r->c, d = 0;
    __asm__ volatile("movl $1f, sx16_back\n\t"
                     "movl $sx16_back, %%ebx\n\t"
                     "ljmp *sx16_ent\n"
                     "1:"
                     : "+a"(a), "+c"(c), "+d"(d)
                     : "S"(r->S), "D"(r->D)
                     : "ebx", "cc", "memory");
    r->a = a;
    r->fl = c;
    r->x = d;
}

static void seg16_tests(void)
{
    uint8_t *buf = sys_exec_buf();
    size_t n = (size_t)(sx16_blob_end - sx16_blob);
    uint16_t sel;
    static const uint32_t mask[4] = { ALL, ALL, ALL, ALL };

    if (!buf || n > SMC_OFF) {
        printf("no executable memory: SEG16 tests skipped\n");
        return;
    }
    memcpy(buf, sx16_blob, n);
    sel = sys_seg(1, buf, 0xFFFF, 1);
    if (!sel) {
        printf("cannot create a based code segment: SEG16 tests skipped\n");
        return;
    }
    sx16_back.sel = sys_cs();
    sx16_ent.sel = sel;
    sx16_ent.off = 0x100;
    isa_srand(0x16);
    unsigned hist[4] = { 0, 0, 0, 0 };
    for (int k = 0; k < 24; k++) {
        struct r16 r = { rv(), rv(), rv(), rv(), 0, 0 };
        struct xbt_fault f;
        if (k % 4 == 1)
            r.D = r.a;            /* JE taken (if not JB) */
        if (k % 4 == 2)
            r.S = 0;              /* JB not taken */
        uint32_t a = r.a, c = r.c, S = r.S, D = r.D;
        if (xbt_catch(seg16_body, &r, &f) >= 0) {
            out("SEG16 %02d -> %s at offset %#x\n", k, xbt_vector_name(f.vector),
                f.eip);
            continue;
        }
        out("SEG16 %02d a=%08x c=%08x S=%08x D=%08x -> x%u a=%08x f=%s\n", k, a, c, S, D,
            r.x, r.a, isa_fl(r.fl, mask[r.x & 3]));
        hist[r.x & 3]++;
    }
    out("SEG16 exits: x0=%u x1=%u x2=%u x3=%u\n", hist[0], hist[1], hist[2], hist[3]);
}

/* ---- the loops under interrupts ---- */
static volatile uint32_t ticks, ticks_inside;

static void tick(uint32_t eip)
{
    ticks++;
    if (eip - (uint32_t)(uintptr_t)sx_loops_begin <
        (uint32_t)(sx_loops_end - sx_loops_begin))
        ticks_inside++;
}

#ifdef XBT_NATIVE
static void on_alarm(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    tick((uint32_t)((ucontext_t *)ucv)->uc_mcontext.gregs[REG_EIP]);
}

static void timer_start(void)
{
    struct sigaction sa;
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
}

static void timer_stop(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
    signal(SIGALRM, SIG_IGN);
}
#else
static void on_pit(struct isr_frame *f)
{
    tick(f->eip);
    pic_eoi(0);
}

static void noop(void *p) { (void)p; }

static void timer_start(void)
{
    xbt_catch(noop, NULL, NULL);  /* the IDT is loaded */
    isr_register(PIC_MASTER_BASE + 0, on_pit);
    pic_remap(0xFE, 0xFF);        /* IRQ0 only */
    pit_periodic(1193);           /* ~1 kHz */
    __asm__ volatile("sti");
}

static void timer_stop(void)
{
    __asm__ volatile("cli");
    outb(0x21, 0xFF);
}
#endif

static void irq_tests(void)
{
    static const struct {
        const char *name;
        const char *entry;
    } loops[] = {
        { "LP1.8", sx_lp1_8 }, { "LP2.32", sx_lp2_32 }, { "LP3.8", sx_lp3_8 },
        { "LP1.32", sx_lp1_32 }, { "LP2.8", sx_lp2_8 }, { "LP3.32", sx_lp3_32 },
    };
    static const uint32_t mask[4] = { ALL, ALL, ALL, ALL };
    struct sx s[N(loops)], in[N(loops)];
    long rounds = xbt_arg_long(3000000);

    isa_srand(0x1E9);
    for (int i = 0; i < N(loops); i++) {
        memset(&s[i], 0, sizeof s[i]);
        for (int r = 0; r < 6; r++)
            s[i].in[r] = rv();
        s[i].in[1] = (uint32_t)rounds;
        s[i].in[4] = i % 3 == 2 ? rv() : gsoff(s[i].mem);
        s[i].fin = rfl();
        fill_mem(&s[i]);
        in[i] = s[i];
    }
    ticks = ticks_inside = 0;
    timer_start();
    for (int i = 0; i < N(loops); i++)
        sx_run(&s[i], loops[i].entry);
    timer_stop();
    for (int i = 0; i < N(loops); i++) {
        struct regfmt rf = { 0, i % 3 == 2 ? 0 : 1u << 4, 0 };
        char name[24];
        snprintf(name, sizeof name, "IRQ.%s", loops[i].name);
        print_run(name, (int)rounds, &in[i], &s[i], mask, &rf);
    }
    out("IRQ interrupts arrived inside the loops: %s\n", ticks_inside ? "yes" : "NO");
}

int test_main(void)
{
    chain_tests();
    cc_tests();
    fault_tests();
    smc_tests();
    seg16_tests();
    irq_tests();
    printf("checksum %08x\n", sx_checksum);
    isa_done("isa_side_exits");
    return 0;
}
