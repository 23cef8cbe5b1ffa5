#!/usr/bin/env python3
"""gen.py - writes a reproducible file of random IA-32 basic blocks for the
random-instruction differential fuzzer (tests/fuzz/insn/README.md).

    gen.py SEED NBLOCKS OUT [--no-check] [--qemu]

From SEED alone (Python's random.Random: the same file on every host and
Python 3 version) it writes NBLOCKS blocks: random but valid instruction
sequences, weighted toward the integer ALU with every ModRM/SIB/displacement
form, flag producers and consumers, shifts and rotates (immediate, 1, CL),
MUL/DIV with guarded divisors, BT*, SETcc/CMOVcc, forward Jcc/JMP/LOOP,
LEA (also with 16-bit addressing), XCHG/CMPXCHG/XADD (also LOCKed),
CMPXCHG8B, string instructions with small counts, PUSH/POP/PUSHA/POPA and
PUSHF/POPF, MOVZX/MOVSX from AH..BH into any register (ESP too, as the last
instruction), the 32-bit-only opcodes (0x82, INC/DEC 0x40-0x4F, the BCD ops,
SALC, BOUND, INTO, ARPL), and rarely INT3, ICEBP, UD2 and an unguarded
divide, each block ending in the fixed epilogue `jmp *%cs:FUZZ_BACK_PTR`.

Memory operands only reach the block's scratch memory (fixed addresses, the
same in the guest and natively, fuzz.h): through a base register B
(= FUZZ_DATA + 0x800, never written), an index register I (0..15, never
written), ESP (the stack area), absolute disp32 addresses, and ESI/EDI that
the block sets itself for string instructions.

The generator tracks which arithmetic flags are undefined (the SDM's
"undefined" for each instruction class, and everything a CL-count shift
may leave undefined): a flag consumer never reads an undefined flag (a `cmp`
that defines all six is put before it), and the block records, for each
instruction start and the end, the flags defined there; the runner prints
only those (after a fault: those defined before the faulting instruction).

Every block is checked by decoding it with objdump (binutils): the
instruction boundaries must be the ones the encoder meant and none may be
"(bad)"; a failure is a generator bug and stops it (--no-check skips this).
--qemu masks QEMU's known deviations (README.md) for runs compared with
QEMU: INT3 where ICEBP would be (QEMU raises #UD), a NOP with the same
operand where CMPXCHG8B would be (QEMU corrupts EFLAGS, DF included); the
same blocks otherwise.

File format (little-endian), FUZZ_MAGIC then the block count:
    "XBTFUZ01" u32 nblocks
    per block: u32 id, u32 reg[8] (EAX..EDI), u32 eflags (arithmetic bits
    and DF), u32 data_seed, u16 code_len, u16 nmarks,
    nmarks x (u16 offset, u16 defined-flags mask), code, padding to 4.
"""
import random
import struct
import subprocess
import sys
import tempfile

# Fixed scratch memory (fuzz.h): code page, stack area, data area.
FUZZ_BASE = 0x00C00000
FUZZ_CODE = FUZZ_BASE
FUZZ_BACK_PTR = FUZZ_BASE + 0x0FF8
FUZZ_STACK_TOP = FUZZ_BASE + 0x3800
FUZZ_DATA = FUZZ_BASE + 0x4000
B_VALUE = FUZZ_DATA + 0x800

EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI = range(8)
CF, PF, AF, ZF, SF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800
ALL = CF | PF | AF | ZF | SF | OF
DF = 0x400
# condition codes -> the flags they read
CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF,
            SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF]
INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x12345678, 9, 10, 0x99]


