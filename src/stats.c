/*
 * stats.c - `--stats` (human-readable, at exit) and `--stats-json FILE`
 * (machine-readable).  Field names in the JSON output are stable; they are
 * documented in docs/architecture.md.
 */
#include <stdio.h>

#include "bt.h"
#include "devices.h"
#include "machine.h"
#include "stats.h"
#include "vcpu.h"


/* Tunable: most statistics lines collected.  Policy: well above the
 * fields defined (about 100), so adding a group never truncates. */
#define STATS_MAX 256

struct kv {
    const char *group, *name;
    uint64_t v;
};

static int collect(const struct machine *m, struct kv *out, int max)
{
    int n = 0;
#define ADD(g_, k_, val_) do { if (n < max) { out[n].group = (g_); out[n].name = (k_); out[n].v = (uint64_t)(val_); n++; } } while (0)
    const struct tc_stats *t = &m->tc.st;
    ADD("tcache", "translations", t->translations);
    ADD("tcache", "guest_insns", t->guest_insns);
    ADD("tcache", "guest_bytes", t->guest_bytes);
    ADD("tcache", "host_bytes", t->host_bytes);
    ADD("tcache", "lookups", t->lookups);
    ADD("tcache", "lookup_hits", t->lookup_hits);
    ADD("tcache", "jcache_fills", t->jc_fills);
    ADD("tcache", "chain_patches", t->chain_patches);
    ADD("tcache", "chain_unpatches", t->chain_unpatches);
    ADD("tcache", "invalidations_smc", t->invalidations[TC_INV_SMC]);
    ADD("tcache", "invalidations_dma", t->invalidations[TC_INV_DMA]);
    ADD("tcache", "invalidations_pagetable", t->invalidations[TC_INV_PAGETABLE]);
    ADD("tcache", "flushes", t->flushes_full);
    ADD("tcache", "evictions", t->evictions);
    ADD("tcache", "evicted_bytes", t->evicted_bytes);
    ADD("tcache", "promotions", t->promotions);
    ADD("tcache", "wraps", t->wraps);
    ADD("tcache", "units_live", m->tc.nunits);
    ADD("tcache", "unit_entries", t->unit_entries);
    ADD("tcache", "smc_page_mode", t->smc_page_mode);
    ADD("tcache", "smc_byte_mode", t->smc_byte_mode);
    ADD("tcache", "translate_ns", t->translate_ns);
    ADD("tcache", "buffer_bytes_used", m->tc.used);
    ADD("bt", "insns_copied", m->bt.st.insns_copied);
    ADD("bt", "insns_reencoded", m->bt.st.insns_reencoded);
    ADD("bt", "mem_ops", m->bt.st.mem_ops);
    ADD("bt", "flag_saves", m->bt.st.flag_saves);
    ADD("bt", "helper_sites", m->bt.st.helpers_emitted);
    ADD("bt", "retranslations", m->bt.st.retranslations);
    ADD("bt", "seg_loads_inline", m->cpu->st.seg_loads_inline);
    for (int k = 0; k < CO_COUNT; k++)
        ADD("callouts", bt_callout_names[k], m->bt.st.callouts[k]);
    const struct mmu_stats *s = &m->mmu.st;
    ADD("mmu", "tlb_entries", m->mmu.tlb_entries);
    ADD("mmu", "tlb_hits_read", s->tlb_hits_r);
    ADD("mmu", "tlb_hits_write", s->tlb_hits_w);
    ADD("mmu", "tlb_misses_read", s->tlb_misses_r);
    ADD("mmu", "tlb_misses_write", s->tlb_misses_w);
    ADD("mmu", "tlb_fills", s->tlb_fills);
    ADD("mmu", "victim_hits", s->victim_hits);
    ADD("mmu", "fetch_hits", s->fetch_hits);
    ADD("mmu", "helper_tlb_hits", s->helper_tlb_hits);
    ADD("mmu", "helper_tlb_misses", s->helper_tlb_misses);
    ADD("mmu", "tlb_flushes", s->tlb_flushes);
    ADD("mmu", "bounced", s->bounced);
    ADD("mmu", "page_crossing", s->crossing);
    ADD("mmu", "mmio_reads", s->mmio_reads);
    ADD("mmu", "mmio_writes", s->mmio_writes);
    ADD("mmu", "unbacked_reads", s->unbacked_reads);
    ADD("mmu", "unbacked_writes", s->unbacked_writes);
    ADD("mmu", "code_page_writes", s->code_writes);
    ADD("mmu", "dma_write_bytes", s->dma_write_bytes);
    ADD("mmu", "dma_read_bytes", s->dma_read_bytes);
    ADD("mmu", "window_faults", s->window_faults);
    ADD("mmu", "window_protects", s->window_protects);
    ADD("mmu", "walks", s->walks);
    ADD("mmu", "page_faults", s->page_faults);
    ADD("mmu", "flushes_cr3", s->flush_cr3);
    ADD("mmu", "flushes_invlpg", s->flush_invlpg);
    ADD("mmu", "flushes_mode", s->flush_mode);
    if (m->mmu.shadow) {
        const struct shadow_stats *sh = mmu_shadow_stats(&m->mmu);
        ADD("shadow", "hidden_hits", sh->hidden_hits);
        ADD("shadow", "fills", sh->fills);
        ADD("shadow", "true_faults", sh->true_faults);
        ADD("shadow", "traced_writes", sh->traced_writes);
        ADD("shadow", "entries_dropped", sh->entries_dropped);
        ADD("shadow", "spaces_built", sh->spaces_built);
        ADD("shadow", "spaces_reused", sh->spaces_reused);
        ADD("shadow", "spaces_dropped", sh->spaces_dropped);
    }
    const struct io_bus_stats *b = bus_stats(m->bus);
    ADD("bus", "port_reads", b->port_reads);
    ADD("bus", "port_writes", b->port_writes);
    ADD("bus", "port_unclaimed", b->port_unclaimed);
    ADD("bus", "mmio_reads", b->mmio_reads);
    ADD("bus", "mmio_writes", b->mmio_writes);
    if (m->uart) {
        const struct dev_uart_stats *u = dev_uart_stats(m->uart);
        ADD("uart", "tx_bytes", u->tx_bytes);
        ADD("uart", "rx_bytes", u->rx_bytes);
    }
    if (m->ide && m->cfg.disk) {
        const struct dev_ide_stats *k = dev_ide_stats(m->ide);
        ADD("disk", "commands", k->commands);
        ADD("disk", "errors", k->errors);
        ADD("disk", "sectors_read", k->sectors_read);
        ADD("disk", "sectors_written", k->sectors_written);
        ADD("disk", "pio_bytes", k->pio_bytes);
        ADD("disk", "dma_transfers", k->dma_transfers);
        ADD("disk", "dma_bytes", k->dma_bytes);
        ADD("disk", "prd_entries", k->prd_entries);
        ADD("disk", "flushes", k->flushes);
        ADD("disk", "irqs", k->irqs);
    }
    ADD("run", "dispatches", m->run_st.dispatches);
    ADD("run", "halts", m->run_st.halts);
    ADD("run", "host_faults", m->run_st.host_faults);
    ADD("run", "interrupts", m->run_st.interrupts);
#undef ADD
    return n;
}

