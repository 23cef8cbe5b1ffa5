/*
 * fuzz.h - what the coverage-guided harnesses (tests/fuzz/fuzz_*.c) share:
 * the libFuzzer entry point each defines, a reader that takes typed
 * fields off the front of the input (zero once it is used up, so every
 * input is a valid program), and host files made from input bytes (the
 * loaders and the disk model take paths).
 *
 * Contract: every harness is deterministic (same input, same calls into
 * xbt) and frees everything it made before it returns, so ASan's leak
 * check holds; it returns 0 and aborts only when xbt broke an invariant
 * the harness checks.  The same harness links either with libFuzzer
 * (clang, `make fuzz-build`) or with replay.c (any compiler: ctest's
 * fuzz_replay_* run the committed corpora).
 */
#ifndef XBT_FUZZ_H
#define XBT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
    const uint8_t *p;
    size_t n; /* bytes left */
};

uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in); /* little endian */
uint32_t fuzz_u32(struct fuzz_in *in);
/* Up to len bytes off the front (fewer at the end); *got says how many. */
const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t len, size_t *got);

/* A memory file holding data[0, len): its fd (close it) and a path to it
 * ("/proc/self/fd/N", in path[0, pathlen)); -1 on failure. */
int fuzz_memfile(const void *data, size_t len, char *path, size_t pathlen);

/* Aborts with a message if cond is false: an invariant of xbt broke. */
void fuzz_check(int cond, const char *what);

#endif
