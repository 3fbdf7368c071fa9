/* The kernel's dynamic debug call site (x86-64, Linux 6.1, CONFIG_JUMP_LABEL). */
struct static_key { int enabled; void *entries; };
struct _ddebug {
	const char *modname;
	const char *function;
	const char *filename;
	const char *format;
	unsigned int lineno:18;
	unsigned int class_id:6;
	unsigned int flags:8;
	struct static_key key;
} __attribute__((aligned(8)));

extern void __dynamic_pr_debug(struct _ddebug *descriptor, const char *fmt, ...);

static inline __attribute__((always_inline)) int dd_branch(struct static_key *key)
{
	asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t"
		 ".pushsection __jump_table, \"aw\"\n\t"
		 ".balign 8\n\t"
		 ".long 1b - ., %l[yes] - .\n\t"
		 ".quad %c0 - .\n\t"
		 ".popsection\n\t"
		 : : "i" ((char *)key + 2) : : yes);
	return 0;
yes:
	return 1;
}

#define DD_CAT2(a, b) a##b
#define DD_CAT(a, b) DD_CAT2(a, b)
#define DD_ID DD_CAT(__UNIQUE_ID_ddebug, __COUNTER__)
#define pr_debug_id(id, fmt, ...)						\
	do {								\
		static struct _ddebug __attribute__((used, aligned(8),	\
			section("__dyndbg"))) id = {			\
			"khptest", __func__, __FILE__, fmt, __LINE__, 63, 0, { 0, 0 } }; \
		if (dd_branch(&id.key))					\
			__dynamic_pr_debug(&id, fmt, ##__VA_ARGS__);	\
	} while (0)
#define pr_debug(fmt, ...) pr_debug_id(DD_ID, fmt, ##__VA_ARGS__)