class Block:
    """One block being built: bytes, marks, flag state, register roles."""

    def __init__(self, rnd, bid):
        self.r = rnd
        self.id = bid
        self.code = bytearray()
        self.marks = []           # (offset, undefined flags before it)
        self.undef = 0            # flags undefined now
        self.pending = {}         # item index -> undefined flags merged in there
        self.jumps = []           # (patch offset, size, base offset, target item)
        regs = [EAX, ECX, EDX, EBX, EBP, ESI, EDI]
        self.B = rnd.choice(regs)
        self.I = rnd.choice([x for x in regs if x != self.B])
        self.W = [x for x in range(8) if x not in (ESP, self.B, self.I)]
        self.pushes = 0           # stack depth relative to the start (dwords)
        self.done = False         # ended by a trap/fault-only instruction

    # ---- flag bookkeeping ----
    def insn(self, data, reads=0, writes=0, undef=0):
        """Appends one instruction; reads must be defined (ensured by need())."""
        assert reads & self.undef == 0, "reads undefined flags"
        self.marks.append((len(self.code), self.undef))
        self.code += bytes(data)
        self.undef = (self.undef & ~writes) | undef

    def need(self, reads):
        """Makes the flags in `reads` defined (a register-register CMP)."""
        if reads & self.undef:
            a, b = self.r.randrange(8), self.r.randrange(8)
            self.insn([0x39, 0xC0 | b << 3 | a], writes=ALL)

    # ---- registers and operands ----
    def wreg(self):
        return self.r.choice(self.W)

    def wreg8(self):
        """A byte register whose dword is writable (AL..BH)."""
        return self.r.choice([x for x in range(8) if (x & 3) in self.W])

    def anyreg(self):
        return self.r.randrange(8)

    def disp(self, lo, hi):
        return self.r.randint(lo, hi)

    def modrm_mem(self, reg, size=4):
        """ModRM (+SIB, displacement) for a memory operand inside the data
        area (or the stack area through ESP) with ModRM.reg = reg."""
        r, B, I = self.r, self.B, self.I
        form = r.randrange(10)
        out = []
        s = r.randrange(4)
        if form == 0 and B != EBP:                     # [B]
            out = [0x00 | reg << 3 | B]
        elif form == 1:                                # [B + disp8]
            out = [0x40 | reg << 3 | B, self.disp(-128, 127) & 0xFF]
        elif form == 2:                                # [B + disp32]
            out = [0x80 | reg << 3 | B] + le32(self.disp(-0x400, 0x400))
        elif form == 3 and B != EBP:                   # [B + I*s]
            out = [0x04 | reg << 3, s << 6 | I << 3 | B]
        elif form == 4:                                # [B + I*s + disp8]
            out = [0x44 | reg << 3, s << 6 | I << 3 | B, self.disp(-128, 127) & 0xFF]
        elif form == 5:                                # [B + I*s + disp32]
            out = [0x84 | reg << 3, s << 6 | I << 3 | B] + le32(self.disp(-0x400, 0x400))
        elif form == 6:                                # [disp32]
            out = [0x05 | reg << 3] + le32(FUZZ_DATA + self.disp(0x80, 0xF00))
        elif form == 7:                                # [I*s + disp32] (no base)
            out = [0x04 | reg << 3, s << 6 | I << 3 | 5] + le32(FUZZ_DATA + self.disp(0x80, 0xF00))
        elif form == 8:                                # [ESP + disp8] (the stack area)
            out = [0x44 | reg << 3, 0x24, self.disp(-64, 64) & 0xFF]
        else:                                          # [B] through a SIB without index
            out = [0x44 | reg << 3, 0x20 | B, self.disp(-100, 100) & 0xFF]
        if r.randrange(12) == 0:
            out = [r.choice([0x26, 0x36, 0x3E])] + out    # harmless segment override
            return out, True
        return out, False

    def rm(self, reg, write, size=4, allow_mem=True):
        """(bytes starting at ModRM, prefix bytes) for an r/m operand: a
        register (writable if `write`) or memory."""
        if allow_mem and self.r.randrange(3) == 0:
            m, seg = self.modrm_mem(reg, size)
            if seg:
                return m[1:], [m[0]], True
            return m, [], True
        if write:
            x = self.wreg8() if size == 1 else self.wreg()
        else:
            x = self.anyreg()
        return [0xC0 | reg << 3 | x], [], False

    def pfx(self, size):
        return [0x66] if size == 2 else []

    def imm(self, size):
        v = self.r.choice(INTERESTING) if self.r.randrange(3) == 0 else self.r.getrandbits(32)
        return list(struct.pack("<I", v & 0xFFFFFFFF))[:size]


def le32(v):
    return list(struct.pack("<I", v & 0xFFFFFFFF))


def le16(v):
    return list(struct.pack("<H", v & 0xFFFF))


# ---- instruction groups (each appends one or more instructions) ----

def g_alu(b):
    r = b.r
    op = r.randrange(8)                           # ADD OR ADC SBB AND SUB XOR CMP
    reads = CF if op in (2, 3) else 0
    undef = AF if op in (1, 4, 6) else 0
    write = op != 7
    size = r.choice([4, 4, 4, 2, 1, 1])
    b.need(reads)
    form = r.randrange(6)
    lock = []
    if form == 0:                                 # op r/m, r
        reg = b.anyreg()
        modrm, seg, mem = b.rm(reg, write, size)
        if mem and write and r.randrange(4) == 0:
            lock = [0xF0]
        code = lock + seg + b.pfx(size) + [op * 8 + (0 if size == 1 else 1)] + modrm
    elif form == 1:                               # op r, r/m
        reg = (b.wreg8() if size == 1 else b.wreg()) if write else b.anyreg()
        modrm, seg, _ = b.rm(reg, False, size)
        code = seg + b.pfx(size) + [op * 8 + (2 if size == 1 else 3)] + modrm
    elif form == 2:                               # op al/ax/eax, imm
        if write and EAX not in b.W:
            return
        code = b.pfx(size) + [op * 8 + (4 if size == 1 else 5)] + b.imm(size)
    else:                                         # 80/81/82/83 /op imm
        opc = r.choice([0x80, 0x82]) if size == 1 else r.choice([0x81, 0x83])
        modrm, seg, mem = b.rm(op, write, size)
        if mem and write and r.randrange(4) == 0:
            lock = [0xF0]
        isz = 1 if opc != 0x81 else size
        code = lock + seg + b.pfx(size) + [opc] + modrm + b.imm(isz)
    b.insn(code, reads=reads, writes=ALL, undef=undef)


