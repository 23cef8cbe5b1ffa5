/*
 * smc_buf.h - the platform shim of portable self-modifying-code tests
 * (smc_native.c): a page-aligned buffer that is writable and executable
 * through one linear address, so generated code can be stored, called and
 * rewritten the same way in both builds.
 *   native (-DXBT_NATIVE): an anonymous mmap(PROT_READ|PROT_WRITE|PROT_EXEC)
 *   guest: a static page-aligned array (the kernel runs with paging off, so
 *          every byte of RAM is executable)
 * Absolute addresses differ between the builds: never print them.
 */
#ifndef XBT_GUEST_SMC_BUF_H
#define XBT_GUEST_SMC_BUF_H

#include <stdint.h>

#ifdef XBT_NATIVE
#include <sys/mman.h>
#endif

#define SMC_BUF_PAGES 7
#define SMC_BUF_SIZE (SMC_BUF_PAGES * 4096)

/* The buffer (SMC_BUF_SIZE bytes, 4 KiB aligned), or NULL if it cannot be
 * had (native mmap failure). */
__attribute__((unused))
static uint8_t *smc_buf(void)
{
#ifdef XBT_NATIVE
    static uint8_t *p;
    if (!p) {
        void *m = mmap(NULL, SMC_BUF_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p = m == MAP_FAILED ? NULL : m;
    }
    return p;
#else
    static uint8_t buf[SMC_BUF_SIZE] __attribute__((aligned(4096)));
    return buf;
#endif
}

#endif
