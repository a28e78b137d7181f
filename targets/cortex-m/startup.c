/* Reset and fault handling for the Cortex-M demo firmware: the vector table, the C runtime
 * set-up (data copy, bss zeroing, FPU, thread pointer, constructors), and fault reports over
 * semihosting. Symbols come from cortex-m-sections.ld.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern uint8_t __data_start[], __data_end[], __data_source[];
extern uint8_t __bss_start[], __bss_end[];
extern uint8_t __tls_base[];
extern uint8_t __stack[];
extern void __libc_init_array(void);
extern void _set_tls(void* tls); /* picolibc: points the thread pointer at a TLS block */
extern int main(void);

void onyx_reset(void);
static void onyx_fault(void);
static void onyx_ignore(void) {}

/* Cortex-M's System Control Block: CPACR (coprocessor access) and the fault status registers. */
#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t*)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t*)0xE000ED2Cu)

/* The vector table: the initial stack pointer, then the handlers of exceptions 1 to 15. */
struct VectorTable {
  void* initial_sp;
  void (*handlers[15])(void);
};
__attribute__((section(".vectors"), used)) static const struct VectorTable vectors = {
    __stack,
    {
        onyx_reset,   /* reset */
        onyx_fault,   /* NMI */
        onyx_fault,   /* hard fault */
        onyx_fault,   /* memory management fault */
        onyx_fault,   /* bus fault */
        onyx_fault,   /* usage fault */
        0, 0, 0, 0,   /* reserved */
        onyx_ignore,  /* SVCall */
        onyx_ignore,  /* debug monitor */
        0,            /* reserved */
        onyx_ignore,  /* PendSV */
        onyx_ignore,  /* SysTick */
    },
};

void onyx_reset(void) {
#if defined(__ARM_FP)
  /* Full access to CP10 and CP11 (the FPU) before any floating-point instruction runs. */
  SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  memcpy(__data_start, __data_source, (size_t)(__data_end - __data_start));
  memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
  _set_tls(__tls_base);
  __libc_init_array();
  exit(main());
}

static void onyx_fault(void) {
  printf("onyx firmware: FAULT (CFSR 0x%08lx, HFSR 0x%08lx)\n", (unsigned long)SCB_CFSR, (unsigned long)SCB_HFSR);
  exit(99);
}
