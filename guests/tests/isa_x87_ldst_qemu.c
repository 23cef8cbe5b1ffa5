/*
 * isa_x87_ldst_qemu.c - isa_x87_ldst.c with the status-word bits QEMU's
 * x87 does not implement (C1 round-up, DE) masked out, so that it can be
 * compared with QEMU as well (see X87_QEMU_COMPAT in isa_x87.h).
 */
#define X87_QEMU_COMPAT 1
#include "isa_x87_ldst.c"