void stats_print_text(const struct machine *m, FILE *f)
{
    struct kv kv[STATS_MAX];
    int n = collect(m, kv, STATS_MAX);
    const char *group = "";
    fprintf(f, "---- xbt statistics ----\n");
    for (int k = 0; k < n; k++) {
        if (kv[k].group != group) {
            group = kv[k].group;
            fprintf(f, "%s:\n", group);
        }
        fprintf(f, "  %-22s %llu\n", kv[k].name, (unsigned long long)kv[k].v);
    }
    const struct tc_stats *t = &m->tc.st;
    if (t->guest_bytes)
        fprintf(f, "expansion (host/guest bytes): %.2f\n", (double)t->host_bytes / (double)t->guest_bytes);
}

int stats_write_json(const struct machine *m, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return XBT_EIO;
    struct kv kv[STATS_MAX];
    int n = collect(m, kv, STATS_MAX);
    const char *group = NULL;
    fprintf(f, "{");
    for (int k = 0; k < n; k++) {
        if (kv[k].group != group) {
            fprintf(f, "%s\n  \"%s\": {", group ? "\n  }," : "", kv[k].group);
            group = kv[k].group;
        } else {
            fputc(',', f);
        }
        fprintf(f, "\n    \"%s\": %llu", kv[k].name, (unsigned long long)kv[k].v);
    }
    fprintf(f, "%s\n}\n", group ? "\n  }" : "");
    return fclose(f) == 0 ? 0 : XBT_EIO;
}
