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

static bool wanted(const char *name, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Collects every symbol whose name is in names, in file order. */
int kallsyms_collect(const char *path, const char *const *names,
		     size_t nnames, struct ksym_set *out)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	struct ksym k;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (kallsyms_parse_line(line, &k))
			continue;
		if (!wanted(k.name, names, nnames))
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->v = realloc(out->v, out->cap * sizeof(*out->v));
			if (!out->v)
				abort();
		}
		k.name = strdup(k.name);
		k.module = k.module ? strdup(k.module) : NULL;
		out->v[out->n++] = k;
	}
	free(line);
	fclose(f);
	return 0;
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
	size_t i, n = 0;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) ||
		    !same_object(s->v[i].module, module))
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
