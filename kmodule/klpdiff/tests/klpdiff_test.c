// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of klpdiff on objects compiled here from the sources in cases/, and on a real kernel
 * object (fs/proc/cmdline.o of the Debian kernel). Last line: "N passed, N failed".
 */
#include <err.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH 0x00100000
#endif
#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH 0xff20
#endif

/*
 * -fno-pie as in kernel builds: gcc-12 on Debian defaults to PIE, where the fentry call becomes
 * a 6-byte call through the GOT instead of the kernel's 5-byte call.
 */
static const char *cflags =
	"-c -O2 -fno-pie -ffunction-sections -fdata-sections -pg -mfentry -mrecord-mcount";
static char tool[4096], cases[4096], here[4096], tmp[4096];
static int passed, failed;
static bool ok;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "    check failed at line %d: %s\n", __LINE__, #cond); \
			ok = false;                                                   \
		}                                                                     \
	} while (0)

static int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shell(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Evaluates a jq boolean expression against a report. */
static bool jq(const char *report, const char *expr)
{
	return shell("jq -e '%s' '%s' >/dev/null", expr, report) == 0;
}

struct run {
	char dir[4096], pre[4200], post[4200], out[4200], report[4200];
	int rc;
};

/* Compiles cases/NAME/{pre,post}.c and runs klpdiff on them, with @args added. */
static void run_case_args(struct run *r, const char *name, const char *objname,
			  const char *sympos, const char *args)
{
	char extra[4400] = "";

	snprintf(r->dir, sizeof(r->dir), "%s/%s-%s", tmp, name, objname);
	mkdir(r->dir, 0755);
	snprintf(r->pre, sizeof(r->pre), "%s/pre.o", r->dir);
	snprintf(r->post, sizeof(r->post), "%s/post.o", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/out.o", r->dir);
	snprintf(r->report, sizeof(r->report), "%s/report.json", r->dir);
	/* both compiled as src.c, so that __FILE__ is the same as in a kernel build */
	if (shell("mkdir -p %s/a %s/b && cp %s/%s/pre.c %s/a/src.c && cp %s/%s/post.c %s/b/src.c && "
		  "cd %s/a && gcc-12 %s -I%s/%s -I%s -o %s src.c && cd %s/b && gcc-12 %s -I%s/%s -I%s -o %s src.c",
		  r->dir, r->dir, cases, name, r->dir, cases, name, r->dir, r->dir, cflags, cases,
		  name, cases, r->pre, r->dir, cflags, cases, name, cases, r->post))
		errx(1, "cannot compile case %s", name);
	if (shell("printf '0x1\\texported_fn\\tvmlinux\\tEXPORT_SYMBOL\\t\\n"
	       "0x2\\tprintk\\tvmlinux\\tEXPORT_SYMBOL\\t\\n"
	       "0x3\\t__fentry__\\tvmlinux\\tEXPORT_SYMBOL\\t\\n' > %s/Module.symvers", r->dir))
		errx(1, "cannot write symvers");
	if (sympos) {
		snprintf(extra, sizeof(extra), "--sympos %s/sympos", r->dir);
		if (shell("printf '%s\\n' > %s/sympos", sympos, r->dir))
			errx(1, "cannot write sympos");
	}
	r->rc = shell("%s --pre %s --post %s --object %s --symvers %s/Module.symvers --out %s "
		   "--report %s %s %s 2>%s/stderr", tool, r->pre, r->post, objname, r->dir, r->out,
		   r->report, extra, args, r->dir);
}

static void run_case(struct run *r, const char *name, const char *objname, const char *sympos)
{
	run_case_args(r, name, objname, sympos, "");
}

/* --- a small libelf view of an object --- */

struct elfview {
	int fd;
	Elf *elf;
	size_t shstrndx;
};

static bool view_open(struct elfview *v, const char *path)
{
	v->fd = open(path, O_RDONLY);
	if (v->fd < 0)
		return false;
	v->elf = elf_begin(v->fd, ELF_C_READ, NULL);
	return v->elf && !elf_getshdrstrndx(v->elf, &v->shstrndx);
}

static void view_close(struct elfview *v)
{
	elf_end(v->elf);
	close(v->fd);
}

static Elf_Scn *section(struct elfview *v, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(v->elf, scn))) {
		gelf_getshdr(scn, sh);
		if (!strcmp(elf_strptr(v->elf, v->shstrndx, sh->sh_name), name))
			return scn;
	}
	return NULL;
}

static Elf_Scn *symtab(struct elfview *v, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(v->elf, scn))) {
		gelf_getshdr(scn, sh);
		if (sh->sh_type == SHT_SYMTAB)
			return scn;
	}
	return NULL;
}

static bool symbol(struct elfview *v, const char *name, GElf_Sym *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = symtab(v, &sh);
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i;

	for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		gelf_getsym(d, (int)i, out);
		if (!strcmp(elf_strptr(v->elf, sh.sh_link, out->st_name), name))
			return true;
	}
	return false;
}

static const char *symbol_name(struct elfview *v, size_t idx, GElf_Sym *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = symtab(v, &sh);

	gelf_getsym(elf_getdata(scn, NULL), (int)idx, out);
	if (GELF_ST_TYPE(out->st_info) == STT_SECTION) {
		GElf_Shdr s;

		gelf_getshdr(elf_getscn(v->elf, out->st_shndx), &s);
		return elf_strptr(v->elf, v->shstrndx, s.sh_name);
	}
	return elf_strptr(v->elf, sh.sh_link, out->st_name);
}

/* Does relocation section @rsec hold a relocation to symbol @name? */
static bool has_rela_to(struct elfview *v, const char *rsec, const char *name, GElf_Sym *sym)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section(v, rsec, &sh);
	Elf_Data *d;
	size_t i;

	if (!scn)
		return false;
	d = elf_getdata(scn, NULL);
	for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Rela r;

		gelf_getrela(d, (int)i, &r);
		if (!strcmp(symbol_name(v, GELF_R_SYM(r.r_info), sym), name))
			return true;
	}
	return false;
}

/* Number of relocations of type @type in section @rsec to symbol @name (with @addend). */
static int count_rela(struct elfview *v, const char *rsec, const char *name, uint32_t type,
		      int64_t addend)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section(v, rsec, &sh);
	Elf_Data *d;
	GElf_Sym s;
	size_t i;
	int n = 0;

	if (!scn)
		return 0;
	d = elf_getdata(scn, NULL);
	for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Rela r;

		gelf_getrela(d, (int)i, &r);
		if (GELF_R_TYPE(r.r_info) == type && r.r_addend == addend &&
		    !strcmp(symbol_name(v, GELF_R_SYM(r.r_info), &s), name))
			n++;
	}
	return n;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* --- tests --- */

