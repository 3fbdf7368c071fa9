// SPDX-License-Identifier: GPL-2.0
/*
 * The records that kmodule/include/khp/patch.h leaves in POST.o (.khp.* sections): livepatch
 * callbacks of the object, functions and sections left out of the diff, and the refused
 * KHP_FORCE_UNSAFE. None of these sections is carried into OUT.o.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "klpdiff.h"

#define CALLBACKS_PREFIX ".khp.callbacks."

static const char *const callback_kinds[] = {
	"pre_patch", "post_patch", "pre_unpatch", "post_unpatch",
};

bool is_patch_api_section(const struct section *sec)
{
	return !strncmp(sec->name, ".khp.", 5);
}

/* The function an 8-byte pointer record of @s at @r refers to, or NULL. */
static struct symbol *record_function(const struct rela *r)
{
	int64_t addend;
	struct symbol *t;

	if (r->type != R_X86_64_64)
		return NULL;
	t = resolve_target(r, &addend);
	if (!t || t->type != STT_FUNC || !t->sec || addend)
		return NULL;
	return t;
}

static const char *record_string(const struct rela *r)
{
	struct section *s = r->sym->sec;
	int64_t off = add_wrap(r->addend, (int64_t)r->sym->sym.st_value);

	if (r->type != R_X86_64_64 || !s || !s->data || off < 0 ||
	    (uint64_t)off >= s->sh.sh_size || !memchr(s->data + off, 0, s->sh.sh_size - off))
		return NULL;
	return (const char *)s->data + off;
}

static void add_callback(struct context *ctx, struct section *s, const char *kind)
{
	size_t i, k;

	for (k = 0; k < sizeof(callback_kinds) / sizeof(callback_kinds[0]); k++)
		if (!strcmp(kind, callback_kinds[k]))
			break;
	if (k == sizeof(callback_kinds) / sizeof(callback_kinds[0])) {
		add_issue(ctx, "PATCH_API_MISUSE", NULL, s->name,
			  "unknown livepatch callback kind in section %s", s->name);
		return;
	}
	for (i = 0; i < s->nrelas; i++) {
		struct symbol *fn = record_function(&s->relas[i]);
		struct callback *cb;
		size_t j;

		if (!fn) {
			add_issue(ctx, "PATCH_API_MISUSE", NULL, s->name,
				  "a %s callback record does not name a function of this file",
				  callback_kinds[k]);
			continue;
		}
		for (j = 0; j < ctx->ncallbacks; j++)
			if (ctx->callbacks[j].kind == callback_kinds[k])
				add_issue(ctx, "PATCH_API_MISUSE", fn->name, s->name,
					  "two %s callbacks for %s: %s and %s", callback_kinds[k],
					  ctx->objname, ctx->callbacks[j].func->name, fn->name);
		ctx->callbacks = realloc(ctx->callbacks,
					 (ctx->ncallbacks + 1) * sizeof(*ctx->callbacks));
		if (!ctx->callbacks)
			err(2, "realloc");
		cb = &ctx->callbacks[ctx->ncallbacks++];
		cb->kind = callback_kinds[k];
		cb->func = fn;
		cb->outname = xasprintf("khp_callback_%s_%s", ctx->objname, cb->kind);
	}
}

void read_patch_api(struct context *ctx)
{
	struct object *post = ctx->post;
	size_t i, j;

	for (i = 1; i < post->nsecs; i++) {
		struct section *s = &post->secs[i];

		if (s->sh.sh_type == SHT_RELA || !is_patch_api_section(s))
			continue;
		if (!strncmp(s->name, CALLBACKS_PREFIX, strlen(CALLBACKS_PREFIX))) {
			add_callback(ctx, s, s->name + strlen(CALLBACKS_PREFIX));
		} else if (!strcmp(s->name, ".khp.ignore.functions")) {
			for (j = 0; j < s->nrelas; j++) {
				struct symbol *fn = record_function(&s->relas[j]);

				if (!fn) {
					add_issue(ctx, "PATCH_API_MISUSE", NULL, s->name,
						  "an ignored-function record does not name a function of this file");
					continue;
				}
				fn->ignored = true;
			}
		} else if (!strcmp(s->name, ".khp.ignore.sections")) {
			for (j = 0; j < s->nrelas; j++) {
				const char *name = record_string(&s->relas[j]);

				if (!name) {
					add_issue(ctx, "PATCH_API_MISUSE", NULL, s->name,
						  "an ignored-section record does not name a section");
					continue;
				}
				ctx->ignored_sections = realloc(ctx->ignored_sections,
					(ctx->nignored_sections + 1) * sizeof(char *));
				if (!ctx->ignored_sections)
					err(2, "realloc");
				ctx->ignored_sections[ctx->nignored_sections++] = xstrdup(name);
			}
		} else if (!strcmp(s->name, ".khp.force_unsafe")) {
			for (j = 0; j < s->nrelas; j++) {
				struct symbol *fn = record_function(&s->relas[j]);
				const char *name = fn ? fn->name : "?";

				add_issue(ctx, "FORCE_UNSAFE", fn ? fn->name : NULL, s->name,
					  "KHP_FORCE_UNSAFE(%s): livepatch switches every task by its consistency model and has no per-function way around it",
					  name);
			}
		} else {
			add_issue(ctx, "PATCH_API_MISUSE", NULL, s->name,
				  "unknown patch API section %s", s->name);
		}
	}
}

bool is_ignored_section(const struct context *ctx, const struct section *sec)
{
	size_t i;

	for (i = 0; sec && i < ctx->nignored_sections; i++)
		if (!strcmp(sec->name, ctx->ignored_sections[i]))
			return true;
	return false;
}

static void keep_unchanged(struct symbol *a)
{
	a->status = ST_SAME;
	a->twin->status = ST_SAME;
	if (a->child && a->child->twin) {
		a->child->status = ST_SAME;
		a->child->twin->status = ST_SAME;
	}
}

/* Ignored functions, and functions in ignored sections, are treated as unchanged. */
void apply_ignores(struct context *ctx)
{
	struct object *pre = ctx->pre;
	size_t i;

	for (i = 1; i < pre->nsyms; i++) {
		struct symbol *a = &pre->syms[i];

		if (a->type != STT_FUNC || !a->sec || !a->twin || a->parent ||
		    a->status != ST_CHANGED)
			continue;
		if (a->twin->ignored || is_ignored_section(ctx, a->sec) ||
		    is_ignored_section(ctx, a->twin->sec))
			keep_unchanged(a);
	}
}
