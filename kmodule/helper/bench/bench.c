// SPDX-License-Identifier: GPL-2.0
/*
 * Figures for khp-helper's parsers:
 *   bench json                     heap bytes per input byte for the worst-case request shapes
 *   bench kallsyms FILE [NAMES]    time to collect and resolve NAMES symbols (default 2000,
 *                                  every n-th name of FILE) from a /proc/kallsyms-format FILE
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helper.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/* heap in use after parsing @s, per input byte (the peak while parsing is not lower) */
static void json_shape(const char *what, const char *open, const char *item,
		       const char *close, size_t bytes, size_t items)
{
	struct buf in;
	struct jval v;
	char err[128];
	size_t before, after;
	int r;

	buf_init(&in);
	buf_puts(&in, open);
	while (in.len + strlen(item) + strlen(close) < bytes && --items) {
		buf_puts(&in, item);
		buf_puts(&in, ",");
	}
	buf_puts(&in, item);
	buf_puts(&in, close);
	before = heap_in_use();
	r = json_parse(in.p, in.len, &v, err, sizeof(err));
	after = heap_in_use();
	printf("json %-16s %9zu bytes: %s, heap %10zu bytes, %.1fx\n", what, in.len,
	       r ? err : "parsed", after - before,
	       (double)(after - before) / in.len);
	json_free(&v);
	buf_free(&in);
}

static int bench_json(void)
{
	size_t big = KHP_MAX_LINE, most = JSON_MAX_VALUES - 1;
	char *s = malloc(big - 1);

	/* a whole line of each shape, then as many values as a document may hold */
	json_shape("numbers", "[", "1", "]", big, big);
	json_shape("numbers", "[", "1", "]", big, most);
	json_shape("empty strings", "[", "\"\"", "]", big, big);
	json_shape("empty strings", "[", "\"\"", "]", big, most);
	json_shape("empty arrays", "[", "[]", "]", big, big);
	json_shape("empty arrays", "[", "[]", "]", big, most / 2);
	json_shape("object members", "{", "\"\":0", "}", big, big);
	json_shape("object members", "{", "\"\":0", "}", big, most / 2);
	memset(s, 'A', big - 3);
	s[big - 3] = '\0';
	json_shape("one string", "[\"", s, "\"]", big, 1);
	free(s);
	return 0;
}

static int bench_kallsyms(const char *path, size_t want)
{
	struct buf file;
	const char **names;
	char *save, *line;
	size_t lines = 0, n = 0, step, i, found = 0;
	struct ksym_set set = { 0 };
	double t0, t1, t2;

	buf_init(&file);
	if (read_file(path, &file, 1u << 30)) {
		perror(path);
		return 1;
	}
	for (i = 0; i < file.len; i++)
		lines += file.p[i] == '\n';
	step = lines / want ? lines / want : 1;
	names = calloc(want, sizeof(*names));
	for (i = 0, line = strtok_r(file.p, "\n", &save); line && n < want;
	     line = strtok_r(NULL, "\n", &save), i++) {
		struct ksym k;

		if (i % step || kallsyms_parse_line(line, &k))
			continue;
		names[n++] = k.name;
	}
	t0 = now();
	if (kallsyms_collect(path, names, n, &set)) {
		perror(path);
		return 1;
	}
	t1 = now();
	for (i = 0; i < n; i++) {
		const struct ksym *k;
		size_t count;

		found += ksym_resolve(&set, names[i], NULL, 0, &k, &count) != KSYM_NONE;
	}
	t2 = now();
	printf("kallsyms %zu lines, %zu names: collect %.3f s (%zu symbols), resolve %.3f s (%zu found)\n",
	       lines, n, t1 - t0, set.n, t2 - t1, found);
	ksym_set_free(&set);
	free(names);
	buf_free(&file);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "json"))
		return bench_json();
	if (argc >= 3 && !strcmp(argv[1], "kallsyms"))
		return bench_kallsyms(argv[2], argc > 3 ? strtoul(argv[3], NULL, 0) : 2000);
	fputs("usage: bench json | bench kallsyms FILE [NAMES]\n", stderr);
	return 2;
}
