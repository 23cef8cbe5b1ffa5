/*
 * stats.c - `--stats` (human-readable, at exit) and `--stats-json FILE`
 * (machine-readable).  Field names in the JSON output are stable; they are
 * documented in docs/architecture.md.
 */
#include <stdio.h>

#include "bt.h"
#include "devices.h"
#include "vga.h"
#include "lapic.h"
#include "machine.h"
#include "profile.h"
#include "gdbstub.h"
#include "clock.h"
#include "stats.h"
#include "vcpu.h"

/* Tunable: most statistics lines collected.  Policy: well above the
 * fields defined (about 100), so adding a group never truncates. */
#define STATS_MAX 256

struct kv {
    const char *group, *name;
    uint64_t v;
};

/* The lines collected so far, and the group of the next ones. */
struct kvs {
    struct kv *kv;
    int n, max;
    const char *group;
};

static void add(struct kvs *c, const char *name, uint64_t v)
{
    if (c->n < c->max) {
        c->kv[c->n] = (struct kv){ .group = c->group, .name = name, .v = v };
        c->n++;
    }
}

/* translation cache */
static void collect_tcache(struct kvs *c, const struct tcache *tc)
{
    const struct tc_stats *t = &tc->st;
    c->group = "tcache";
    add(c, "translations", t->translations);
    add(c, "guest_insns", t->guest_insns);
    add(c, "guest_bytes", t->guest_bytes);
    add(c, "host_bytes", t->host_bytes);
    add(c, "lookups", t->lookups);
    add(c, "lookup_hits", t->lookup_hits);
    add(c, "jcache_fills", t->jc_fills);
    add(c, "jcache_hits", t->jc_hits);
    add(c, "jcache_miss_cold", t->jc_miss[JC_MISS_COLD]);
    add(c, "jcache_miss_dropped", t->jc_miss[JC_MISS_DROPPED]);
    add(c, "jcache_miss_conflict", t->jc_miss[JC_MISS_CONFLICT]);
    add(c, "jcache_inval_invlpg", t->jc_inval[JC_INV_INVLPG]);
    add(c, "jcache_inval_cr3", t->jc_inval[JC_INV_CR3]);
    add(c, "jcache_inval_mode", t->jc_inval[JC_INV_MODE]);
    add(c, "jcache_inval_unit", t->jc_inval[JC_INV_UNIT]);
    add(c, "jcache_inval_capacity", t->jc_inval[JC_INV_CAPACITY]);
    add(c, "jcache_overflows", t->jc_flushes[JC_INV_CAPACITY]);
    add(c, "chain_patches", t->chain_patches);
    add(c, "chain_unpatches", t->chain_unpatches);
    add(c, "chains_tracked", t->chains_tracked);
    add(c, "chains_unmapped", t->chains_unmapped);
    add(c, "invalidations_smc", t->invalidations[TC_INV_SMC]);
    add(c, "invalidations_dma", t->invalidations[TC_INV_DMA]);
    add(c, "invalidations_pagetable", t->invalidations[TC_INV_PAGETABLE]);
    add(c, "flushes", t->flushes_full);
    add(c, "evictions", t->evictions);
    add(c, "evicted_bytes", t->evicted_bytes);
    add(c, "promotions", t->promotions);
    add(c, "wraps", t->wraps);
    add(c, "clock_skips", t->clock_skips);
    add(c, "clock_moves", t->clock_moves);
    add(c, "units_live", tc->nunits);
    add(c, "unit_entries", t->unit_entries);
    add(c, "unit_insns", t->unit_insns);
    add(c, "smc_page_mode", t->smc_page_mode);
    add(c, "smc_byte_mode", t->smc_byte_mode);
    add(c, "translate_ns", t->translate_ns);
    /* derived (rounded down): translation cost per unit and per guest
     * instruction translated */
    add(c, "translate_ns_per_unit", t->translations ? t->translate_ns / t->translations : 0);
    add(c, "translate_ns_per_insn", t->guest_insns ? t->translate_ns / t->guest_insns : 0);
    add(c, "buffer_bytes_used", tc->used);
    add(c, "trace_records", t->trace_records);
    add(c, "trace_windows", t->trace_windows);
    add(c, "trace_runs_in", t->trace_runs_in);
    add(c, "trace_runs_kept", t->trace_runs_kept);
}