static void test_changed_function_only(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;
	GElf_Shdr sh;

	run_case(&r, "changed", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed | map(.symbol) == [\"f_changed\"]"));
	CHECK(jq(r.report, ".changed[0].newSymbol == \"khp_new_f_changed\""));
	CHECK(jq(r.report, ".new == [] and .removed == [] and .unsupported == []"));
	CHECK(view_open(&v, r.out));
	CHECK(symbol(&v, "khp_new_f_changed", &s) && s.st_shndx != SHN_UNDEF &&
	      GELF_ST_BIND(s.st_info) == STB_GLOBAL && GELF_ST_TYPE(s.st_info) == STT_FUNC);
	CHECK(!symbol(&v, "f_same", &s) && !symbol(&v, "khp_new_f_same", &s));
	CHECK(!section(&v, ".text.f_same", &sh) && !section(&v, ".text.use", &sh));
	CHECK(section(&v, ".text.khp_new_f_changed", &sh) && (sh.sh_flags & SHF_EXECINSTR));
	view_close(&v);
}

static void test_prebytes_and_fentry_wildcard(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	unsigned char buf[4096];
	char path[4300];
	long n, fentry = -1;
	FILE *f;
	size_t i;

	run_case(&r, "changed", "vmlinux", "f_changed 3");
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed[0].sympos == 3"));
	snprintf(path, sizeof(path), "%s/prebytes", r.dir);
	CHECK(shell("jq -r '.changed[0].preBytes' %s | base64 -d > %s", r.report, path) == 0);
	f = fopen(path, "rb");
	n = f ? (long)fread(buf, 1, sizeof(buf), f) : -1;
	if (f)
		fclose(f);

	/* the function's bytes and its fentry site, read independently from PRE.o */
	CHECK(view_open(&v, r.pre));
	CHECK(symbol(&v, "f_changed", &s));
	CHECK(n == (long)s.st_size);
	scn = section(&v, ".text.f_changed", &sh);
	CHECK(scn != NULL);
	if (scn && n == (long)s.st_size) {
		d = elf_getdata(scn, NULL);
		CHECK(memcmp((unsigned char *)d->d_buf + s.st_value, buf, n) == 0);
	}
	scn = section(&v, ".rela__mcount_loc", &sh);
	CHECK(scn != NULL);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Rela rl;
		GElf_Sym t;

		gelf_getrela(d, (int)i, &rl);
		if (!strcmp(symbol_name(&v, GELF_R_SYM(rl.r_info), &t), ".text.f_changed"))
			fentry = rl.r_addend;
	}
	view_close(&v);
	CHECK(fentry >= 0 && fentry < n && buf[fentry] == 0xe8);
	snprintf(path, sizeof(path),
		 ".changed[0].wildcards | any(.kind == \"FENTRY\" and .offset == %ld and .length == 5)",
		 fentry);
	CHECK(jq(r.report, path));
	snprintf(path, sizeof(path),
		 ".changed[0].relocations | any(.symbol == \"__fentry__\" and .offset == %ld)",
		 fentry + 1);
	CHECK(jq(r.report, path));
}

static void test_new_and_removed(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;

	run_case(&r, "newfn", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed | map(.symbol) == [\"f\"]"));
	CHECK(jq(r.report, ".new | map(.symbol) == [\"g_new\"]"));
	CHECK(jq(r.report, ".removed == [\"old_fn\"]"));
	CHECK(view_open(&v, r.out));
	CHECK(symbol(&v, "g_new", &s) && s.st_shndx != SHN_UNDEF && s.st_shndx != SHN_LIVEPATCH);
	CHECK(!symbol(&v, "old_fn", &s));
	/* the call to the new function stays inside OUT.o */
	CHECK(has_rela_to(&v, ".rela.text.khp_new_f", "g_new", &s) ||
	      has_rela_to(&v, ".rela.text.khp_new_f", ".text.g_new", &s));
	CHECK(!has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_f", ".klp.sym.vmlinux.g_new,0", &s));
	view_close(&v);
}

static void test_static_local_refers_to_original(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;
	GElf_Shdr sh;
	char expr[512], klpname[256], prename[64] = "";

	run_case(&r, "staticlocal", "vmlinux", "calls.0 1\ncalls.1 2");
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed | map(.symbol) == [\"bump\"]"));
	/* which calls.N is bump's in PRE.o */
	CHECK(view_open(&v, r.pre));
	if (has_rela_to(&v, ".rela.text.bump", ".bss.calls.0", &s) ||
	    has_rela_to(&v, ".rela.text.bump", "calls.0", &s))
		strcpy(prename, "calls.0");
	else if (has_rela_to(&v, ".rela.text.bump", ".bss.calls.1", &s) ||
		 has_rela_to(&v, ".rela.text.bump", "calls.1", &s))
		strcpy(prename, "calls.1");
	view_close(&v);
	CHECK(prename[0]);
	snprintf(expr, sizeof(expr), ".staticLocals | any(.pre == \"%s\")", prename);
	CHECK(jq(r.report, expr));
	snprintf(klpname, sizeof(klpname), ".klp.sym.vmlinux.%s,%d", prename,
		 strcmp(prename, "calls.0") ? 2 : 1);
	CHECK(view_open(&v, r.out));
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_bump", klpname, &s));
	CHECK(s.st_shndx == SHN_LIVEPATCH);
	CHECK(!section(&v, ".bss.calls.0", &sh) && !section(&v, ".bss.calls.1", &sh));
	view_close(&v);
}

/* The int value of data symbol @name in the object at @path; -1 when absent. */
static long int_value(const char *path, const char *name)
{
	struct elfview v;
	GElf_Sym s;
	long val = -1;

	if (!view_open(&v, path))
		return -1;
	if (symbol(&v, name, &s) && s.st_shndx != SHN_UNDEF && s.st_size == 4) {
		Elf_Data *d = elf_getdata(elf_getscn(v.elf, s.st_shndx), NULL);
		int x;

		memcpy(&x, (char *)d->d_buf + s.st_value, 4);
		val = x;
	}
	view_close(&v);
	return val;
}

/* Three same-named statics in one function, one added: paired by content, never crossed. */
static void test_static_locals_paired_by_content(void)
{
	struct run r;
	char cmd[8400], line[256];
	FILE *f;
	int pairs = 0;

	run_case(&r, "staticdup", "vmlinux", NULL);
	CHECK(r.rc == 0);
	snprintf(cmd, sizeof(cmd), "jq -r '.staticLocals[] | .pre + \" \" + .post' %s", r.report);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char pre[128], post[128];

		if (sscanf(line, "%127s %127s", pre, post) != 2)
			continue;
		pairs++;
		CHECK(int_value(r.pre, pre) > 0 && int_value(r.pre, pre) == int_value(r.post, post));
	}
	if (f)
		pclose(f);
	CHECK(pairs == 2);
	/* the new static (33) is carried as new data */
	snprintf(cmd, sizeof(cmd), "readelf -x .data.n.2 %s | grep -q '21000000'", r.out);
	CHECK(shell("%s", cmd) == 0);
}

/*
 * One-byte flags in one section, read with `cmpb $0, flag(%rip)`: each relocation names the flag
 * its instruction really uses (the immediate after the displacement counted), not a neighbour.
 */
