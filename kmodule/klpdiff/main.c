// SPDX-License-Identifier: GPL-2.0
/*
 * klpdiff: compares a kernel object compiled before and after a patch and writes the
 * livepatch object and the verifier's report. See README.md for the contract.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klpdiff.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: klpdiff --pre PRE.o --post POST.o --object OBJNAME --symvers MODULE.SYMVERS\n"
		"               --out OUT.o --report REPORT.json [--sympos FILE] [--source-file PATH]\n"
		"               [--patch-symbols FILE] [--linkable]\n"
		"       klpdiff --finalize MODULE.ko\n"
		"exit: 0 written, 3 refused, 4 nothing changed, 2 usage or I/O error\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pre", required_argument, NULL, 'a' },
		{ "post", required_argument, NULL, 'b' },
		{ "object", required_argument, NULL, 'o' },
		{ "symvers", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'w' },
		{ "report", required_argument, NULL, 'r' },
		{ "sympos", required_argument, NULL, 'p' },
		{ "source-file", required_argument, NULL, 'f' },
		{ "patch-symbols", required_argument, NULL, 'P' },
		{ "linkable", no_argument, NULL, 'l' },
		{ "finalize", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pre = NULL, *post = NULL, *symvers = NULL, *out = NULL, *report = NULL;
	const char *sympos = NULL, *finalize = NULL, *patch_syms = NULL;
	struct context ctx = { 0 };
	size_t i, changed = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			pre = optarg;
			break;
		case 'b':
			post = optarg;
			break;
		case 'o':
			ctx.objname = optarg;
			break;
		case 's':
			symvers = optarg;
			break;
		case 'w':
			out = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		case 'p':
			sympos = optarg;
			break;
		case 'f':
			ctx.source_file = optarg;
			break;
		case 'P':
			patch_syms = optarg;
			break;
		case 'l':
			set_linkable(true);
			break;
		case 'F':
			finalize = optarg;
			break;
		default:
			usage();
		}
	}
	if (finalize) {
		if (optind != argc || pre || post || out || report)
			usage();
		if (elf_version(EV_CURRENT) == EV_NONE)
			errx(2, "libelf: %s", elf_errmsg(-1));
		return finalize_module(finalize) ? 2 : 0;
	}
	if (optind != argc || !pre || !post || !ctx.objname || !symvers || !out || !report)
		usage();
	if (!*ctx.objname || strchr(ctx.objname, '.') || strchr(ctx.objname, ',')) {
		warnx("bad object name '%s'", ctx.objname);
		return 2;
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		errx(2, "libelf: %s", elf_errmsg(-1));
	ctx.pre = object_open(pre);
	ctx.post = object_open(post);
	if (!ctx.pre || !ctx.post)
		return 2;
	if (load_symvers(&ctx.symvers, symvers))
		return 2;
	if (sympos && load_sympos(&ctx, sympos))
		return 2;
	if (patch_syms && load_names(&ctx.patch_syms, patch_syms))
		return 2;

	read_patch_api(&ctx);
	correlate(&ctx);
	compare(&ctx);
	apply_ignores(&ctx);
	check_patchability(&ctx);
	for (i = 1; i < ctx.post->nsyms; i++) {
		struct symbol *y = &ctx.post->syms[i];

		if (y->type == STT_FUNC && y->sec && (y->status == ST_CHANGED || y->status == ST_NEW))
			changed++;
		else if (is_new_global_object(y))
			changed++;
	}
	changed += ctx.ncallbacks;
	if (!ctx.nissues && changed) {
		plan_output(&ctx);
		count_relocations(&ctx);
	}
	unlink(out);
	if (!ctx.nissues && changed && write_output(&ctx, out)) {
		unlink(out);
		return 2;
	}
	if (write_report(&ctx, report))
		return 2;
	if (ctx.nissues) {
		for (i = 0; i < ctx.nissues; i++)
			fprintf(stderr, "klpdiff: refused: %s: %s\n", ctx.issues[i].reason,
				ctx.issues[i].message);
		return 3;
	}
	return changed ? 0 : 4;
}
