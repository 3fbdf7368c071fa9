/*
 * One-byte "once" flags packed in one section, as WARN_ON_ONCE's __already_done: the code reads
 * them with `cmpb $0, flag(%rip)`, whose displacement is followed by an immediate, so the
 * section-relative addend is the flag's offset minus 5, not minus 4.
 */
extern void __might_sleep(const char *file, int line);
extern void report(int);

#define ONCE(flag, x)							\
	({								\
		static _Bool __attribute__((section(".data.once"))) flag; \
		int fire = 0;						\
		if (!flag) {						\
			flag = 1;					\
			fire = (x);					\
		}							\
		fire;							\
	})

__attribute__((noinline)) int first(int x)
{
	if (x > 10)
		report(ONCE(flag_first, x));
	return x;
}

__attribute__((noinline)) int second(int x)
{
	if (x < 0)
		report(ONCE(flag_second_a, -x));
	if (x == 7)
		report(ONCE(flag_second_b, x * 3));
	return x + 2;
}

__attribute__((noinline)) int third(int x)
{
	if (x & 1)
		report(ONCE(flag_third, x + 100));
	return x - 1;
}


__attribute__((noinline)) int sleeper(int x)
{
	__might_sleep(__FILE__, __LINE__);
	report(x);
	return x;
}
