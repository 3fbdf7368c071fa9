/* A tracepoint defined by the patch: its __tracepoints entry cannot be carried. */
struct tracepoint { const char *name; int key; void *funcs; };
extern void trace_probe(struct tracepoint *tp, int x);

struct tracepoint __tracepoint_khp_event __attribute__((used, section("__tracepoints"))) = {
	"khp_event", 0, 0 };

__attribute__((noinline)) int traced(int x)
{
	trace_probe(&__tracepoint_khp_event, x);
	return x + 1;
}