/* translator */
static void collect_bt(struct kvs *c, const struct machine *m)
{
    c->group = "bt";
    add(c, "insns_copied", m->bt.st.insns_copied);
    add(c, "insns_reencoded", m->bt.st.insns_reencoded);
    add(c, "mem_ops", m->bt.st.mem_ops);
    add(c, "flag_saves", m->bt.st.flag_saves);
    add(c, "helper_sites", m->bt.st.helpers_emitted);
    add(c, "retranslations", m->bt.st.retranslations);
    add(c, "seg_loads_inline", m->cpu->st.seg_loads_inline);
    add(c, "strings_inline", m->bt.st.strings_inline);
    add(c, "kpath_inline", m->bt.st.kpath_inline);
    add(c, "mem_explicit", m->bt.st.mem_explicit);
    add(c, "mem_demoted", m->bt.st.mem_demoted);
    add(c, "xfer_direct", m->bt.st.xfer_direct);
    add(c, "xfer_dispatched", m->bt.st.xfer_dispatched);
    add(c, "xfer_memo_hits", m->bt.st.xfer_memo_hits);
    const struct bt_encode_stats *em = bt_encode_stats();
    add(c, "encode_memo_hits", em->hits);
    add(c, "encode_memo_misses", em->misses);
    add(c, "encode_uncached", em->uncached);
    const struct bt_form_stats *wf = bt_form_stats();
    add(c, "window_form_hits", wf->hits);
    add(c, "window_form_misses", wf->misses);
}

/* the CPU's kernel paths, string instructions and instruction breakpoints */
static void collect_cpu(struct kvs *c, const struct machine *m)
{
    const struct vcpu_stats *s = &m->cpu->st;
    c->group = "cpu";
    add(c, "seg_loads_fast", s->seg_loads_fast);
    add(c, "direct_blocks", s->direct_blocks);
    add(c, "element_blocks", s->element_blocks);
    add(c, "string_bulk", s->string_bulk);
    add(c, "string_bulk_elements", s->string_bulk_elements);
    add(c, "string_elements", s->string_elements);
    add(c, "ibp_checks", s->ibp_checks);
    add(c, "ibp_hits", s->ibp_hits);
    add(c, "wp_hits", s->wp_hits);
}

/* real mode and virtual-8086 mode */
static void collect_modes(struct kvs *c, const struct machine *m)
{
    const struct vcpu_stats *s = &m->cpu->st;
    c->group = "modes";
    add(c, "mode_switches", s->mode_switches);
    add(c, "ivt_deliveries", s->rm_ints);
    add(c, "rm_far_transfers", s->rm_far);
    add(c, "v86_enters", s->v86_enters);
    add(c, "v86_exits", s->v86_exits);
    add(c, "v86_traps", s->v86_traps);
}

/* MMU: TLB, window, page walks, flushes */
static void collect_mmu(struct kvs *c, const struct machine *m)
{
    const struct mmu_stats *s = &m->mmu.st;
    c->group = "mmu";
    add(c, "tlb_entries", m->mmu.tlb_entries);
    add(c, "tlb_hits_read", s->tlb_hits_r);
    add(c, "tlb_hits_write", s->tlb_hits_w);
    add(c, "tlb_misses_read", s->tlb_misses_r);
    add(c, "tlb_misses_write", s->tlb_misses_w);
    add(c, "tlb_fills", s->tlb_fills);
    add(c, "victim_hits", s->victim_hits);
    add(c, "fetch_hits", s->fetch_hits);
    add(c, "helper_tlb_hits", s->helper_tlb_hits);
    add(c, "helper_tlb_misses", s->helper_tlb_misses);
    add(c, "tlb_flushes", s->tlb_flushes);
    add(c, "bounced", s->bounced);
    add(c, "page_crossing", s->crossing);
    add(c, "mmio_reads", s->mmio_reads);
    add(c, "mmio_writes", s->mmio_writes);
    add(c, "unbacked_reads", s->unbacked_reads);
    add(c, "unbacked_writes", s->unbacked_writes);
    add(c, "code_page_writes", s->code_writes);
    add(c, "dma_write_bytes", s->dma_write_bytes);
    add(c, "dma_read_bytes", s->dma_read_bytes);
    add(c, "window_faults", s->window_faults);
    add(c, "window_protects", s->window_protects);
    add(c, "walks", s->walks);
    add(c, "page_faults", s->page_faults);
    add(c, "flushes_cr3", s->flush_cr3);
    add(c, "flushes_invlpg", s->flush_invlpg);
    add(c, "flushes_mode", s->flush_mode);
}