static void test_packed_flags_resolved_by_instruction(void)
{
	struct run r;

	run_case(&r, "onceflags", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, "(.changed | map(.symbol)) == [\"second\"]"));
	CHECK(jq(r.report, "[.changed[0].relocations[] | select(.local) | .symbol] | length == 4"));
	CHECK(jq(r.report, "[.changed[0].relocations[] | select(.local) | .symbol] | "
		 "all(startswith(\"flag_second_\"))"));
	CHECK(jq(r.report, "[.changed[0].relocations[] | select(.local) | .symbol] | unique | length == 2"));
}

static void check_klp_section(struct elfview *v, const char *name, const char *target)
{
	GElf_Shdr sh, th;
	Elf_Scn *t = section(v, target, &th);
	Elf_Scn *scn = section(v, name, &sh);

	CHECK(scn != NULL && t != NULL);
	if (!scn || !t)
		return;
	CHECK(sh.sh_type == SHT_RELA);
	CHECK((sh.sh_flags & (SHF_RELA_LIVEPATCH | SHF_ALLOC)) == (SHF_RELA_LIVEPATCH | SHF_ALLOC));
	CHECK(sh.sh_info == elf_ndxscn(t));
}

static void test_exported_and_klp_relocations_vmlinux(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;
	char cmd[8400];

	run_case(&r, "exports", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(view_open(&v, r.out));
	CHECK(has_rela_to(&v, ".rela.text.khp_new_caller", "exported_fn", &s));
	CHECK(s.st_shndx == SHN_UNDEF && GELF_ST_BIND(s.st_info) == STB_GLOBAL);
	check_klp_section(&v, ".klp.rela.vmlinux..text.khp_new_caller", ".text.khp_new_caller");
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			  ".klp.sym.vmlinux.hidden_fn,0", &s));
	CHECK(s.st_shndx == SHN_LIVEPATCH && GELF_ST_BIND(s.st_info) == STB_GLOBAL);
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			  ".klp.sym.vmlinux.hidden_var,0", &s));
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			  ".klp.sym.vmlinux.local_helper,0", &s));
	CHECK(!has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			   ".klp.sym.vmlinux.exported_fn,0", &s));
	CHECK(!has_rela_to(&v, ".rela.text.khp_new_caller", "hidden_fn", &s));
	view_close(&v);
	CHECK(jq(r.report, ".exportedRelocations >= 2 and .klpRelocations >= 3"));
	snprintf(cmd, sizeof(cmd),
		 "readelf -SW %s | grep -q '.klp.rela.vmlinux..text.khp_new_caller *RELA .* AIo ' && "
		 "readelf -sW %s | grep -q 'NOTYPE  GLOBAL DEFAULT OS \\[0xff20\\] .klp.sym.vmlinux.hidden_fn,0'",
		 r.out, r.out);
	CHECK(shell("%s", cmd) == 0);
}

static void test_exported_and_klp_relocations_module(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;

	run_case(&r, "exports", "mymod", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".object == \"mymod\""));
	CHECK(view_open(&v, r.out));
	check_klp_section(&v, ".klp.rela.mymod..text.khp_new_caller", ".text.khp_new_caller");
	check_klp_section(&v, ".klp.rela.vmlinux..text.khp_new_caller", ".text.khp_new_caller");
	/* defined in PRE.o: the module's; undefined and unexported: vmlinux's */
	CHECK(has_rela_to(&v, ".klp.rela.mymod..text.khp_new_caller",
			  ".klp.sym.mymod.local_helper,0", &s));
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			  ".klp.sym.vmlinux.hidden_fn,0", &s));
	CHECK(has_rela_to(&v, ".rela.text.khp_new_caller", "exported_fn", &s));
	view_close(&v);
}

static void test_string_literal_carried(void)
{
	struct run r;
	struct elfview v;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool found = false;
	GElf_Sym s;

	run_case(&r, "string", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed | map(.symbol) == [\"greet\"]"));
	CHECK(view_open(&v, r.out));
	while ((scn = elf_nextscn(v.elf, scn))) {
		Elf_Data *d;

		gelf_getshdr(scn, &sh);
		if (!(sh.sh_flags & SHF_STRINGS) || sh.sh_type != SHT_PROGBITS)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && memmem(d->d_buf, d->d_size, "hello from khp %d\n", 19)) {
			found = true;
			CHECK(has_rela_to(&v, ".rela.text.khp_new_greet",
					  elf_strptr(v.elf, v.shstrndx, sh.sh_name), &s));
		}
	}
	CHECK(found);
	CHECK(has_rela_to(&v, ".rela.text.khp_new_greet", "printk", &s));
	view_close(&v);
}

/* --linkable output survives `ld -r`; --finalize then produces the livepatch ELF format. */
static void test_linkable_and_finalize(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;
	char linked[4300], mangled[4300], lout[4300], lreport[4300];

	run_case(&r, "exports", "vmlinux", NULL);
	CHECK(r.rc == 0);
	snprintf(lout, sizeof(lout), "%s/linkable.o", r.dir);
	snprintf(lreport, sizeof(lreport), "%s/linkable.json", r.dir);
	snprintf(linked, sizeof(linked), "%s/linked.o", r.dir);
	snprintf(mangled, sizeof(mangled), "%s/mangled.o", r.dir);
	CHECK(shell("%s --pre %s --post %s --object vmlinux --symvers %s/Module.symvers --out %s "
		    "--report %s --linkable", tool, r.pre, r.post, r.dir, lout, lreport) == 0);
	CHECK(shell("cmp -s %s %s", r.report, lreport) == 0);
	CHECK(view_open(&v, lout));
	CHECK(has_rela_to(&v, ".rela.text.khp_new_caller", ".klp.sym.vmlinux.hidden_fn,0", &s));
	CHECK(s.st_shndx == SHN_UNDEF && GELF_ST_BIND(s.st_info) == STB_GLOBAL);
	view_close(&v);

	CHECK(shell("ld -r -o %s %s && %s --finalize %s 2>/dev/null", linked, lout, tool,
		    linked) == 0);
	CHECK(view_open(&v, linked));
	check_klp_section(&v, ".klp.rela.vmlinux..text.khp_new_caller", ".text.khp_new_caller");
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			  ".klp.sym.vmlinux.hidden_fn,0", &s));
	CHECK(s.st_shndx == SHN_LIVEPATCH && GELF_ST_BIND(s.st_info) == STB_GLOBAL);
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_caller",
			  ".klp.sym.vmlinux.hidden_var,0", &s));
	CHECK(!has_rela_to(&v, ".rela.text.khp_new_caller", ".klp.sym.vmlinux.hidden_fn,0", &s));
	CHECK(has_rela_to(&v, ".rela.text.khp_new_caller", "exported_fn", &s));
	view_close(&v);

	/* the default form does not survive the linker: --finalize says so */
	CHECK(shell("ld -r -o %s %s && %s --finalize %s 2>/dev/null", mangled, r.out, tool,
		    mangled) == 2);
}

