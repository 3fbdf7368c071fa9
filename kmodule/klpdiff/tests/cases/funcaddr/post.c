#define noinline __attribute__((noinline))
extern void register_cb(int (*cb)(int));
noinline int worker(int x) { return x + 2; }
static noinline int helper(int x) { return x * 3; }
static noinline int fresh(int x) { return x - 1; }
static int (*const table[])(int) = { worker, fresh };
noinline int setup(int x)
{
	register_cb(worker);
	register_cb(helper);
	register_cb(fresh);
	register_cb(setup);
	register_cb(table[x & 1]);
	return helper(x) + worker(x);
}

/* the address as `lea worker(%rip)` (R_X86_64_PC32, addend -4) */
noinline void *worker_address(void)
{
	void *p;

	asm("lea worker(%%rip), %0" : "=r"(p));
	return p;
}
