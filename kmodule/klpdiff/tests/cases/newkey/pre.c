/* Jump labels on a key defined by the patch and on a vmlinux key (x86-64, Linux 6.1). */
struct static_key { int enabled; void *entries; };
extern struct static_key far_key;
extern void slow(int);

static inline __attribute__((always_inline)) int branch(struct static_key *key)
{
	asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t"
		 ".pushsection __jump_table, \"aw\"\n\t"
		 ".balign 8\n\t"
		 ".long 1b - ., %l[yes] - .\n\t"
		 ".quad %c0 - .\n\t"
		 ".popsection\n\t"
		 : : "i" (key) : : yes);
	return 0;
yes:
	return 1;
}

__attribute__((noinline)) int jl(int x)
{
	if (branch(&far_key))
		slow(x);
	return x + 1;
}
