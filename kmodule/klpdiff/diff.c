// SPDX-License-Identifier: GPL-2.0
/*
 * Correlating PRE and POST symbols, comparing functions and data, refusing what cannot be
 * live-patched.
 */
#include <ctype.h>
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klpdiff.h"

void add_issue(struct context *ctx, const char *reason, const char *symbol,
	       const char *section, const char *fmt, ...)
{
	struct issue *is;
	va_list ap;
	size_t i;

	ctx->issues = realloc(ctx->issues, (ctx->nissues + 1) * sizeof(*ctx->issues));
	if (!ctx->issues)
		err(2, "realloc");
	is = &ctx->issues[ctx->nissues];
	is->reason = reason;
	is->symbol = symbol;
	is->section = section;
	va_start(ap, fmt);
	if (vasprintf(&is->message, fmt, ap) < 0)
		err(2, "vasprintf");
	va_end(ap);
	for (i = 0; i < ctx->nissues; i++) {
		struct issue *o = &ctx->issues[i];

		if (!strcmp(o->reason, reason) && !strcmp(o->message, is->message))
			return;	/* already reported */
	}
	ctx->nissues++;
}

/* Drops the compiler's numeric suffixes: foo.isra.0 -> foo.isra, var.12 -> var. */
static char *normalize(const char *name)
{
	char *out = xcalloc(strlen(name) + 1, 1), *o = out;
	const char *p = name;

	while (*p) {
		if (*p == '.' && p != name && isdigit((unsigned char)p[1])) {
			const char *q = p + 1;

			while (isdigit((unsigned char)*q))
				q++;
			if (*q == '.' || !*q) {
				p = q;
				continue;
			}
		}
		*o++ = *p++;
	}
	*o = 0;
	if (!strncmp(out, "__UNIQUE_ID_", 12)) {
		while (o > out + 12 && isdigit((unsigned char)o[-1]))
			*--o = 0;
	}
	return out;
}

static bool is_static_local(const struct symbol *y)
{
	const char *dot;

	if (y->bind != STB_LOCAL || y->type != STT_OBJECT)
		return false;
	dot = strrchr(y->name, '.');
	return dot && dot != y->name && isdigit((unsigned char)dot[1]);
}

/* Functions of @obj referencing the static local @v, as normalized names. */
static size_t referrers(struct object *obj, struct symbol *v, char ***out)
{
	char **names = NULL;
	size_t n = 0, i, j;

	for (i = 1; i < obj->nsecs; i++) {
		struct section *s = &obj->secs[i];

		if (!is_text_section(s))
			continue;
		for (j = 0; j < s->nrelas; j++) {
			int64_t a;
			struct symbol *f;
			size_t k;
			char *nm;

			if (resolve_target(&s->relas[j], &a) != v)
				continue;
			f = covering_symbol(s, (int64_t)s->relas[j].offset);
			if (!f)
				continue;
			nm = normalize(f->name);
			for (k = 0; k < n; k++)
				if (!strcmp(names[k], nm))
					break;
			if (k < n)
				continue;
			names = realloc(names, (n + 1) * sizeof(char *));
			names[n++] = nm;
		}
	}
	*out = names;
	return n;
}

static void assign_keys(struct object *obj)
{
	size_t i, j;

	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *y = &obj->syms[i];
		char *n;

		if (y->type == STT_SECTION || y->type == STT_FILE)
			continue;
		n = normalize(y->name);
		if (!y->sec)
			y->key = xasprintf("U:%s", y->name);
		else if (y->type == STT_FUNC)
			y->key = xasprintf("F:%s", n);
		else if (is_static_local(y))
			y->key = xasprintf("L:%s", n);
		else
			y->key = xasprintf("O:%s", n);
		free(n);
	}
	/* .cold parts belong to their parent function. */
	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *y = &obj->syms[i];
		size_t len;

		if (y->type != STT_FUNC || !y->sec || !y->key)
			continue;
		len = strlen(y->key);
		if (len < 6 || strcmp(y->key + len - 5, ".cold"))
			continue;
		for (j = 1; j < obj->nsyms; j++) {
			struct symbol *p = &obj->syms[j];

			if (p->type == STT_FUNC && p->sec && p->key && p != y &&
			    strlen(p->key) == len - 5 && !strncmp(p->key, y->key, len - 5)) {
				y->parent = p;
				p->child = y;
				break;
			}
		}
	}
}

