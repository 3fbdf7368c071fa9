#define noinline __attribute__((noinline))
noinline int a_fn(int x) { return x + 1; }
/* new globals this file does not use itself */
int khp_counter = 5;
noinline int khp_helper(int x) { return x * 3; }
