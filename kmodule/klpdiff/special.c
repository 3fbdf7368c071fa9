// SPDX-License-Identifier: GPL-2.0
/*
 * Special sections: tables the kernel reads or rewrites at runtime whose entries point into
 * functions (objtool and compiler sections) or are referenced from them (dynamic debug
 * descriptors). One description per section serves diffing, extraction and the report.
 *
 * Entry sizes are not part of the description: they depend on the kernel's config and version,
 * so they are derived from each object (see entry_size()). Field offsets inside an entry are
 * those of x86-64 Linux 6.1 and later.
 */
#include <stdlib.h>
#include <string.h>

#include "klpdiff.h"

static const struct special specials[] = {
	{ .name = "__mcount_loc", .site_width = 8, .wildcard = "FENTRY", .site_len = 5 },
	{ .name = ".return_sites", .site_width = 4, .wildcard = "RETURN_THUNK",
	  .site_len = SITE_LEN_BRANCH },
	{ .name = ".retpoline_sites", .site_width = 4, .wildcard = "RETPOLINE",
	  .site_len = SITE_LEN_BRANCH },
	{ .name = ".smp_locks", .site_width = 4, .wildcard = "SMP_LOCK", .site_len = 1 },
	/* a sealed endbr64 becomes a 4-byte nop: any bytes may be found there */
	{ .name = ".ibt_endbr_seal", .site_width = 4, .wildcard = "ALTERNATIVE", .site_len = 4 },
	/* struct alt_instr: instr_offset, repl_offset, cpuid, instrlen, replacementlen */
	{ .name = ".altinstructions", .site_width = 4, .wildcard = "ALTERNATIVE",
	  .site_len = SITE_LEN_FIELD, .len_field = 10, .repl_field = 4, .repl_len_field = 11,
	  .compared = true },
	/* struct jump_entry: code, target, key (low bits: branch, init) */
	{ .name = "__jump_table", .site_width = 4, .wildcard = "JUMP_LABEL",
	  .site_len = SITE_LEN_JUMP_LABEL, .key_field = 8, .key_is_static_key = true,
	  .compared = true },
	/* struct exception_table_entry: insn, fixup, data */
	{ .name = "__ex_table", .site_width = 4, .compared = true },
	/* struct bug_entry (relative pointers, verbose): bug_addr, file, line, flags */
	{ .name = "__bug_table", .site_width = 4, .line_field = 8, .line_bits = 16,
	  .compared = true },
	/* struct static_call_site: addr, key (low bits: tail call, init) */
	{ .name = ".static_call_sites", .site_width = 4, .wildcard = "STATIC_CALL",
	  .site_len = 5, .key_field = 4 },
	/*
	 * struct paravirt_patch_site: instr, type, len. Patched like alternatives (since Linux
	 * 6.8 they are alternatives), so any bytes may be found there.
	 */
	{ .name = ".parainstructions", .site_width = 8, .wildcard = "ALTERNATIVE",
	  .site_len = SITE_LEN_FIELD, .len_field = 9, .compared = true },
	/* .orc_unwind_ip[i] describes the site of .orc_unwind[i] */
	{ .name = ".orc_unwind_ip", .site_width = 4, .companion = ".orc_unwind" },
	/*
	 * struct _ddebug: modname, function, filename, format, lineno:18 class_id:6 flags:8,
	 * key. Referenced by the code (pr_debug passes the descriptor) and by the jump label of
	 * the call site; registered from the module's own __dyndbg section by the module loader.
	 */
	{ .name = "__dyndbg", .referenced = true, .line_field = 32, .line_bits = 18 },
	{ .name = "__tracepoints", .refuse_new =
	  "a livepatch cannot define a tracepoint: use an existing tracepoint, or a pr_debug() or trace_printk() in the new code" },
	{ .name = "__tracepoints_ptrs", .refuse_new =
	  "a livepatch cannot define a tracepoint: use an existing tracepoint, or a pr_debug() or trace_printk() in the new code" },
	{ .name = "__tracepoints_strings", .refuse_new =
	  "a livepatch cannot define a tracepoint: use an existing tracepoint, or a pr_debug() or trace_printk() in the new code" },
};

size_t special_count(void)
{
	return sizeof(specials) / sizeof(specials[0]);
}

const struct special *special_at(size_t i)
{
	return &specials[i];
}

const struct special *special_of(const char *name)
{
	size_t i;

	for (i = 0; i < special_count(); i++)
		if (!strcmp(specials[i].name, name))
			return &specials[i];
	return NULL;
}

bool is_special_section(const struct section *s)
{
	size_t i;

	if (special_of(s->name) || !strcmp(s->name, ".altinstr_replacement"))
		return true;
	for (i = 0; i < special_count(); i++)
		if (specials[i].companion && !strcmp(specials[i].companion, s->name))
			return true;
	return false;
}

/* The last byte an entry must hold for the description's fields. */
static size_t min_entry_size(const struct special *sp)
{
	size_t n = sp->site_width;

	if (sp->site_len == SITE_LEN_FIELD && (size_t)sp->len_field + 1 > n)
		n = sp->len_field + 1;
	if (sp->repl_len_field && (size_t)sp->repl_len_field + 1 > n)
		n = sp->repl_len_field + 1;
	if (sp->key_field && (size_t)sp->key_field + 4 > n)
		n = sp->key_field + 4;
	if (sp->line_bits && (size_t)sp->line_field + 2 > n)
		n = sp->line_field + 2;
	return n;
}

