/*
 * commands.c - gdb's commands while the guest is stopped: queries,
 * registers, memory through the guest's paging (writes drop the
 * translations of the bytes they change, as device DMA does), breakpoints
 * kept by the stub, and the resumptions (c, s, vCont, D, k).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "mmu.h"
#include "vcpu.h"
#include "gdbstub/gdbstub_int.h"

/* Tunable: the largest memory read or write one packet asks for, bytes.
 * Policy: what fits in a packet as hex. */
#define GDB_MEM_MAX ((GDB_PACKET_MAX - 16) / 2)

static void reply(struct gdbstub *g, const char *s)
{
    snprintf(g->reply, sizeof(g->reply), "%s", s);
}

void gdb_stop_reply(struct gdbstub *g, int sig)
{
    static const char *const kinds[] = { "", "watch", "rwatch", "awatch" };
    const struct vcpu_watch *w =
        g->stop_watch >= 0 ? &g->target.cpu->ext_watch[g->stop_watch] : NULL;
    if (w && w->len)
        snprintf(g->reply, sizeof(g->reply), "T%02x%s:%x;thread:01;", sig & 0xFF,
                 kinds[w->kind & 3], w->lo);
    else
        snprintf(g->reply, sizeof(g->reply), "T%02xthread:01;", sig & 0xFF);
}

static struct mmu_paging paging(const struct vcpu *cpu)
{
    return (struct mmu_paging){ .cr0 = cpu->cr0, .cr3 = cpu->cr3, .cr4 = cpu->cr4 };
}

/* Guest-physical RAM behind [lin, lin + n) on one page, or NULL. */
static uint8_t *guest_ptr(struct gdbstub *g, uint32_t lin, uint32_t n, uint32_t *phys)
{
    struct mmu_paging pg = paging(g->target.cpu);
    if (mmu_peek_linear(g->target.mmu, &pg, lin, phys) < 0)
        return NULL;
    return mmu_phys_ptr(g->target.mmu, *phys, n);
}

/* Page-sized pieces of [lin, lin + len): bytes read into buf. */
static uint32_t mem_read(struct gdbstub *g, uint32_t lin, uint32_t len, uint8_t *buf)
{
    uint32_t done = 0;
    while (done < len) {
        uint32_t a = lin + done, n = PAGE_SIZE - (a & (PAGE_SIZE - 1)), pa;
        if (n > len - done)
            n = len - done;
        const uint8_t *p = guest_ptr(g, a, n, &pa);
        if (!p)
            break;
        memcpy(buf + done, p, n);
        done += n;
    }
    g->st.mem_bytes_read += done;
    return done;
}

/* Writes through the paging; translations of the bytes are dropped. */
static int mem_write(struct gdbstub *g, uint32_t lin, uint32_t len, const uint8_t *buf)
{
    uint32_t done = 0;
    while (done < len) {
        uint32_t a = lin + done, n = PAGE_SIZE - (a & (PAGE_SIZE - 1)), pa;
        if (n > len - done)
            n = len - done;
        if (!guest_ptr(g, a, n, &pa) || mmu_dma_write(g->target.mmu, pa, buf + done, n) != n)
            return -1;
        done += n;
    }
    g->st.mem_bytes_written += done;
    return 0;
}

/* "ADDR,LEN" at p (advanced past it). */
static int parse_range(const char **p, uint32_t *addr, uint32_t *len)
{
    if (gdb_parse_hex(p, addr) < 0 || **p != ',')
        return -1;
    (*p)++;
    return gdb_parse_hex(p, len);
}

static void cmd_read_mem(struct gdbstub *g, const char *p)
{
    static uint8_t buf[GDB_MEM_MAX];
    uint32_t addr, len;
    if (parse_range(&p, &addr, &len) < 0 || len > GDB_MEM_MAX)
        return reply(g, "E01");
    uint32_t n = mem_read(g, addr, len, buf);
    if (!n && len)
        return reply(g, "E14");
    gdb_hex_encode(buf, n, g->reply);
    g->reply[2 * n] = 0;
}