/* A changed function referenced from ops tables: the tables keep pointing at the old code. */
static void test_function_in_ops_table(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;
	GElf_Shdr sh;

	run_case(&r, "fptr", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, "(.changed | map(.symbol)) == [\"handler\"] and .unsupported == []"));
	CHECK(view_open(&v, r.out));
	CHECK(symbol(&v, "khp_new_handler", &s) && s.st_shndx != SHN_UNDEF);
	CHECK(!symbol(&v, "my_ops", &s) && !symbol(&v, "rw_ops", &s));
	CHECK(!section(&v, ".rodata.my_ops", &sh) && !section(&v, ".data.rw_ops", &sh));
	view_close(&v);
}

/*
 * Addresses of changed functions taken by included code and data are the originals' (klp
 * relocations); calls go to the new copies; addresses of new functions stay inside.
 */
static void test_function_address_is_original(void)
{
	const char *setup = ".klp.rela.vmlinux..text.khp_new_setup";
	struct run r, m;
	struct elfview v;
	GElf_Sym s;

	run_case(&r, "funcaddr", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, "(.changed | map(.symbol) | sort) == [\"helper\", \"setup\", \"worker\"]"));
	CHECK(view_open(&v, r.out));
	/* mov $worker, %edi (R_X86_64_32) */
	CHECK(count_rela(&v, setup, ".klp.sym.vmlinux.worker,0", R_X86_64_32, 0) == 1);
	CHECK(count_rela(&v, setup, ".klp.sym.vmlinux.helper,0", R_X86_64_32, 0) == 1);
	CHECK(count_rela(&v, setup, ".klp.sym.vmlinux.setup,0", R_X86_64_32, 0) == 1);
	CHECK(count_rela(&v, ".rela.text.khp_new_setup", "khp_new_worker", R_X86_64_32, 0) == 0);
	CHECK(count_rela(&v, ".rela.text.khp_new_setup", "khp_new_helper", R_X86_64_32, 0) == 0);
	/* calls: the new copies (gas makes the call to a local function a PC32: e8 before it) */
	CHECK(count_rela(&v, ".rela.text.khp_new_setup", "khp_new_worker", R_X86_64_PLT32, -4) == 1);
	CHECK(count_rela(&v, ".rela.text.khp_new_setup", "khp_new_helper", R_X86_64_PC32, -4) == 1);
	/* a new function's address: inside the livepatch */
	CHECK(count_rela(&v, ".rela.text.khp_new_setup", "fresh", R_X86_64_32, 0) == 1);
	/* pointers in new data */
	CHECK(count_rela(&v, ".klp.rela.vmlinux..rodata.table", ".klp.sym.vmlinux.worker,0",
			 R_X86_64_64, 0) == 1);
	CHECK(count_rela(&v, ".rela.rodata.table", "fresh", R_X86_64_64, 0) == 1);
	/* lea worker(%rip) */
	CHECK(count_rela(&v, ".klp.rela.vmlinux..text.worker_address",
			 ".klp.sym.vmlinux.worker,0", R_X86_64_PC32, -4) == 1);
	CHECK(symbol(&v, "khp_new_worker", &s) && s.st_shndx != SHN_UNDEF);
	view_close(&v);

	/* the target is a module: its functions' addresses come from that module */
	run_case(&m, "funcaddr", "mymod", NULL);
	CHECK(m.rc == 0);
	CHECK(view_open(&v, m.out));
	CHECK(count_rela(&v, ".klp.rela.mymod..text.khp_new_setup", ".klp.sym.mymod.helper,0",
			 R_X86_64_32, 0) == 1);
	view_close(&v);
}

/*
 * A new global of one file used by another file of the same patch: included by its file,
 * referenced normally by the other (--patch-symbols), resolved when both are linked.
 */
static void test_patch_symbols_link_inside(void)
{
	const char *rsec = ".rela.text.khp_new_b_caller";
	struct run a, b, k;
	struct elfview v;
	GElf_Sym s;
	char names[4300], args[4400], linked[4300];

	run_case_args(&a, "newglobal", "vmlinux", NULL, "--linkable");
	CHECK(a.rc == 0);
	CHECK(jq(a.report, ".changed == [] and (.new | map(.symbol)) == [\"khp_helper\"]"));
	CHECK(view_open(&v, a.out));
	CHECK(symbol(&v, "khp_counter", &s) && s.st_shndx != SHN_UNDEF &&
	      GELF_ST_BIND(s.st_info) == STB_GLOBAL && GELF_ST_TYPE(s.st_info) == STT_OBJECT);
	CHECK(symbol(&v, "khp_helper", &s) && s.st_shndx != SHN_UNDEF &&
	      GELF_ST_BIND(s.st_info) == STB_GLOBAL);
	view_close(&v);

	/* without the list: taken for a kernel symbol (which the builder's load check refuses) */
	run_case(&k, "patchsym", "vmlinux", NULL);
	CHECK(k.rc == 0);
	CHECK(view_open(&v, k.out));
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_b_caller",
			  ".klp.sym.vmlinux.khp_helper,0", &s));
	view_close(&v);

	snprintf(names, sizeof(names), "%s/patch-symbols", k.dir);
	CHECK(shell("printf '# new globals of other files\\nkhp_helper\\nkhp_counter\\n' > %s",
		    names) == 0);
	snprintf(args, sizeof(args), "--linkable --patch-symbols %s", names);
	run_case_args(&b, "patchsym", "vmlinux", NULL, args);
	CHECK(b.rc == 0);
	CHECK(jq(b.report, ".patchRelocations == 2 and .klpRelocations == 1"));
	CHECK(view_open(&v, b.out));
	CHECK(has_rela_to(&v, rsec, "khp_helper", &s));
	CHECK(s.st_shndx == SHN_UNDEF && GELF_ST_BIND(s.st_info) == STB_GLOBAL);
	CHECK(has_rela_to(&v, rsec, "khp_counter", &s));
	CHECK(has_rela_to(&v, rsec, ".klp.sym.vmlinux.hidden_fn,0", &s));
	CHECK(!has_rela_to(&v, rsec, ".klp.sym.vmlinux.khp_helper,0", &s));
	view_close(&v);

	snprintf(linked, sizeof(linked), "%s/linked.o", b.dir);
	CHECK(shell("ld -r -o %s %s %s", linked, a.out, b.out) == 0);
	CHECK(shell("nm -u %s | grep -qw -e khp_helper -e khp_counter", linked) == 1);
	CHECK(shell("nm -u %s | grep -qF '.klp.sym.vmlinux.hidden_fn,0'", linked) == 0);
	CHECK(shell("%s --finalize %s 2>/dev/null", tool, linked) == 0);
}

