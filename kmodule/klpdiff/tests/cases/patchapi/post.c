#define noinline __attribute__((noinline))
#define record(sec) __attribute__((used, section(sec)))
noinline int f_changed(int x) { return x * 5 + 1; }
noinline int g_side_effect(int x) { return x * 14; }
noinline int h_in_ignored_section(int x) { return x * 18; }
static int marker;
static int on_pre_patch(void *obj) { marker = 1; return 0; }
static int (*pre_patch_record)(void *) record(".khp.callbacks.pre_patch") = on_pre_patch;
static void *ignored_function record(".khp.ignore.functions") = (void *)g_side_effect;
static const char *ignored_section record(".khp.ignore.sections") = ".text.h_in_ignored_section";