static bool range_equal(struct section *sa, uint64_t a0, struct section *sb, uint64_t b0,
			uint64_t size);

static size_t key_count(struct object *obj, const char *key)
{
	size_t i, n = 0;

	for (i = 1; i < obj->nsyms; i++)
		if (obj->syms[i].key && !strcmp(obj->syms[i].key, key))
			n++;
	return n;
}

static bool same_content(struct symbol *a, struct symbol *b)
{
	return a->sym.st_size == b->sym.st_size && a->sec && b->sec &&
	       range_equal(a->sec, a->sym.st_value, b->sec, b->sym.st_value, a->sym.st_size);
}

static bool intersect(char **a, size_t na, char **b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (!strcmp(a[i], b[j]))
				return true;
	return false;
}

void correlate(struct context *ctx)
{
	struct object *pre = ctx->pre, *post = ctx->post;
	size_t i, j;

	assign_keys(pre);
	assign_keys(post);

	/*
	 * Functions and objects by key. When a key is ambiguous (foo.constprop.0 and
	 * foo.constprop.1), only identical names are paired: pairing two different clones would
	 * patch one with the body of the other.
	 */
	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i];
		bool ambiguous;

		if (!b->key || b->key[0] == 'L' || b->key[0] == 'U')
			continue;
		ambiguous = key_count(post, b->key) > 1 || key_count(pre, b->key) > 1;
		for (j = 1; j < pre->nsyms; j++) {
			struct symbol *a = &pre->syms[j];

			if (!a->key || a->twin || strcmp(a->key, b->key))
				continue;
			if (ambiguous && strcmp(a->name, b->name))
				continue;
			a->twin = b;
			b->twin = a;
			break;
		}
	}
	/*
	 * Static locals: same base name, referenced by a common function. Among several
	 * candidates the one with the same content wins (the same name first, as a function's
	 * WARN_ON_ONCE flags all hold zero); without one, none is paired.
	 */
	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i], *pick = NULL, *equal = NULL;
		char **rb;
		size_t nrb, ncand = 0;

		if (!b->key || b->key[0] != 'L')
			continue;
		nrb = referrers(post, b, &rb);
		for (j = 1; j < pre->nsyms; j++) {
			struct symbol *a = &pre->syms[j];
			char **ra;
			size_t nra;

			if (!a->key || a->twin || strcmp(a->key, b->key))
				continue;
			nra = referrers(pre, a, &ra);
			if ((!nra && !nrb) || intersect(ra, nra, rb, nrb)) {
				ncand++;
				pick = a;
				if (same_content(a, b) &&
				    (!equal || (strcmp(equal->name, b->name) && !strcmp(a->name, b->name))))
					equal = a;
			}
		}
		if (equal)
			pick = equal;
		else if (ncand != 1)
			pick = NULL;
		if (pick) {
			pick->twin = b;
			b->twin = pick;
		}
	}
}

/* --- comparison --- */

static bool same_target(struct symbol *ta, int64_t aa, int64_t ba, struct symbol *tb,
			int64_t ab, int64_t bb);

/* Set while comparing when two entries, immediates or strings differ only in line numbers. */
static bool lines_differ;
static bool referenced_entries_equal(struct symbol *ta, int64_t aa, struct symbol *tb,
				     int64_t ab);

/* What a PC-relative field's addend is short of its target's offset: its instruction's tail. */
static int64_t pcrel_bias(const struct rela *r)
{
	if (!is_pcrel(r->type))
		return 0;
	return r->insn_tail >= 0 ? r->insn_tail : 4;
}

static bool rela_equal(const struct rela *ra, const struct rela *rb)
{
	int64_t aa, ab;
	struct symbol *ta = resolve_target(ra, &aa), *tb = resolve_target(rb, &ab);

	return ra->type == rb->type &&
	       same_target(ta, aa, pcrel_bias(ra), tb, ab, pcrel_bias(rb));
}