static int cmp_rela_ptr(const void *a, const void *b)
{
	const struct rela *x = *(struct rela *const *)a, *y = *(struct rela *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/*
 * The smallest entry size E dividing the section such that every entry has relocations of the
 * same types at the same offsets as the first: the layout the assembler macros of the kernel
 * build emit once per entry.
 *
 * Every entry has at least one relocation, so there are K = size / E <= n entries: trying each
 * such K from n down (E growing) costs O(n) tries, however large the section claims to be.
 */
static size_t relocation_period(struct section *s, size_t min)
{
	size_t size = s->sh.sh_size, n = s->nrelas, e, i, k;
	struct rela **v;

	if (!n)
		return 0;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = &s->relas[i];
	qsort(v, n, sizeof(*v), cmp_rela_ptr);
	for (k = n; k >= 1; k--) {
		size_t per = 0;
		bool ok = true;

		if (size % k || size / k < min)
			continue;
		e = size / k;
		while (per < n && v[per]->offset < e)
			per++;
		if (!per || n % per || n / per != size / e)
			continue;
		for (i = per; i < n && ok; i++) {
			const struct rela *first = v[i % per];

			ok = v[i]->offset - (i / per) * e == first->offset &&
			     v[i]->type == first->type;
		}
		if (ok) {
			free(v);
			return e;
		}
	}
	free(v);
	return 0;
}

/* Size of each entry of @s in this object (0: cannot be determined). */
size_t entry_size(struct section *s)
{
	const struct special *sp = special_of(s->name);
	size_t min = sp ? min_entry_size(sp) : 1, i, e = 0;

	if (s->entsize)
		return s->entsize;
	if (!min)
		min = 1;
	if (s->sh.sh_entsize) {
		e = s->sh.sh_entsize;
	} else if (s->nsyms) {
		/* one object symbol per entry (dynamic debug descriptors) */
		e = s->syms[0]->sym.st_size;
		for (i = 1; i < s->nsyms; i++)
			if (s->syms[i]->sym.st_size != e)
				e = 0;
	} else {
		e = relocation_period(s, min);
	}
	if (!e || e < min || s->sh.sh_size % e)
		return 0;
	s->entsize = e;
	return e;
}

/*
 * Checks that every special section of @obj has an entry size that can be derived; a section
 * whose layout is not understood is refused rather than guessed.
 */
void check_special_layouts(struct context *ctx, struct object *obj)
{
	size_t i;

	for (i = 1; i < obj->nsecs; i++) {
		struct section *s = &obj->secs[i];
		const struct special *sp = special_of(s->name);

		if (!sp || sp->refuse_new || !s->sh.sh_size)
			continue;
		if (!entry_size(s))
			add_issue(ctx, "UNSUPPORTED_SECTION", NULL, s->name,
				  "cannot determine the entry size of %s in %s (%lu bytes, %zu relocations): its layout is not the one klpdiff knows for this kernel",
				  s->name, obj->path, (unsigned long)s->sh.sh_size, s->nrelas);
	}
}

/* The site an entry at @off of @s points to, as a symbol (section or function) plus addend. */
bool entry_site(struct section *s, uint64_t off, struct symbol **sym, int64_t *addend)
{
	size_t i;

	for (i = 0; i < s->nrelas; i++) {
		const struct rela *r = &s->relas[i];

		if (r->offset != off)
			continue;
		*sym = r->sym;
		*addend = r->addend;
		return true;
	}
	return false;
}

/* Offsets of the entries of @s whose site lies in function @f. */
size_t entries_in_function(struct section *s, struct symbol *f, uint64_t **out)
{
	size_t es = entry_size(s), i, n = 0;
	uint64_t *v = xcalloc(s->nrelas, sizeof(*v));

	for (i = 0; es && i < s->nrelas; i++) {
		const struct rela *r = &s->relas[i];
		int64_t site;

		if (r->offset % es || !in_range(r->offset, es, s->sh.sh_size) || !s->data ||
		    r->sym->sec != f->sec)
			continue;
		site = add_wrap(r->addend,
				r->sym->type == STT_SECTION ? 0 : (int64_t)r->sym->sym.st_value);
		if (site < (int64_t)f->sym.st_value ||
		    site >= (int64_t)(f->sym.st_value + f->sym.st_size))
			continue;
		v[n++] = r->offset;
	}
	*out = v;
	return n;
}

/* The line number stored in the entry at @off of @s. */
unsigned long entry_line(const struct special *sp, struct section *s, uint64_t off)
{
	size_t bytes = sp->line_bits > 16 ? 4 : 2;
	uint32_t v = 0;

	if (!sp->line_bits || !s->data || !in_range(off, sp->line_field, s->sh.sh_size) ||
	    !in_range(off + sp->line_field, bytes, s->sh.sh_size))
		return 0;
	memcpy(&v, s->data + off + sp->line_field, bytes);
	return v & ((1UL << sp->line_bits) - 1);
}
