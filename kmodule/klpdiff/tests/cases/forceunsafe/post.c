#define noinline __attribute__((noinline))
noinline int f_changed(int x) { return x * 5 + 1; }
static void *force_unsafe __attribute__((used, section(".khp.force_unsafe"))) = (void *)f_changed;