def g_test(b):
    r = b.r
    size = r.choice([4, 2, 1])
    form = r.randrange(3)
    if form == 0:
        modrm, seg, _ = b.rm(b.anyreg(), False, size)
        code = seg + b.pfx(size) + [0x84 if size == 1 else 0x85] + modrm
    elif form == 1:
        code = b.pfx(size) + [0xA8 if size == 1 else 0xA9] + b.imm(size)
    else:
        modrm, seg, _ = b.rm(0, False, size)
        code = seg + b.pfx(size) + [0xF6 if size == 1 else 0xF7] + modrm + b.imm(size)
    b.insn(code, writes=ALL, undef=AF)


def g_unary(b):
    """NOT/NEG, INC/DEC (FE/FF and the 32-bit-only 40-4F)."""
    r = b.r
    size = r.choice([4, 2, 1])
    k = r.randrange(4)
    if k == 0:                                    # 40+r / 48+r
        code = b.pfx(size if size != 1 else 4) + [r.choice([0x40, 0x48]) + b.wreg()]
        b.insn(code, writes=ALL & ~CF)
        return
    sub = r.choice([2, 3]) if k == 1 else r.choice([0, 1])
    modrm, seg, mem = b.rm(sub, True, size)
    lock = [0xF0] if mem and r.randrange(4) == 0 else []
    opc = (0xF6 if size == 1 else 0xF7) if k == 1 else (0xFE if size == 1 else 0xFF)
    writes = 0 if (k == 1 and sub == 2) else (ALL if k == 1 else ALL & ~CF)
    b.insn(lock + seg + b.pfx(size) + [opc] + modrm, writes=writes)


def g_muldiv(b):
    r = b.r
    size = r.choice([4, 2, 1])
    if EAX not in b.W or (size != 1 and EDX not in b.W):
        return
    sub = r.choice([4, 5, 6, 7, 6, 7])            # MUL IMUL DIV IDIV
    # the divisor (or factor): a register or memory, never EAX/EDX themselves
    if r.randrange(3) == 0:
        m, seg = b.modrm_mem(0, size)
        mem, modrm_tail = True, m if not seg else m[1:]
        seg = [m[0]] if seg else []
    else:
        cand = [x for x in b.W if x not in (EAX, EDX)] if size != 1 else \
            [x for x in range(8) if x not in (0, 4) and (x & 3) in b.W and (x & 3) != EDX]
        if not cand:
            return
        x = r.choice(cand)
        mem, modrm_tail, seg = False, [0xC0 | x], []
    opc = 0xF6 if size == 1 else 0xF7

    def with_reg(tail, reg):
        t = list(tail)
        t[0] = (t[0] & ~0x38) | reg << 3
        return t

    if sub >= 6 and r.randrange(20) != 0:          # guarded divide
        grp = 0x80 if size == 1 else 0x81
        if sub == 6:
            k = r.randrange(8 * size)
            bit = 1 << k
            # divisor |= 2^k; high half of the dividend &= 2^k - 1 (< divisor)
            b.insn(seg + b.pfx(size) + [grp] + with_reg(modrm_tail, 1) + le32(bit)[:size],
                   writes=ALL, undef=AF)
            if size == 1:
                b.insn([0x80, 0xE4, (bit - 1) & 0xFF], writes=ALL, undef=AF)   # and ah
            else:
                b.insn(b.pfx(size) + [0x81, 0xE2] + le32(bit - 1)[:size], writes=ALL, undef=AF)
        else:
            # |divisor| >= 3 (bit 2 set, bit 1 clear), dividend sign-extended
            b.insn(seg + b.pfx(size) + [grp] + with_reg(modrm_tail, 1) + le32(4)[:size],
                   writes=ALL, undef=AF)
            b.insn(seg + b.pfx(size) + [grp] + with_reg(modrm_tail, 4) + le32(~2)[:size],
                   writes=ALL, undef=AF)
            b.insn([0x66, 0x98] if size == 1 else (b.pfx(size) + [0x99]))    # cbw / cwd / cdq
    undef = ALL if sub >= 6 else (SF | ZF | AF | PF)
    b.insn(seg + b.pfx(size) + [opc] + with_reg(modrm_tail, sub), writes=ALL, undef=undef)


