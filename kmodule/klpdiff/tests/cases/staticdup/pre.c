#define noinline __attribute__((noinline))
extern void consume(int *);
noinline void blocks(int x)
{
	if (x & 1) {
		static int n = 11;
		consume(&n);
	}
	if (x & 2) {
		static int n = 22;
		consume(&n);
	}
}
