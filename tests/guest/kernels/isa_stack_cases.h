/*
 * isa_stack_cases.h - the cases of isa_stack.c as C(name, "asm body"),
 * included twice (functions, then the table).  Initial state: EAX a1b2c3d4,
 * ECX 8, EDX f00dface, EBX S+1200, ESP S+1000, EBP S+1100, ESI 5eed5eed,
 * EDI 01234567; S holds a byte pattern.  Bodies must leave ESP inside S.
 */
/* PUSH/POP register */
C(push_eax, "pushl %%eax")
C(push_ecx, "pushl %%ecx")
C(push_edx, "pushl %%edx")
C(push_ebx, "pushl %%ebx")
C(push_esp, "pushl %%esp")
C(push_ebp, "pushl %%ebp")
C(push_esi, "pushl %%esi")
C(push_edi, "pushl %%edi")
C(push_esp_alt, ".byte 0xff, 0xf4")                 /* FF /6 push esp */
C(pop_eax, "popl %%eax")
C(pop_ecx, "popl %%ecx")
C(pop_edx, "popl %%edx")
C(pop_ebx, "popl %%ebx")
C(pop_ebp, "popl %%ebp")
C(pop_esi, "popl %%esi")
C(pop_edi, "popl %%edi")
C(pop_esp, "leal 0x40(%%esp), %%eax\n\tmovl %%eax, (%%esp)\n\tpopl %%esp")
C(pop_esp_8f, "leal 0x44(%%esp), %%eax\n\tmovl %%eax, (%%esp)\n\t.byte 0x8f, 0xc4")  /* 8F /0 pop esp */
C(push_pop_all, "pushl %%eax\n\tpushl %%ebx\n\tpushl %%ecx\n\tpopl %%edx\n\tpopl %%esi\n\tpopl %%edi")
/* 16-bit register forms */
C(pushw_ax, "pushw %%ax")
C(pushw_sp, "pushw %%sp")
C(pushw_bp, "pushw %%bp")
C(popw_ax, "popw %%ax")
C(popw_si, "popw %%si")
C(popw_sp, "movw $0x1234, (%%esp)\n\tpopw %%sp")
C(popw_bp, "popw %%bp")
C(pushw_popl, "pushw %%ax\n\tpushw %%dx\n\tpopl %%ecx")
/* immediates */
C(push_imm8_neg, ".byte 0x6a, 0xfb")                /* push -5 */
C(push_imm8_pos, ".byte 0x6a, 0x7f")
C(push_imm8_80, ".byte 0x6a, 0x80")
C(push_imm32, ".byte 0x68\n\t.long 0x12345678")
C(pushw_imm8, ".byte 0x66, 0x6a, 0x80")             /* pushw -128 */
C(pushw_imm16, ".byte 0x66, 0x68, 0x34, 0x12")
/* memory */
C(push_m_esp, "pushl (%%esp)")
C(push_m_esp8, "pushl 8(%%esp)")
C(push_m_espm4, "pushl -4(%%esp)")
C(push_m_ebx, "pushl (%%ebx)")
C(push_m_sib, "pushl 4(%%esp,%%ecx,2)")
C(pushw_m_esp2, "pushw 2(%%esp)")
C(pop_m_esp, "popl (%%esp)")
C(pop_m_esp8, "popl 8(%%esp)")
C(pop_m_espm4, "popl -4(%%esp)")
C(pop_m_ebx, "popl (%%ebx)")
C(pop_m_sib, "popl (%%esp,%%ecx,1)")
C(popw_m_esp, "popw (%%esp)")
C(popw_m_esp2, "popw 2(%%esp)")
C(push_pop_m, "pushl 4(%%esp)\n\tpopl 12(%%esp)")
C(xchg_top, "xchgl %%eax, (%%esp)")
C(add_top, "addl %%ecx, (%%esp)")
/* PUSHA/POPA */
C(pushal, "pushal")
C(popal, "popal")
C(pushal_popal, "pushal\n\tmovl $1, %%eax\n\tmovl $2, %%ebp\n\tpopal")
C(pushaw, "pushaw")
C(popaw, "popaw")
C(pushaw_popaw, "pushaw\n\tmovl $0xffffffff, %%edx\n\tpopaw")
/* ENTER / LEAVE */
C(enter_0_0, "enter $0, $0")
C(enter_16_0, "enter $16, $0")
C(enter_8_1, "enter $8, $1")
C(enter_8_2, "enter $8, $2")
C(enter_4_5, "enter $4, $5")
C(enter_0_31, "enter $0, $31")
C(enter_12_31, "enter $12, $31")
C(enter_0_32, ".byte 0xc8, 0x00, 0x00, 0x20")       /* level 32 = 0 */
C(enter_0_33, ".byte 0xc8, 0x04, 0x00, 0x21")       /* level 33 = 1 */
C(enterw_0_0, ".byte 0x66, 0xc8, 0x00, 0x00, 0x00")
C(enterw_8_1, ".byte 0x66, 0xc8, 0x08, 0x00, 0x01")
C(enterw_8_2, ".byte 0x66, 0xc8, 0x08, 0x00, 0x02")
C(enterw_4_5, ".byte 0x66, 0xc8, 0x04, 0x00, 0x05")
C(enterw_0_31, ".byte 0x66, 0xc8, 0x00, 0x00, 0x1f")
C(leave, "leave")
C(leavew, ".byte 0x66, 0xc9")
C(enter_leave, "enter $0x20, $3\n\tleave")
C(enterw_leavew, ".byte 0x66, 0xc8, 0x20, 0x00, 0x03\n\t.byte 0x66, 0xc9")
C(enter_leavew, "enter $8, $2\n\t.byte 0x66, 0xc9")
/* CALL / RET imm16 on the private stack */
C(call_ret, "call 1f\n\tjmp 2f\n1:\tret\n2:")
C(call_ret8, "pushl %%eax\n\tpushl %%ebx\n\tcall 1f\n\tjmp 2f\n1:\tret $8\n2:")
C(call_ret0, "call 1f\n\tjmp 2f\n1:\tret $0\n2:")
C(call_pop, "call 1f\n1:\tpopl %%esi")
C(ret_big, "call 1f\n\tjmp 2f\n1:\tret $0x200\n2:")
