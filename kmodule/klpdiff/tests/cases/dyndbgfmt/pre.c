#include "ddebug.h"

__attribute__((noinline)) int existing(int x)
{
	pr_debug("existing %d\n", x);
	return x + 1;
}

__attribute__((noinline)) int untouched(int x)
{
	pr_debug("untouched %d\n", x);
	return x * 3;
}
