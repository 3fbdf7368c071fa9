#define noinline __attribute__((noinline))
extern void register_cb(int (*cb)(int));
noinline int worker(int x) { return x + 1; }
static noinline int helper(int x) { return x * 2; }
noinline int setup(int x)
{
	register_cb(worker);
	register_cb(helper);
	return helper(x) + worker(x);
}
