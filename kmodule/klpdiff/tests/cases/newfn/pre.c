#define noinline __attribute__((noinline))
noinline int f(int x) { return x + 1; }
noinline int old_fn(int x) { return x * 7; }
