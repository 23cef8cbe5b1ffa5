/*
 * checksums_data.S - guests/bench/checksums.txt, the committed reference
 * checksums (see checksums.c), built into xbt as one NUL-terminated
 * string, so `xbt bench` needs no source tree to check its runs.
 */
    .section .rodata
    .globl bench_checksums_text
    .type bench_checksums_text, @object
bench_checksums_text:
    .incbin "guests/bench/checksums.txt"
    .byte 0
    .size bench_checksums_text, . - bench_checksums_text
    .section .note.GNU-stack, "", @progbits
