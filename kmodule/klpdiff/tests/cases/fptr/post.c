struct ops {
	int (*fn)(int);
	const char *name;
};
static int handler(int x) { return x + 200; }
const struct ops my_ops = { .fn = handler, .name = "my" };
static struct ops rw_ops = { .fn = handler, .name = "rw" };
struct ops *get_rw(void) { return &rw_ops; }
