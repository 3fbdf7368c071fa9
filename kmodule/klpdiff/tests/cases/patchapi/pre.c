#define noinline __attribute__((noinline))
noinline int f_changed(int x) { return x * 3 + 1; }
noinline int g_side_effect(int x) { return x * 13; }
noinline int h_in_ignored_section(int x) { return x * 17; }
