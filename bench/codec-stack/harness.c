/* Stack depth per codec case on a Cortex-M7 (qemu mps2-an500): paints the free stack, runs one
 * case of the codec probe (bench/codec-probe, feature "stack") and reports how many bytes below
 * the caller's stack pointer were written. Output and exit through semihosting. */
#include <stdint.h>

extern uint32_t ocpp_codec_stack_cases(void);
extern const char *ocpp_codec_stack_name(uint32_t index);
extern void ocpp_codec_stack_prepare(uint32_t index);
extern int32_t ocpp_codec_stack_run(uint32_t index);

extern uint32_t __stack_limit, __stack_top, __bss_start, __bss_end;

#define PAINT 0xC0DEC0DEu

static int semihost(int op, const void *arg)
{
	register int r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

static void print(const char *text)
{
	semihost(0x04, text); /* SYS_WRITE0 */
}

static void print_uint(uint32_t value)
{
	char digits[12];
	int i = sizeof(digits) - 1;

	digits[i] = 0;
	do {
		digits[--i] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0 && i > 0);
	print(&digits[i]);
}

static void stop(void)
{
	semihost(0x18, (const void *)0x20026); /* SYS_EXIT, ADP_Stopped_ApplicationExit */
	for (;;) {
	}
}

/* Bytes of stack case `index` wrote below this function's stack pointer; -1 if it failed. */
static __attribute__((noinline)) int32_t depth(uint32_t index)
{
	uint32_t sp;
	volatile uint32_t *p;

	ocpp_codec_stack_prepare(index);
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	for (p = &__stack_limit; (uint32_t)p < sp; p++) {
		*p = PAINT;
	}
	if (ocpp_codec_stack_run(index) < 0) {
		return -1;
	}
	for (p = &__stack_limit; (uint32_t)p < sp && *p == PAINT; p++) {
	}
	return (int32_t)(sp - (uint32_t)p);
}

void reset(void)
{
	/* The Rust code is built for the hard-float ABI: enable the FPU (CPACR CP10, CP11). */
	*(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
	__asm__ volatile("dsb\n\tisb");
	for (uint32_t *p = &__bss_start; p < &__bss_end; p++) {
		*p = 0;
	}
	uint32_t cases = ocpp_codec_stack_cases();
	for (uint32_t i = 0; i < cases; i++) {
		int32_t bytes = depth(i);

		print(ocpp_codec_stack_name(i));
		print(" ");
		if (bytes < 0) {
			print("FAILED");
		} else {
			print_uint((uint32_t)bytes);
		}
		print("\n");
	}
	stop();
}

static void fault(void)
{
	print("FAULT\n");
	stop();
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
	&__stack_top, reset, fault, fault, fault, fault, fault,
};
