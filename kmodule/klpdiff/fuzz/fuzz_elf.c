// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: klpdiff's reading of objects. The input is a relocatable
 * object; it is opened twice, as PRE and POST, and the first byte of POST's
 * first function is flipped so that one function differs. Then the diff runs
 * as in main() up to the report: correlation, comparison, the patchability
 * checks and the report of the changed function (the output object is not
 * written: that is klpdiff's own data, not input).
 *
 * klpdiff ends on fatal input errors with err()/errx(); here they are wrapped
 * (--wrap) to return to the harness, and warnings are silenced.
 */
#include <err.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "klpdiff.h"

static jmp_buf fatal;
static char in_path[64], report_path[64];
static int in_fd, report_fd;

void __wrap_errx(int status, const char *fmt, ...);
void __wrap_err(int status, const char *fmt, ...);
void __wrap_warnx(const char *fmt, ...);
void __wrap_warn(const char *fmt, ...);

void __wrap_errx(int status, const char *fmt, ...)
{
	longjmp(fatal, 1);
}

void __wrap_err(int status, const char *fmt, ...)
{
	longjmp(fatal, 1);
}

void __wrap_warnx(const char *fmt, ...)
{
}

void __wrap_warn(const char *fmt, ...)
{
}

/*
 * klpdiff leaves what the diff allocates to exit(), and a fatal error leaves
 * half-built state: leaks are not what this harness looks for.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		abort();
	/* the input and the report as files, in memory */
	in_fd = memfd_create("object", MFD_CLOEXEC);
	report_fd = memfd_create("report", MFD_CLOEXEC);
	if (in_fd < 0 || report_fd < 0)
		abort();
	snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in_fd);
	snprintf(report_path, sizeof(report_path), "/proc/self/fd/%d", report_fd);
	return 0;
}

static void change_first_function(struct object *obj)
{
	size_t i;

	for (i = 1; i < obj->nsyms; i++) {
		struct symbol *y = &obj->syms[i];

		if (y->type == STT_FUNC && y->sec && y->sec->data && y->sym.st_size) {
			y->sec->data[y->sym.st_value] ^= 0x01;
			return;
		}
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct context ctx;
	size_t i;

	if (ftruncate(in_fd, 0) || pwrite(in_fd, data, size, 0) != (ssize_t)size)
		abort();

	memset(&ctx, 0, sizeof(ctx));
	ctx.objname = "vmlinux";
	ctx.source_file = "fuzz.c";
	if (setjmp(fatal))
		goto out;
	ctx.pre = object_open(in_path);
	if (!ctx.pre)
		goto out;
	ctx.post = object_open(in_path);
	if (!ctx.post)
		goto out;
	change_first_function(ctx.post);
	read_patch_api(&ctx);
	correlate(&ctx);
	compare(&ctx);
	apply_ignores(&ctx);
	check_patchability(&ctx);
	write_report(&ctx, report_path);
out:
	object_close(ctx.pre);
	object_close(ctx.post);
	for (i = 0; i < ctx.nissues; i++)
		free(ctx.issues[i].message);
	free(ctx.issues);
	return 0;
}