def g_imul(b):
    r = b.r
    size = r.choice([4, 2])
    reg = b.wreg()
    modrm, seg, _ = b.rm(reg, False, size)
    k = r.randrange(3)
    if k == 0:
        code = seg + b.pfx(size) + [0x0F, 0xAF] + modrm
    elif k == 1:
        code = seg + b.pfx(size) + [0x6B] + modrm + b.imm(1)
    else:
        code = seg + b.pfx(size) + [0x69] + modrm + b.imm(size)
    b.insn(code, writes=ALL, undef=SF | ZF | AF | PF)


def shift_flags(sub, count, size):
    """(writes, undef) of a shift/rotate; count None: by CL (unknown)."""
    if count is not None:
        count &= 31
        if count == 0:
            return 0, 0
    # by CL the count may be 0 (nothing changes): flags undefined before stay
    # so, hence writes = 0 below for count None (the caller clears nothing)
    if sub < 4:                                   # ROL ROR RCL RCR: CF, OF
        return CF | OF, (OF if count != 1 else 0)
    undef = AF | (OF if count != 1 else 0)
    if sub in (4, 5, 6) and size != 4 and (count is None or count >= size * 8):
        undef |= CF
    return ALL, undef


def g_shift(b):
    r = b.r
    size = r.choice([4, 2, 1])
    sub = r.choice([0, 1, 2, 3, 4, 5, 7, 4, 5, 7, 6])   # /6: the SAL alias, rarely
    kind = r.randrange(3)
    modrm, seg, _ = b.rm(sub, True, size)
    base = 0 if size == 1 else 1
    reads = CF if sub in (2, 3) else 0
    if kind == 0:
        count = r.choice([0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, r.randrange(256)])
        code = seg + b.pfx(size) + [0xC0 + base] + modrm + [count]
    elif kind == 1:
        count = 1
        code = seg + b.pfx(size) + [0xD0 + base] + modrm
    else:
        count = None
        code = seg + b.pfx(size) + [0xD2 + base] + modrm
    writes, undef = shift_flags(sub, count, size)
    if count is None:
        writes = 0
    if count is None or (count & 31):
        b.need(reads)
    else:
        reads = 0
    b.insn(code, reads=reads, writes=writes, undef=undef)


def g_shd(b):
    r = b.r
    reg = b.anyreg()
    modrm, seg, _ = b.rm(reg, True, 4)
    op = r.choice([0xA4, 0xAC])
    if r.randrange(2):
        count = r.randrange(40)
        code = seg + [0x0F, op] + modrm + [count]
        count &= 31
        if count == 0:
            b.insn(code)
            return
        b.insn(code, writes=ALL, undef=AF | (OF if count != 1 else 0))
    else:
        b.insn(seg + [0x0F, op + 1] + modrm, undef=AF | OF)     # CL may be 0


def g_bt(b):
    r = b.r
    size = r.choice([4, 2])
    sub = r.randrange(4)                          # BT BTS BTR BTC
    write = sub != 0
    undef = OF | SF | AF | PF | ZF
    if r.randrange(2):                            # imm8 form
        modrm, seg, mem = b.rm(4 + sub, write, size)
        lock = [0xF0] if mem and write and r.randrange(4) == 0 else []
        b.insn(lock + seg + b.pfx(size) + [0x0F, 0xBA] + modrm + [r.randrange(256)],
               writes=CF, undef=undef)
        return
    reg = b.wreg()
    modrm, seg, mem = b.rm(reg, write, size)
    if mem:                                       # bit offset 0..0x3FF (128 bytes)
        b.insn([0x81, 0xE0 | reg] + le32(r.choice([0x3F, 0xFF, 0x3FF])), writes=ALL, undef=AF)
    lock = [0xF0] if mem and write and r.randrange(4) == 0 else []
    b.insn(lock + seg + b.pfx(size) + [0x0F, 0xA3 + 8 * sub] + modrm, writes=CF, undef=undef)


def g_bsf(b):
    size = b.r.choice([4, 2])
    modrm, seg, _ = b.rm(b.wreg(), False, size)
    b.insn(seg + b.pfx(size) + [0x0F, b.r.choice([0xBC, 0xBD])] + modrm,
           writes=ALL, undef=ALL & ~ZF)


def g_setcc(b):
    r = b.r
    cc = r.randrange(16)
    b.need(CC_READS[cc])
    if r.randrange(2):
        modrm, seg, _ = b.rm(0, True, 1)
        b.insn(seg + [0x0F, 0x90 + cc] + modrm, reads=CC_READS[cc])
    else:
        size = r.choice([4, 2])
        modrm, seg, _ = b.rm(b.wreg(), False, size)
        b.insn(seg + b.pfx(size) + [0x0F, 0x40 + cc] + modrm, reads=CC_READS[cc])


