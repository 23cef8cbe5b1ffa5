/*
 * isa_legacy_qemu.c - isa_legacy.c without the cases QEMU gets wrong (QEMU
 * 7.2 raises #UD for ICEBP instead of a #DB trap), so that this variant,
 * at ring 0 and at ring 3, is compared with QEMU as well.
 */
#define ISA_LEGACY_QEMU 1
#include "isa_legacy_impl.h"
