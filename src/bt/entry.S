/*
 * entry.S - the trampolines between C and translated code.
 *
 * Register contract inside translated code:
 *   rax rcx rdx rbx rbp rsi rdi = guest EAX ECX EDX EBX EBP ESI EDI (upper halves zero)
 *   r12 = guest ESP, r14 = TLB base, r15 = struct vcpu *
 *   r8 r9 r10 = scratch (clobbered by slow paths), r11 r13 = scratch that
 *   survive slow paths, host rsp = 16-byte aligned trampoline frame,
 *   host RFLAGS arithmetic bits = guest arithmetic flags, DF = 0.
 *
 * xbt_enter      C -> translated code.
 * xbt_exit_thunk translated code -> C (jumped to; saves the guest state).
 * xbt_helper_thunk  called from translated code with r11 = C function,
 *                r8d/r9d/r10d = its arguments after (vcpu): saves the guest
 *                state to the vcpu, calls the function, reloads the state (a
 *                helper may change registers and flags) and returns with the
 *                function's result in r9 and r8 = 0, or leaves translated code
 *                if the helper set vcpu->helper_exit.
 * xbt_mem_thunk / xbt_wb_thunk  the same for the memory slow path and the
 *                write-back of a bounced store.
 */
#define OFF_EIP 0x20
#define OFF_EFLAGS 0x24
#define OFF_HOST_RSP 0x28
#define OFF_TLB 0x38
#define OFF_HELPER_EXIT 0x61
#define ARITH 0x8d5

        .intel_syntax noprefix
        .text

.macro SAVE_GUEST
        mov [r15 + 0x00], eax
        mov [r15 + 0x04], ecx
        mov [r15 + 0x08], edx
        mov [r15 + 0x0c], ebx
        mov [r15 + 0x10], r12d
        mov [r15 + 0x14], ebp
        mov [r15 + 0x18], esi
        mov [r15 + 0x1c], edi
.endm

.macro LOAD_GUEST
        mov eax, [r15 + 0x00]
        mov ecx, [r15 + 0x04]
        mov edx, [r15 + 0x08]
        mov ebx, [r15 + 0x0c]
        mov r12d, [r15 + 0x10]
        mov ebp, [r15 + 0x14]
        mov esi, [r15 + 0x18]
        mov edi, [r15 + 0x1c]
.endm

/* host RFLAGS arithmetic bits -> vcpu->eflags (clobbers rax, rdx: save
 * first).  SETO and LAHF instead of PUSHFQ: cheaper, and the helper thunk
 * runs on every callout. */
.macro SAVE_FLAGS
        seto dl
        lahf
        movzx eax, ah
        and eax, ARITH & 0xFF
        movzx edx, dl
        shl edx, 11
        or eax, edx
        mov edx, [r15 + OFF_EFLAGS]
        and edx, ~ARITH
        or edx, eax
        mov [r15 + OFF_EFLAGS], edx
.endm

/* vcpu->eflags arithmetic bits -> host RFLAGS (clobbers rax, rdx: load
 * guest after).  ADD AL, 0x7F overflows exactly when AL = 1 (OF), SAHF
 * sets the other five; host DF stays 0. */
.macro LOAD_FLAGS
        mov eax, [r15 + OFF_EFLAGS]
        mov edx, eax
        shr edx, 11
        and edx, 1
        mov ah, al
        mov al, dl
        add al, 0x7f
        sahf
.endm

        .globl xbt_enter
        .type xbt_enter, @function
xbt_enter:
        push rbp
        push rbx
        push r12
        push r13
        push r14
        push r15
        sub rsp, 8                      /* 16-byte alignment inside translated code */
        mov [rdi + OFF_HOST_RSP], rsp
        mov r15, rdi
        mov r14, [r15 + OFF_TLB]
        mov r11, rsi
        cld
        LOAD_FLAGS
        LOAD_GUEST
        jmp r11
        .size xbt_enter, . - xbt_enter

        .globl xbt_exit_thunk
        .type xbt_exit_thunk, @function
xbt_exit_thunk:
        SAVE_GUEST
        SAVE_FLAGS
        .globl xbt_exit_nosave
xbt_exit_nosave:
        cld
        mov rsp, [r15 + OFF_HOST_RSP]
        add rsp, 8
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret
        .size xbt_exit_thunk, . - xbt_exit_thunk

        .globl xbt_helper_thunk
        .type xbt_helper_thunk, @function
xbt_helper_thunk:
        /* entry: rsp = 8 mod 16 (return address pushed) */
        SAVE_GUEST
        SAVE_FLAGS
        push r11                        /* rsp = 0 mod 16 for the call; r11 survives */
        mov rdi, r15
        mov esi, r8d
        mov edx, r9d
        mov ecx, r10d
        call r11
        pop r11
        cmp byte ptr [r15 + OFF_HELPER_EXIT], 0
        jne xbt_exit_nosave             /* (left set: the run loop counts why) */
        mov r9, rax
        mov r8d, 0
        mov r14, [r15 + OFF_TLB]        /* a helper may switch TLBs (CPL change) */
        LOAD_FLAGS
        LOAD_GUEST
        ret
        .size xbt_helper_thunk, . - xbt_helper_thunk

        .globl xbt_mem_thunk
        .type xbt_mem_thunk, @function
xbt_mem_thunk:
        push r11
        lea r11, [rip + cpu_mem_slow]
        call xbt_helper_thunk
        pop r11
        ret
        .size xbt_mem_thunk, . - xbt_mem_thunk

        .globl xbt_wb_thunk
        .type xbt_wb_thunk, @function
xbt_wb_thunk:
        push r11
        lea r11, [rip + cpu_mem_writeback]
        call xbt_helper_thunk
        pop r11
        ret
        .size xbt_wb_thunk, . - xbt_wb_thunk

        .section .note.GNU-stack, "", @progbits