def g_lea(b):
    """LEA with any registers (no memory is touched), 32- and 16-bit addressing."""
    r = b.r
    reg = b.wreg()
    size = r.choice([4, 4, 2])
    if r.randrange(4) == 0:                       # 16-bit addressing (0x67)
        mod = r.randrange(3)
        rm = r.randrange(8)
        tail = [mod << 6 | reg << 3 | rm]
        if mod == 1:
            tail += [r.randrange(256)]
        elif mod == 2 or (mod == 0 and rm == 6):
            tail += le16(r.getrandbits(16))
        b.insn([0x67] + b.pfx(size) + [0x8D] + tail)
        return
    mod = r.randrange(3)
    if r.randrange(2):
        base, idx, s = r.randrange(8), r.randrange(8), r.randrange(4)
        tail = [mod << 6 | reg << 3 | 4, s << 6 | idx << 3 | base]
        if mod == 0 and base == 5:
            tail += le32(r.getrandbits(32))
    else:
        rm = r.choice([0, 1, 2, 3, 5, 6, 7])
        tail = [mod << 6 | reg << 3 | rm]
        if mod == 0 and rm == 5:
            tail += le32(r.getrandbits(32))
    if mod == 1:
        tail += [r.randrange(256)]
    elif mod == 2:
        tail += le32(r.getrandbits(32))
    b.insn(b.pfx(size) + [0x8D] + tail)


def g_mov(b):
    r = b.r
    size = r.choice([4, 4, 2, 1])
    k = r.randrange(4)
    if k == 0:                                    # mov r/m, r
        modrm, seg, _ = b.rm(b.anyreg(), True, size)
        b.insn(seg + b.pfx(size) + [0x88 if size == 1 else 0x89] + modrm)
    elif k == 1:                                  # mov r, r/m
        reg = b.wreg8() if size == 1 else b.wreg()
        modrm, seg, _ = b.rm(reg, False, size)
        b.insn(seg + b.pfx(size) + [0x8A if size == 1 else 0x8B] + modrm)
    elif k == 2:                                  # mov r, imm
        if size == 1:
            b.insn([0xB0 + b.wreg8()] + b.imm(1))
        else:
            b.insn(b.pfx(size) + [0xB8 + b.wreg()] + b.imm(size))
    else:                                         # mov r/m, imm
        modrm, seg, _ = b.rm(0, True, size)
        b.insn(seg + b.pfx(size) + [0xC6 if size == 1 else 0xC7] + modrm + b.imm(size))


def g_movx(b, dest=None):
    """MOVZX/MOVSX, from AH..BH into every register most of the time."""
    r = b.r
    dst = b.wreg() if dest is None else dest
    size = r.choice([4, 4, 2]) if dest is None else 4
    op = r.choice([0xB6, 0xBE, 0xB7, 0xBF]) if size == 4 else r.choice([0xB6, 0xBE])
    if op in (0xB6, 0xBE) and r.randrange(3):
        tail = [0xC0 | dst << 3 | r.randrange(4, 8)]
        seg = []
    else:
        tail, seg, _ = b.rm(dst, False, 1 if op in (0xB6, 0xBE) else 2)
    b.insn(seg + b.pfx(size) + [0x0F, op] + tail)


def g_xchg(b):
    r = b.r
    size = r.choice([4, 2, 1])
    k = r.randrange(5)
    if k == 0:                                    # xchg r/m, r
        reg = b.wreg8() if size == 1 else b.wreg()
        modrm, seg, _ = b.rm(reg, True, size)
        b.insn(seg + b.pfx(size) + [0x86 if size == 1 else 0x87] + modrm)
    elif k == 1:                                  # 90+r
        if EAX in b.W and size != 1:
            b.insn(b.pfx(size) + [0x90 + b.wreg()])
    elif k in (2, 3):                             # cmpxchg / xadd
        if k == 2 and EAX not in b.W:
            return
        reg = b.wreg8() if size == 1 else b.wreg()
        modrm, seg, mem = b.rm(reg, True, size)
        lock = [0xF0] if mem and r.randrange(3) == 0 else []
        op = (0xB0 if k == 2 else 0xC0) + (0 if size == 1 else 1)
        b.insn(lock + seg + b.pfx(size) + [0x0F, op] + modrm, writes=ALL)
    else:                                         # cmpxchg8b m64
        if EAX not in b.W or EDX not in b.W:
            return
        m, segf = b.modrm_mem(1, 8)
        if m[0] in (0x26, 0x36, 0x3E) and segf:
            m = m[1:]
        lock = [0xF0] if r.randrange(3) == 0 else []
        if QEMU_MODE:
            # QEMU 7.2 corrupts EFLAGS in CMPXCHG8B (the arithmetic flags
            # other than ZF, and DF): a NOP with the same operand instead
            b.insn([0x0F, 0x1F, m[0] & ~0x38] + m[1:])
            return
        b.insn(lock + [0x0F, 0xC7] + m, writes=ZF)


