// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms: "ADDRESS TYPE NAME[\t[MODULE]]" lines, in kernel order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

/*
 * Parses one line in place; name and module point into line.
 * Returns 0 or -1 for a malformed line.
 */
int kallsyms_parse_line(char *line, struct ksym *out)
{
	char *p = line, *end;
	size_t n;

	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	out->addr = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return -1;
	p = end + 1;
	if (!*p || p[1] != ' ')
		return -1;
	out->type = *p;
	p += 2;
	out->name = p;
	out->module = NULL;
	p += strcspn(p, " \t");
	if (p == out->name)
		return -1;
	if (*p) {
		*p++ = '\0';
		p += strspn(p, " \t");
		if (*p == '[') {
			end = strchr(p, ']');
			if (!end)
				return -1;
			*end = '\0';
			out->module = p + 1;
		}
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* by name, then in kallsyms order */
static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Collects every symbol whose name is in names. The set is sorted by name,
 * symbols of one name in kallsyms order, for ksym_find().
 */
int kallsyms_collect(const char *path, const char *const *names,
		     size_t nnames, struct ksym_set *out)
{
	FILE *f = fopen(path, "re");
	const char **sorted;
	char *line = NULL;
	size_t cap = 0, order = 0;
	struct ksym k;

	if (!f)
		return -1;
	sorted = malloc((nnames ? nnames : 1) * sizeof(*sorted));
	if (!sorted)
		abort();
	if (nnames)
		memcpy(sorted, names, nnames * sizeof(*sorted));
	qsort(sorted, nnames, sizeof(*sorted), cmp_name);
	while (getline(&line, &cap, f) > 0) {
		if (kallsyms_parse_line(line, &k))
			continue;
		k.order = order++;
		if (!bsearch(&k.name, sorted, nnames, sizeof(*sorted), cmp_name))
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->v = realloc(out->v, out->cap * sizeof(*out->v));
			if (!out->v)
				abort();
		}
		k.module = k.module ? strdup(k.module) : NULL;
		k.name = strdup(k.name);
		if (!k.name)
			abort();
		out->v[out->n++] = k;
	}
	free(line);
	free(sorted);
	fclose(f);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_ksym);
	return 0;
}

/* The symbols named @name: returns how many, the first at s->v[*first]. */
size_t ksym_find(const struct ksym_set *s, const char *name, size_t *first)
{
	size_t lo = 0, hi = s->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < s->n && !strcmp(s->v[end].name, name); end++)
		;
	*first = lo;
	return end - lo;
}

void ksym_set_free(struct ksym_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].module);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool same_object(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return !strcmp(a, b);
}

/*
 * Picks the symbol a livepatch would: sympos 0 requires a unique name in
 * the object, sympos n >= 1 is the n-th one in kallsyms order.
 */
enum ksym_result ksym_resolve(const struct ksym_set *s, const char *name,
			      const char *module, long sympos,
			      const struct ksym **found, size_t *count)
{
	const struct ksym *pick = NULL;
	size_t i, first, last, n = 0;

	last = ksym_find(s, name, &first) + first;
	for (i = first; i < last; i++) {
		if (!same_object(s->v[i].module, module))
			continue;
		n++;
		if ((sympos == 0 && n == 1) || (long)n == sympos)
			pick = &s->v[i];
	}
	*count = n;
	*found = NULL;
	if (n == 0)
		return KSYM_NONE;
	if (sympos == 0 && n > 1)
		return KSYM_AMBIGUOUS;
	if (!pick)
		return KSYM_BAD_SYMPOS;
	*found = pick;
	return KSYM_OK;
}