/* shadow page tables (with --mmu=shadow) */
static void collect_shadow(struct kvs *c, const struct machine *m)
{
    const struct shadow_stats *sh = mmu_shadow_stats(&m->mmu);
    c->group = "shadow";
    add(c, "hidden_hits", sh->hidden_hits);
    add(c, "fills", sh->fills);
    add(c, "true_faults", sh->true_faults);
    add(c, "traced_writes", sh->traced_writes);
    add(c, "entries_dropped", sh->entries_dropped);
    add(c, "spaces_built", sh->spaces_built);
    add(c, "spaces_reused", sh->spaces_reused);
    add(c, "spaces_dropped", sh->spaces_dropped);
}

/* host-MMU paging windows (with --mmu=host) */
static void collect_hostmmu(struct kvs *c, const struct machine *m)
{
    const struct hmmu_stats *h = mmu_host_stats(&m->mmu);
    c->group = "hostmmu";
    add(c, "faults", h->faults);
    add(c, "fills", h->fills);
    add(c, "fills_around", h->fills_around);
    add(c, "fill_calls", h->fill_calls);
    add(c, "upgrades", h->upgrades);
    add(c, "to_slow_pf", h->div_pf);
    add(c, "to_slow_mmio", h->div_mmio);
    add(c, "to_slow_code", h->div_wp);
    add(c, "to_slow_crossing", h->div_cross);
    add(c, "to_slow_stale", h->div_stale);
    add(c, "churn", h->churn);
    add(c, "map_failures", h->map_failures);
    add(c, "drops_cr3", h->drop_cr3);
    add(c, "drops_invlpg", h->drop_invlpg);
    add(c, "drops_mode", h->drop_mode);
    add(c, "drops_evict", h->drop_evict);
    add(c, "kept_checked", h->kept);
    add(c, "space_found", h->space_found);
    add(c, "space_new", h->space_new);
    add(c, "window_flushes", h->window_flushes);
    add(c, "write_protects", h->protects);
    add(c, "mappings_live", h->live);
    add(c, "mappings_peak", h->peak);
    add(c, "mappings_budget", h->budget);
    add(c, "windows", h->windows);
}

/* I/O bus */
static void collect_bus(struct kvs *c, const struct machine *m)
{
    const struct io_bus_stats *b = bus_stats(m->bus);
    c->group = "bus";
    add(c, "port_reads", b->port_reads);
    add(c, "port_writes", b->port_writes);
    add(c, "port_unclaimed", b->port_unclaimed);
    add(c, "mmio_reads", b->mmio_reads);
    add(c, "mmio_writes", b->mmio_writes);
}

/* IDE disk (with --disk) */
static void collect_disk(struct kvs *c, const struct machine *m)
{
    const struct dev_ide_stats *k = dev_ide_stats(m->ide);
    c->group = "disk";
    add(c, "commands", k->commands);
    add(c, "errors", k->errors);
    add(c, "sectors_read", k->sectors_read);
    add(c, "sectors_written", k->sectors_written);
    add(c, "pio_bytes", k->pio_bytes);
    add(c, "dma_transfers", k->dma_transfers);
    add(c, "dma_bytes", k->dma_bytes);
    add(c, "prd_entries", k->prd_entries);
    add(c, "flushes", k->flushes);
    add(c, "irqs", k->irqs);
}

/* the VGA, its text console and the keyboard (without --no-vga) */
static void collect_vga(struct kvs *c, const struct machine *m)
{
    const struct dev_vga_stats *v = dev_vga_stats(m->vga);
    c->group = "vga";
    add(c, "port_reads", v->port_reads);
    add(c, "port_writes", v->port_writes);
    add(c, "crtc_writes", v->crtc_writes);
    add(c, "dac_writes", v->dac_writes);
    add(c, "status_reads", v->status_reads);
    add(c, "graphics_modes", v->graphics_modes);
    add(c, "frames", v->frames);
    add(c, "cells_drawn", v->cells_drawn);
    const struct dev_i8042_stats *k = dev_i8042_stats(m->kbc);
    add(c, "keys", k->keys);
    add(c, "keys_dropped", k->keys_dropped);
}

