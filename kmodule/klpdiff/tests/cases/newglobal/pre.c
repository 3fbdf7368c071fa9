#define noinline __attribute__((noinline))
noinline int a_fn(int x) { return x + 1; }