def g_string(b):
    r = b.r
    if any(x not in b.W for x in (ECX, ESI, EDI)):
        return
    op = r.choice([0xA4, 0xA6, 0xAA, 0xAC, 0xAE])   # MOVS CMPS STOS LODS SCAS
    if op in (0xAC, 0xAE, 0xA6) and EAX not in b.W and op == 0xAC:
        return
    size = r.choice([4, 2, 1])
    b.insn([0x8D, 0x80 | ESI << 3 | b.B] + le32(r.randint(-0x300, 0x300)))
    b.insn([0x8D, 0x80 | EDI << 3 | b.B] + le32(r.randint(-0x300, 0x300)))
    rep = r.randrange(3)
    count = None
    if rep:
        count = r.randrange(9)
        b.insn([0xB9] + le32(count))
    if r.randrange(3) == 0:
        b.insn([0xFD])                                 # std
    elif r.randrange(2) == 0:
        b.insn([0xFC])
    pre = []
    if rep:
        pre = [0xF3] if op in (0xA4, 0xAA, 0xAC) else [r.choice([0xF3, 0xF2])]
    if op in (0xA4, 0xA6, 0xAC) and r.randrange(4) == 0:
        pre = [r.choice([0x26, 0x36])] + pre           # source segment override
    code = pre + b.pfx(size) + [op + (0 if size == 1 else 1)]
    # CMPS/SCAS write every flag, but with REP and ECX = 0 they compare
    # nothing and leave the flags as they were, undefined ones included
    cmp_like = op in (0xA6, 0xAE) and count != 0
    b.insn(code, writes=ALL if cmp_like else 0)


def g_stack(b):
    r = b.r
    k = r.randrange(9)
    if k == 0:
        b.insn([0x50 + b.anyreg()])
    elif k == 1:
        b.insn([0x58 + b.wreg()])
    elif k == 2:
        b.insn([0x6A, r.randrange(256)] if r.randrange(2) else [0x68] + b.imm(4))
    elif k == 3:
        m, seg = b.modrm_mem(6)
        b.insn(m[:1] + [0xFF] + m[1:] if seg else [0xFF] + m)
    elif k == 4:
        m, seg = b.modrm_mem(0)
        if m[-1] is not None and (m[0] == 0x44 and len(m) > 1 and m[1] == 0x24):
            return                                     # pop [esp+d]: ESP-relative after the pop
        b.insn(m[:1] + [0x8F] + m[1:] if seg else [0x8F] + m)
    elif k == 5:                                       # pushf; pop r (reads every flag)
        b.need(ALL)
        b.insn([0x9C], reads=ALL)
        # only the arithmetic flags and DF: IF and IOPL differ between the runs
        b.insn([0x81, 0x24, 0x24] + le32(ALL | DF), writes=ALL, undef=AF)
        b.insn([0x58 + b.wreg()])
    elif k == 6:                                       # push r & flags; popf
        x = b.wreg()
        b.insn([0x81, 0xE0 | x] + le32(ALL | DF), writes=ALL, undef=AF)
        b.insn([0x81, 0xC8 | x] + le32(0x2))
        b.insn([0x50 + x])
        b.insn([0x9D], writes=ALL)
    elif k == 7:                                       # pusha; register ALU; popa
        b.insn([0x60])
        for _ in range(r.randrange(3)):
            op = r.randrange(8)
            b.need(CF if op in (2, 3) else 0)
            b.insn([op * 8 + 1, 0xC0 | r.randrange(8) << 3 | b.wreg()],
                   reads=CF if op in (2, 3) else 0, writes=ALL, undef=AF if op in (1, 4, 6) else 0)
        b.insn([0x61])
    else:                                              # sahf / lahf
        if r.randrange(2):
            b.insn([0x9E], writes=CF | PF | AF | ZF | SF)
        elif EAX in b.W:
            b.need(CF | PF | AF | ZF | SF)
            b.insn([0x9F], reads=CF | PF | AF | ZF | SF)


def g_flagop(b):
    r = b.r
    k = r.randrange(6)
    if k == 0:
        b.insn([0xF8], writes=CF)
    elif k == 1:
        b.insn([0xF9], writes=CF)
    elif k == 2:
        b.need(CF)
        b.insn([0xF5], reads=CF, writes=CF)
    elif k == 3:
        b.insn([r.choice([0xFC, 0xFD])])
    elif k == 4 and EAX in b.W:                        # SALC
        b.need(CF)
        b.insn([0xD6], reads=CF)
    elif EAX in b.W:                                   # cbw/cwde, cwd/cdq
        if EDX in b.W and r.randrange(2):
            b.insn(b.pfx(r.choice([4, 2])) + [0x99])
        else:
            b.insn(b.pfx(r.choice([4, 2])) + [0x98])


