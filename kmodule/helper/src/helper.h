/* SPDX-License-Identifier: GPL-2.0 */
/*
 * khp-helper: shared declarations. See ../PROTOCOL.md for the protocol.
 */
#ifndef KHP_HELPER_H
#define KHP_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define KHP_PROTOCOL_VERSION	1
#define KHP_MAX_LINE		(16u * 1024 * 1024)
#define KHP_MAX_CAPTURE		(1024 * 1024)
#define KHP_MAX_PENDING		64
#define KHP_MAX_STACK_LINES	16
#define KHP_MAX_KMSG		1000
#define KHP_MAX_EXEC_OUT	(1024 * 1024)

/* growable byte buffer */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int read_file(const char *path, struct buf *b, size_t max);

/*
 * JSON values (parser). A request holds at most JSON_MAX_VALUES values: with
 * strings decoded into buffers no longer than their source, parsing n bytes
 * takes at most n + JSON_MAX_VALUES * (value, key and allocator overhead) of heap.
 * json_parse_max() takes another bound (the client reading the helper's replies).
 */
#define JSON_MAX_VALUES		100000
enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;
	double num;
	char *str;		/* J_STR: decoded text, J_NUM: source text */
	size_t len;
	size_t n;		/* J_ARR, J_OBJ: number of items */
	struct jval *items;
	char **keys;		/* J_OBJ */
};

int json_parse(const char *s, size_t len, struct jval *out,
	       char *err, size_t errlen);
int json_parse_max(const char *s, size_t len, struct jval *out,
		   char *err, size_t errlen, size_t max_values);
void json_free(struct jval *v);
const struct jval *json_get(const struct jval *obj, const char *key);

/* JSON writer */
#define JW_MAX_DEPTH 32

struct jw {
	struct buf b;
	int depth;
	bool first[JW_MAX_DEPTH];
	bool after_key;
};

void jw_init(struct jw *w);
void jw_free(struct jw *w);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t len);
void jw_int(struct jw *w, long long v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_raw(struct jw *w, const char *s, size_t len);
void jw_hex64(struct jw *w, uint64_t v);
void json_escape(struct buf *b, const char *s, size_t len);

/* base64 */
void base64_encode(struct buf *out, const unsigned char *in, size_t len);
/* returns 0, or -1 when the input is not canonical padded base64 */
int base64_decode(const char *in, size_t len, unsigned char **out,
		  size_t *outlen);

/* /proc/kallsyms */
struct ksym {
	uint64_t addr;
	char type;
	char *name;
	char *module;		/* NULL for vmlinux */
	size_t order;		/* line number in kallsyms */
};

struct ksym_set {
	struct ksym *v;
	size_t n;
	size_t cap;
};

int kallsyms_parse_line(char *line, struct ksym *out);
int kallsyms_collect(const char *path, const char *const *names,
		     size_t nnames, struct ksym_set *out);
size_t ksym_find(const struct ksym_set *s, const char *name, size_t *first);
void ksym_set_free(struct ksym_set *s);

enum ksym_result { KSYM_OK, KSYM_NONE, KSYM_AMBIGUOUS, KSYM_BAD_SYMPOS };
enum ksym_result ksym_resolve(const struct ksym_set *s, const char *name,
			      const char *module, long sympos,
			      const struct ksym **found, size_t *count);

/* /proc/kcore */
struct kseg {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t size;
};

int kcore_segments(int fd, struct kseg **segs, size_t *n,
		   char *err, size_t errlen);
int kcore_offset(const struct kseg *segs, size_t n, uint64_t addr,
		 uint64_t len, uint64_t *off);

/* system information */
int notes_build_id(const unsigned char *notes, size_t len,
		   char *hex, size_t hexlen);
int lockdown_mode(const char *text, char *mode, size_t modelen);

/* the helper's context and its ops */
struct ctx {
	const char *proc;
	const char *sys;
	const char *dev;
	const char *host_id;
	const char *host_id_file;
	bool allow_exec;
};

struct err {
	char code[32];
	char msg[512];
};

void err_set(struct err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void err_errno(struct err *e, int errnum, const char *what);

/*
 * Serves one request line; appends the reply line (without newline) to
 * out.
 */
void handle_line(const struct ctx *c, const char *line, size_t len,
		 struct buf *out);
void reply_error(struct buf *out, const struct jval *id, const char *code,
		 const char *msg);

int op_report(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e);
int op_capture(const struct ctx *c, const struct jval *req, struct jw *w,
	       struct err *e);
int op_load(const struct ctx *c, const struct jval *req, struct jw *w,
	    struct err *e);
int op_status(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e);
int op_disable(const struct ctx *c, const struct jval *req, struct jw *w,
	       struct err *e);
int op_signal(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e);
int op_force(const struct ctx *c, const struct jval *req, struct jw *w,
	     struct err *e);
int op_unload(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e);
int op_kmsg(const struct ctx *c, const struct jval *req, struct jw *w,
	    struct err *e);
int op_exec(const struct ctx *c, const struct jval *req, struct jw *w,
	    struct err *e);

/* livepatch sysfs */
int livepatch_write(const struct ctx *c, struct jw *w, const char *name);
bool modinfo_has_name(const unsigned char *mod, size_t len,
		      const char *name);
bool valid_module_name(const char *name);

#endif
