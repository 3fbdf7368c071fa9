// SPDX-License-Identifier: GPL-2.0
/*
 * REPORT.json: what changed, the 'pre' bytes of each patched function with its relocation
 * fields and runtime-patched sites (wildcards), and what was refused.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klpdiff.h"

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	fputc('"', f);
	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 | p[i + 1] << 8 | p[i + 2];

		fprintf(f, "%c%c%c%c", tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63],
			tab[v & 63]);
	}
	if (n - i == 1) {
		unsigned long v = (unsigned long)p[i] << 16;

		fprintf(f, "%c%c==", tab[v >> 18], tab[(v >> 12) & 63]);
	} else if (n - i == 2) {
		unsigned long v = (unsigned long)p[i] << 16 | p[i + 1] << 8;

		fprintf(f, "%c%c%c=", tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63]);
	}
	fputc('"', f);
}

struct wildcard {
	uint64_t offset;
	unsigned int length;
	const char *kind;
};

/* Length of a jmp/call/jcc rel32 or a jump label's jump/nop at @p. */
static unsigned int branch_length(const unsigned char *p, size_t avail, bool jump_label)
{
	if (avail >= 1 && (p[0] == 0xe8 || p[0] == 0xe9))
		return 5;
	if (avail >= 2 && p[0] == 0x0f && (p[1] & 0xf0) == 0x80)
		return 6;
	if (jump_label && avail >= 1 && p[0] == 0xeb)
		return 2;
	if (jump_label && avail >= 2 && p[0] == 0x66 && p[1] == 0x90)
		return 2;
	return 5;
}

