#define noinline __attribute__((noinline))
extern int exported_fn(int);
extern int hidden_fn(int);
extern int hidden_var;
static noinline int local_helper(int x) { return x ^ hidden_var; }
noinline int caller(int x) { return exported_fn(x) + hidden_fn(x) + local_helper(x) + hidden_var + 2; }
int (*keep)(int) = local_helper;
