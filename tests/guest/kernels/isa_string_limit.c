/*
 * isa_string_limit.c - the string-instruction cases of isa_string.c that
 * run past a segment limit (16- and 32-bit addressing, also in the middle of
 * a REP): #GP(0) at the instruction with the registers showing the progress.
 * A separate kernel because QEMU (TCG) does not check data segment limits;
 * the host CPU and an i686 do.
 */
#define ISA_STRING_LIMIT 1
#include "isa_string_impl.h"