def g_bcd(b):
    r = b.r
    if EAX not in b.W:
        return
    op = r.choice([0x27, 0x2F, 0x37, 0x3F, 0xD4, 0xD5])
    if op in (0x27, 0x2F):
        b.need(CF | AF)
        b.insn([op], reads=CF | AF, writes=ALL, undef=OF)
    elif op in (0x37, 0x3F):
        b.need(AF)
        b.insn([op], reads=AF, writes=ALL, undef=OF | SF | ZF | PF)
    else:
        imm = r.choice([10, 10, 16, 7, 255, r.randrange(1, 256)])
        if op == 0xD4 and r.randrange(25) == 0:
            imm = 0                                     # AAM 0: #DE
        b.insn([op, imm], writes=ALL, undef=OF | AF | CF)


def g_misc(b):
    r = b.r
    k = r.randrange(8)
    if k == 0:
        b.insn([0x0F, 0xC8 + b.wreg()])                # bswap
    elif k == 1:                                       # bound r32, m32&32
        m, seg = b.modrm_mem(b.anyreg(), 8)
        b.insn(m[:1] + [0x62] + m[1:] if seg else [0x62] + m)
    elif k == 2:                                       # arpl r/m16, r16
        modrm, seg, _ = b.rm(b.anyreg(), True, 2)
        b.insn(seg + [0x63] + modrm, writes=ZF)
    elif k == 3 and b.B == EBX and EAX in b.W:        # xlat
        b.insn([0xD7])
    elif k == 4:
        b.insn(r.choice([[0x90], [0xF3, 0x90], [0x0F, 0x1F, 0xC0 | r.randrange(8)],
                         [0x0F, 0x1F, 0x44, 0x00, 0x00]]))
    elif k == 5:                                       # into
        b.need(OF)
        b.insn([0xCE], reads=OF)
    elif k == 6 and r.randrange(4) == 0:               # rare: int3, icebp, ud2
        code = r.choice([[0xCC], [0xF1], [0x0F, 0x0B]])
        if code == [0xF1] and QEMU_MODE:
            code = [0xCC]                               # QEMU raises #UD for ICEBP
        b.insn(code)
        b.done = True


def g_jump(b, items_left):
    """A forward Jcc/JMP/LOOP/JECXZ over the next 1..3 items (or to the end)."""
    r = b.r
    skip = r.randint(1, 3)
    k = r.randrange(5)
    cc = r.randrange(16)
    if k == 0:                                          # jcc rel8
        b.need(CC_READS[cc])
        b.insn([0x70 + cc, 0], reads=CC_READS[cc])
        patch, size = len(b.code) - 1, 1
    elif k == 1:                                        # jcc rel32
        b.need(CC_READS[cc])
        b.insn([0x0F, 0x80 + cc] + [0] * 4, reads=CC_READS[cc])
        patch, size = len(b.code) - 4, 4
    elif k == 2:                                        # jmp rel8 / rel32
        if r.randrange(2):
            b.insn([0xEB, 0])
            patch, size = len(b.code) - 1, 1
        else:
            b.insn([0xE9] + [0] * 4)
            patch, size = len(b.code) - 4, 4
    else:                                               # loop / loope / loopne / jecxz
        if ECX not in b.W:
            return 0
        op = r.choice([0xE2, 0xE1, 0xE0, 0xE3])
        reads = ZF if op in (0xE0, 0xE1) else 0
        b.need(reads)
        b.insn([op, 0], reads=reads)
        patch, size = len(b.code) - 1, 1
    return (patch, size, len(b.code), skip)


GROUPS = [(g_alu, 30), (g_test, 4), (g_unary, 8), (g_muldiv, 6), (g_imul, 3),
          (g_shift, 10), (g_shd, 3), (g_bt, 5), (g_bsf, 2), (g_setcc, 6),
          (g_lea, 5), (g_mov, 8), (g_movx, 6), (g_xchg, 5), (g_string, 4),
          (g_stack, 6), (g_flagop, 4), (g_bcd, 4), (g_misc, 4)]
JUMP_WEIGHT = 5
QEMU_MODE = False                                       # --qemu
EPILOGUE = [0x2E, 0xFF, 0x25] + le32(FUZZ_BACK_PTR)    # jmp *%cs:FUZZ_BACK_PTR


def esp_last(b):
    """The last instruction writes ESP (MOVZX/MOVSX from AH..BH mostly)."""
    r = b.r
    k = r.randrange(3)
    if k == 0:
        b.insn([0x0F, r.choice([0xB6, 0xBE]), 0xE0 | r.randrange(4, 8)])
    elif k == 1:
        b.insn([0x0F, r.choice([0xB6, 0xBE, 0xB7, 0xBF]), 0xE0 | r.randrange(8)])
    else:
        b.insn([0x8D, 0xA4, 0x20 | r.randrange(8)] + le32(r.getrandbits(32)))