/* Jump labels: sites are wildcards, entries follow the function, keys become klp relocations. */
static void test_jump_labels(void)
{
	struct run r, m;
	struct elfview v;
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	size_t i, sites = 0;
	char expr[256];

	run_case(&r, "jumplabel", "vmlinux", NULL);
	CHECK(r.rc == 0);
	/* the sites, read independently from PRE.o's __jump_table (code field of each entry) */
	CHECK(view_open(&v, r.pre));
	scn = section(&v, ".rela__jump_table", &sh);
	CHECK(scn != NULL);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Rela rl;

		gelf_getrela(d, (int)i, &rl);
		if (rl.r_offset % 16)
			continue;
		sites++;
		snprintf(expr, sizeof(expr),
			 ".changed[0].wildcards | any(.kind == \"JUMP_LABEL\" and .offset == %ld and .length == 5)",
			 (long)rl.r_addend);
		CHECK(jq(r.report, expr));
	}
	view_close(&v);
	CHECK(sites == 2);
	CHECK(view_open(&v, r.out));
	CHECK(section(&v, "__jump_table", &sh) && sh.sh_size == 32);
	check_klp_section(&v, ".klp.rela.vmlinux.__jump_table", "__jump_table");
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux.__jump_table", ".klp.sym.vmlinux.far_key,0", &s));
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux.__jump_table", ".klp.sym.vmlinux.local_key,0", &s));
	CHECK(has_rela_to(&v, ".rela__jump_table", "khp_new_jl", &s));
	view_close(&v);

	/* a key of the target module itself would be resolved after jump labels are set up */
	run_case(&m, "jumplabel", "mymod", NULL);
	CHECK(m.rc == 3);
	CHECK(jq(m.report, ".unsupported | any(.reason == \"UNSUPPORTED_STATIC_KEY\")"));
	CHECK(!exists(m.out));
}

/* Index of the section holding symbol @name in the object at @path, and the symbol. */
static size_t symbol_section(struct elfview *v, const char *name, GElf_Sym *s)
{
	return symbol(v, name, s) ? s->st_shndx : 0;
}

/* Size and index of section @name; 0 when absent. */
static size_t section_size(struct elfview *v, const char *name, size_t *index)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section(v, name, &sh);

	if (index)
		*index = scn ? elf_ndxscn(scn) : 0;
	return scn ? sh.sh_size : 0;
}

/* Does any allocated section of the object at @path hold the string @s? */
static bool holds_string(const char *path, const char *s)
{
	return shell("strings -a '%s' | grep -qF -- '%s'", path, s) == 0;
}

/* Every key field of OUT.o's __jump_table refers to a symbol defined in OUT.o's section @in. */
static bool jump_keys_in(struct elfview *v, const char *in, size_t *nkeys)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section(v, ".rela__jump_table", &sh);
	size_t idx, i;
	bool ok = scn != NULL;

	*nkeys = 0;
	section_size(v, in, &idx);
	for (i = 0; scn && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Rela rl;
		GElf_Sym t;

		gelf_getrela(elf_getdata(scn, NULL), (int)i, &rl);
		if (rl.r_offset % 16 != 8)
			continue;
		(*nkeys)++;
		symbol_name(v, GELF_R_SYM(rl.r_info), &t);
		ok = ok && t.st_shndx == idx;
	}
	return ok && idx;
}

/* pr_debug: descriptors of the patched function carried into OUT.o's __dyndbg with their keys. */
static void test_dynamic_debug(void)
{
	static const char *const objnames[] = { "vmlinux", "mymod" };
	size_t k;

	for (k = 0; k < 2; k++) {
		struct run r;
		struct elfview v;
		GElf_Sym s;
		size_t desc = 0, nkeys = 0;

		run_case(&r, "dyndbg", objnames[k], NULL);
		CHECK(r.rc == 0);
		/* untouched() only moved a line and got another descriptor name: not changed */
		CHECK(jq(r.report, ".changed | map(.symbol) == [\"existing\"]"));
		CHECK(jq(r.report, ".unsupported == [] and .new == []"));
		/* the descriptor size as built, from PRE.o */
		CHECK(view_open(&v, r.pre));
		CHECK(symbol(&v, "__UNIQUE_ID_ddebug0.3", &s) || symbol(&v, "__UNIQUE_ID_ddebug1.2", &s));
		desc = s.st_size;
		view_close(&v);
		CHECK(desc >= 40);
		CHECK(view_open(&v, r.out));
		CHECK(section_size(&v, "__dyndbg", NULL) == 2 * desc);
		CHECK(jump_keys_in(&v, "__dyndbg", &nkeys) && nkeys == 2);
		CHECK(!has_rela_to(&v, ".klp.rela.vmlinux.__jump_table", ".klp.sym.vmlinux.__UNIQUE_ID_ddebug0.3,0", &s));
		CHECK(!section(&v, ".klp.rela.vmlinux.__jump_table", &(GElf_Shdr){ 0 }));
		CHECK(symbol_section(&v, "khp_new_existing", &s) != 0);
		view_close(&v);
		CHECK(holds_string(r.out, "khp new call site %d"));
		CHECK(holds_string(r.out, "existing %d"));
		CHECK(!holds_string(r.out, "untouched %d"));
	}
}

/* A changed pr_debug format changes the function (descriptors are compared by content). */
static void test_dynamic_debug_format_change(void)
{
	struct run r;

	run_case(&r, "dyndbgfmt", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed | map(.symbol) == [\"existing\"]"));
	CHECK(holds_string(r.out, "existing: %d"));
}

/* The line of the __bug_table entry whose site is in function @fn of the object at @path. */
static long bug_line(const char *path, const char *fn)
{
	char cmd[8400], line[256];
	FILE *f;
	long v = -1;

	snprintf(cmd, sizeof(cmd),
		 "readelf -rW '%s' | sed -n '/__bug_table/,/^$/p' | awk '$5 ~ /%s/ {print $1}' | head -1",
		 path, fn);
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f)) {
		unsigned long off = strtoul(line, NULL, 16);
		struct elfview ev;
		GElf_Shdr sh;
		Elf_Scn *scn;

		if (view_open(&ev, path)) {
			scn = section(&ev, "__bug_table", &sh);
			if (scn && off + 10 <= sh.sh_size) {
				unsigned short l;

				memcpy(&l, (char *)elf_getdata(scn, NULL)->d_buf + off + 8, 2);
				v = l;
			}
			view_close(&ev);
		}
	}
	if (f)
		pclose(f);
	return v;
}