static const char *string_at(struct section *s, int64_t off)
{
	if (!s->data || off < 0 || (uint64_t)off >= s->sh.sh_size)
		return NULL;
	if (!memchr(s->data + off, 0, s->sh.sh_size - off))
		return NULL;
	return (const char *)s->data + off;
}

static bool is_source_suffix(const char *s, size_t end)
{
	return end >= 3 && s[end - 1] == ':' && (s[end - 2] == 'c' || s[end - 2] == 'h') &&
	       s[end - 3] == '.';
}

/*
 * Are @a and @b equal but for line numbers after a source file name, as
 * __FILE__ ":" __stringify(__LINE__) writes them (fortify's "field ... at fs/x.c:123")?
 * A difference in such a number is noted in lines_differ.
 */
static bool strings_equal_but_lines(const char *a, const char *b)
{
	size_t i = 0, j = 0, si;

	for (;;) {
		if (a[i] == b[j]) {
			if (!a[i])
				return true;
			i++;
			j++;
			continue;
		}
		for (si = i; si > 0 && isdigit((unsigned char)a[si - 1]); si--)
			;
		j -= i - si;
		i = si;
		if (!is_source_suffix(a, i) || !isdigit((unsigned char)a[i]) ||
		    !isdigit((unsigned char)b[j]))
			return false;
		while (isdigit((unsigned char)a[i]))
			i++;
		while (isdigit((unsigned char)b[j]))
			j++;
		lines_differ = true;
	}
}

/* @ba, @bb: what each addend is short of its target's offset (see pcrel_bias). */
static bool same_target(struct symbol *ta, int64_t aa, int64_t ba, struct symbol *tb,
			int64_t ab, int64_t bb)
{
	if (ta->type == STT_SECTION || tb->type == STT_SECTION) {
		const char *sa, *sb;
		char *na, *nb;
		bool same;

		if (ta->type != STT_SECTION || tb->type != STT_SECTION)
			return false;
		na = normalize(ta->sec->name);
		nb = normalize(tb->sec->name);
		same = !strcmp(na, nb);
		free(na);
		free(nb);
		if (!same)
			return false;
		if (is_string_section(ta->sec)) {
			sa = string_at(ta->sec, add_wrap(aa, ba));
			sb = string_at(tb->sec, add_wrap(ab, bb));
			return sa && sb && strings_equal_but_lines(sa, sb);
		}
		if (add_wrap(aa, ba) != add_wrap(ab, bb) || ta->sec->sh.sh_size != tb->sec->sh.sh_size)
			return false;
		if (!ta->sec->data || !tb->sec->data)
			return ta->sec->data == tb->sec->data;
		return !memcmp(ta->sec->data, tb->sec->data, ta->sec->sh.sh_size);
	}
	if (ta->sec && tb->sec && !strcmp(ta->sec->name, tb->sec->name) &&
	    special_of(ta->sec->name) && special_of(ta->sec->name)->referenced)
		return referenced_entries_equal(ta, aa, tb, ab);
	if (add_wrap(aa, ba) != add_wrap(ab, bb))
		return false;
	if (!ta->sec || !tb->sec)
		return !ta->sec && !tb->sec && !strcmp(ta->name, tb->name);
	return ta->twin == tb;
}

/* Relocations of @sec inside [start, end). */
static size_t relas_in(struct section *sec, uint64_t start, uint64_t end, struct rela ***out)
{
	struct rela **v = xcalloc(sec->nrelas, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < sec->nrelas; i++)
		if (sec->relas[i].offset >= start && sec->relas[i].offset < end)
			v[n++] = &sec->relas[i];
	*out = v;
	return n;
}

