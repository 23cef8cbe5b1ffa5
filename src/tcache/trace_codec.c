/*
 * trace_codec.c - the record codec of translation-cache traces: varints,
 * zigzag deltas (entry keys against the previous entry, invalidation
 * addresses against the previous invalidation), the header.  Pure
 * functions on byte buffers; compression is the caller's (trace.c,
 * trace_read.c).
 */
#include <string.h>

#include "tctrace.h"

size_t tct_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

size_t tct_get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t n = 0; n < 10 && p + n < end; n++) {
        x |= (uint64_t)(p[n] & 0x7F) << (7 * n);
        if (!(p[n] & 0x80)) {
            *v = x;
            return n + 1;
        }
    }
    return 0;
}

static size_t put_event(uint8_t *p, enum tct_type type)
{
    return tct_put_varint(p, (uint64_t)type << 2 | 3);
}

size_t tct_encode(struct tct_state *s, const struct tct_rec *rec, uint8_t *p)
{
    size_t n = 0;
    switch (rec->type) {
    case TCT_ENTRY:
        n = tct_put_varint(p, tct_zigzag((int64_t)rec->key - (int64_t)s->prev_key) << 1);
        s->prev_key = rec->key;
        if (rec->repeat > 1)
            n += tct_put_varint(p + n, (rec->repeat - 1) << 2 | 1);
        return n;
    case TCT_KEY:
        n = put_event(p, rec->type);
        n += tct_put_varint(p + n, rec->pc);
        n += tct_put_varint(p + n, tct_zigzag((int64_t)rec->vpc - (int64_t)rec->pc));
        n += tct_put_varint(p + n, rec->mode);
        n += tct_put_varint(p + n, rec->cs_base);
        n += tct_put_varint(p + n, rec->cs_limit);
        return n;
    case TCT_TRANS:
        n = put_event(p, rec->type);
        n += tct_put_varint(p + n, rec->key);
        n += tct_put_varint(p + n, rec->guest_size);
        n += tct_put_varint(p + n, rec->code_size);
        n += tct_put_varint(p + n, rec->page1 >> 12);
        return n;
    case TCT_INVAL:
        n = put_event(p, rec->type);
        n += tct_put_varint(p + n, rec->cause);
        n += tct_put_varint(p + n, tct_zigzag((int64_t)rec->addr - (int64_t)s->prev_addr));
        n += tct_put_varint(p + n, rec->len);
        s->prev_addr = rec->addr;
        return n;
    case TCT_MODE: n = put_event(p, rec->type); return n + tct_put_varint(p + n, rec->mode);
    case TCT_END:
        n = put_event(p, rec->type);
        n += tct_put_varint(p + n, rec->translations);
        return n + tct_put_varint(p + n, rec->entries);
    default: return put_event(p, rec->type); /* TCT_FLUSH */
    }
}

/* Reads count varints of the payload into v; returns the bytes or 0. */
static size_t get_payload(const uint8_t *p, const uint8_t *end, uint64_t *v, int count)
{
    size_t n = 0;
    for (int i = 0; i < count; i++) {
        size_t k = tct_get_varint(p + n, end, &v[i]);
        if (!k)
            return 0;
        n += k;
    }
    return n;
}

static const int payload_count[TCT_TYPES] = {
    [TCT_KEY] = 5, [TCT_TRANS] = 4, [TCT_INVAL] = 3, [TCT_MODE] = 1, [TCT_END] = 2,
};

