// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the request reader. Each input is one request line,
 * served by handle_line() against a fixture /proc, /sys and /dev in a
 * temporary directory. The kernel is never touched: finit_module and
 * delete_module fail (no_kernel.c) and exec stays disabled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

static char root[64], proc[96], sys[96], dev[96];

static void put(const char *dir, const char *rel, const char *text)
{
	char path[256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "we");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(root, sizeof(root), "/tmp/khp-fuzz-request-XXXXXX");
	if (!mkdtemp(root))
		abort();
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	put(proc, "sys/kernel/osrelease", "6.1.0-99-amd64\n");
	put(proc, "version", "");	/* empty files too */
	put(proc, "sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n");
	put(proc, "sys/kernel/hostname", "");
	put(proc, "uptime", "123.45 100.00\n");
	put(proc, "kallsyms",
	    "ffffffff81000000 T _stext\n"
	    "ffffffff81001000 t dup_local\n"
	    "ffffffff81003000 t dup_local\n"
	    "0000000000000000 T hidden\n"
	    "ffffffffc0001000 t dup_local\t[khp_stall]\n");
	put(proc, "kcore", "not an ELF file");
	put(proc, "1/task/1/patch_state", "0\n");
	put(proc, "1/task/1/comm", "init\n");
	put(proc, "1/task/1/stack", "");
	put(sys, "kernel/notes", "");
	put(sys, "kernel/security/lockdown", "none [integrity]\n");
	put(sys, "kernel/livepatch/khp_a/enabled", "1\n");
	put(sys, "kernel/livepatch/khp_a/transition", "");
	put(sys, "kernel/livepatch/khp_a/signal", "");
	put(sys, "kernel/livepatch/khp_a/force", "");
	put(sys, "kernel/livepatch/khp_a/vmlinux/x", "");
	put(sys, "module/khp_a/refcnt", "0\n");
	put(dev, "kmsg", "6,0,0,-;Linux version fixture\n broken\n4,5,1200,-;x\\x0a\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ctx c = {
		.proc = proc, .sys = sys, .dev = dev,
		.host_id_file = "/nonexistent/khp-host-id",
	};
	struct jval rep;
	struct buf out;
	char err[128];

	buf_init(&out);
	handle_line(&c, (const char *)data, size, &out);
	/* one reply line of JSON, whatever came in */
	if (!out.len || memchr(out.p, '\n', out.len) ||
	    json_parse(out.p, out.len, &rep, err, sizeof(err))) {
		fprintf(stderr, "bad reply: %.*s\n", (int)out.len, out.p);
		abort();
	}
	json_free(&rep);
	buf_free(&out);
	return 0;
}