static bool range_equal(struct section *sa, uint64_t a0, struct section *sb, uint64_t b0,
			uint64_t size)
{
	struct rela **ra, **rb;
	size_t na, nb, i;
	bool eq = true;

	if (!in_range(a0, size, sa->sh.sh_size) || !in_range(b0, size, sb->sh.sh_size))
		return false;
	if ((sa->sh.sh_type == SHT_NOBITS) != (sb->sh.sh_type == SHT_NOBITS))
		return false;
	if (sa->data && sb->data && memcmp(sa->data + a0, sb->data + b0, size))
		return false;
	na = relas_in(sa, a0, a0 + size, &ra);
	nb = relas_in(sb, b0, b0 + size, &rb);
	if (na != nb) {
		eq = false;
		goto out;
	}
	qsort(ra, na, sizeof(*ra), cmp_rela_off);
	qsort(rb, nb, sizeof(*rb), cmp_rela_off);
	for (i = 0; i < na && eq; i++)
		eq = ra[i]->offset - a0 == rb[i]->offset - b0 && rela_equal(ra[i], rb[i]);
out:
	free(ra);
	free(rb);
	return eq;
}


/* How many descriptors are being compared inside each other (see below). */
static int referenced_depth;

/*
 * Descriptors referenced by code (dynamic debug) are compared by content, not by name: their
 * names carry a counter. A different line number alone is noted, not a difference.
 * A descriptor's relocations point to strings; one pointing to a descriptor (itself, in a
 * malformed object) would recurse without end, so nested comparisons count as different.
 */
static bool referenced_entries_equal(struct symbol *ta, int64_t aa, struct symbol *tb,
				     int64_t ab)
{
	const struct special *sp = special_of(ta->sec->name);
	uint64_t es = ta->sym.st_size, lf = sp->line_field, le = lf + (sp->line_bits > 16 ? 4 : 2);
	uint64_t a0 = ta->sym.st_value, b0 = tb->sym.st_value;
	bool eq;

	if (aa != ab || es != tb->sym.st_size || le > es || referenced_depth > 0)
		return false;
	referenced_depth++;
	eq = range_equal(ta->sec, a0, tb->sec, b0, lf) &&
	     range_equal(ta->sec, a0 + le, tb->sec, b0 + le, es - le);
	referenced_depth--;
	if (!eq)
		return false;
	/* the lineno bit-field shares its word with class and flags */
	if (ta->sec->data && tb->sec->data) {
		uint32_t x = 0, y = 0, mask = (uint32_t)((1ULL << sp->line_bits) - 1);

		memcpy(&x, ta->sec->data + a0 + lf, le - lf);
		memcpy(&y, tb->sec->data + b0 + lf, le - lf);
		if ((x & ~mask) != (y & ~mask))
			return false;
		if (x != y)
			lines_differ = true;
	}
	return true;
}

/*
 * The fields of entries at @ea and @eb other than their site (compared as part of the
 * function) and their line number (only noted).
 */
static bool entry_fields_equal(const struct special *sp, struct section *sa, uint64_t ea,
			       struct section *sb, uint64_t eb)
{
	uint64_t es = entry_size(sa), from = sp->site_width, lf = es, le = es;

	if (es != entry_size(sb))
		return false;
	if (sp->line_bits) {
		lf = sp->line_field;
		le = lf + (sp->line_bits > 16 ? 4 : 2);
		if (entry_line(sp, sa, ea) != entry_line(sp, sb, eb))
			lines_differ = true;
	}
	return range_equal(sa, ea + from, sb, eb + from, lf - from) &&
	       range_equal(sa, ea + le, sb, eb + le, es - le);
}

static bool replacements_equal(const struct special *sp, struct object *pa, struct section *sa,
			       uint64_t ea, struct object *pb, struct section *sb, uint64_t eb)
{
	struct section *ra = find_section(pa, ".altinstr_replacement");
	struct section *rb = find_section(pb, ".altinstr_replacement");
	struct rela **x, **y;
	size_t nx = relas_in(sa, ea + sp->repl_field, ea + sp->repl_field + 4, &x);
	size_t ny = relas_in(sb, eb + sp->repl_field, eb + sp->repl_field + 4, &y);
	unsigned int len = sa->data[ea + sp->repl_len_field];
	bool eq = true;

	if (nx == 1 && ny == 1 && ra && rb && x[0]->sym->sec == ra && y[0]->sym->sec == rb)
		eq = range_equal(ra, x[0]->addend, rb, y[0]->addend, len);
	free(x);
	free(y);
	return eq;
}