/* ACPI PM device: timer, SCIs, sleep requests */
static void collect_acpi(struct kvs *c, const struct machine *m)
{
    const struct dev_acpi_pm_stats *a = dev_acpi_pm_stats(m->acpi_pm);
    c->group = "acpi";
    add(c, "timer_reads", a->timer_reads);
    add(c, "timer_carries", a->timer_carries);
    add(c, "scis", a->scis);
    add(c, "sleep_requests", a->sleep_requests);
    add(c, "poweroffs", a->poweroffs);
    add(c, "power_button", a->power_button);
}

/* the local APIC and the I/O APIC (without --no-apic) */
static void collect_apic(struct kvs *c, const struct machine *m)
{
    const struct lapic_stats *l = lapic_stats(m->lapic);
    c->group = "lapic";
    add(c, "accepted", l->accepted);
    add(c, "delivered", l->delivered);
    add(c, "extint", l->extint);
    add(c, "eois", l->eois);
    add(c, "eoi_level", l->eoi_level);
    add(c, "timer_fires", l->timer_fires);
    add(c, "ipis", l->ipis);
    add(c, "spurious", l->spurious);
    add(c, "dropped", l->dropped);
    const struct dev_ioapic_stats *io = dev_ioapic_stats(m->ioapic);
    c->group = "ioapic";
    add(c, "messages", io->messages);
    add(c, "edges_masked", io->edges_masked);
    add(c, "eois", io->eois);
    add(c, "redeliveries", io->redeliveries);
}

/* the guest profiler (--profile) */
static void collect_profile(struct kvs *c, const struct machine *m)
{
    const struct profile_stats *p = profile_stats(m->profile);
    c->group = "profile";
    add(c, "samples", p->samples);
    add(c, "idle", p->idle);
    add(c, "user", p->user);
    add(c, "frames", p->frames);
    add(c, "truncated", p->truncated);
    add(c, "translations", p->translations);
    add(c, "symbols", p->symbols);
}

/* the firmware side of the board: fw_cfg, the PAM, the BIOS ROM, port
 * 0x92, the ELCR */
static void collect_board(struct kvs *c, const struct machine *m)
{
    const struct dev_fw_cfg_stats *f = dev_fw_cfg_stats(m->fw_cfg);
    c->group = "fw_cfg";
    add(c, "selects", f->selects);
    add(c, "unknown_selects", f->unknown_selects);
    add(c, "data_reads", f->data_reads);
    add(c, "dma_transfers", f->dma_transfers);
    add(c, "dma_bytes", f->dma_bytes);
    add(c, "dma_errors", f->dma_errors);
    c->group = "chipset";
    if (m->pam) {
        const struct dev_pam_stats *p = dev_pam_stats(m->pam);
        add(c, "pam_changes", p->changes);
        add(c, "pam_shadow_writes", p->shadow_writes);
        add(c, "pam_dropped_writes", p->dropped_writes);
    }
    if (m->bios_rom)
        add(c, "rom_dropped_writes", dev_rom_dropped_writes(m->bios_rom));
    if (m->port92) {
        const struct dev_port92_stats *q = dev_port92_stats(m->port92);
        add(c, "port92_writes", q->writes);
        add(c, "port92_a20_changes", q->a20_changes);
        add(c, "port92_resets", q->resets);
    }
    add(c, "elcr_writes", dev_pic_elcr_writes(m->pic));
}

/* the gdb stub (--gdb, -s) */
static void collect_gdb(struct kvs *c, const struct machine *m)
{
    const struct gdbstub_stats *g = gdbstub_stats(m->cfg.gdb);
    c->group = "gdb";
    add(c, "connections", g->connections);
    add(c, "stops", g->stops);
    add(c, "packets", g->packets);
    add(c, "bad_checksums", g->bad_checksums);
    add(c, "breakpoint_hits", g->breakpoint_hits);
    add(c, "watch_hits", g->watch_hits);
    add(c, "steps", g->steps);
    add(c, "interrupts", g->interrupts);
    add(c, "mem_bytes_read", g->mem_bytes_read);
    add(c, "mem_bytes_written", g->mem_bytes_written);
}

