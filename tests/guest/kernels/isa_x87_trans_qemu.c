/*
 * isa_x87_trans_qemu.c - the cases of isa_x87_trans.c whose results the
 * SDM defines exactly (zeros, infinities, NaNs, out-of-range operands,
 * exact results), with the status-word bits QEMU's x87 does not implement
 * (C1 round-up, DE) masked out, so that they are compared with QEMU as well
 * (see X87_QEMU_COMPAT in isa_x87.h).
 */
#define X87_QEMU_COMPAT 1
#include "isa_x87_trans.c"
