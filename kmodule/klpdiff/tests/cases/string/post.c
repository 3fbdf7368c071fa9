#define noinline __attribute__((noinline))
extern int printk(const char *, ...);
noinline void greet(int x) { printk("hello from khp %d\n", x); }