def gen_block(rnd, bid):
    b = Block(rnd, bid)
    names = [g for g, w in GROUPS for _ in range(w)]
    nitems = rnd.randint(1, 16)
    starts = []                                          # item index -> code offset
    jumps = []
    for i in range(nitems):
        if i in b.pending:
            b.undef |= b.pending.pop(i)
        starts.append(len(b.code))
        if rnd.randrange(100) < JUMP_WEIGHT:
            j = g_jump(b, nitems - i)
            if j:
                patch, size, after, skip = j
                target = min(i + 1 + skip, nitems)
                jumps.append((patch, size, after, target))
                b.pending[target] = b.pending.get(target, 0) | b.undef
        else:
            rnd.choice(names)(b)
        if b.done:
            nitems = i + 1
            break
    b.undef |= b.pending.pop(nitems, 0) if nitems in b.pending else 0
    for t in list(b.pending):                            # targets past an early end
        b.undef |= b.pending.pop(t)
    if not b.done and rnd.randrange(10) == 0:
        starts.append(len(b.code))
        esp_last(b)
    starts.append(len(b.code))
    end = len(b.code)
    for patch, size, after, target in jumps:
        dest = starts[target] if target < len(starts) - 1 else end
        rel = dest - after
        assert 0 <= rel < (128 if size == 1 else 1 << 31)
        b.code[patch:patch + size] = bytes(le32(rel)[:size])
    b.marks.append((end, b.undef))
    b.code += bytes(EPILOGUE)
    regs = []
    for x in range(8):
        if x == b.B:
            regs.append(B_VALUE)
        elif x == b.I:
            regs.append(rnd.randrange(16))
        elif x == ESP:
            regs.append(FUZZ_STACK_TOP)
        elif rnd.randrange(3) == 0:
            regs.append(rnd.choice(INTERESTING))
        else:
            regs.append(rnd.getrandbits(32))
    eflags = rnd.getrandbits(32) & ALL | (DF if rnd.randrange(4) == 0 else 0)
    return b, regs, eflags, rnd.getrandbits(32)


def encode(b, regs, eflags, data_seed):
    out = struct.pack("<I8III", b.id, *regs, eflags, data_seed)
    out += struct.pack("<HH", len(b.code), len(b.marks))
    for off, undef in b.marks:
        out += struct.pack("<HH", off, (ALL & ~undef) | DF)
    out += bytes(b.code)
    out += b"\0" * (-len(out) % 4)
    return out


PREFIX_ONLY = {"lock", "rep", "repz", "repnz", "repe", "repne", "data16", "addr16",
               "ds", "es", "ss", "cs"}


def check(blocks):
    """Decodes every block with objdump: boundaries as meant, nothing bad."""
    blob = b"".join(bytes(b.code) for b, *_ in blocks)
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(blob)
        f.flush()
        try:
            out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386",
                                  "--insn-width=16", f.name],
                                 capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print("gen.py: objdump failed (%s): blocks not checked" % e, file=sys.stderr)
            return 0
    starts = set()
    bad = []
    pend = None
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[0].strip().endswith(":"):
            continue
        off = int(parts[0].strip()[:-1], 16)
        text = parts[2].strip()
        if pend is None:
            pend = off
        if text.split(" ")[0] in PREFIX_ONLY and len(text.split()) == 1:
            continue                                     # a prefix printed alone
        if ("(bad)" in text or ".byte" in text) and blob[off] != 0xD6:
            bad.append((off, text))                      # objdump knows no SALC
        starts.add(pend)
        pend = None
    want = set()
    base = 0
    for b, *_ in blocks:
        for off, _ in b.marks:
            want.add(base + off)
        base += len(b.code)
    # every instruction the encoder meant must start where objdump starts one
    # (the epilogue adds one start per block)
    base = 0
    for b, *_ in blocks:
        for off, _ in b.marks:
            if base + off not in starts:
                sys.exit("gen.py: block %d: objdump sees no instruction at +%d: %s"
                         % (b.id, off, bytes(b.code).hex()))
        base += len(b.code)
    extra = starts - want
    base = 0
    for b, *_ in blocks:
        inside = [s for s in extra if base <= s < base + len(b.code) - len(EPILOGUE)]
        if inside:
            sys.exit("gen.py: block %d: objdump sees an instruction at +%d the encoder did not "
                     "mean: %s" % (b.id, inside[0] - base, bytes(b.code).hex()))
        base += len(b.code)
    if bad:
        sys.exit("gen.py: objdump cannot decode: %s" % bad[:3])
    return 1


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit("usage: gen.py SEED NBLOCKS OUT [--no-check] [--qemu]")
    seed, n, path = int(args[0]), int(args[1]), args[2]
    global QEMU_MODE
    QEMU_MODE = "--qemu" in argv
    rnd = random.Random(seed)
    blocks = [gen_block(rnd, i) for i in range(n)]
    if "--no-check" not in argv:
        check(blocks)
    with open(path, "wb") as f:
        f.write(b"XBTFUZ01" + struct.pack("<I", n))
        for blk in blocks:
            f.write(encode(*blk))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
