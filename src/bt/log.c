/*
 * log.c - the -d in_asm,out_asm log: Capstone disassembly of each guest
 * unit as it is translated (32-bit) and of the host code it became
 * (64-bit), for debugging and teaching.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "bt.h"
#include "cpu_mode.h"
#include "mmu.h"
#include "tcache.h"

/* Disassembly, "=>" at the instruction containing mark (0: none). */
static void dis_mark(FILE *f, cs_mode mode, const uint8_t *code, size_t len, uint64_t addr,
                     uint64_t mark)
{
    csh h;
    if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
        return;
    cs_insn *insn;
    size_t n = cs_disasm(h, code, len, addr, 0, &insn);
    for (size_t k = 0; k < n; k++) {
        bool here = mark && mark >= insn[k].address && mark < insn[k].address + insn[k].size;
        fprintf(f, "%s0x%08" PRIx64 ":  %-8s %s\n", here ? "=>" : "  ", insn[k].address,
                insn[k].mnemonic, insn[k].op_str);
    }
    if (n)
        cs_free(insn, n);
    cs_close(&h);
}

static void dis(FILE *f, cs_mode mode, const uint8_t *code, size_t len, uint64_t addr)
{
    dis_mark(f, mode, code, len, addr, 0);
}

void bt_dump_unit(FILE *f, const struct mmu *mmu, const struct unit *unit, uintptr_t host_rip)
{
    uint32_t at = host_rip ? unit_guest_eip_at(unit, host_rip) : 0;
    fprintf(f, "guest code: unit at %#010x (phys %#010x, mode %#x, %u insns, %u bytes)\n",
            unit->vpc, unit->pc, unit->mode, unit->ninsns, unit->guest_size);
    if ((uint64_t)unit->pc + unit->guest_size <= mmu->ram_size)
        dis_mark(f, CS_MODE_32, mmu->ram + unit->pc, unit->guest_size, unit->vpc, at);
    fprintf(f, "host code: %u bytes at %p\n", unit->code_size, (void *)unit->code);
    dis_mark(f, CS_MODE_64, unit->code, unit->code_size, (uint64_t)(uintptr_t)unit->code, host_rip);
}

void bt_log_unit(struct bt *bt, const struct unit *unit)
{
    FILE *f = xbt_log_file ? xbt_log_file : stderr;
    const struct mmu *mmu = bt->mmu;
    if (bt->cfg.log_flags & XBT_LOG_IN_ASM) {
        fprintf(f, "IN: unit at %#010x (phys %#010x, mode %#x, %u insns, %u bytes)\n", unit->vpc,
                unit->pc, unit->mode, unit->ninsns, unit->guest_size);
        if ((uint64_t)unit->pc + unit->guest_size <= mmu->ram_size)
            dis(f, (unit->mode & MODE_CODE16) ? CS_MODE_16 : CS_MODE_32, mmu->ram + unit->pc,
                unit->guest_size, unit->vpc);
    }
    if (bt->cfg.log_flags & XBT_LOG_OUT_ASM) {
        fprintf(f, "OUT: [size=%u]\n", unit->code_size);
        dis(f, CS_MODE_64, unit->code, unit->code_size, (uint64_t)(uintptr_t)unit->code);
    }
    fputc('\n', f);
    fflush(f);
}

/* --perf-map: /tmp/perf-PID.map lines "START SIZE NAME" so that `perf
 * report` attributes samples in translated code to guest addresses. */
void bt_perf_map(const struct unit *unit)
{
    static FILE *f;
    if (!f) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
        f = fopen(path, "w");
        if (!f)
            return;
    }
    fprintf(f, "%lx %x guest_%08x\n", (unsigned long)(uintptr_t)unit->code, unit->code_size,
            unit->vpc);
    fflush(f);
}
