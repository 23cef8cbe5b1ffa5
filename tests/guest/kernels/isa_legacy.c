/*
 * isa_legacy.c - the opcodes that differ between 32-bit and 64-bit mode, or
 * that 64-bit mode does not have, against the host CPU (isa_legacy_impl.h).
 */
#include "isa_legacy_impl.h"
