/*
 * fuzz.c - runs the blocks of a gen.py file (tests/fuzz/insn/README.md) and
 * prints one line per block; the same source is the guest kernel's runner
 * (with fuzz_main.c) and the native harness (with native_main.c: the file
 * is argv[1]).
 *
 * For each block: the stack area from FUZZ_HASH_LO and the data area are
 * filled from the block's data seed (xorshift32), the code is copied to
 * FUZZ_CODE, EAX..EDI (ESP too), the arithmetic flags and DF are loaded
 * and the code runs under xbt_catch() until the epilogue jumps back.  The
 * line is
 *     N: [#XX@OFF] eax=........ ecx=... edi=........ fl=.... m=........
 * the fault (vector name, EIP relative to the block) if one was raised;
 * the registers (at the fault, if any); EFLAGS masked with the flags the
 * block defines at that point (gen.py's marks: at the end, or before the
 * faulting instruction; a trap's EIP is the next instruction's); and an
 * FNV-1a hash (over dwords) of [FUZZ_HASH_LO, FUZZ_END), from the
 * interrupted ESP (rounded down to a dword) up
 * after a fault (below it the exception or signal frame was written).
 */
#include "fuzz.h"

#include "portable.h"

#ifdef XBT_NATIVE
#include <stdlib.h>
#include <sys/mman.h>
#endif

#define FUZZ_DF 0x400u

/* ---- the runner (globals used by the assembly below) ---- */
__attribute__((used)) uint32_t fuzz_in[8], fuzz_in_fl, fuzz_out[8], fuzz_out_fl;
__attribute__((used)) uint32_t fuzz_saved_esp;
void fuzz_enter(void);
void fuzz_back(void);

__asm__(".text\n"
        ".globl fuzz_enter\n"
        "fuzz_enter:\n\t"
        "pushal\n\t"
        "movl %esp, fuzz_saved_esp\n\t"
        "pushfl\n\t"
        "andl $0xfffbf22a, (%esp)\n\t" /* ~(ARITH | TF | DF | AC) */
        "movl fuzz_in_fl, %eax\n\t"
        "orl %eax, (%esp)\n\t"
        "popfl\n\t"
        "movl fuzz_in+0, %eax\n\t"
        "movl fuzz_in+4, %ecx\n\t"
        "movl fuzz_in+8, %edx\n\t"
        "movl fuzz_in+12, %ebx\n\t"
        "movl fuzz_in+20, %ebp\n\t"
        "movl fuzz_in+24, %esi\n\t"
        "movl fuzz_in+28, %edi\n\t"
        "movl fuzz_in+16, %esp\n\t"
        "jmp 0xC00000\n" /* FUZZ_CODE */
        ".globl fuzz_back\n"
        "fuzz_back:\n\t"
        "movl %eax, %ss:fuzz_out+0\n\t"
        "movl %ecx, %ss:fuzz_out+4\n\t"
        "movl %edx, %ss:fuzz_out+8\n\t"
        "movl %ebx, %ss:fuzz_out+12\n\t"
        "movl %esp, %ss:fuzz_out+16\n\t"
        "movl %ebp, %ss:fuzz_out+20\n\t"
        "movl %esi, %ss:fuzz_out+24\n\t"
        "movl %edi, %ss:fuzz_out+28\n\t"
        "movl %ss:fuzz_saved_esp, %esp\n\t"
        "pushfl\n\t"
        "popl %ss:fuzz_out_fl\n\t"
        "cld\n\t"
        "popal\n\t"
        "ret\n");

