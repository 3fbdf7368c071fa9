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

struct site_table {
	const char *section;
	size_t entsize;
	const char *kind;
};

static const struct site_table site_tables[] = {
	{ "__mcount_loc", 8, "FENTRY" },
	{ ".return_sites", 4, "RETURN_THUNK" },
	{ ".retpoline_sites", 4, "RETPOLINE" },
	{ ".smp_locks", 4, "SMP_LOCK" },
	{ ".altinstructions", 12, "ALTERNATIVE" },
	{ "__jump_table", 16, "JUMP_LABEL" },
	{ ".static_call_sites", 8, "STATIC_CALL" },
	/*
	 * Paravirt patch sites are rewritten like alternatives (since Linux 6.8 they are
	 * alternatives); a sealed endbr64 becomes a 4-byte nop. Both are reported with the
	 * contract's ALTERNATIVE kind: any bytes may be found there.
	 */
	{ ".parainstructions", 16, "ALTERNATIVE" },
	{ ".ibt_endbr_seal", 4, "ALTERNATIVE" },
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

static size_t wildcards_of(struct object *pre, struct symbol *f, struct wildcard **out)
{
	struct wildcard *v = NULL;
	size_t n = 0, t, i;
	uint64_t start = f->sym.st_value, size = f->sym.st_size;

	for (t = 0; t < sizeof(site_tables) / sizeof(site_tables[0]); t++) {
		struct section *s = find_section(pre, site_tables[t].section);
		size_t es = site_tables[t].entsize;

		if (!s)
			continue;
		for (i = 0; i < s->nrelas; i++) {
			struct rela *r = &s->relas[i];
			int64_t off;
			unsigned int len;
			const unsigned char *site;

			if (r->offset % es || r->offset + es > s->sh.sh_size || !s->data ||
			    r->sym->sec != f->sec)
				continue;
			off = r->addend + (r->sym->type == STT_SECTION ? 0 :
					   (int64_t)r->sym->sym.st_value);
			if (off < (int64_t)start || off >= (int64_t)(start + size))
				continue;
			off -= (int64_t)start;
			site = f->sec->data + start + off;
			if (!strcmp(s->name, "__mcount_loc") || !strcmp(s->name, ".static_call_sites"))
				len = 5;
			else if (!strcmp(s->name, ".smp_locks"))
				len = 1;
			else if (!strcmp(s->name, ".ibt_endbr_seal"))
				len = 4;
			else if (!strcmp(s->name, ".altinstructions"))
				len = s->data[r->offset + 10];
			else if (!strcmp(s->name, ".parainstructions"))
				len = s->data[r->offset + 9];
			else
				len = branch_length(site, size - off,
						    !strcmp(s->name, "__jump_table"));
			if (!len)
				continue;
			v = realloc(v, (n + 1) * sizeof(*v));
			if (!v)
				err(2, "realloc");
			v[n++] = (struct wildcard){ (uint64_t)off, len, site_tables[t].kind };
		}
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