/* M ADDR,LEN:HEX and X ADDR,LEN:BINARY */
static void cmd_write_mem(struct gdbstub *g, const char *p, bool binary)
{
    static uint8_t buf[GDB_MEM_MAX];
    uint32_t addr, len;
    if (parse_range(&p, &addr, &len) < 0 || *p != ':' || len > GDB_MEM_MAX)
        return reply(g, "E01");
    p++;
    if (binary) {
        char *data = g->rx.buf + (p - g->rx.buf);
        size_t n = gdb_unescape(data, g->rx.len - (size_t)(p - g->rx.buf));
        if (n < len)
            return reply(g, "E01");
        memcpy(buf, p, len);
    } else if (strlen(p) < 2 * (size_t)len || gdb_hex_decode(p, len, buf) < 0) {
        return reply(g, "E01");
    }
    reply(g, mem_write(g, addr, len, buf) < 0 ? "E14" : "OK");
}

static void cmd_read_regs(struct gdbstub *g)
{
    uint8_t b[16];
    size_t o = 0;
    for (int i = 0; i < GDB_NREGS; i++) {
        int n = gdb_reg_read(g->target.cpu, i, b);
        gdb_hex_encode(b, (size_t)n, g->reply + o);
        o += 2 * (size_t)n;
    }
    g->reply[o] = 0;
}

static void cmd_write_regs(struct gdbstub *g, const char *p)
{
    uint8_t b[16];
    if (strlen(p) < 2 * gdb_regs_size())
        return reply(g, "E01");
    for (int i = 0; i < GDB_NREGS; i++) {
        uint8_t probe[16];
        size_t n = (size_t)gdb_reg_read(g->target.cpu, i, probe);
        if (gdb_hex_decode(p, n, b) < 0)
            return reply(g, "E01");
        gdb_reg_write(g->target.cpu, i, b);
        p += 2 * n;
    }
    reply(g, "OK");
}

/* p N and P N=VALUE */
static void cmd_reg(struct gdbstub *g, const char *p, bool write)
{
    uint32_t n;
    uint8_t b[16];
    if (gdb_parse_hex(&p, &n) < 0)
        return reply(g, "E01");
    int size = gdb_reg_read(g->target.cpu, (int)n, b);
    if (size < 0)
        return reply(g, "E01");
    if (!write) {
        gdb_hex_encode(b, (size_t)size, g->reply);
        g->reply[2 * size] = 0;
        return;
    }
    if (*p != '=' || strlen(p + 1) < 2 * (size_t)size || gdb_hex_decode(p + 1, (size_t)size, b))
        return reply(g, "E01");
    gdb_reg_write(g->target.cpu, (int)n, b);
    reply(g, "OK");
}

/* Z/z TYPE,ADDR,KIND: software (0) and hardware (1) breakpoints are the
 * stub's; watchpoints (2-4) are not offered (gdb then watches by
 * single-stepping). */
/* Z2/Z3/Z4 (write, read, access watchpoints) of len bytes at addr: the
 * vCPU's debugger slots (dbg_bp.c); E28 when all four are taken. */
static void cmd_watchpoint(struct gdbstub *g, uint32_t type, uint32_t addr, uint32_t len,
                           bool insert)
{
    static const unsigned kinds[] = { DBG_WATCH_WRITE, DBG_WATCH_READ, DBG_WATCH_ACCESS };
    struct vcpu *cpu = g->target.cpu;
    unsigned kind = kinds[type - 2];
    if (len == 0 || len > 4096)
        return reply(g, "E01");
    int k = 0, free_k = -1;
    for (; k < 4; k++) {
        const struct vcpu_watch *w = &cpu->ext_watch[k];
        if (w->len == len && w->lo == addr && w->kind == kind)
            break;
        if (!w->len && free_k < 0)
            free_k = k;
    }
    if (insert && k == 4 && free_k < 0)
        return reply(g, "E28");
    if (insert && k == 4)
        dbg_ext_watch_set(cpu, (unsigned)free_k, addr, len, kind);
    else if (!insert && k < 4)
        dbg_ext_watch_set(cpu, (unsigned)k, 0, 0, 0);
    reply(g, "OK");
}

static void cmd_breakpoint(struct gdbstub *g, const char *p, bool insert)
{
    uint32_t type, addr, kind;
    if (gdb_parse_hex(&p, &type) < 0 || *p++ != ',' || parse_range(&p, &addr, &kind) < 0)
        return reply(g, "E01");
    if (type >= 2 && type <= 4)
        return cmd_watchpoint(g, type, addr, kind, insert);
    if (type > 1)
        return reply(g, "");
    int i = 0;
    while (i < g->nbps && g->bps[i].addr != addr)
        i++;
    if (insert) {
        if (i == g->nbps) {
            if (g->nbps == GDB_MAX_BREAKPOINTS)
                return reply(g, "E28");
            g->bps[g->nbps++] = (struct gdb_bp){ .addr = addr, .type = (uint8_t)type };
        }
    } else if (i < g->nbps) {
        g->bps[i] = g->bps[--g->nbps];
    }
    reply(g, "OK");
}

