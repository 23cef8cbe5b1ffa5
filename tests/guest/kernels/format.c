/*
 * format.c - the printf family against glibc: every conversion, flag, width,
 * precision and length modifier the runtime supports, edge values (INT_MIN,
 * LLONG_MIN, ULLONG_MAX, zero with precision 0), '*' arguments, snprintf
 * truncation and return values, puts and putchar.  The native build prints
 * through glibc, so the output comparison checks the runtime's printf.c.
 */
#include "portable.h"

/* Flag combinations that gcc calls redundant are tested on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define SHOW(...)                                                           \
    do {                                                                    \
        int n_ = printf(__VA_ARGS__);                                       \
        printf(" <%d>\n", n_);                                              \
    } while (0)

int test_main(void)
{
    int32_t imin = OPAQUE(INT32_MIN), imax = OPAQUE(INT32_MAX);
    int64_t lmin = OPAQUE(INT64_MIN), lmax = OPAQUE(INT64_MAX);
    uint64_t umax = OPAQUE(UINT64_MAX);
    const char *null_str = OPAQUE((const char *)0);
    void *null_ptr = OPAQUE((void *)0);
    void *some_ptr = OPAQUE((void *)0x12ABCDEF);
    int zero = OPAQUE(0);

    /* integers */
    SHOW("[%d] [%i] [%d] [%d] [%d]", 0, 42, -42, imin, imax);
    SHOW("[%u] [%u] [%x] [%X] [%o]", 0u, (unsigned)imin, 0xDEADBEEFu, 0xDEADBEEFu, 511u);
    SHOW("[%5d] [%-5d] [%05d] [%-05d] [%+d] [% d] [%+5d] [% 05d]", 42, 42, 42, 42, 42,
         42, -42, 42);
    SHOW("[%.3d] [%8.3d] [%-8.3d] [%08.3d] [%.0d] [%5.0d] [%+.0d]", 7, -7, 7, 7, zero,
         zero, zero);
    SHOW("[%#x] [%#X] [%#o] [%#x] [%#o] [%#.0o] [%#10x] [%#010x] [%-#10x]", 0xABu,
         0xABu, 8u, 0u, 0u, 0u, 0xABu, 0xABu, 0xABu);
    SHOW("[%+u] [% u] [%+x] [%.5x] [%08X] [%-8o]", 5u, 5u, 5u, 0x1Fu, 0xFACEu, 64u);
    /* length modifiers */
    SHOW("[%hhd] [%hhu] [%hd] [%hu] [%hhx] [%hx]", 200, 200, 70000, 70000, 0x1234, 0x12345);
    SHOW("[%ld] [%lu] [%lx] [%zu] [%zd] [%td]", -123456789L, 4000000000UL, 0xCAFEUL,
         (size_t)12345, (int)-5, (ptrdiff_t)-77);
    SHOW("[%lld] [%lld] [%llu] [%llx] [%llX] [%llo]", lmin, lmax, umax, umax,
         0x123456789ABCDEFull, 01234567012345670123ull);
    SHOW("[%20lld] [%-22lld] [%025llu] [%.20llx] [%jd] [%ju]", -1ll, lmin, 1ull << 63,
         0xFFull, (intmax_t)-99, (uintmax_t)99);
    /* characters and strings */
    SHOW("[%c] [%3c] [%-3c] [%c%c%c]", 'x', 'y', 'z', 'a', 'b', 'c');
    SHOW("[%s] [%10s] [%-10s] [%.3s] [%10.3s] [%-10.3s] [%.0s]", "hello", "hello",
         "hello", "hello", "hello", "hello", "hello");
    SHOW("[%s] [%10s] [%.6s] [%.5s]", null_str, null_str, null_str, null_str);
    SHOW("[%s] [%5s] [%-5s|]", "", "", "");
    /* pointers */
    SHOW("[%p] [%p] [%20p] [%-20p] [%10p]", some_ptr, null_ptr, some_ptr, some_ptr,
         null_ptr);
    /* star arguments */
    SHOW("[%*d] [%-*d] [%*d] [%.*d] [%.*d] [%*.*s]", 6, 42, 6, 42, -6, 42, 4, 42, -4,
         42, 8, 2, "stars");
    /* percent and mixtures */
    SHOW("[%%] [100%%] [%d%%%s]", 50, "!");
    SHOW("%s=%d, %s=%#llx, %s='%c'", "a", 1, "b", 0xB0B0B0B0B0ull, "c", 'C');

    /* snprintf return values and truncation */
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s-%d-%x", "truncate", 123456, 0xABCDEFu);
    printf("snprintf 16: %d \"%s\"\n", n, buf);
    n = snprintf(buf, 1, "%d", 12345);
    printf("snprintf 1: %d \"%s\"\n", n, buf);
    n = snprintf(NULL, 0, "%lld", lmin);
    printf("snprintf NULL,0: %d\n", n);
    n = snprintf(buf, sizeof buf, "%5s|%-5s|", "ab", "cd");
    printf("snprintf exact: %d \"%s\"\n", n, buf);
    n = sprintf(buf, "%08.3d|%c", -5, '!');
    printf("sprintf: %d \"%s\"\n", n, buf);

    /* puts and putchar */
    n = puts("puts adds a newline");
    printf("puts returned >= 0: %s\n", n >= 0 ? "yes" : "no");
    n = putchar('Q');
    putchar('\n');
    printf("putchar returned %d\n", n);
    printf("tab\there, cr-less newline\n");
    printf("PASS: format\n");
    return 0;
}