static void fuzz_fn(void *arg)
{
    (void)arg;
    fuzz_enter();
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void fuzz_fill(uint32_t seed)
{
    uint32_t x = seed | 1;
    for (uint32_t a = FUZZ_HASH_LO; a < FUZZ_END; a += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *(volatile uint32_t *)(uintptr_t)a = x;
    }
}

static uint32_t fuzz_hash(uint32_t from)
{
    uint32_t h = 2166136261u;
    if (from < FUZZ_HASH_LO || from > FUZZ_END)
        from = FUZZ_HASH_LO;
    for (uint32_t a = from & ~3u; a < FUZZ_END; a += 4) {
        h ^= *(volatile uint32_t *)(uintptr_t)a;
        h *= 16777619u;
    }
    return h;
}

/* The flags defined at code offset off (gen.py's marks), 0 if none. */
static uint32_t fuzz_mask(const uint8_t *marks, unsigned n, uint32_t off)
{
    for (unsigned i = 0; i < n; i++)
        if (rd16(marks + 4 * i) == off)
            return rd16(marks + 4 * i + 2);
    return 0;
}

static const char *const fuzz_regs[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

/* Runs one block record at p (size bytes left); returns its length or 0. */
static uint32_t fuzz_block(const uint8_t *p, uint32_t left)
{
    if (left < 48)
        return 0;
    uint32_t id = rd32(p), fl_in = rd32(p + 36), seed = rd32(p + 40);
    unsigned len = rd16(p + 44), nmarks = rd16(p + 46);
    uint32_t total = (48 + 4 * nmarks + len + 3) & ~3u;
    if (total > left || len > FUZZ_CODE_MAX || nmarks == 0)
        return 0;
    const uint8_t *marks = p + 48, *code = marks + 4 * nmarks;
    struct xbt_fault f;

    fuzz_fill(seed);
    memcpy((void *)(uintptr_t)FUZZ_CODE, code, len);
    *(volatile uint32_t *)(uintptr_t)FUZZ_BACK_PTR = (uint32_t)(uintptr_t)fuzz_back;
    for (int r = 0; r < 8; r++)
        fuzz_in[r] = rd32(p + 4 + 4 * r);
    fuzz_in_fl = fl_in;
    memset(fuzz_out, 0, sizeof fuzz_out);

    int vec = xbt_catch(fuzz_fn, NULL, &f);
    uint32_t out[8], fl, hash, mask;
    printf("%u:", (unsigned)id);
    if (vec >= 0) {
        uint32_t fr[8] = { f.eax, f.ecx, f.edx, f.ebx, f.esp, f.ebp, f.esi, f.edi };
        memcpy(out, fr, sizeof out);
        uint32_t off = f.eip - FUZZ_CODE;
        printf(" %s@%d", xbt_vector_name(vec), (int)off);
        fl = f.eflags;
        mask = fuzz_mask(marks, nmarks, off);
        hash = fuzz_hash(f.esp);
    } else {
        memcpy(out, fuzz_out, sizeof out);
        fl = fuzz_out_fl;
        mask = rd16(marks + 4 * (nmarks - 1) + 2);
        hash = fuzz_hash(FUZZ_HASH_LO);
    }
    for (int r = 0; r < 8; r++)
        printf(" %s=%08x", fuzz_regs[r], (unsigned)out[r]);
    printf(" fl=%04x m=%08x\n", (unsigned)(fl & mask), (unsigned)hash);
    return total;
}

int fuzz_run(const uint8_t *file, uint32_t size)
{
    if (size < 12 || memcmp(file, "XBTFUZ01", 8) != 0) {
        printf("fuzz: not a block file\n");
        return 1;
    }
    uint32_t n = rd32(file + 8), off = 12;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t used = fuzz_block(file + off, size - off);
        if (!used) {
            printf("fuzz: block %u is truncated or bad\n", (unsigned)i);
            return 1;
        }
        off += used;
    }
    printf("fuzz: %u blocks\n", (unsigned)n);
    return 0;
}

#ifdef XBT_NATIVE
/* Native harness: the file is argv[1]. */
int test_main(void)
{
    static uint8_t buf[64 << 20];
    if (!xbt_cmdline) {
        fprintf(stderr, "usage: fuzz_insn BLOCKFILE\n");
        return 2;
    }
    FILE *fp = fopen(xbt_cmdline, "rb");
    if (!fp) {
        perror(xbt_cmdline);
        return 2;
    }
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    void *m =
        mmap((void *)(uintptr_t)FUZZ_BASE, FUZZ_END - FUZZ_BASE, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m != (void *)(uintptr_t)FUZZ_BASE) {
        perror("mmap of the scratch memory");
        return 2;
    }
    return fuzz_run(buf, (uint32_t)n);
}
#endif