/* Only line numbers moved (might_sleep immediates, __bug_table, pr_debug): refused. */
static void test_line_numbers_only(void)
{
	struct run r, c;

	run_case(&r, "lineonly", "vmlinux", NULL);
	CHECK(r.rc == 3);
	CHECK(jq(r.report, ".unsupported | length == 1 and .[0].reason == \"NO_FUNCTIONAL_CHANGE\""));
	CHECK(jq(r.report, ".unsupported[0].message | contains(\"only line numbers changed\")"));
	CHECK(jq(r.report, ".changed == []"));
	CHECK(!exists(r.out));
	/* the immediates really differ: the test would be empty otherwise */
	CHECK(shell("cmp -s %s/a/../pre.o %s/b/../post.o", r.dir, r.dir) != 0);

	/* a real change besides: only that function is patched, with its new line numbers */
	run_case(&c, "linechange", "vmlinux", NULL);
	CHECK(c.rc == 0);
	CHECK(jq(c.report, "(.changed | map(.symbol) | sort) == [\"stepper\", \"warner\"] and "
		 ".unsupported == []"));
	CHECK(bug_line(c.pre, "warner") > 0);
	CHECK(bug_line(c.post, "warner") == bug_line(c.pre, "warner") + 1);
	CHECK(bug_line(c.out, "khp_new_warner") == bug_line(c.post, "warner"));
}

/* A static key defined by the patch and a vmlinux key, used from a module's function. */
static void test_new_static_key_in_module_part(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s;

	run_case(&r, "newkey", "mymod", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, "(.changed | map(.symbol)) == [\"jl\"] and .unsupported == []"));
	CHECK(view_open(&v, r.out));
	CHECK(section_size(&v, "__jump_table", NULL) == 32);
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux.__jump_table", ".klp.sym.vmlinux.far_key,0", &s));
	CHECK(has_rela_to(&v, ".rela__jump_table", "khp_key.0", &s) ||
	      has_rela_to(&v, ".rela__jump_table", ".data.khp_key.0", &s));
	CHECK(s.st_shndx != SHN_UNDEF && s.st_shndx != SHN_LIVEPATCH);
	view_close(&v);
}

static void test_refuse_new_tracepoint(void)
{
	struct run r;

	run_case(&r, "tracepoint", "vmlinux", NULL);
	CHECK(r.rc == 3);
	CHECK(jq(r.report, ".unsupported | any(.reason == \"UNSUPPORTED_SECTION\" and "
		 ".section == \"__tracepoints\" and .symbol == \"__tracepoint_khp_event\" and "
		 "(.message | contains(\"cannot define a tracepoint\")))"));
	CHECK(!exists(r.out));
}

/* A special section whose entries do not fit the known layout is refused, not guessed. */
static void test_refuse_unknown_layout(void)
{
	struct run r;

	run_case(&r, "badlayout", "vmlinux", NULL);
	CHECK(r.rc == 3);
	CHECK(jq(r.report, ".unsupported | any(.reason == \"UNSUPPORTED_SECTION\" and "
		 ".section == \".altinstructions\" and (.message | contains(\"entry size\")))"));
	CHECK(!exists(r.out));
}

static void expect_refusal(const char *name, const char *reason)
{
	struct run r;
	char expr[256];

	run_case(&r, name, "vmlinux", NULL);
	CHECK(r.rc == 3);
	snprintf(expr, sizeof(expr), ".unsupported | any(.reason == \"%s\")", reason);
	CHECK(jq(r.report, expr));
	CHECK(!exists(r.out));
}

static bool has_section(struct elfview *v, const char *prefix)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(v->elf, scn))) {
		gelf_getshdr(scn, &sh);
		if (strstr(elf_strptr(v->elf, v->shstrndx, sh.sh_name), prefix))
			return true;
	}
	return false;
}

static void test_patch_api_records(void)
{
	struct run r;
	struct elfview v;
	GElf_Sym s, cb;

	run_case(&r, "patchapi", "vmlinux", NULL);
	CHECK(r.rc == 0);
	CHECK(jq(r.report, ".changed | map(.symbol) == [\"f_changed\"]"));
	CHECK(jq(r.report, ".callbacks == [{\"kind\":\"pre_patch\",\"symbol\":\"on_pre_patch\","
		    "\"newSymbol\":\"khp_callback_vmlinux_pre_patch\"}]"));
	CHECK(view_open(&v, r.out));
	/* a global alias of the callback for the glue; the records stay behind */
	CHECK(symbol(&v, "khp_callback_vmlinux_pre_patch", &s) &&
	      GELF_ST_BIND(s.st_info) == STB_GLOBAL && GELF_ST_TYPE(s.st_info) == STT_FUNC);
	CHECK(symbol(&v, "on_pre_patch", &cb) && cb.st_shndx == s.st_shndx &&
	      cb.st_value == s.st_value);
	CHECK(!has_section(&v, ".khp."));
	CHECK(!symbol(&v, "khp_new_g_side_effect", &s));
	CHECK(!symbol(&v, "khp_new_h_in_ignored_section", &s));
	view_close(&v);
}

static void test_refuse_force_unsafe(void)
{
	expect_refusal("forceunsafe", "FORCE_UNSAFE");
}

static void test_refuse_global_init(void)
{
	expect_refusal("globalinit", "GLOBAL_INIT_CHANGED");
}

static void test_refuse_init(void)
{
	expect_refusal("init", "INIT_CHANGED");
}

static void test_refuse_changed_data(void)
{
	expect_refusal("data", "DATA_CHANGED");
}

static void test_refuse_no_fentry(void)
{
	expect_refusal("notrace", "NO_FENTRY");
}

static void test_refuse_layout_change(void)
{
	expect_refusal("layout", "DATA_LAYOUT_CHANGED");
}

static void test_refuse_static_key_change(void)
{
	expect_refusal("statickey", "STATIC_KEY_CHANGED");
}

static void test_nothing_changed(void)
{
	struct run r;

	run_case(&r, "unchanged", "vmlinux", NULL);
	CHECK(r.rc == 4);
	CHECK(!exists(r.out));
	CHECK(jq(r.report, ".changed == [] and .new == [] and .unsupported == []"));
}

static void test_usage_errors(void)
{
	struct run r;

	run_case(&r, "changed", "vmlinux", NULL);
	CHECK(shell("%s --pre %s >/dev/null 2>&1", tool, r.pre) == 2);
	CHECK(shell("%s --pre /nonexistent.o --post %s --object vmlinux --symvers %s/Module.symvers "
		 "--out %s/x.o --report %s/x.json 2>/dev/null", tool, r.post, r.dir, r.dir,
		 r.dir) == 2);
	CHECK(shell("%s --pre %s --post %s --object vmlinux --symvers /nonexistent "
		 "--out %s/x.o --report %s/x.json 2>/dev/null", tool, r.pre, r.post, r.dir,
		 r.dir) == 2);
}

/*
 * Objects with an invalid field (fuzz/corrupt) are refused with exit 2 and a message naming the
 * problem, as PRE and as POST: no division by a zero entry size, no read past a section.
 */
