/* A tracepoint defined by the patch: its __tracepoints entry cannot be carried. */
struct tracepoint { const char *name; int key; void *funcs; };
extern void trace_probe(struct tracepoint *tp, int x);

__attribute__((noinline)) int traced(int x)
{
	return x + 1;
}
