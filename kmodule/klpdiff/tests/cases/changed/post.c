#define noinline __attribute__((noinline))
noinline int f_changed(int x) { return x * 5 + 1; }
noinline int f_same(int x) { return x + 42; }
int use(int x) { return f_same(x); }