/* The entries of the compared special sections belonging to @a and @b. */
static bool specials_equal(struct object *pa, struct symbol *a, struct object *pb,
			   struct symbol *b)
{
	size_t k;

	for (k = 0; k < special_count(); k++) {
		const struct special *sp = special_at(k);
		struct section *sa, *sb;
		uint64_t *ea = NULL, *eb = NULL;
		size_t na = 0, nb = 0, i;
		bool eq = true;

		if (!sp->compared)
			continue;
		sa = find_section(pa, sp->name);
		sb = find_section(pb, sp->name);
		if (sa)
			na = entries_in_function(sa, a, &ea);
		if (sb)
			nb = entries_in_function(sb, b, &eb);
		if (na != nb)
			eq = false;
		for (i = 0; i < na && eq; i++) {
			eq = entry_fields_equal(sp, sa, ea[i], sb, eb[i]);
			if (eq && sp->repl_field)
				eq = replacements_equal(sp, pa, sa, ea[i], pb, sb, eb[i]);
		}
		free(ea);
		free(eb);
		if (!eq)
			return false;
	}
	return true;
}

/* Relocations of [a0, a0 + size) and [b0, b0 + size): same offsets, types and targets. */
static bool relas_equal(struct section *sa, uint64_t a0, struct section *sb, uint64_t b0,
			uint64_t size)
{
	struct rela **ra, **rb;
	size_t na = relas_in(sa, a0, a0 + size, &ra), nb = relas_in(sb, b0, b0 + size, &rb), i;
	bool eq = na == nb;

	qsort(ra, na, sizeof(*ra), cmp_rela_off);
	qsort(rb, nb, sizeof(*rb), cmp_rela_off);
	for (i = 0; i < na && eq; i++)
		eq = ra[i]->offset - a0 == rb[i]->offset - b0 && rela_equal(ra[i], rb[i]);
	free(ra);
	free(rb);
	return eq;
}

/*
 * Callees whose second argument is the caller's __LINE__ (might_sleep(), might_fault(),
 * RCU_LOCKDEP_WARN() in debug configs): loaded with `mov $line, %esi` before the call.
 */
static const char *const line_callees[] = {
	"__might_sleep", "___might_sleep", "__might_resched", "__might_fault",
	"lockdep_rcu_suspicious", NULL,
};

/* Is the first call or tail call after @from in @f to a function taking a line number? */
static bool next_call_takes_line(struct symbol *f, uint64_t from)
{
	struct section *s = f->sec;
	uint64_t end = f->sym.st_value + f->sym.st_size, best = end;
	const struct rela *call = NULL;
	size_t i, k;

	for (i = 0; i < s->nrelas; i++) {
		const struct rela *r = &s->relas[i];

		if (r->offset < from + 1 || r->offset >= best || r->offset + 4 > end ||
		    (r->type != R_X86_64_PLT32 && r->type != R_X86_64_PC32) ||
		    (s->data[r->offset - 1] != 0xe8 && s->data[r->offset - 1] != 0xe9))
			continue;
		best = r->offset;
		call = r;
	}
	if (!call)
		return false;
	for (k = 0; line_callees[k]; k++)
		if (!call->sym->sec && !strcmp(call->sym->name, line_callees[k]))
			return true;
	return false;
}

static bool in_relocation(struct section *s, uint64_t off)
{
	size_t i;

	for (i = 0; i < s->nrelas; i++)
		if (off >= s->relas[i].offset && off < s->relas[i].offset + 4)
			return true;
	return false;
}

/*
 * Do @a and @b differ only in line numbers loaded for a line-taking callee? Every differing
 * byte must lie in the immediate of a `mov $imm32, %esi` (be imm32) found in both, with small
 * values, and the next call after it must be to one of line_callees.
 */
