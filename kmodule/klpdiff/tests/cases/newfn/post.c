#define noinline __attribute__((noinline))
static noinline int g_new(int x) { return x * 11 + 3; }
noinline int f(int x) { return g_new(x) + 1; }
