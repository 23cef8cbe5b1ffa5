/* temporary repro (not committed) */
#include "sys_common.h"
static struct sys_ftask t2, t3, t4;
static void fn2(uint32_t err)
{
    uint32_t a, b;
    struct tss32 *prev = sys_tss_at((uint16_t)(t2.tss.link ? t2.tss.link : t4.tss.link));
    __asm__ volatile("movl %%esp, %0\n\tpushfl\n\tpopl %%eax\n\tmovl %%esp, %1" : "=&r"(a), "=&r"(b) :: "eax", "memory", "cc");
    printf("  #GP task: err=%x, pushf;pop moved esp by %d\n", err, (int)(b - a));
    prev->eip = sys_resume;
    sys_resume = 0;
}
static void fn3(uint32_t err)
{
    uint32_t a, b;
    (void)err;
    __asm__ volatile("movl %%esp, %0\n\tpushfl\n\tpopl %%eax\n\tmovl %%esp, %1" : "=&r"(a), "=&r"(b) :: "eax", "memory", "cc");
    printf("  int $0x90 task: pushf;pop moved esp by %d\n", (int)(b - a));
}
static uint32_t u_gp(void)
{
    __asm__ volatile(SYS_TRY "hlt" SYS_END ::: "memory");
    return 5;
}
static uint32_t u_int90(void)
{
    __asm__ volatile("int $0x90" ::: "memory");
    return 5;
}
int kmain(uint32_t magic, struct multiboot_info *mbi)
{
    (void)magic; (void)mbi;
    sys_init();
    sys_ftask_init(&t2, 14, fn2, 1);
    sys_ftask_init(&t3, 15, fn3, 0);
    sys_idt_set(13, 14 << 3, 0, ACC_TASKGATE);
    sys_idt_set(0x90, 15 << 3, 0, ACC_TASKGATE | ACC_DPL(3));
    printf("ring 0 #GP:\n");
    __asm__ volatile("movl $0x200, %%eax\n\t" SYS_TRY "movl %%eax, %%ds" SYS_END ::: "eax", "memory");
    printf("ring 3 #GP:\n");
    sys_ftask_init(&t4, 16, fn2, 1);
    sys_idt_set(13, 16 << 3, 0, ACC_TASKGATE);
    t2.tss.link = 0;
    sys_user_run(u_gp, 2);
    printf("ring 3 int $0x90:\n");
    sys_user_run(u_int90, 2);
    printf("done\n");
    return 0;
}