static bool only_line_immediates_differ(struct symbol *a, struct symbol *b)
{
	uint64_t size = a->sym.st_size, i;
	const unsigned char *pa, *pb;
	unsigned char *masked;
	bool ok = true;

	if (size != b->sym.st_size || !a->sec->data || !b->sec->data)
		return false;
	pa = a->sec->data + a->sym.st_value;
	pb = b->sec->data + b->sym.st_value;
	masked = xcalloc(size, 1);
	memcpy(masked, pb, size);
	for (i = 0; i < size && ok; i++) {
		uint64_t p;
		uint32_t va, vb;
		bool found = false;

		if (masked[i] == pa[i])
			continue;
		for (p = i >= 4 ? i - 4 : 0; p < i && !found; p++) {
			if (pa[p] != 0xbe || pb[p] != 0xbe || p + 5 > size ||
			    in_relocation(a->sec, a->sym.st_value + p))
				continue;
			memcpy(&va, pa + p + 1, 4);
			memcpy(&vb, pb + p + 1, 4);
			if (!va || !vb || va >= 1u << 20 || vb >= 1u << 20)
				continue;
			if (!next_call_takes_line(a, a->sym.st_value + p + 5) ||
			    !next_call_takes_line(b, b->sym.st_value + p + 5))
				continue;
			memcpy(masked + p + 1, pa + p + 1, 4);
			found = true;
		}
		ok = found;
	}
	ok = ok && !memcmp(masked, pa, size);
	free(masked);
	return ok;
}

static bool function_equal(struct context *ctx, struct symbol *a, struct symbol *b)
{
	if (a->sym.st_size != b->sym.st_size)
		return false;
	if (!range_equal(a->sec, a->sym.st_value, b->sec, b->sym.st_value, a->sym.st_size))
		return false;
	return specials_equal(ctx->pre, a, ctx->post, b);
}

/* Equal but for line numbers (in code, __bug_table entries, dynamic debug descriptors)? */
static bool function_equal_but_lines(struct context *ctx, struct symbol *a, struct symbol *b)
{
	bool eq;

	if (!only_line_immediates_differ(a, b))
		return false;
	lines_differ = false;
	eq = relas_equal(a->sec, a->sym.st_value, b->sec, b->sym.st_value, a->sym.st_size) &&
	     specials_equal(ctx->pre, a, ctx->post, b);
	lines_differ = true;
	return eq;
}

void compare(struct context *ctx)
{
	struct object *pre = ctx->pre, *post = ctx->post;
	size_t i;

	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];

		if (a->type != STT_FUNC || !a->sec || !a->twin)
			continue;
		lines_differ = false;
		if (function_equal(ctx, a, a->twin) ||
		    function_equal_but_lines(ctx, a, a->twin)) {
			a->status = ST_SAME;
			a->line_only = lines_differ;
		} else {
			a->status = ST_CHANGED;
		}
		a->twin->status = a->status;
		a->twin->line_only = a->line_only;
	}
	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i];

		if (b->type == STT_FUNC && b->sec && !b->twin)
			b->status = ST_NEW;
	}
	/* A changed or new .cold part changes its parent (and vice versa). */
	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i];

		if (b->parent && (b->status == ST_CHANGED || b->status == ST_NEW) &&
		    b->parent->status == ST_SAME) {
			b->parent->status = ST_CHANGED;
			b->parent->twin->status = ST_CHANGED;
		}
	}
}

/* --- patchability --- */

static void check_line_only(struct context *ctx);

bool fentry_offset(struct symbol *f, uint64_t *off)
{
	struct section *m = f->sec ? find_section(f->sec->obj, "__mcount_loc") : NULL;
	size_t i;

	for (i = 0; m && i < m->nrelas; i++) {
		int64_t a;
		struct symbol *t = resolve_target(&m->relas[i], &a);

		/* at the start, or after an endbr64 */
		if (t == f && a >= 0 && a <= 4) {
			*off = (uint64_t)a;
			return true;
		}
	}
	return false;
}

static void mark_static_keys(struct object *obj)
{
	size_t k, i;

	for (k = 0; k < special_count(); k++) {
		const struct special *sp = special_at(k);
		struct section *s = sp->key_is_static_key ? find_section(obj, sp->name) : NULL;
		size_t es = s ? entry_size(s) : 0;

		for (i = 0; es && i < s->nrelas; i++) {
			int64_t a;
			struct rela r = s->relas[i];
			struct symbol *key;

			if (r.offset % es != sp->key_field)
				continue;
			r.addend &= ~3LL;	/* branch and init flags live in the low bits */
			key = resolve_target(&r, &a);
			if (key->type != STT_SECTION)
				key->static_key = true;
		}
	}
}