static void test_malformed_objects_refused(void)
{
	static const struct {
		const char *kind, *message;
	} bad[] = {
		{ "symtab-entsize-zero", "malformed symbol table" },
		{ "rela-entsize-zero", "malformed relocation section" },
		{ "rela-offset-outside", "is outside" },
		{ "symbol-size-overrun", "symbol f_changed overruns its section" },
		{ "symbol-value-wraps", "symbol f_changed overruns its section" },
		{ "section-symbol-unbound", "has no section" },
	};
	struct run r;
	size_t i;

	run_case(&r, "changed", "vmlinux", NULL);
	CHECK(r.rc == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args = strncmp(bad[i].kind, "symbol-", 7) ? "" : "f_changed";

		CHECK(shell("%s/../fuzz/corrupt %s %s/bad.o %s %s", here, r.pre, r.dir, bad[i].kind,
			    args) == 0);
		CHECK(shell("%s --pre %s/bad.o --post %s --object vmlinux --symvers %s/Module.symvers "
			    "--out %s/x.o --report %s/x.json 2>%s/bad.err", tool, r.dir, r.post, r.dir,
			    r.dir, r.dir, r.dir) == 2);
		CHECK(shell("grep -q '%s' %s/bad.err", bad[i].message, r.dir) == 0);
		CHECK(shell("%s --pre %s --post %s/bad.o --object vmlinux --symvers %s/Module.symvers "
			    "--out %s/x.o --report %s/x.json 2>/dev/null", tool, r.pre, r.dir, r.dir,
			    r.dir, r.dir) == 2);
	}
}

/* fs/proc/cmdline.o of the Debian kernel, before and after a one-line string change. */
static bool kernel_objects(char *dir, size_t size)
{
	char pre[4400];

	snprintf(dir, size, "%s/kernel", tmp);
	snprintf(pre, sizeof(pre), "%s/pre.o", dir);
	if (exists(pre))
		return true;
	if (shell("%s/cmdline-objects %s", here, dir)) {
		CHECK(!"cannot build fs/proc/cmdline.o pre and post");
		return false;
	}
	return true;
}


