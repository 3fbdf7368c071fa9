#define noinline __attribute__((noinline))
extern int hidden_fn(int);
noinline int b_caller(int x) { return hidden_fn(x) + 1; }