static void cmd_xfer(struct gdbstub *g, const char *p)
{
    const char *pre = "qXfer:features:read:target.xml:";
    uint32_t off, len;
    if (strncmp(p, pre, strlen(pre)) != 0)
        return reply(g, "E00");
    p += strlen(pre);
    if (parse_range(&p, &off, &len) < 0)
        return reply(g, "E01");
    if (len > GDB_PACKET_MAX / 2)
        len = GDB_PACKET_MAX / 2;
    if (gdb_xfer_slice(gdb_target_xml(), off, len, g->reply, sizeof(g->reply)) < 0)
        reply(g, "E01");
}

static void cmd_query(struct gdbstub *g, const char *p)
{
    if (!strncmp(p, "qSupported", 10))
        snprintf(g->reply, sizeof(g->reply),
                 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+",
                 GDB_PACKET_MAX);
    else if (!strncmp(p, "qXfer:", 6))
        cmd_xfer(g, p);
    else if (!strcmp(p, "qAttached") || !strncmp(p, "qAttached:", 10))
        reply(g, "1");
    else if (!strcmp(p, "qC"))
        reply(g, "QC01");
    else if (!strcmp(p, "qfThreadInfo"))
        reply(g, "m01");
    else if (!strcmp(p, "qsThreadInfo"))
        reply(g, "l");
    else if (!strncmp(p, "qSymbol", 7))
        reply(g, "OK");
    else
        reply(g, "");
}

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR] */
static enum gdb_cmd_result resume(struct gdbstub *g, const char *p, bool step, bool sig)
{
    uint32_t v;
    if (sig) {
        p = strchr(p, ';');
        if (p)
            p++;
    }
    if (p && gdb_parse_hex(&p, &v) == 0)
        g->target.cpu->eip = v;
    g->stepping = step;
    return GDB_CMD_CONTINUE;
}

/* vCont? and vCont;ACTION[:TID]...: one thread, so the first action. */
static enum gdb_cmd_result cmd_v(struct gdbstub *g, const char *p)
{
    if (!strcmp(p, "vCont?")) {
        reply(g, "vCont;c;C;s;S");
        return GDB_CMD_REPLY;
    }
    if (!strncmp(p, "vCont;", 6)) {
        char a = p[6];
        if (a == 'c' || a == 'C' || a == 's' || a == 'S') {
            g->stepping = a == 's' || a == 'S';
            return GDB_CMD_CONTINUE;
        }
        reply(g, "E01");
        return GDB_CMD_REPLY;
    }
    if (!strncmp(p, "vKill", 5))
        return GDB_CMD_KILL;
    reply(g, "");
    return GDB_CMD_REPLY;
}

enum gdb_cmd_result gdb_command(struct gdbstub *g)
{
    const char *p = g->rx.buf;
    switch (p[0]) {
    case '?': gdb_stop_reply(g, g->last_sig); break;
    case 'q': cmd_query(g, p); break;
    case 'Q':
        if (!strcmp(p, "QStartNoAckMode")) {
            g->no_ack_next = true;
            reply(g, "OK");
        } else
            reply(g, "");
        break;
    case 'H':
    case 'T': reply(g, "OK"); break;
    case 'g': cmd_read_regs(g); break;
    case 'G': cmd_write_regs(g, p + 1); break;
    case 'p':
    case 'P': cmd_reg(g, p + 1, p[0] == 'P'); break;
    case 'm': cmd_read_mem(g, p + 1); break;
    case 'M':
    case 'X': cmd_write_mem(g, p + 1, p[0] == 'X'); break;
    case 'Z':
    case 'z': cmd_breakpoint(g, p + 1, p[0] == 'Z'); break;
    case 'c':
    case 's': return resume(g, p + 1, p[0] == 's', false);
    case 'C':
    case 'S': return resume(g, p + 1, p[0] == 'S', true);
    case 'v': return cmd_v(g, p);
    case 'D': return GDB_CMD_DETACH;
    case 'k': return GDB_CMD_KILL;
    default: reply(g, "");
    }
    return GDB_CMD_REPLY;
}
