// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of khp-helper: JSON, base64, request handling and errors,
 * kallsyms resolution, /proc/kcore address mapping on a fixture ELF file,
 * sysfs/livepatch/proc reading on a fixture tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

static char fixture[PATH_MAX];
static char proc_dir[PATH_MAX + 8], sys_dir[PATH_MAX + 8], dev_dir[PATH_MAX + 8];

/* helpers */

static void put_file(const char *dir, const char *rel, const void *data,
		     size_t len)
{
	char path[PATH_MAX * 2], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void put_text(const char *dir, const char *rel, const char *text)
{
	put_file(dir, rel, text, strlen(text));
}

static void make_dir(const char *dir, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s/.keep", dir, rel);
	put_text(dir, path + strlen(dir) + 1, "");
}

static struct ctx test_ctx(void)
{
	struct ctx c = {
		.proc = proc_dir, .sys = sys_dir, .dev = dev_dir,
		.host_id = NULL, .host_id_file = "/nonexistent/khp-host-id",
		.allow_exec = false,
	};
	return c;
}

/* Sends one request line; returns the parsed reply (caller frees). */
static struct jval call(const struct ctx *c, const char *req)
{
	struct buf out;
	struct jval rep;
	char err[128];

	buf_init(&out);
	handle_line(c, req, strlen(req), &out);
	assert_non_null(out.p);
	assert_null(memchr(out.p, '\n', out.len));
	if (json_parse(out.p, out.len, &rep, err, sizeof(err)))
		fail_msg("reply is not JSON (%s): %s", err, out.p);
	buf_free(&out);
	return rep;
}

static const struct jval *path_get(const struct jval *v, const char *path)
{
	char key[64];
	const char *p = path;

	while (v && *p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (v->type == J_ARR) {
			size_t i = strtoul(key, NULL, 10);

			v = i < v->n ? &v->items[i] : NULL;
		} else {
			v = json_get(v, key);
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}

static const char *str_at(const struct jval *v, const char *path)
{
	const struct jval *s = path_get(v, path);

	if (!s || s->type != J_STR)
		fail_msg("no string at %s", path);
	return s->str;
}

static double num_at(const struct jval *v, const char *path)
{
	const struct jval *s = path_get(v, path);

	if (!s || s->type != J_NUM)
		fail_msg("no number at %s", path);
	return s->num;
}

static bool bool_at(const struct jval *v, const char *path)
{
	const struct jval *s = path_get(v, path);

	if (!s || s->type != J_BOOL)
		fail_msg("no bool at %s", path);
	return s->b;
}

static void assert_error(const struct ctx *c, const char *req,
			 const char *code)
{
	struct jval rep = call(c, req);

	assert_false(bool_at(&rep, "ok"));
	assert_string_equal(str_at(&rep, "error.code"), code);
	assert_true(strlen(str_at(&rep, "error.message")) > 0);
	json_free(&rep);
}

/* JSON */

static void test_json_parse_values(void **state)
{
	const char *s = "{\"a\": [1, -2.5e3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"],"
			" \"b\": {\"c\": \"\"}}";
	struct jval v;
	char err[128];

	assert_int_equal(json_parse(s, strlen(s), &v, err, sizeof(err)), 0);
	assert_int_equal(v.type, J_OBJ);
	assert_int_equal(path_get(&v, "a")->n, 6);
	assert_true(num_at(&v, "a.0") == 1);
	assert_true(num_at(&v, "a.1") == -2500);
	assert_true(bool_at(&v, "a.2"));
	assert_false(bool_at(&v, "a.3"));
	assert_int_equal(path_get(&v, "a.4")->type, J_NULL);
	assert_string_equal(str_at(&v, "a.5"), "x\n\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(str_at(&v, "b.c"), "");
	json_free(&v);
}

static void test_json_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "{", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1 2]",
		"{\"a\":1} x", "\"abc", "\"\\x\"", "\"\\ud800\"", "01",
		"-", "1.", "tru", "{a:1}", "\"tab\there\"",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	struct jval v;
	char err[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!json_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)))
			fail_msg("accepted bad JSON: %s", bad[i]);
		assert_true(strstr(err, "offset") != NULL);
	}
}

static void test_json_write_escapes(void **state)
{
	struct jw w;
	struct jval v;
	char err[128];
	const char raw[] = "q\"b\\\x01\t\xff\xc3\xa9";

	jw_init(&w);
	jw_obj(&w);
	jw_key(&w, "s");
	jw_strn(&w, raw, sizeof(raw) - 1);
	jw_key(&w, "a");
	jw_arr(&w);
	jw_int(&w, -7);
	jw_bool(&w, true);
	jw_null(&w);
	jw_hex64(&w, 0xffffffff81000000ull);
	jw_arr_end(&w);
	jw_obj_end(&w);
	assert_string_equal(w.b.p,
		"{\"s\":\"q\\\"b\\\\\\u0001\\t\\ufffd\xc3\xa9\",\"a\":[-7,true,null,\"0xffffffff81000000\"]}");
	assert_int_equal(json_parse(w.b.p, w.b.len, &v, err, sizeof(err)), 0);
	assert_string_equal(str_at(&v, "s"), "q\"b\\\x01\t\xef\xbf\xbd\xc3\xa9");
	json_free(&v);
	jw_free(&w);
}

