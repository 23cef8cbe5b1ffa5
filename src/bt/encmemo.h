/*
 * encmemo.h - a memo of the Zydis encoder: the bytes of every request the
 * translator encodes, kept by the request's shape so that a request seen
 * before is copied and patched instead of encoded again.
 *
 * Contract:
 *   - enc_memo_encode(req, out) gives exactly the bytes (and length) that
 *     ZydisEncoderEncodeInstruction(req) gives, or 0 where Zydis refuses.
 *   - The shape of a request is everything in it but its immediate and
 *     displacement values, which count only by their class: the widths at
 *     which they fit, signed and unsigned, and as their 8-, 16- and 32-bit
 *     truncations (the encoder chooses imm8/imm32, disp8/disp32 and the
 *     short forms from exactly these), with -1..3 kept exact (0 drops a
 *     displacement, 1 picks the shift-by-one forms).  A hit copies the bytes
 *     of the first request of that shape and writes the values into their
 *     immediate and displacement fields (found by decoding the first
 *     encoding).  Requests with far pointers, EVEX/MVEX features or a mode
 *     other than 64-bit are encoded every time.
 *   - XBT_ENCODE_CHECK=1 in the environment makes every hit encode the
 *     request again and compare: a difference is an internal error (one
 *     line) and abort() (bt_host_same's memo, hostform.c, checks its hits
 *     the same way).  `make asan` runs the test suite with it.
 *   - Process-wide and not thread-safe: the translator is single-threaded
 *     (its work area is static too).  The table is allocated on first use.
 */
#ifndef XBT_BT_ENCMEMO_H
#define XBT_BT_ENCMEMO_H

#include <Zydis/Zydis.h>

#include "bt.h"

/* Tunable: entries of the memo (two-way set-associative).  Policy: the
 * Linux boot encodes about 6,900 distinct shapes under --mmu=host (2,800
 * under walk); 16,384 entries of 88 bytes (1.4 MiB, touched only as used)
 * keep all but about 800 of them (8,192 entries lost 2,600 to conflicts,
 * 32,768 none). */
#define ENC_MEMO_ENTRIES 16384u

/* Encodes req into out[ZYDIS_MAX_INSTRUCTION_LENGTH]; its length, 0 when
 * Zydis refuses the request. */
size_t enc_memo_encode(const ZydisEncoderRequest *req, uint8_t *out);
/* The same for the request of 64-bit mode with mnemonic mn, operands
 * ops[0..nops) and nothing else set, without building it on a hit. */
size_t enc_memo_encode_ops(ZydisMnemonic mn, int nops, const ZydisEncoderOperand *ops,
                           uint8_t *out);

/* Whether XBT_ENCODE_CHECK=1 asks every memo of the translator to check
 * its hits (read once). */
bool enc_memo_checking(void);

/* Forgets every shape (the counters stay): for tests. */
void enc_memo_reset(void);

/* Its counters: bt_encode_stats() (bt.h). */

#endif
