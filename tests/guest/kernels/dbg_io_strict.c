/*
 * dbg_io_strict.c - dbg_io.c's cases where QEMU departs from the SDM: an
 * I/O breakpoint's DRn not aligned to its LEN is aligned down (QEMU 7.2
 * watches LEN ports from DRn itself), and REP INS and OUTS trap after each
 * iteration that hits with EIP still at the instruction, which the
 * handler's IRET resumes (QEMU 7.2 raises the #DB with EIP past the
 * instruction before ECX is counted down, so the rest never runs).
 * Bochs prints the expected output (bochs_dbg_io_strict); no QEMU run.
 */
#define DBG_IO_STRICT 1
#include "dbg_io.c"