/* Does @f share its section with another function (code not compiled with -ffunction-sections)? */
static bool shares_section(const struct symbol *f)
{
	size_t i;

	for (i = 0; f->sec && i < f->sec->nsyms; i++) {
		const struct symbol *o = f->sec->syms[i];

		if (o->type == STT_FUNC && o->sym.st_value != f->sym.st_value)
			return true;
	}
	return false;
}

void check_patchability(struct context *ctx)
{
	struct object *pre = ctx->pre, *post = ctx->post;
	size_t i, j;

	check_special_layouts(ctx, pre);
	check_special_layouts(ctx, post);
	mark_static_keys(pre);
	mark_static_keys(post);
	check_line_only(ctx);

	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];
		struct symbol *b = a->twin;
		uint64_t off;

		if (a->type == STT_FUNC && a->sec && a->status == ST_CHANGED) {
			if (is_init_section(a->sec) || is_init_section(b->sec)) {
				add_issue(ctx, "INIT_CHANGED", a->name, a->sec->name,
					  "init/exit function %s changed", a->name);
				continue;
			}
			if (shares_section(a) || shares_section(b))
				add_issue(ctx, "UNSUPPORTED_SECTION", a->name, a->sec->name,
					  "changed function %s shares section %s with other functions",
					  a->name, a->sec->name);
			if (!a->parent && !fentry_offset(a, &off))
				add_issue(ctx, "NO_FENTRY", a->name, a->sec->name,
					  "changed function %s has no fentry call (notrace or not traceable)",
					  a->name);
			continue;
		}
		if (a->type != STT_OBJECT || !b || !is_data_section(a->sec) ||
		    is_ignored_section(ctx, a->sec))
			continue;
		if (a->sym.st_size != b->sym.st_size) {
			add_issue(ctx, "DATA_LAYOUT_CHANGED", a->name, a->sec->name,
				  "size of %s changed from %lu to %lu", a->name,
				  (unsigned long)a->sym.st_size, (unsigned long)b->sym.st_size);
			continue;
		}
		if (range_equal(a->sec, a->sym.st_value, b->sec, b->sym.st_value, a->sym.st_size))
			continue;
		if (a->static_key || b->static_key)
			add_issue(ctx, "STATIC_KEY_CHANGED", a->name, a->sec->name,
				  "definition of static key %s changed", a->name);
		else if (is_init_section(a->sec) || is_init_section(b->sec))
			add_issue(ctx, "INIT_CHANGED", a->name, a->sec->name,
				  "init data %s changed", a->name);
		else if (a->bind != STB_LOCAL)
			add_issue(ctx, "GLOBAL_INIT_CHANGED", a->name, a->sec->name,
				  "initial value of global %s changed", a->name);
		else
			add_issue(ctx, "DATA_CHANGED", a->name, a->sec->name,
				  "initial value of %s changed", a->name);
	}

	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i];

		if (b->twin)
			continue;
		if (b->type == STT_FUNC && b->sec && is_init_section(b->sec))
			add_issue(ctx, "INIT_CHANGED", b->name, b->sec->name,
				  "new init/exit function %s", b->name);
		else if (b->type == STT_FUNC && b->sec && shares_section(b))
			add_issue(ctx, "UNSUPPORTED_SECTION", b->name, b->sec->name,
				  "new function %s shares section %s with other functions",
				  b->name, b->sec->name);
		if (!strncmp(b->name, "__ksymtab_", 10) && b->sec) {
			bool known = false;

			for (j = 1; j < pre->nsyms; j++)
				if (!strcmp(pre->syms[j].name, b->name))
					known = true;
			if (!known)
				add_issue(ctx, "NEW_EXPORT", b->name + 10, b->sec->name,
					  "new exported symbol %s", b->name + 10);
		}
		if (b->type == STT_OBJECT && b->sec &&
		    (!strcmp(b->sec->name, ".data") || !strcmp(b->sec->name, ".bss")) &&
		    find_section(pre, b->sec->name) && find_section(pre, b->sec->name)->nsyms)
			add_issue(ctx, "DATA_CHANGED", b->name, b->sec->name,
				  "new object %s in existing shared section %s", b->name,
				  b->sec->name);
		if (b->type == STT_OBJECT && b->sec && is_init_section(b->sec) &&
		    b->twin == NULL && b->bind == STB_GLOBAL)
			add_issue(ctx, "INIT_CHANGED", b->name, b->sec->name,
				  "new init data %s", b->name);
	}
}

