/*
 * dbg_rep_strict.c - dbg_rep.c's cases where QEMU departs from the SDM: a
 * data breakpoint hit by the last iteration of a REP string instruction
 * traps with EIP past the instruction (ECX 0); QEMU 7.2 leaves EIP at the
 * instruction, which then runs again with ECX 0 and does nothing.  Bochs
 * prints the expected output (bochs_dbg_rep_strict); no QEMU run.
 */
#define DBG_REP_STRICT 1
#include "dbg_rep.c"
