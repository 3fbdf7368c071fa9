
/* Line numbers reach code (might_sleep), __bug_table (WARN) and pr_debug descriptors. */
#include "ddebug.h"

extern void __might_sleep(const char *file, int line);
extern void consume(int);

#define WARN_ON_SITE()							\
	asm volatile("1: ud2\n\t"					\
		     ".pushsection __bug_table, \"aw\"\n\t"		\
		     "2: .long 1b - .\n\t"				\
		     ".long %c0 - .\n\t"				\
		     ".word %c1\n\t"					\
		     ".word %c2\n\t"					\
		     ".org 2b + %c3\n\t"				\
		     ".popsection" : : "i" (__FILE__), "i" (__LINE__),	\
		     "i" (1 << 3), "i" (12))

__attribute__((noinline)) int sleeper(int x)
{
	__might_sleep(__FILE__, __LINE__);
	consume(x);
	return x + 1;
}

__attribute__((noinline)) int warner(int x)
{
	if (x < 0)
		WARN_ON_SITE();
	return x * 4;
}

__attribute__((noinline)) int debugger(int x)
{
	pr_debug("debugger %d\n", x);
	return x - 1;
}

#include "fortified.h"
DEFINE_FORTIFIED(fortified)

/* A number in a string that is not a line number. */
__attribute__((noinline)) int stepper(int x)
{
	complain("at step 4 of " __FILE__);
	return x;
}
