/*
 * apic_stubs.S - interrupt stubs for vectors 48-255 (the runtime's isr.S
 * has 0-47): the APIC tests use vectors up to 0xFF.  Stub v pushes a
 * dummy error code and v, and joins the runtime's isr_common, so
 * isr_register() handlers get a struct isr_frame as for the low vectors.
 * Every stub is 16 bytes: stub v is at apic_stubs + 16 * (v - 48).
 */
#include "desc.h"

    .text
    .p2align 4
    .globl apic_stubs
apic_stubs:
    .set vec, ISR_STUBS
    .rept 256 - ISR_STUBS
    .p2align 4
    pushl $0
    pushl $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
