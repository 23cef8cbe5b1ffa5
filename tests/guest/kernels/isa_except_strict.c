/*
 * isa_except_strict.c - the #UD cases of isa_except.c that QEMU (TCG)
 * executes instead of faulting (LOCK MOV, LOCK MOVSB and C6/C7 with a reg
 * field of 1: #UD on the host and on an i686), and the IDIV cases that
 * crash QEMU 7.2 (DX:AX = 0x80000000 or EDX:EAX = 2^63 divided by -1: #DE).
 * A separate kernel so that qemu_isa_except can compare everything else.
 */
#define ISA_EXCEPT_STRICT 1
#include "isa_except_impl.h"