/* base64 */

static void test_base64_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	unsigned char *out;
	size_t i, n;

	for (i = 0; i < 7; i++) {
		struct buf b;

		buf_init(&b);
		buf_add(&b, "", 0);
		base64_encode(&b, (const unsigned char *)plain[i], strlen(plain[i]));
		assert_string_equal(b.p, enc[i]);
		buf_free(&b);
		assert_int_equal(base64_decode(enc[i], strlen(enc[i]), &out, &n), 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(out, plain[i], n);
		free(out);
	}
}

static void test_base64_roundtrip_binary(void **state)
{
	unsigned char data[1000], *out;
	size_t len, n, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (i * 131 + 7) & 0xff;
	for (len = 0; len < 40; len++) {
		struct buf b;

		buf_init(&b);
		buf_add(&b, "", 0);
		base64_encode(&b, data + len, sizeof(data) - 2 * len);
		assert_int_equal(base64_decode(b.p, b.len, &out, &n), 0);
		assert_int_equal(n, sizeof(data) - 2 * len);
		assert_memory_equal(out, data + len, n);
		free(out);
		buf_free(&b);
	}
}

static void test_base64_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg=", "Zm9", "Z===", "Zg==Zg==", "Zm9v!A==", "Zh==", "Zm9=",
		"Zm 9v", "=Zm9",
	};
	unsigned char *out;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (!base64_decode(bad[i], strlen(bad[i]), &out, &n))
			fail_msg("accepted bad base64: %s", bad[i]);
}

/* requests and errors */

static void test_request_errors(void **state)
{
	struct ctx c = test_ctx();
	struct jval rep;

	rep = call(&c, "not json");
	assert_false(bool_at(&rep, "ok"));
	assert_int_equal(path_get(&rep, "id")->type, J_NULL);
	assert_string_equal(str_at(&rep, "error.code"), "BAD_JSON");
	json_free(&rep);

	assert_error(&c, "[1,2]", "BAD_JSON");
	assert_error(&c, "{\"op\":\"report\"}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":7}", "BAD_REQUEST");

	rep = call(&c, "{\"id\":\"abc\",\"op\":\"frob\"}");
	assert_string_equal(str_at(&rep, "id"), "abc");
	assert_string_equal(str_at(&rep, "error.code"), "UNKNOWN_OP");
	json_free(&rep);

	/* a numeric id is echoed digit for digit, even beyond double precision */
	rep = call(&c, "{\"id\":123456789012345678901,\"op\":\"frob\"}");
	assert_int_equal(path_get(&rep, "id")->type, J_NUM);
	assert_string_equal(path_get(&rep, "id")->str, "123456789012345678901");
	json_free(&rep);

	assert_error(&c, "{\"id\":1,\"op\":\"status\"}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"status\",\"name\":\"../x\"}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"disable\",\"name\":5}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"unload\"}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"load\",\"name\":\"m\"}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"load\",\"name\":\"m\",\"module\":\"Zm9v!\"}", "BAD_BASE64");
	assert_error(&c, "{\"id\":1,\"op\":\"exec\",\"cmd\":\"true\"}", "EXEC_DISABLED");
	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"functions\":{}}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"functions\":[{\"symbol\":\"f\"}]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"functions\":[{\"symbol\":\"f\",\"length\":0}]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"functions\":[{\"symbol\":\"f\",\"length\":2000000}]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"functions\":[{\"symbol\":\"f\",\"length\":4,\"sympos\":-1}]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"symbols\":[1]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":1,\"op\":\"kmsg\",\"cursor\":\"x\"}", "BAD_REQUEST");
}

static void test_load_checks_module_name(void **state)
{
	static const unsigned char mod[] =
		"\x7f" "ELF....\0license=GPL\0name=khp_other\0vermagic=6.1\0";
	struct ctx c = test_ctx();
	struct buf b64, req;

	assert_true(modinfo_has_name(mod, sizeof(mod), "khp_other"));
	assert_false(modinfo_has_name(mod, sizeof(mod), "khp_oth"));
	assert_false(modinfo_has_name(mod, sizeof(mod), "other"));
	buf_init(&b64);
	buf_add(&b64, "", 0);
	base64_encode(&b64, mod, sizeof(mod));
	buf_init(&req);
	buf_printf(&req, "{\"id\":9,\"op\":\"load\",\"name\":\"khp_lp\",\"module\":\"%s\"}", b64.p);
	assert_error(&c, req.p, "NAME_MISMATCH");
	buf_free(&req);
	buf_free(&b64);
}

static void test_errno_names(void **state)
{
	struct err e;

	err_errno(&e, EEXIST, "finit_module");
	assert_string_equal(e.code, "EEXIST");
	err_errno(&e, EKEYREJECTED, "finit_module");
	assert_string_equal(e.code, "EKEYREJECTED");
	err_errno(&e, ENOEXEC, "finit_module");
	assert_string_equal(e.code, "ENOEXEC");
	err_errno(&e, 4000, "x");
	assert_string_equal(e.code, "ERRNO_4000");
}

/* kallsyms */

