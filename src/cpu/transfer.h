/* transfer.h - far control transfers (src/transfer.c). */
#ifndef XBT_TRANSFER_H
#define XBT_TRANSFER_H

#include "vcpu.h"

/* Far JMP (call = false) or CALL to sel:off; next_eip = the return address.
 * Return 0 with CS:EIP (and maybe CPL, stack, task) changed, or -1 with a
 * fault raised. */
int xfer_far(struct vcpu *cpu, uint16_t sel, uint32_t off, unsigned osize, bool call,
             uint32_t next_eip);
int xfer_far_ret(struct vcpu *cpu, unsigned osize, uint32_t imm);
/* next_eip: where the outgoing task resumes after an IRET task return */
int xfer_iret(struct vcpu *cpu, unsigned osize, uint32_t next_eip);

#endif
