// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: /proc/kallsyms parsing. The input is a kallsyms file;
 * every name it holds (up to a few hundred) is collected and resolved, with
 * and without a module and at several sympos.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helper.h"

/* the input as a file, in memory */
static char path[64];
static int fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("kallsyms", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *names[256];
	char *copy = malloc(size + 1), *line, *save;
	struct ksym_set set = { 0 };
	size_t n = 0, i, first;

	if (!copy || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = strtok_r(copy, "\n", &save); line && n < ARRAY_SIZE(names);
	     line = strtok_r(NULL, "\n", &save)) {
		struct ksym k;

		if (!kallsyms_parse_line(line, &k))
			names[n++] = k.name;
	}
	if (kallsyms_collect(path, names, n, &set))
		abort();
	for (i = 0; i < n; i++) {
		const struct ksym *k;
		size_t count, found = ksym_find(&set, names[i], &first);
		long pos;

		if (!found)
			abort();	/* a line that parsed is collected */
		for (pos = 0; pos < 3; pos++) {
			if (ksym_resolve(&set, names[i], NULL, pos, &k, &count) == KSYM_OK &&
			    strcmp(k->name, names[i]))
				abort();
			ksym_resolve(&set, names[i], set.v[first].module, pos, &k, &count);
			if (count > found)
				abort();
		}
	}
	ksym_set_free(&set);
	free(copy);
	return 0;
}