static const char kallsyms_text[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 t dup_local\n"
	"ffffffff81002000 T cmdline_proc_show\n"
	"ffffffff81003000 t dup_local\n"
	"ffffffff81004000 D saved_command_line\n"
	"ffffffffc0001000 t dup_local\t[khp_stall]\n"
	"ffffffffc0002000 T khp_stall_sleep\t[khp_stall]\n"
	"ffffffffc0003000 t dup_local\t[other]\n"
	"garbage line\n"
	"ffffffffc0004000 u klp_enable_patch\t[khp_lp]\n";

static void test_kallsyms_parse_line(void **state)
{
	char l1[] = "ffffffffc0002000 T khp_stall_sleep\t[khp_stall]\n";
	char l2[] = "ffffffff81002000 t cmdline_proc_show\n";
	char l3[] = "nonsense";
	struct ksym k;

	assert_int_equal(kallsyms_parse_line(l1, &k), 0);
	assert_true(k.addr == 0xffffffffc0002000ull);
	assert_int_equal(k.type, 'T');
	assert_string_equal(k.name, "khp_stall_sleep");
	assert_string_equal(k.module, "khp_stall");
	assert_int_equal(kallsyms_parse_line(l2, &k), 0);
	assert_null(k.module);
	assert_string_equal(k.name, "cmdline_proc_show");
	assert_int_equal(kallsyms_parse_line(l3, &k), -1);
}

static void test_kallsyms_resolve_sympos(void **state)
{
	static const char *const names[] = { "dup_local", "khp_stall_sleep" };
	struct ksym_set set = { 0 };
	const struct ksym *k;
	size_t n;
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/kallsyms", proc_dir);
	assert_int_equal(kallsyms_collect(path, names, 2, &set), 0);
	assert_int_equal(set.n, 5);

	assert_int_equal(ksym_resolve(&set, "dup_local", NULL, 0, &k, &n), KSYM_AMBIGUOUS);
	assert_int_equal(n, 2);
	assert_int_equal(ksym_resolve(&set, "dup_local", NULL, 1, &k, &n), KSYM_OK);
	assert_true(k->addr == 0xffffffff81001000ull);
	assert_int_equal(ksym_resolve(&set, "dup_local", NULL, 2, &k, &n), KSYM_OK);
	assert_true(k->addr == 0xffffffff81003000ull);
	assert_int_equal(ksym_resolve(&set, "dup_local", NULL, 3, &k, &n), KSYM_BAD_SYMPOS);
	assert_int_equal(ksym_resolve(&set, "dup_local", "khp_stall", 0, &k, &n), KSYM_OK);
	assert_true(k->addr == 0xffffffffc0001000ull);
	assert_int_equal(n, 1);
	assert_int_equal(ksym_resolve(&set, "khp_stall_sleep", NULL, 0, &k, &n), KSYM_NONE);
	assert_int_equal(ksym_resolve(&set, "khp_stall_sleep", "khp_stall", 0, &k, &n), KSYM_OK);
	ksym_set_free(&set);
}

/* Names are looked up in a sorted index: any order, repeats, names absent from kallsyms. */
static void test_kallsyms_collect_many_names(void **state)
{
	static const char *const names[] = {
		"saved_command_line", "absent", "dup_local", "_stext", "dup_local",
		"klp_enable_patch", "zzz",
	};
	struct ksym_set set = { 0 };
	char path[PATH_MAX * 2];
	size_t first, n;

	snprintf(path, sizeof(path), "%s/kallsyms", proc_dir);
	assert_int_equal(kallsyms_collect(path, names, ARRAY_SIZE(names), &set), 0);
	assert_int_equal(set.n, 7);
	n = ksym_find(&set, "dup_local", &first);
	assert_int_equal(n, 4);
	/* one name's symbols stay in kallsyms order */
	assert_true(set.v[first].addr == 0xffffffff81001000ull);
	assert_true(set.v[first + 1].addr == 0xffffffff81003000ull);
	assert_string_equal(set.v[first + 2].module, "khp_stall");
	assert_string_equal(set.v[first + 3].module, "other");
	assert_int_equal(ksym_find(&set, "_stext", &first), 1);
	assert_int_equal(ksym_find(&set, "absent", &first), 0);
	assert_int_equal(ksym_find(&set, "zzz", &first), 0);
	assert_int_equal(ksym_find(&set, "", &first), 0);
	ksym_set_free(&set);
}

/* kcore */

#define SEG1_VADDR 0xffffffff81000000ull
#define SEG1_OFF 0x2000
#define SEG1_SIZE 0x4000
#define SEG2_VADDR 0xffffffffc0000000ull
#define SEG2_OFF 0x7000
#define SEG2_SIZE 0x5000

static unsigned char seg_byte(uint64_t vaddr)
{
	return (unsigned char)((vaddr * 7) ^ (vaddr >> 12));
}

/* A small ELF core file shaped like /proc/kcore, written with libelf. */
static void write_kcore_fixture(const char *path)
{
	static const struct { uint64_t vaddr, off, size; uint32_t type; } ph[] = {
		{ 0, 0x1000, 0x20, PT_NOTE },
		{ SEG1_VADDR, SEG1_OFF, SEG1_SIZE, PT_LOAD },
		{ SEG2_VADDR, SEG2_OFF, SEG2_SIZE, PT_LOAD },
	};
	GElf_Phdr p;
	GElf_Ehdr eh;
	unsigned char *payload;
	size_t i, j;
	Elf *e;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(e);
	assert_non_null(gelf_newehdr(e, ELFCLASS64));
	assert_non_null(gelf_getehdr(e, &eh));
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	assert_true(gelf_update_ehdr(e, &eh));
	assert_non_null(gelf_newphdr(e, 3));
	for (i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		p.p_type = ph[i].type;
		p.p_vaddr = ph[i].vaddr;
		p.p_offset = ph[i].off;
		p.p_filesz = ph[i].size;
		p.p_memsz = ph[i].size;
		p.p_flags = PF_R | PF_W | PF_X;
		assert_true(gelf_update_phdr(e, i, &p));
	}
	elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT);
	assert_true(elf_update(e, ELF_C_WRITE) > 0);
	elf_end(e);
	for (i = 1; i < 3; i++) {
		payload = malloc(ph[i].size);
		for (j = 0; j < ph[i].size; j++)
			payload[j] = seg_byte(ph[i].vaddr + j);
		assert_int_equal(pwrite(fd, payload, ph[i].size, ph[i].off),
				 (ssize_t)ph[i].size);
		free(payload);
	}
	close(fd);
}

