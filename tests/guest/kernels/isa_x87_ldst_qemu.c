/*
 * isa_x87_ldst_qemu.c - isa_x87_ldst.c compiled with X87_QEMU_COMPAT (see
 * isa_x87.h): the status-word bits QEMU's x87 does not implement (C1 as the
 * round-up indicator, DE, ...) are masked and the cases where QEMU deviates
 * from the hardware are left out, so that this variant is compared with
 * QEMU as well; isa_x87_ldst itself is compared with the host CPU only.
 */
#define X87_QEMU_COMPAT 1
#include "isa_x87_ldst.c"
