/*
 * trace_read.c - reading a translation-cache trace: zstd stream
 * decompression into a window that always holds a whole record
 * (TCT_MAX_RECORD), the header check, one record at a time.
 */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "tctrace.h"

/* Tunable: decompressed bytes per refill.  Policy: 1 MiB, a few zstd
 * blocks; records are at most TCT_MAX_RECORD bytes. */
#define TCT_WINDOW (1u << 20)

struct tct_reader {
    FILE *f;
    const char *path;
    ZSTD_DCtx *z;
    uint8_t *zin;
    ZSTD_inBuffer in;
    size_t zin_size;
    uint8_t *win; /* decompressed bytes [pos, len) not yet decoded */
    size_t pos, len;
    bool eof;       /* the file is read to its end */
    bool frame_end; /* zstd finished a frame and has nothing buffered */
    struct tct_state st;
};

static int corrupt(struct tct_reader *r, const char *what)
{
    xbt_error("tcsim: %s: %s", r->path, what);
    return XBT_EINVAL;
}

/* Moves the undecoded tail to the front and decompresses more after it. */
static int refill(struct tct_reader *r)
{
    memmove(r->win, r->win + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    while (r->len < TCT_WINDOW / 2) {
        if (r->in.pos == r->in.size && !r->eof) {
            r->in.size = fread(r->zin, 1, r->zin_size, r->f);
            r->in.pos = 0;
            r->eof = r->in.size < r->zin_size;
        }
        if (r->in.pos == r->in.size && r->eof && r->frame_end)
            break; /* everything is out */
        ZSTD_outBuffer out = { r->win + r->len, TCT_WINDOW - r->len, 0 };
        size_t rc = ZSTD_decompressStream(r->z, &out, &r->in);
        if (ZSTD_isError(rc))
            return corrupt(r, "not a zstd-compressed trace, or corrupt");
        r->frame_end = rc == 0;
        r->len += out.pos;
        if (!out.pos && r->in.pos == r->in.size && r->eof)
            break; /* cut off inside a frame: tct_next says so */
    }
    return 0;
}

int tct_next(struct tct_reader *r, struct tct_rec *rec)
{
    for (int tries = 0; tries < 2; tries++) {
        int n = r->pos < r->len ? tct_decode(&r->st, r->win + r->pos, r->win + r->len, rec) : 0;
        if (n < 0)
            return corrupt(r, "corrupt record");
        if (n > 0) {
            r->pos += (size_t)n;
            return 1;
        }
        if (tries == 0) {
            int rc = refill(r);
            if (rc < 0)
                return rc;
        }
    }
    if (r->pos < r->len || !r->frame_end)
        return corrupt(r, "truncated trace");
    return 0;
}

/* Reads one varint at p (at least 10 bytes there); returns the bytes. */
static inline size_t varint_fast(const uint8_t *p, uint64_t *v)
{
    if (p[0] < 0x80) {
        *v = p[0];
        return 1;
    }
    if (p[1] < 0x80) {
        *v = (uint64_t)(p[0] & 0x7F) | (uint64_t)p[1] << 7;
        return 2;
    }
    return tct_get_varint(p, p + 10, v);
}

uint32_t tct_read_entries(struct tct_reader *r, struct tct_op *op, uint32_t max)
{
    uint32_t n = 0;
    const uint8_t *p = r->win + r->pos, *end = r->win + r->len;
    uint32_t key = r->st.prev_key;
    while (n < max && end - p >= 10) {
        uint64_t tag;
        size_t k = varint_fast(p, &tag);
        if (!k)
            break; /* malformed: tct_next says so */
        if (!(tag & 1)) {
            key = (uint32_t)((int64_t)key + tct_unzigzag(tag >> 1));
            op[n++] = (struct tct_op){ key, 1 };
        } else if ((tag & 3) == 1 && n && tag >> 2 && op[n - 1].repeat + (tag >> 2) <= UINT32_MAX) {
            op[n - 1].repeat += (uint32_t)(tag >> 2);
        } else {
            break; /* an event, or a repeat to leave to tct_next */
        }
        p += k;
    }
    r->st.prev_key = key;
    r->pos = (size_t)(p - r->win);
    return n;
}

void tct_close(struct tct_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    ZSTD_freeDCtx(r->z);
    free(r->zin);
    free(r->win);
    free(r);
}

static int read_header(struct tct_reader *r, struct tct_header *h)
{
    int rc = refill(r);
    if (rc < 0)
        return rc;
    int n = tct_decode_header(r->win, r->win + r->len, h);
    if (n == 0)
        return corrupt(r, "empty or truncated trace (no whole header)");
    if (n < 0)
        return corrupt(r, "not an xbt translation-cache trace (bad header)");
    r->pos = (size_t)n;
    return 0;
}

int tct_open(const char *path, struct tct_reader **out, struct tct_header *h)
{
    struct tct_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return XBT_ENOMEM;
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f) {
        xbt_error("tcsim: cannot read %s", path);
        tct_close(r);
        return XBT_EIO;
    }
    r->zin_size = ZSTD_DStreamInSize();
    r->zin = malloc(r->zin_size);
    r->win = malloc(TCT_WINDOW);
    r->z = ZSTD_createDCtx();
    if (!r->zin || !r->win || !r->z) {
        tct_close(r);
        return XBT_ENOMEM;
    }
    r->in = (ZSTD_inBuffer){ r->zin, 0, 0 };
    int rc = read_header(r, h);
    if (rc < 0) {
        tct_close(r);
        return rc;
    }
    *out = r;
    return 0;
}