static int cmp_wildcard(const void *a, const void *b)
{
	const struct wildcard *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

/* Bytes the kernel may rewrite at the site of entry @off of special section @s. */
static unsigned int site_length(const struct special *sp, struct section *s, uint64_t off,
				const unsigned char *site, size_t avail)
{
	switch (sp->site_len) {
	case SITE_LEN_BRANCH:
		return branch_length(site, avail, false);
	case SITE_LEN_JUMP_LABEL:
		return branch_length(site, avail, true);
	case SITE_LEN_FIELD:
		if (!s->data || !in_range(off, sp->len_field + 1ULL, s->sh.sh_size))
			return 0;
		return s->data[off + sp->len_field];
	default:
		return sp->site_len;
	}
}

static size_t wildcards_of(struct object *pre, struct symbol *f, struct wildcard **out)
{
	struct wildcard *v = NULL;
	size_t n = 0, t, i;
	uint64_t start = f->sym.st_value, size = f->sym.st_size;

	for (t = 0; t < special_count(); t++) {
		const struct special *sp = special_at(t);
		struct section *s = sp->wildcard ? find_section(pre, sp->name) : NULL;
		uint64_t *entries;
		size_t ne;

		if (!s)
			continue;
		ne = entries_in_function(s, f, &entries);
		for (i = 0; i < ne; i++) {
			struct symbol *sym;
			int64_t off;
			unsigned int len;

			if (!entry_site(s, entries[i], &sym, &off))
				continue;
			off = add_wrap(off, (sym->type == STT_SECTION ? 0 :
					     (int64_t)sym->sym.st_value) - (int64_t)start);
			/* another relocation at the entry's offset may point elsewhere */
			if (off < 0 || (uint64_t)off >= size)
				continue;
			len = site_length(sp, s, entries[i], f->sec->data + start + off, size - off);
			if (!len)
				continue;
			v = realloc(v, (n + 1) * sizeof(*v));
			if (!v)
				err(2, "realloc");
			v[n++] = (struct wildcard){ (uint64_t)off, len, sp->wildcard };
		}
		free(entries);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_wildcard);
	*out = v;
	return n;
}

static void changed_function(struct context *ctx, FILE *f, struct symbol *a)
{
	uint64_t start = a->sym.st_value, size = a->sym.st_size;
	struct wildcard *w;
	size_t i, n, first = 1;
	char *nn = new_name(a);

	fputs("{\"symbol\":", f);
	json_string(f, a->name);
	fputs(",\"newSymbol\":", f);
	json_string(f, nn);
	fprintf(f, ",\"sympos\":%lu,\"section\":", sympos_of(ctx, a->name));
	json_string(f, a->sec->name);
	if (ctx->source_file) {
		fputs(",\"sourceFile\":", f);
		json_string(f, ctx->source_file);
	}
	fputs(",\"preBytes\":", f);
	base64(f, a->sec->data + start, size);
	fputs(",\"relocations\":[", f);
	for (i = 0; i < a->sec->nrelas; i++) {
		struct rela *r = &a->sec->relas[i];
		int64_t addend;
		struct symbol *t;
		bool local;

		if (r->offset < start || r->offset >= start + size)
			continue;
		t = resolve_target(r, &addend);
		local = t->type == STT_SECTION || t->bind == STB_LOCAL;
		fprintf(f, "%s{\"offset\":%lu,\"type\":\"%s\",\"symbol\":", first ? "" : ",",
			(unsigned long)(r->offset - start), rela_type_name(r->type));
		json_string(f, t->name);
		fprintf(f, ",\"addend\":%ld,\"local\":%s}", (long)addend, local ? "true" : "false");
		first = 0;
	}
	fputs("],\"wildcards\":[", f);
	n = wildcards_of(ctx->pre, a, &w);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{\"offset\":%lu,\"length\":%u,\"kind\":\"%s\"}", i ? "," : "",
			(unsigned long)w[i].offset, w[i].length, w[i].kind);
	free(w);
	fputs("]}", f);
	free(nn);
}

int write_report(struct context *ctx, const char *path)
{
	FILE *f = fopen(path, "w");
	struct object *pre = ctx->pre, *post = ctx->post;
	size_t i, first;

	if (!f) {
		warn("%s", path);
		return -1;
	}
	fputs("{\"object\":", f);
	json_string(f, ctx->objname);
	fputs(",\"changed\":[", f);
	first = 1;
	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];

		if (a->type != STT_FUNC || !a->sec || a->parent || a->status != ST_CHANGED)
			continue;
		if (!first)
			fputc(',', f);
		changed_function(ctx, f, a);
		first = 0;
	}
	fputs("],\"new\":[", f);
	first = 1;
	for (i = 1; i < post->nsyms; i++) {
		struct symbol *b = &post->syms[i];

		if (b->type != STT_FUNC || !b->sec || b->parent || b->status != ST_NEW)
			continue;
		fputs(first ? "{\"symbol\":" : ",{\"symbol\":", f);
		json_string(f, b->name);
		fputs(",\"newSymbol\":", f);
		json_string(f, b->name);
		fputc('}', f);
		first = 0;
	}
	fputs("],\"callbacks\":[", f);
	for (i = 0; i < ctx->ncallbacks; i++) {
		fprintf(f, "%s{\"kind\":\"%s\",\"symbol\":", i ? "," : "",
			ctx->callbacks[i].kind);
		json_string(f, ctx->callbacks[i].func->name);
		fputs(",\"newSymbol\":", f);
		json_string(f, ctx->callbacks[i].outname);
		fputc('}', f);
	}
	fputs("],\"removed\":[", f);
	first = 1;
	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];

		if (a->type != STT_FUNC || !a->sec || a->parent || a->twin)
			continue;
		if (!first)
			fputc(',', f);
		json_string(f, a->name);
		first = 0;
	}
	fputs("],\"staticLocals\":[", f);
	first = 1;
	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];

		if (!a->key || a->key[0] != 'L' || !a->twin)
			continue;
		fputs(first ? "{\"pre\":" : ",{\"pre\":", f);
		json_string(f, a->name);
		fputs(",\"post\":", f);
		json_string(f, a->twin->name);
		fputc('}', f);
		first = 0;
	}
	fputs("],\"unsupported\":[", f);
	for (i = 0; i < ctx->nissues; i++) {
		struct issue *is = &ctx->issues[i];

		fprintf(f, "%s{\"reason\":\"%s\",\"message\":", i ? "," : "", is->reason);
		json_string(f, is->message);
		if (is->symbol) {
			fputs(",\"symbol\":", f);
			json_string(f, is->symbol);
		}
		if (is->section) {
			fputs(",\"section\":", f);
			json_string(f, is->section);
		}
		fputc('}', f);
	}
	fprintf(f, "],\"klpRelocations\":%lu,\"exportedRelocations\":%lu,\"patchRelocations\":%lu}\n",
		ctx->klp_relocs, ctx->exported_relocs, ctx->patch_relocs);
	if (fclose(f)) {
		warn("%s", path);
		return -1;
	}
	return 0;
}