/* the run loop */
static void collect_run(struct kvs *c, const struct machine *m)
{
    c->group = "run";
    add(c, "dispatches", m->run_st.dispatches);
    /* with --tcache-stats: dispatches per million guest instructions run */
    uint64_t insns = m->tc.st.unit_insns;
    add(c, "dispatches_per_minsn", insns ? m->run_st.dispatches * 1000000 / insns : 0);
    for (int k = 0; k < RUN_EXIT_COUNT; k++)
        add(c, run_exit_names[k], m->run_st.exits[k]);
    add(c, "halts", m->run_st.halts);
    add(c, "host_faults", m->run_st.host_faults);
    add(c, "interrupts", m->run_st.interrupts);
}

/* guest time: what the VMM kept the guest from seeing pass */
static void collect_clock(struct kvs *c, const struct machine *m)
{
    const struct xclock_stats *k = xclock_stats(m->clock);
    c->group = "clock";
    add(c, "stalls", k->stalls);
    add(c, "stall_ns", k->stall_ns);
}
static int collect(const struct machine *m, struct kv *out, int max)
{
    struct kvs c = { .kv = out, .max = max };
    collect_tcache(&c, &m->tc);
    collect_bt(&c, m);
    collect_modes(&c, m);
    c.group = "callouts";
    for (int k = 0; k < CO_COUNT; k++)
        add(&c, bt_callout_names[k], m->bt.st.callouts[k]);
    collect_cpu(&c, m);
    collect_mmu(&c, m);
    if (m->mmu.shadow)
        collect_shadow(&c, m);
    if (m->mmu.hmmu)
        collect_hostmmu(&c, m);
    collect_bus(&c, m);
    if (m->uart) {
        const struct dev_uart_stats *u = dev_uart_stats(m->uart);
        c.group = "uart";
        add(&c, "tx_bytes", u->tx_bytes);
        add(&c, "rx_bytes", u->rx_bytes);
    }
    if (m->ide && m->cfg.disk)
        collect_disk(&c, m);
    if (m->vga)
        collect_vga(&c, m);
    if (m->acpi_pm)
        collect_acpi(&c, m);
    if (m->lapic && m->ioapic)
        collect_apic(&c, m);
    if (m->profile)
        collect_profile(&c, m);
    if (m->fw_cfg)
        collect_board(&c, m);
    if (m->cfg.gdb)
        collect_gdb(&c, m);
    collect_run(&c, m);
    collect_clock(&c, m);
    return c.n;
}

static void print_kv(const struct kv *kv, int n, const struct tc_stats *t, FILE *f)
{
    const char *group = "";
    fprintf(f, "---- xbt statistics ----\n");
    for (int k = 0; k < n; k++) {
        if (kv[k].group != group) {
            group = kv[k].group;
            fprintf(f, "%s:\n", group);
        }
        fprintf(f, "  %-22s %llu\n", kv[k].name, (unsigned long long)kv[k].v);
    }
    if (t->guest_bytes)
        fprintf(f, "expansion (host/guest bytes): %.2f\n",
                (double)t->host_bytes / (double)t->guest_bytes);
}

static int write_kv_json(const struct kv *kv, int n, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return XBT_EIO;
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

void stats_print_text(const struct machine *m, FILE *f)
{
    struct kv kv[STATS_MAX];
    print_kv(kv, collect(m, kv, STATS_MAX), &m->tc.st, f);
}

int stats_write_json(const struct machine *m, const char *path)
{
    struct kv kv[STATS_MAX];
    return write_kv_json(kv, collect(m, kv, STATS_MAX), path);
}

/* The tcache group alone (a simulated cache). */
static int collect_tc(const struct tcache *tc, struct kv *out, int max)
{
    struct kvs c = { .kv = out, .max = max };
    collect_tcache(&c, tc);
    return c.n;
}

void stats_print_tcache_text(const struct tcache *tc, FILE *f)
{
    struct kv kv[STATS_MAX];
    print_kv(kv, collect_tc(tc, kv, STATS_MAX), &tc->st, f);
}

int stats_write_tcache_json(const struct tcache *tc, const char *path)
{
    struct kv kv[STATS_MAX];
    return write_kv_json(kv, collect_tc(tc, kv, STATS_MAX), path);
}