/* An event's payload v into rec (the delta state s). */
static int event_fields(struct tct_state *s, const uint64_t *v, struct tct_rec *rec)
{
    switch (rec->type) {
    case TCT_KEY:
        rec->pc = (uint32_t)v[0];
        rec->vpc = (uint32_t)((int64_t)v[0] + tct_unzigzag(v[1]));
        rec->mode = (uint32_t)v[2];
        rec->cs_base = (uint32_t)v[3];
        rec->cs_limit = (uint32_t)v[4];
        break;
    case TCT_TRANS:
        rec->key = (uint32_t)v[0];
        rec->guest_size = (uint32_t)v[1];
        rec->code_size = (uint32_t)v[2];
        rec->page1 = (uint32_t)(v[3] << 12);
        break;
    case TCT_INVAL:
        if (v[0] >= TC_INV_CAUSES)
            return XBT_EINVAL;
        rec->cause = (uint32_t)v[0];
        rec->addr = (uint32_t)((int64_t)s->prev_addr + tct_unzigzag(v[1]));
        rec->len = (uint32_t)v[2];
        s->prev_addr = rec->addr;
        break;
    case TCT_MODE: rec->mode = (uint32_t)v[0]; break;
    case TCT_END:
        rec->translations = v[0];
        rec->entries = v[1];
        break;
    default: break;
    }
    return 0;
}

int tct_decode(struct tct_state *s, const uint8_t *p, const uint8_t *end, struct tct_rec *rec)
{
    uint64_t tag, v[6];
    size_t n = tct_get_varint(p, end, &tag);
    if (!n)
        return end - p >= 10 ? XBT_EINVAL : 0;
    if (!(tag & 1)) {
        rec->type = TCT_ENTRY;
        rec->key = (uint32_t)((int64_t)s->prev_key + tct_unzigzag(tag >> 1));
        rec->repeat = 1;
        rec->cont = false;
        s->prev_key = rec->key;
        return (int)n;
    }
    if ((tag & 3) == 1) { /* a repeat of the previous entry */
        rec->type = TCT_ENTRY;
        rec->key = s->prev_key;
        rec->repeat = tag >> 2;
        rec->cont = true;
        return rec->repeat ? (int)n : XBT_EINVAL;
    }
    if ((tag >> 2) == TCT_ENTRY || (tag >> 2) >= TCT_TYPES)
        return XBT_EINVAL;
    rec->type = (enum tct_type)(tag >> 2);
    size_t k = get_payload(p + n, end, v, payload_count[rec->type]);
    if (!k && payload_count[rec->type])
        return end - p >= TCT_MAX_RECORD ? XBT_EINVAL : 0;
    int rc = event_fields(s, v, rec);
    return rc ? rc : (int)(n + k);
}

size_t tct_encode_header(const struct tct_header *h, uint8_t *p)
{
    memcpy(p, TCT_MAGIC, TCT_MAGIC_LEN);
    size_t n = TCT_MAGIC_LEN;
    n += tct_put_varint(p + n, TCT_VERSION);
    n += tct_put_varint(p + n, h->tc_size);
    n += tct_put_varint(p + n, h->policy);
    n += tct_put_varint(p + n, h->nursery_pct);
    n += tct_put_varint(p + n, h->npages);
    n += tct_put_varint(p + n, h->smc_granularity);
    n += tct_put_varint(p + n, h->window);
    return n;
}

int tct_decode_header(const uint8_t *p, const uint8_t *end, struct tct_header *h)
{
    uint64_t v[7] = { 0 };
    if (end - p < TCT_MAGIC_LEN)
        return 0;
    if (memcmp(p, TCT_MAGIC, TCT_MAGIC_LEN))
        return XBT_EINVAL;
    size_t n = get_payload(p + TCT_MAGIC_LEN, end, v, 1);
    size_t k = n ? get_payload(p + TCT_MAGIC_LEN + n, end, v + 1, v[0] == 1 ? 5 : 6) : 0;
    if (!k)
        return end - p >= TCT_MAGIC_LEN + 70 ? XBT_EINVAL : 0;
    if ((v[0] != 1 && v[0] != TCT_VERSION) || v[2] >= TC_POLICY_COUNT || v[4] > (1u << 20) ||
        v[6] > TCT_MAX_WINDOW)
        return XBT_EINVAL;
    *h = (struct tct_header){ .version = (uint32_t)v[0],
                              .tc_size = v[1],
                              .policy = (uint32_t)v[2],
                              .nursery_pct = (uint32_t)v[3],
                              .npages = (uint32_t)v[4],
                              .smc_granularity = (uint32_t)v[5],
                              .window = (uint32_t)v[6] };
    return (int)(TCT_MAGIC_LEN + n + k);
}
