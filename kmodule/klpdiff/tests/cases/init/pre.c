extern int printk(const char *, ...);
__attribute__((section(".init.text"), noinline)) int setup(void) { return printk("a"); }
int (*setup_ptr)(void) = setup;