static void test_real_kernel_object(void)
{
	char dir[4200], symvers[4300], cmd[16384], path[4400];
	struct elfview v;
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	size_t i, nret = 0;
	int rc;

	if (!kernel_objects(dir, sizeof(dir)))
		return;
	snprintf(cmd, sizeof(cmd), "%s/../../../infra/kernel-packages headers > %s/headers", here,
		 dir);
	CHECK(shell("%s", cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/headers", dir);
	{
		FILE *f = fopen(cmd, "r");

		CHECK(f && fgets(symvers, sizeof(symvers) - 20, f));
		if (f)
			fclose(f);
		symvers[strcspn(symvers, "\n")] = 0;
		strcat(symvers, "/Module.symvers");
	}
	rc = shell("%s --pre %s/pre.o --post %s/post.o --object vmlinux --symvers %s --out %s/out.o "
		"--report %s/report.json --source-file fs/proc/cmdline.c", tool, dir, dir, symvers,
		dir, dir);
	CHECK(rc == 0);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	CHECK(jq(path, ".changed | map(.symbol) == [\"cmdline_proc_show\"]"));
	CHECK(jq(path, ".changed[0].sourceFile == \"fs/proc/cmdline.c\""));
	CHECK(jq(path, ".changed[0].wildcards | any(.kind == \"FENTRY\" and .offset == 0 and .length == 5)"));
	CHECK(jq(path, ".changed[0].relocations | any(.symbol == \"seq_puts\" and .local == false)"));
	CHECK(jq(path, ".changed[0].relocations | any(.symbol == \"saved_command_line\" and .type == \"R_X86_64_PC32\")"));

	/* preBytes length = symbol size; return thunk sites = .return_sites entries of PRE.o */
	snprintf(cmd, sizeof(cmd), "%s/pre.o", dir);
	CHECK(view_open(&v, cmd));
	CHECK(symbol(&v, "cmdline_proc_show", &s));
	scn = section(&v, ".rela.return_sites", &sh);
	CHECK(scn != NULL);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Rela rl;
		GElf_Sym t;
		char expr[256];

		gelf_getrela(d, (int)i, &rl);
		if (strcmp(symbol_name(&v, GELF_R_SYM(rl.r_info), &t), ".text.cmdline_proc_show"))
			continue;
		nret++;
		snprintf(expr, sizeof(expr),
			 ".changed[0].wildcards | any(.kind == \"RETURN_THUNK\" and .offset == %ld and .length == 5)",
			 (long)rl.r_addend);
		CHECK(jq(path, expr));
	}
	CHECK(nret > 0);
	view_close(&v);
	snprintf(cmd, sizeof(cmd), "jq -r '.changed[0].preBytes' %s | base64 -d | wc -c | "
		 "grep -qx %lu", path, (unsigned long)s.st_size);
	CHECK(shell("%s", cmd) == 0);

	snprintf(path, sizeof(path), "%s/out.o", dir);
	CHECK(view_open(&v, path));
	CHECK(has_rela_to(&v, ".rela.text.khp_new_cmdline_proc_show", "seq_puts", &s));
	CHECK(s.st_shndx == SHN_UNDEF);
	check_klp_section(&v, ".klp.rela.vmlinux..text.khp_new_cmdline_proc_show",
			  ".text.khp_new_cmdline_proc_show");
	CHECK(has_rela_to(&v, ".klp.rela.vmlinux..text.khp_new_cmdline_proc_show",
			  ".klp.sym.vmlinux.saved_command_line,0", &s));
	CHECK(s.st_shndx == SHN_LIVEPATCH);
	CHECK(section(&v, "__mcount_loc", &sh) && sh.sh_size == 8);
	view_close(&v);
	snprintf(cmd, sizeof(cmd), "readelf -p .rodata.cmdline_proc_show.str1.1 %s | grep -q khp || "
		 "strings -a %s | grep -q ' khp'", path, path);
	CHECK(shell("%s", cmd) == 0);
}

static bool module_symvers(const char *dir, char *symvers, size_t size)
{
	char cmd[8400];
	FILE *f;
	bool ok;

	snprintf(cmd, sizeof(cmd), "%s/../../../infra/kernel-packages headers", here);
	f = popen(cmd, "r");
	ok = f && fgets(symvers, (int)size - 20, f);
	if (f)
		pclose(f);
	symvers[strcspn(symvers, "\n")] = 0;
	strcat(symvers, "/Module.symvers");
	return ok;
}

/*
 * fs/binfmt_misc.o (module binfmt_misc) with a changed and a new pr_debug in create_entry()
 * (inlined into bm_register_write()), and with a blank line added at the top.
 */
static void test_real_module_object_dynamic_debug(void)
{
	char dir[4200], symvers[4300], path[4400], lines[4400];
	struct elfview v;
	GElf_Sym s;
	size_t desc = 0, nkeys = 0, i, ndesc;

	snprintf(dir, sizeof(dir), "%s/binfmt_misc", tmp);
	snprintf(lines, sizeof(lines), "%s/binfmt_misc-lines", tmp);
	CHECK(module_symvers(dir, symvers, sizeof(symvers)));
	CHECK(shell("%s/tree-objects %s fs/binfmt_misc.c "
		    "'s/\"register: received %%zu bytes\\\\n\", count);/\"register: khp received %%zu bytes\\\\n\", count);\\n\\tpr_debug(\"register: khp new site\\\\n\");/'",
		    here, dir) == 0);
	CHECK(shell("%s --pre %s/pre.o --post %s/post.o --object binfmt_misc --symvers %s "
		    "--out %s/out.o --report %s/report.json", tool, dir, dir, symvers, dir, dir) == 0);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	CHECK(jq(path, "(.changed | map(.symbol)) == [\"bm_register_write\"] and .unsupported == []"));
	CHECK(jq(path, ".changed[0].wildcards | map(select(.kind == \"JUMP_LABEL\")) | length > 10"));
	/* descriptor size as built, from PRE.o's own symbols */
	snprintf(path, sizeof(path), "%s/pre.o", dir);
	CHECK(view_open(&v, path));
	{
		GElf_Shdr sh;
		Elf_Scn *scn = symtab(&v, &sh);

		for (i = 0; scn && i < sh.sh_size / sh.sh_entsize; i++) {
			gelf_getsym(elf_getdata(scn, NULL), (int)i, &s);
			if (!strncmp(elf_strptr(v.elf, sh.sh_link, s.st_name), "__UNIQUE_ID_ddebug", 18))
				desc = s.st_size;
		}
	}
	view_close(&v);
	CHECK(desc > 0);
	snprintf(path, sizeof(path), "%s/out.o", dir);
	CHECK(view_open(&v, path));
	ndesc = desc ? section_size(&v, "__dyndbg", NULL) / desc : 0;
	CHECK(ndesc > 10 && ndesc * desc == section_size(&v, "__dyndbg", NULL));
	CHECK(jump_keys_in(&v, "__dyndbg", &nkeys) && nkeys == ndesc);
	view_close(&v);
	CHECK(holds_string(path, "register: khp received %zu bytes"));
	CHECK(holds_string(path, "register: khp new site"));
	CHECK(!holds_string(path, "register: received %zu bytes"));
	CHECK(shell("readelf -sW %s | grep -q 'klp.sym.*ddebug'", path) != 0);

	/* only line numbers: WARN_ON_ONCE lines in __bug_table and pr_debug descriptors */
	CHECK(shell("%s/tree-objects %s fs/binfmt_misc.c '1i\\\\' ", here, lines) == 0);
	CHECK(shell("%s --pre %s/pre.o --post %s/post.o --object binfmt_misc --symvers %s "
		    "--out %s/out.o --report %s/report.json 2>/dev/null", tool, lines, lines, symvers,
		    lines, lines) == 3);
	snprintf(path, sizeof(path), "%s/report.json", lines);
	CHECK(jq(path, ".unsupported | length == 1 and .[0].reason == \"NO_FUNCTIONAL_CHANGE\""));
	CHECK(jq(path, ".changed == []"));
}

/* OUT.o (--linkable) linked by kbuild, finalized, loaded on the Debian kernel in qemu. */
static void test_module_loads_in_guest(void)
{
	char dir[4200];

	if (!kernel_objects(dir, sizeof(dir)))
		return;
	CHECK(shell("%s/vm-load %s", here, dir) == 0);
}

struct test {
	const char *name;
	void (*fn)(void);
};

int main(int argc, char **argv)
{
	static const struct test tests[] = {
		{ "changed function detected, unchanged left out", test_changed_function_only },
		{ "malformed objects refused", test_malformed_objects_refused },
		{ "preBytes and fentry wildcard", test_prebytes_and_fentry_wildcard },
		{ "new and removed functions", test_new_and_removed },
		{ "static local refers to the original", test_static_local_refers_to_original },
		{ "same-named static locals paired by content", test_static_locals_paired_by_content },
		{ "packed one-byte flags resolved by instruction", test_packed_flags_resolved_by_instruction },
		{ "exported vs klp relocations (vmlinux)", test_exported_and_klp_relocations_vmlinux },
		{ "exported vs klp relocations (module)", test_exported_and_klp_relocations_module },
		{ "string literal carried", test_string_literal_carried },
		{ "function referenced from ops tables", test_function_in_ops_table },
		{ "function addresses: the originals", test_function_address_is_original },
		{ "new globals used across files", test_patch_symbols_link_inside },
		{ "--linkable object, ld -r, --finalize", test_linkable_and_finalize },
		{ "jump labels: wildcards, entries, keys", test_jump_labels },
		{ "patch API: callback, ignored function and section", test_patch_api_records },
		{ "refuse KHP_FORCE_UNSAFE", test_refuse_force_unsafe },
		{ "pr_debug: descriptors and keys carried", test_dynamic_debug },
		{ "pr_debug: changed format changes the function", test_dynamic_debug_format_change },
		{ "only line numbers changed: refused; real change kept", test_line_numbers_only },
		{ "new static key and vmlinux key in a module part", test_new_static_key_in_module_part },
		{ "refuse new tracepoint", test_refuse_new_tracepoint },
		{ "refuse special section of unknown layout", test_refuse_unknown_layout },
		{ "refuse changed global initial value", test_refuse_global_init },
		{ "refuse changed static key definition", test_refuse_static_key_change },
		{ "refuse __init change", test_refuse_init },
		{ "refuse changed data", test_refuse_changed_data },
		{ "refuse function without fentry", test_refuse_no_fentry },
		{ "refuse data layout change", test_refuse_layout_change },
		{ "nothing changed", test_nothing_changed },
		{ "usage and I/O errors", test_usage_errors },
		{ "real kernel object fs/proc/cmdline.o", test_real_kernel_object },
		{ "real module object fs/binfmt_misc.o: pr_debug, line numbers",
		  test_real_module_object_dynamic_debug },
		{ "linked, finalized and loaded in a qemu guest", test_module_loads_in_guest },
	};
	const char *only = argc > 1 ? argv[1] : NULL;
	const char *dir = KLPDIFF_TESTS_DIR;
	size_t i;

	if (elf_version(EV_CURRENT) == EV_NONE)
		errx(1, "libelf");
	snprintf(here, sizeof(here), "%s", dir);
	/* KLPDIFF: another build of the tool (the sanitizer build) */
	if (getenv("KLPDIFF"))
		snprintf(tool, sizeof(tool), "%s", getenv("KLPDIFF"));
	else
		snprintf(tool, sizeof(tool), "%s/../klpdiff", dir);
	snprintf(cases, sizeof(cases), "%s/cases", dir);
	snprintf(tmp, sizeof(tmp), "/tmp/klpdiff-test.XXXXXX");
	if (!mkdtemp(tmp))
		err(1, "mkdtemp");

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (only && !strstr(tests[i].name, only))
			continue;
		ok = true;
		fprintf(stderr, "  %s\n", tests[i].name);
		tests[i].fn();
		if (ok)
			passed++;
		else
			failed++;
		printf("%s: %s\n", ok ? "PASS" : "FAIL", tests[i].name);
		fflush(stdout);
	}
	if (!getenv("KLPDIFF_KEEP_TMP"))
		shell("rm -rf '%s'", tmp);
	else
		fprintf(stderr, "kept %s\n", tmp);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
