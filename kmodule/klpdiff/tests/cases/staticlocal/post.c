#define noinline __attribute__((noinline))
noinline int other(void) { static int calls; return calls--; }
noinline int bump(void) { static int calls; calls += 2; return calls; }
