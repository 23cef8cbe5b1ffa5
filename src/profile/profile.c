/*
 * profile.c - the guest profiler's sampler (profile.h): a timer on the
 * machine's clock takes a sample every period of guest time, between
 * units (the vCPU's registers are exact there) or while the vCPU is
 * halted; stacks follow the EBP chain through side-effect-free reads of
 * guest memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpu.h"
#include "mmu.h"
#include "vcpu.h"
#include "profile/profile_int.h"

int eip_table_add(struct eip_table *t, uint32_t eip, uint64_t n)
{
    if (2 * (t->used + 1) > t->mask + 1 || !t->v) { /* keep it half empty */
        uint32_t size = t->v ? 2 * (t->mask + 1) : 1024;
        struct eip_count *v = calloc(size, sizeof(*v));
        if (!v)
            return XBT_ENOMEM;
        struct eip_table old = *t;
        *t = (struct eip_table){ v, size - 1, 0 };
        for (uint32_t i = 0; old.v && i <= old.mask; i++)
            if (old.v[i].n)
                eip_table_add(t, old.v[i].eip, old.v[i].n);
        free(old.v);
    }
    uint32_t i = (eip * 2654435761u) & t->mask;
    while (t->v[i].n && t->v[i].eip != eip)
        i = (i + 1) & t->mask;
    if (!t->v[i].n)
        t->used++;
    t->v[i].eip = eip;
    t->v[i].n += n;
    return 0;
}

uint64_t eip_table_get(const struct eip_table *t, uint32_t eip)
{
    if (!t->v)
        return 0;
    uint32_t i = (eip * 2654435761u) & t->mask;
    while (t->v[i].n) {
        if (t->v[i].eip == eip)
            return t->v[i].n;
        i = (i + 1) & t->mask;
    }
    return 0;
}

void eip_table_free(struct eip_table *t)
{
    free(t->v);
    *t = (struct eip_table){ 0 };
}

/* A dword of guest linear memory for the stack walk: false if it is not
 * mapped plain RAM (or crosses a page). */
static bool peek32(struct vcpu *cpu, uint32_t lin, uint32_t *val)
{
    if ((lin & 0xFFFu) > 0xFFCu)
        return false;
    struct mmu_paging pg = { cpu->cr0, cpu->cr3, cpu->cr4 };
    uint32_t phys;
    if (mmu_peek_linear(cpu->mmu, &pg, lin, &phys))
        return false;
    const uint8_t *p = mmu_phys_ptr(cpu->mmu, phys, 4);
    if (!p)
        return false;
    memcpy(val, p, 4);
    return true;
}

/* Return addresses of the EBP chain into frames[1..]; the frame count. */
static uint32_t walk_stack(struct profile *p, uint32_t *frames)
{
    struct vcpu *cpu = p->cpu;
    uint32_t n = 1, ebp = cpu->regs[R_EBP], ss = cpu->seg[S_SS].base;
    while (ebp) {
        uint32_t next, ret;
        if (!peek32(cpu, ss + ebp, &next) || !peek32(cpu, ss + ebp + 4, &ret) || !ret)
            break;
        if (n == PROFILE_MAX_DEPTH) {
            p->st.truncated++;
            break;
        }
        frames[n++] = ret;
        if (next <= ebp) /* frames go up the stack */
            break;
        ebp = next;
    }
    return n;
}

static void store(struct profile *p, uint32_t head, const uint32_t *frames, uint32_t n)
{
    if (p->nwords + 1 + n > p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 65536;
        uint32_t *w = cap <= PROFILE_MAX_WORDS ? realloc(p->words, cap * sizeof(*w)) : NULL;
        if (!w) {
            p->dropped++;
            return;
        }
        p->words = w;
        p->cap = cap;
    }
    p->words[p->nwords++] = head | n;
    if (n)
        memcpy(p->words + p->nwords, frames, n * sizeof(*frames));
    p->nwords += n;
}

static void sample(struct profile *p)
{
    struct vcpu *cpu = p->cpu;
    uint32_t frames[PROFILE_MAX_DEPTH];
    p->st.samples++;
    if (p->idle) {
        p->st.idle++;
        store(p, PS_IDLE, NULL, 0);
        return;
    }
    frames[0] = cpu->seg[S_CS].base + cpu->eip;
    uint32_t n = walk_stack(p, frames);
    p->st.frames += n - 1;
    bool user = cpu->cpl == 3;
    p->st.user += user;
    store(p, user ? PS_USER : 0, frames, n);
}

static void on_timer(void *opaque)
{
    struct profile *p = opaque;
    sample(p);
    uint64_t now = xclock_peek_ns(p->clk);
    p->next_ns += p->period_ns;
    if (p->next_ns <= now) /* a stall: no burst of samples */
        p->next_ns = now + p->period_ns;
    xtimer_mod(p->timer, p->next_ns);
}

int profile_create(struct profile **out, const struct profile_config *cfg, struct xclock *clk,
                   struct vcpu *cpu)
{
    struct profile *p = calloc(1, sizeof(*p));
    if (!p)
        return XBT_ENOMEM;
    p->cfg = *cfg;
    p->clk = clk;
    p->cpu = cpu;
    p->period_ns = 1000000000ull / (cfg->hz ? cfg->hz : PROFILE_DEFAULT_HZ);
    p->timer = xtimer_create(clk, on_timer, p);
    if (!p->timer) {
        free(p);
        return XBT_ENOMEM;
    }
    int rc = profile_prepare(p);
    if (rc) {
        profile_destroy(p);
        return rc;
    }
    p->next_ns = xclock_peek_ns(clk) + p->period_ns;
    xtimer_mod(p->timer, p->next_ns);
    *out = p;
    return 0;
}

void profile_destroy(struct profile *p)
{
    if (!p)
        return;
    xtimer_destroy(p->timer);
    profile_release(p);
    free(p->words);
    eip_table_free(&p->transl);
    free(p);
}

void profile_idle(struct profile *p, bool idle)
{
    if (p)
        p->idle = idle;
}

void profile_note_translation(void *profile, uint32_t eip)
{
    struct profile *p = profile;
    p->st.translations++;
    eip_table_add(&p->transl, eip, 1);
}

const struct profile_stats *profile_stats(const struct profile *p)
{
    return &p->st;
}