static void test_kcore_segments_and_mapping(void **state)
{
	char path[PATH_MAX * 2], err[256];
	struct kseg *segs;
	size_t n;
	uint64_t off;
	int fd;

	snprintf(path, sizeof(path), "%s/kcore", proc_dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(kcore_segments(fd, &segs, &n, err, sizeof(err)), 0);
	close(fd);
	assert_int_equal(n, 2);		/* PT_NOTE is not a segment */
	assert_true(segs[0].vaddr == SEG1_VADDR && segs[0].offset == SEG1_OFF);

	assert_int_equal(kcore_offset(segs, n, SEG1_VADDR + 0x10, 16, &off), 0);
	assert_true(off == SEG1_OFF + 0x10);
	assert_int_equal(kcore_offset(segs, n, SEG2_VADDR + 0x4ff0, 16, &off), 0);
	assert_true(off == SEG2_OFF + 0x4ff0);
	/* straddles the end of a segment */
	assert_int_equal(kcore_offset(segs, n, SEG2_VADDR + 0x4ff8, 16, &off), -1);
	/* below, between and above the segments */
	assert_int_equal(kcore_offset(segs, n, SEG1_VADDR - 1, 1, &off), -1);
	assert_int_equal(kcore_offset(segs, n, SEG1_VADDR + SEG1_SIZE, 1, &off), -1);
	assert_int_equal(kcore_offset(segs, n, ~0ull, 1, &off), -1);
	free(segs);
}

static void test_kcore_rejects_non_elf(void **state)
{
	char path[PATH_MAX * 2], err[256] = "";
	struct kseg *segs;
	size_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/version", proc_dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(kcore_segments(fd, &segs, &n, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	close(fd);
}

/* Numbers beyond a long are refused before any conversion (which would be undefined). */
static void test_capture_rejects_huge_numbers(void **state)
{
	struct ctx c = test_ctx();

	assert_error(&c, "{\"id\":1,\"op\":\"capture\",\"functions\":["
		     "{\"symbol\":\"_stext\",\"length\":1e300}]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":2,\"op\":\"capture\",\"functions\":["
		     "{\"symbol\":\"_stext\",\"length\":8,\"sympos\":-1e300}]}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":3,\"op\":\"capture\",\"functions\":["
		     "{\"symbol\":\"_stext\",\"length\":9223372036854775808}]}", "BAD_REQUEST");
}

/* An empty file reads as an empty string, not as an unterminated buffer. */
static void test_read_file_empty(void **state)
{
	char path[PATH_MAX * 2];
	struct buf b;

	put_text(proc_dir, "empty", "");
	snprintf(path, sizeof(path), "%s/empty", proc_dir);
	buf_init(&b);
	assert_int_equal(read_file(path, &b, 100), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.p);
	assert_int_equal(b.p[0], '\0');
	buf_free(&b);
}

/* A document holds at most JSON_MAX_VALUES values (bounded memory per request). */
static void test_json_value_limit(void **state)
{
	struct buf in;
	struct jval v;
	char err[128];
	size_t i;

	buf_init(&in);
	buf_puts(&in, "[0");
	for (i = 2; i < JSON_MAX_VALUES; i++)
		buf_puts(&in, ",0");
	buf_puts(&in, "]");
	assert_int_equal(json_parse(in.p, in.len, &v, err, sizeof(err)), 0);
	assert_int_equal(v.n, JSON_MAX_VALUES - 1);
	json_free(&v);
	in.len--;
	buf_puts(&in, ",0]");
	assert_int_equal(json_parse(in.p, in.len, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many values"));
	/* the client reads replies without that bound */
	assert_int_equal(json_parse_max(in.p, in.len, &v, err, sizeof(err), SIZE_MAX), 0);
	assert_int_equal(v.n, JSON_MAX_VALUES);
	json_free(&v);
	buf_free(&in);
}

static void test_capture_reads_bytes(void **state)
{
	struct ctx c = test_ctx();
	struct jval rep;
	unsigned char *bytes, want[24];
	const char *b64;
	size_t n, i;

	rep = call(&c, "{\"id\":3,\"op\":\"capture\",\"functions\":["
		       "{\"symbol\":\"cmdline_proc_show\",\"length\":24},"
		       "{\"symbol\":\"dup_local\",\"sympos\":2,\"length\":8},"
		       "{\"symbol\":\"dup_local\",\"length\":8},"
		       "{\"symbol\":\"dup_local\",\"sympos\":9,\"length\":8},"
		       "{\"symbol\":\"khp_stall_sleep\",\"module\":\"khp_stall\",\"length\":16},"
		       "{\"symbol\":\"khp_stall_sleep\",\"length\":16},"
		       "{\"symbol\":\"saved_command_line\",\"length\":8192}],"
		       "\"symbols\":[\"dup_local\",\"klp_enable_patch\",\"absent\"]}");
	assert_true(bool_at(&rep, "ok"));
	assert_true(bool_at(&rep, "result.functions.0.found"));
	assert_string_equal(str_at(&rep, "result.functions.0.address"), "0xffffffff81002000");
	b64 = str_at(&rep, "result.functions.0.bytes");
	assert_int_equal(base64_decode(b64, strlen(b64), &bytes, &n), 0);
	assert_int_equal(n, 24);
	for (i = 0; i < 24; i++)
		want[i] = seg_byte(0xffffffff81002000ull + i);
	assert_memory_equal(bytes, want, 24);
	free(bytes);

	assert_true(bool_at(&rep, "result.functions.1.found"));
	assert_string_equal(str_at(&rep, "result.functions.1.address"), "0xffffffff81003000");
	assert_true(num_at(&rep, "result.functions.1.candidates") == 2);
	assert_string_equal(str_at(&rep, "result.functions.2.error.code"), "AMBIGUOUS");
	assert_string_equal(str_at(&rep, "result.functions.3.error.code"), "BAD_SYMPOS");
	assert_true(bool_at(&rep, "result.functions.4.found"));
	assert_string_equal(str_at(&rep, "result.functions.4.module"), "khp_stall");
	assert_string_equal(str_at(&rep, "result.functions.5.error.code"), "NO_SYMBOL");
	/* saved_command_line + 8192 runs past the end of the first segment */
	assert_string_equal(str_at(&rep, "result.functions.6.error.code"), "NOT_MAPPED");

	assert_int_equal(path_get(&rep, "result.symbols.0.candidates")->n, 4);
	assert_int_equal(path_get(&rep, "result.symbols.0.candidates.0.module")->type, J_NULL);
	assert_string_equal(str_at(&rep, "result.symbols.0.candidates.2.module"), "khp_stall");
	assert_string_equal(str_at(&rep, "result.symbols.0.candidates.3.module"), "other");
	assert_string_equal(str_at(&rep, "result.symbols.0.candidates.3.address"), "0xffffffffc0003000");
	assert_string_equal(str_at(&rep, "result.symbols.1.candidates.0.type"), "u");
	assert_int_equal(path_get(&rep, "result.symbols.2.candidates")->n, 0);
	json_free(&rep);
}

/* sysfs, procfs */

static void test_notes_and_lockdown(void **state)
{
	unsigned char notes[64] = { 0 };
	uint32_t hdr[3] = { 4, 5, 3 };
	uint32_t other[3] = { 6, 4, 1 };
	char hex[64], mode[32];

	/* first an unrelated note, then the GNU build-id */
	memcpy(notes, other, 12);
	memcpy(notes + 12, "Linux\0\0\0", 8);
	memcpy(notes + 24, hdr, 12);
	memcpy(notes + 36, "GNU\0", 4);
	memcpy(notes + 40, "\x01\x02\xab\xcd\xef", 5);
	assert_int_equal(notes_build_id(notes, 48, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "0102abcdef");
	assert_int_equal(notes_build_id(notes, 30, hex, sizeof(hex)), -1);

	assert_int_equal(lockdown_mode("none [integrity] confidentiality\n", mode, sizeof(mode)), 0);
	assert_string_equal(mode, "integrity");
	assert_int_equal(lockdown_mode("none integrity", mode, sizeof(mode)), -1);
}

static void test_report_reads_fixture(void **state)
{
	struct ctx c = test_ctx();
	struct jval rep;

	c.host_id = "host-7";
	rep = call(&c, "{\"id\":1,\"op\":\"report\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_true(num_at(&rep, "result.protocol") == 1);
	assert_string_equal(str_at(&rep, "result.release"), "6.1.0-99-amd64");
	assert_string_equal(str_at(&rep, "result.version"), "Linux version 6.1.0-99-amd64 (fixture) #1 SMP");
	assert_string_equal(str_at(&rep, "result.build_id"), "deadbeef01");
	assert_string_equal(str_at(&rep, "result.boot_id"), "11111111-2222-3333-4444-555555555555");
	assert_true(num_at(&rep, "result.uptime") == 123.45);
	assert_string_equal(str_at(&rep, "result.lockdown"), "integrity");
	assert_string_equal(str_at(&rep, "result.hostname"), "fixture-host");
	assert_string_equal(str_at(&rep, "result.host_id"), "host-7");
	assert_false(bool_at(&rep, "result.exec_allowed"));
	assert_int_equal(path_get(&rep, "result.livepatches")->n, 2);
	assert_string_equal(str_at(&rep, "result.livepatches.0.name"), "khp_a");
	assert_true(bool_at(&rep, "result.livepatches.0.enabled"));
	assert_true(bool_at(&rep, "result.livepatches.0.transition"));
	assert_int_equal(path_get(&rep, "result.livepatches.0.objects")->n, 2);
	assert_string_equal(str_at(&rep, "result.livepatches.0.objects.0"), "khp_stall");
	assert_string_equal(str_at(&rep, "result.livepatches.0.objects.1"), "vmlinux");
	assert_string_equal(str_at(&rep, "result.livepatches.1.name"), "khp_b");
	assert_false(bool_at(&rep, "result.livepatches.1.enabled"));
	assert_false(bool_at(&rep, "result.livepatches.1.transition"));
	json_free(&rep);
}

static void test_report_host_id_file_and_no_lockdown(void **state)
{
	char idfile[PATH_MAX * 2], sys2[PATH_MAX * 2];
	struct ctx c = test_ctx();
	struct jval rep;

	snprintf(idfile, sizeof(idfile), "%s/host-id", fixture);
	put_text(fixture, "host-id", "from-file\n");
	snprintf(sys2, sizeof(sys2), "%s/emptysys", fixture);
	make_dir(fixture, "emptysys");
	c.host_id_file = idfile;
	c.sys = sys2;
	unsetenv("KHP_HOST_ID");
	rep = call(&c, "{\"id\":1,\"op\":\"report\"}");
	assert_string_equal(str_at(&rep, "result.host_id"), "from-file");
	assert_string_equal(str_at(&rep, "result.lockdown"), "none");
	assert_int_equal(path_get(&rep, "result.build_id")->type, J_NULL);
	assert_int_equal(path_get(&rep, "result.livepatches")->n, 0);
	json_free(&rep);

	c.host_id_file = "/nonexistent";
	rep = call(&c, "{\"id\":1,\"op\":\"report\"}");
	assert_int_equal(path_get(&rep, "result.host_id")->type, J_NULL);
	json_free(&rep);
}

static void test_status_lists_unswitched_tasks(void **state)
{
	struct ctx c = test_ctx();
	struct jval rep;

	rep = call(&c, "{\"id\":4,\"op\":\"status\",\"name\":\"khp_a\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_true(bool_at(&rep, "result.present"));
	assert_true(bool_at(&rep, "result.module_loaded"));
	assert_true(bool_at(&rep, "result.transition"));
	assert_true(num_at(&rep, "result.target") == 1);
	assert_true(num_at(&rep, "result.pending_count") == 2);
	assert_true(num_at(&rep, "result.pending.0.pid") == 42);
	assert_string_equal(str_at(&rep, "result.pending.0.comm"), "khp_stall");
	assert_string_equal(str_at(&rep, "result.pending.0.stack.0"),
			    "[<0>] khp_stall_sleep+0x2d/0x60 [khp_stall]");
	assert_int_equal(path_get(&rep, "result.pending.0.stack")->n, 2);
	/* a thread of process 77 */
	assert_true(num_at(&rep, "result.pending.1.pid") == 78);
	assert_true(num_at(&rep, "result.pending.1.tgid") == 77);
	json_free(&rep);

	rep = call(&c, "{\"id\":5,\"op\":\"status\",\"name\":\"khp_b\"}");
	assert_false(bool_at(&rep, "result.transition"));
	assert_null(path_get(&rep, "result.target"));
	assert_true(num_at(&rep, "result.pending_count") == 0);
	json_free(&rep);

	rep = call(&c, "{\"id\":6,\"op\":\"status\",\"name\":\"khp_gone\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_false(bool_at(&rep, "result.present"));
	assert_false(bool_at(&rep, "result.module_loaded"));
	json_free(&rep);

	/* disabled: the kernel removed the livepatch directory, the module stays */
	rep = call(&c, "{\"id\":7,\"op\":\"status\",\"name\":\"khp_c\"}");
	assert_false(bool_at(&rep, "result.present"));
	assert_true(bool_at(&rep, "result.module_loaded"));
	json_free(&rep);
}

static void test_disable_writes_enabled(void **state)
{
	struct ctx c = test_ctx();
	char path[PATH_MAX * 2];
	struct buf b;
	struct jval rep;

	rep = call(&c, "{\"id\":7,\"op\":\"disable\",\"name\":\"khp_a\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_false(bool_at(&rep, "result.enabled"));
	json_free(&rep);
	snprintf(path, sizeof(path), "%s/kernel/livepatch/khp_a/enabled", sys_dir);
	buf_init(&b);
	assert_int_equal(read_file(path, &b, 100), 0);
	assert_int_equal(b.p[0], '0');
	buf_free(&b);
	put_text(sys_dir, "kernel/livepatch/khp_a/enabled", "1\n");

	assert_error(&c, "{\"id\":8,\"op\":\"disable\",\"name\":\"khp_gone\"}", "NOT_FOUND");
}

/* The file's content must be exactly text (fixture files start empty). */
static void assert_file_text(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	struct buf b;

	snprintf(path, sizeof(path), "%s/%s", sys_dir, rel);
	buf_init(&b);
	assert_int_equal(read_file(path, &b, 100), 0);
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.p, text, b.len);
	buf_free(&b);
}

static void test_signal_and_force_write_one(void **state)
{
	struct ctx c = test_ctx();
	char path[PATH_MAX * 2];
	struct jval rep;

	put_text(sys_dir, "kernel/livepatch/khp_a/signal", "");
	put_text(sys_dir, "kernel/livepatch/khp_a/force", "");

	rep = call(&c, "{\"id\":9,\"op\":\"signal\",\"name\":\"khp_a\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_string_equal(str_at(&rep, "result.name"), "khp_a");
	assert_true(bool_at(&rep, "result.enabled"));
	assert_true(bool_at(&rep, "result.transition"));
	assert_true(bool_at(&rep, "result.written"));
	json_free(&rep);
	assert_file_text("kernel/livepatch/khp_a/signal", "1");
	assert_file_text("kernel/livepatch/khp_a/force", "");

	rep = call(&c, "{\"id\":10,\"op\":\"force\",\"name\":\"khp_a\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_true(bool_at(&rep, "result.transition"));
	json_free(&rep);
	assert_file_text("kernel/livepatch/khp_a/force", "1");
	/* neither touches enabled */
	assert_file_text("kernel/livepatch/khp_a/enabled", "1\n");

	assert_error(&c, "{\"id\":11,\"op\":\"signal\",\"name\":\"khp_gone\"}", "NOT_FOUND");
	assert_error(&c, "{\"id\":12,\"op\":\"force\",\"name\":\"khp_gone\"}", "NOT_FOUND");
	assert_error(&c, "{\"id\":13,\"op\":\"signal\"}", "BAD_REQUEST");
	assert_error(&c, "{\"id\":14,\"op\":\"force\",\"name\":\"../khp_a\"}", "BAD_REQUEST");

	/* a kernel without the signal attribute signals by itself */
	snprintf(path, sizeof(path), "%s/kernel/livepatch/khp_a/signal", sys_dir);
	assert_int_equal(unlink(path), 0);
	rep = call(&c, "{\"id\":15,\"op\":\"signal\",\"name\":\"khp_a\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_false(bool_at(&rep, "result.written"));
	assert_true(bool_at(&rep, "result.transition"));
	json_free(&rep);
	assert_int_equal(access(path, F_OK), -1);
	/* ... and only during a transition, like the kernel's attribute */
	assert_error(&c, "{\"id\":16,\"op\":\"signal\",\"name\":\"khp_b\"}", "EINVAL");

	put_text(sys_dir, "kernel/livepatch/khp_a/force", "");
}

static void test_kmsg_cursor(void **state)
{
	struct ctx c = test_ctx();
	struct jval rep;

	rep = call(&c, "{\"id\":1,\"op\":\"kmsg\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_int_equal(path_get(&rep, "result.lines")->n, 3);
	assert_string_equal(str_at(&rep, "result.lines.0.text"), "Linux version fixture");
	assert_true(num_at(&rep, "result.lines.1.level") == 4);
	assert_string_equal(str_at(&rep, "result.lines.2.text"), "livepatch: 'khp_a': starting patching transition");
	assert_true(num_at(&rep, "result.cursor") == 8);
	assert_false(bool_at(&rep, "result.more"));
	json_free(&rep);

	rep = call(&c, "{\"id\":1,\"op\":\"kmsg\",\"cursor\":6}");
	assert_int_equal(path_get(&rep, "result.lines")->n, 1);
	assert_true(num_at(&rep, "result.lines.0.seq") == 7);
	json_free(&rep);

	rep = call(&c, "{\"id\":1,\"op\":\"kmsg\",\"cursor\":8}");
	assert_int_equal(path_get(&rep, "result.lines")->n, 0);
	assert_true(num_at(&rep, "result.cursor") == 8);
	json_free(&rep);
}

static void test_exec_when_allowed(void **state)
{
	struct ctx c = test_ctx();
	struct jval rep;

	c.allow_exec = true;
	rep = call(&c, "{\"id\":1,\"op\":\"exec\",\"cmd\":\"echo out; echo err >&2; exit 3\"}");
	assert_true(bool_at(&rep, "ok"));
	assert_true(num_at(&rep, "result.status") == 3);
	assert_string_equal(str_at(&rep, "result.stdout"), "out\n");
	assert_string_equal(str_at(&rep, "result.stderr"), "err\n");
	assert_false(bool_at(&rep, "result.timed_out"));
	json_free(&rep);

	/* the shell's exit ends the call even if a background child holds stdout */
	rep = call(&c, "{\"id\":3,\"op\":\"exec\",\"cmd\":\"sleep 20 & echo started\",\"timeout\":10}");
	assert_false(bool_at(&rep, "result.timed_out"));
	assert_true(num_at(&rep, "result.status") == 0);
	assert_string_equal(str_at(&rep, "result.stdout"), "started\n");
	json_free(&rep);

	rep = call(&c, "{\"id\":4,\"op\":\"exec\",\"cmd\":\"head -c 300000 /dev/zero | tr '\\\\0' x\"}");
	assert_int_equal(path_get(&rep, "result.stdout")->len, 300000);
	assert_false(bool_at(&rep, "result.truncated"));
	json_free(&rep);

	rep = call(&c, "{\"id\":2,\"op\":\"exec\",\"cmd\":\"exec sleep 30\",\"timeout\":1}");
	assert_true(bool_at(&rep, "result.timed_out"));
	assert_true(num_at(&rep, "result.signal") == 9);
	json_free(&rep);
}

static int setup_fixture(void **state)
{
	unsigned char notes[32] = { 0 };
	uint32_t hdr[3] = { 4, 5, 3 };
	char kp[PATH_MAX * 2];

	snprintf(fixture, sizeof(fixture), "/tmp/khp-helper-test-XXXXXX");
	if (!mkdtemp(fixture))
		return -1;
	snprintf(proc_dir, sizeof(proc_dir), "%s/proc", fixture);
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", fixture);
	snprintf(dev_dir, sizeof(dev_dir), "%s/dev", fixture);

	put_text(proc_dir, "sys/kernel/osrelease", "6.1.0-99-amd64\n");
	put_text(proc_dir, "version", "Linux version 6.1.0-99-amd64 (fixture) #1 SMP\n");
	put_text(proc_dir, "sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n");
	put_text(proc_dir, "sys/kernel/hostname", "fixture-host\n");
	put_text(proc_dir, "uptime", "123.45 100.00\n");
	put_text(proc_dir, "kallsyms", kallsyms_text);
	snprintf(kp, sizeof(kp), "%s/kcore", proc_dir);
	write_kcore_fixture(kp);

	memcpy(notes, hdr, 12);
	memcpy(notes + 12, "GNU\0", 4);
	memcpy(notes + 16, "\xde\xad\xbe\xef\x01", 5);
	put_file(sys_dir, "kernel/notes", notes, 24);
	put_text(sys_dir, "kernel/security/lockdown", "none [integrity] confidentiality\n");
	put_text(sys_dir, "kernel/livepatch/khp_a/enabled", "1\n");
	put_text(sys_dir, "kernel/livepatch/khp_a/transition", "1\n");
	put_text(sys_dir, "kernel/livepatch/khp_a/force", "");
	make_dir(sys_dir, "kernel/livepatch/khp_a/vmlinux");
	make_dir(sys_dir, "kernel/livepatch/khp_a/khp_stall");
	put_text(sys_dir, "kernel/livepatch/khp_b/enabled", "0\n");
	put_text(sys_dir, "kernel/livepatch/khp_b/transition", "0\n");
	make_dir(sys_dir, "module/khp_a");
	make_dir(sys_dir, "module/khp_c");

	/* tasks: 1 switched, 42 (kthread) and 78 (thread of 77) not yet */
	put_text(proc_dir, "1/task/1/patch_state", "1\n");
	put_text(proc_dir, "1/task/1/comm", "init\n");
	put_text(proc_dir, "42/task/42/patch_state", "0\n");
	put_text(proc_dir, "42/task/42/comm", "khp_stall\n");
	put_text(proc_dir, "42/task/42/stack",
		 "[<0>] khp_stall_sleep+0x2d/0x60 [khp_stall]\n[<0>] kthread+0xda/0x100\n");
	put_text(proc_dir, "77/task/77/patch_state", "1\n");
	put_text(proc_dir, "77/task/78/patch_state", "0\n");
	put_text(proc_dir, "77/task/78/comm", "worker\n");
	put_text(proc_dir, "77/task/78/stack", "[<0>] do_nanosleep+0x10/0x20\n");
	put_text(proc_dir, "self", "not a pid\n");

	put_text(dev_dir, "kmsg",
		 "6,0,0,-;Linux version fixture\n"
		 " SUBSYSTEM=cpu\n"
		 "4,5,1200,-;a warning\\x0a with escape\n"
		 "broken record\n"
		 "14,7,2000,c;livepatch: 'khp_a': starting patching transition\n");
	return 0;
}

static int teardown_fixture(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parse_values),
		cmocka_unit_test(test_json_parse_errors),
		cmocka_unit_test(test_json_write_escapes),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_roundtrip_binary),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_load_checks_module_name),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_kallsyms_parse_line),
		cmocka_unit_test(test_kallsyms_resolve_sympos),
		cmocka_unit_test(test_kallsyms_collect_many_names),
		cmocka_unit_test(test_capture_rejects_huge_numbers),
		cmocka_unit_test(test_read_file_empty),
		cmocka_unit_test(test_json_value_limit),
		cmocka_unit_test(test_kcore_segments_and_mapping),
		cmocka_unit_test(test_kcore_rejects_non_elf),
		cmocka_unit_test(test_capture_reads_bytes),
		cmocka_unit_test(test_notes_and_lockdown),
		cmocka_unit_test(test_report_reads_fixture),
		cmocka_unit_test(test_report_host_id_file_and_no_lockdown),
		cmocka_unit_test(test_status_lists_unswitched_tasks),
		cmocka_unit_test(test_disable_writes_enabled),
		cmocka_unit_test(test_signal_and_force_write_one),
		cmocka_unit_test(test_kmsg_cursor),
		cmocka_unit_test(test_exec_when_allowed),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