/*
 * A patch whose only effect on code is moved line numbers (a line added above a WARN_ON(),
 * might_sleep(), pr_debug()) changes nothing worth patching: refused, as no function would be
 * patched for it and "nothing changed" would hide why.
 */
static void check_line_only(struct context *ctx)
{
	struct object *pre = ctx->pre, *post = ctx->post;
	struct symbol *first = NULL;
	size_t i, n = 0;

	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i];

		if (b->type == STT_FUNC && b->sec && (b->status == ST_CHANGED || b->status == ST_NEW))
			return;
	}
	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];

		if (a->type == STT_FUNC && a->sec && a->line_only) {
			if (!first)
				first = a->parent ? a->parent : a;
			n++;
		}
	}
	if (first)
		add_issue(ctx, "NO_FUNCTIONAL_CHANGE", first->name, first->sec->name,
			  "only line numbers changed (%s%s): no function needs patching; drop the patch or make a functional change",
			  first->name, n > 1 ? " and others" : "");
}

/* --- inputs --- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Reads field @column (0 = first) of each line of @path into @sv, sorted for symvers_has();
 * lines without that field and lines whose first field starts with '#' are skipped.
 */
static int load_column(struct symvers *sv, const char *path, int column)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	size_t cap = 0;

	if (!f) {
		warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *field = strtok(line, " \t\n");
		int i;

		if (!field || field[0] == '#')
			continue;
		for (i = 0; i < column && field; i++)
			field = strtok(NULL, " \t\n");
		if (!field)
			continue;
		if (sv->n == cap) {
			cap = cap ? cap * 2 : 1024;
			sv->names = realloc(sv->names, cap * sizeof(char *));
			if (!sv->names)
				err(2, "realloc");
		}
		sv->names[sv->n++] = xstrdup(field);
	}
	fclose(f);
	if (sv->n)
		qsort(sv->names, sv->n, sizeof(char *), cmp_str);
	return 0;
}

/* Module.symvers: "CRC<tab>NAME<tab>MODULE<tab>EXPORT…"; only the names are kept. */
int load_symvers(struct symvers *sv, const char *path)
{
	return load_column(sv, path, 1);
}

bool symvers_has(const struct symvers *sv, const char *name)
{
	return sv->n && bsearch(&name, sv->names, sv->n, sizeof(char *), cmp_str);
}

/* A list of names, one per line ('#' starts a comment line). */
int load_names(struct symvers *sv, const char *path)
{
	return load_column(sv, path, 0);
}

int load_sympos(struct context *ctx, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f) {
		warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, " \t\n"), *pos = strtok(NULL, " \t\n"), *end;
		unsigned long p;

		if (!name || name[0] == '#')
			continue;
		if (pos)
			p = strtoul(pos, &end, 10);
		if (!pos || *end) {
			warnx("%s: bad line for %s", path, name);
			fclose(f);
			return -1;
		}
		ctx->sympos = realloc(ctx->sympos, (ctx->nsympos + 1) * sizeof(*ctx->sympos));
		if (!ctx->sympos)
			err(2, "realloc");
		ctx->sympos[ctx->nsympos].name = xstrdup(name);
		ctx->sympos[ctx->nsympos].pos = p;
		ctx->nsympos++;
	}
	fclose(f);
	return 0;
}

unsigned long sympos_of(const struct context *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nsympos; i++)
		if (!strcmp(ctx->sympos[i].name, name))
			return ctx->sympos[i].pos;
	return 0;
}

char *new_name(const struct symbol *y)
{
	char *s = xasprintf(KHP_PREFIX "%s", y->name), *p;

	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	return s;
}
