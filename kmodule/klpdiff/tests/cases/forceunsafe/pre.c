#define noinline __attribute__((noinline))
noinline int f_changed(int x) { return x * 3 + 1; }
