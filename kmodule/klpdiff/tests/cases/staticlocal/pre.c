#define noinline __attribute__((noinline))
noinline int bump(void) { static int calls; return ++calls; }
noinline int other(void) { static int calls; return calls--; }
