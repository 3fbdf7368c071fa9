// SPDX-License-Identifier: GPL-2.0
/*
 * Request dispatch and the ops that act on the kernel: capture, load,
 * unload, kmsg, exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

void err_set(struct err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static const char *errno_name(int errnum, char *tmp, size_t len)
{
	const char *n = strerrorname_np(errnum);

	if (n)
		return n;
	snprintf(tmp, len, "ERRNO_%d", errnum);
	return tmp;
}

void err_errno(struct err *e, int errnum, const char *what)
{
	char tmp[32];

	err_set(e, errno_name(errnum, tmp, sizeof(tmp)), "%s: %s", what,
		strerror(errnum));
}

static void write_id(struct buf *out, const struct jval *id)
{
	if (!id || (id->type != J_STR && id->type != J_NUM))
		buf_puts(out, "null");
	else if (id->type == J_STR)
		json_escape(out, id->str, id->len);
	else
		buf_add(out, id->str, id->len);
}

void reply_error(struct buf *out, const struct jval *id, const char *code,
		 const char *msg)
{
	buf_puts(out, "{\"id\":");
	write_id(out, id);
	buf_puts(out, ",\"ok\":false,\"error\":{\"code\":");
	json_escape(out, code, strlen(code));
	buf_puts(out, ",\"message\":");
	json_escape(out, msg, strlen(msg));
	buf_puts(out, "}}");
}

typedef int (*op_fn)(const struct ctx *c, const struct jval *req,
		     struct jw *w, struct err *e);

static const struct {
	const char *name;
	op_fn fn;
} ops[] = {
	{ "report", op_report },
	{ "capture", op_capture },
	{ "load", op_load },
	{ "status", op_status },
	{ "disable", op_disable },
	{ "signal", op_signal },
	{ "force", op_force },
	{ "unload", op_unload },
	{ "kmsg", op_kmsg },
	{ "exec", op_exec },
};

void handle_line(const struct ctx *c, const char *line, size_t len,
		 struct buf *out)
{
	const struct jval *id, *op;
	struct jval req;
	char perr[128];
	struct err e = { "", "" };
	struct jw w;
	size_t i;

	if (json_parse(line, len, &req, perr, sizeof(perr))) {
		reply_error(out, NULL, "BAD_JSON", perr);
		return;
	}
	if (req.type != J_OBJ) {
		reply_error(out, NULL, "BAD_JSON", "a request is a JSON object");
		json_free(&req);
		return;
	}
	id = json_get(&req, "id");
	if (id && id->type != J_STR && id->type != J_NUM)
		id = NULL;
	op = json_get(&req, "op");
	if (!id || !op || op->type != J_STR) {
		reply_error(out, id, "BAD_REQUEST",
			    !id ? "missing 'id' (a string or number)" :
				  "missing string field 'op'");
		json_free(&req);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strcmp(op->str, ops[i].name))
			break;
	if (i == ARRAY_SIZE(ops)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "unknown op '%.64s'", op->str);
		reply_error(out, id, "UNKNOWN_OP", msg);
		json_free(&req);
		return;
	}
	jw_init(&w);
	if (ops[i].fn(c, &req, &w, &e)) {
		reply_error(out, id, e.code[0] ? e.code : "INTERNAL", e.msg);
	} else {
		buf_puts(out, "{\"id\":");
		write_id(out, id);
		buf_puts(out, ",\"ok\":true,\"result\":");
		buf_add(out, w.b.p, w.b.len);
		buf_puts(out, "}");
	}
	jw_free(&w);
	json_free(&req);
}

/* capture */

static int get_long(const struct jval *obj, const char *key, long def,
		    long *out)
{
	const struct jval *v = json_get(obj, key);

	if (!v || v->type == J_NULL) {
		*out = def;
		return 0;
	}
	/* (long) of a double outside long's range is undefined: check first */
	if (v->type != J_NUM || !(v->num >= -0x1p63 && v->num < 0x1p63) ||
	    v->num != (double)(long)v->num)
		return -1;
	*out = (long)v->num;
	return 0;
}

static const struct jval *get_array(const struct jval *req, const char *key,
				    struct err *e, bool *bad)
{
	const struct jval *v = json_get(req, key);

	*bad = false;
	if (!v || v->type == J_NULL)
		return NULL;
	if (v->type != J_ARR) {
		err_set(e, "BAD_REQUEST", "'%s' must be an array", key);
		*bad = true;
		return NULL;
	}
	return v;
}

static void fn_error(struct jw *w, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fn_error(struct jw *w, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jw_key(w, "found");
	jw_bool(w, false);
	jw_key(w, "error");
	jw_obj(w);
	jw_key(w, "code");
	jw_str(w, code);
	jw_key(w, "message");
	jw_str(w, msg);
	jw_obj_end(w);
}

struct kcore {
	int fd;
	int err;		/* errno of open, or -1 for a bad file */
	char msg[256];
	struct kseg *segs;
	size_t nsegs;
};

static void kcore_open(const struct ctx *c, struct kcore *k)
{
	char path[PATH_MAX];

	memset(k, 0, sizeof(*k));
	snprintf(path, sizeof(path), "%s/kcore", c->proc);
	k->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (k->fd < 0) {
		k->err = errno;
		snprintf(k->msg, sizeof(k->msg), "open %s: %s", path,
			 strerror(errno));
		return;
	}
	if (kcore_segments(k->fd, &k->segs, &k->nsegs, k->msg,
			   sizeof(k->msg)))
		k->err = -1;
}

static void capture_bytes(struct kcore *k, struct jw *w, uint64_t addr,
			  long length)
{
	unsigned char *bytes;
	struct buf b64;
	uint64_t off;
	ssize_t r;
	char tmp[32];

	if (k->err) {
		if (k->err > 0)
			fn_error(w, errno_name(k->err, tmp, sizeof(tmp)), "%s",
				 k->msg);
		else
			fn_error(w, "EIO", "%s", k->msg);
		return;
	}
	if (kcore_offset(k->segs, k->nsegs, addr, length, &off)) {
		fn_error(w, "NOT_MAPPED", "no kcore segment holds 0x%llx+%ld",
			 (unsigned long long)addr, length);
		return;
	}
	bytes = malloc(length);
	if (!bytes) {
		fn_error(w, "INTERNAL", "out of memory");
		return;
	}
	r = pread(k->fd, bytes, length, off);
	if (r != length) {
		int en = r < 0 ? errno : EIO;

		fn_error(w, errno_name(en, tmp, sizeof(tmp)),
			 "read kcore at 0x%llx: %s",
			 (unsigned long long)off, strerror(en));
		free(bytes);
		return;
	}
	jw_key(w, "found");
	jw_bool(w, true);
	jw_key(w, "bytes");
	buf_init(&b64);
	buf_add(&b64, "\"", 1);
	base64_encode(&b64, bytes, length);
	buf_add(&b64, "\"", 1);
	jw_raw(w, b64.p, b64.len);
	buf_free(&b64);
	free(bytes);
}

int op_capture(const struct ctx *c, const struct jval *req, struct jw *w,
	       struct err *e)
{
	const struct jval *fns, *syms;
	const char **names;
	struct ksym_set set = { 0 };
	struct kcore k = { .fd = -1 };
	char path[PATH_MAX];
	size_t nnames = 0, i, j, first;
	bool bad;

	fns = get_array(req, "functions", e, &bad);
	if (bad)
		return -1;
	syms = get_array(req, "symbols", e, &bad);
	if (bad)
		return -1;
	/* validate everything before touching the kernel */
	for (i = 0; fns && i < fns->n; i++) {
		const struct jval *f = &fns->items[i], *s, *m;
		long len = 0, pos = 0;

		s = json_get(f, "symbol");
		m = json_get(f, "module");
		if (f->type != J_OBJ || !s || s->type != J_STR || !s->len) {
			err_set(e, "BAD_REQUEST",
				"functions[%zu]: missing string 'symbol'", i);
			return -1;
		}
		if (m && m->type != J_NULL && m->type != J_STR) {
			err_set(e, "BAD_REQUEST",
				"functions[%zu]: 'module' must be a string", i);
			return -1;
		}
		if (get_long(f, "length", -1, &len) || len < 1 ||
		    len > KHP_MAX_CAPTURE) {
			err_set(e, "BAD_REQUEST",
				"functions[%zu]: 'length' must be 1..%d", i,
				KHP_MAX_CAPTURE);
			return -1;
		}
		if (get_long(f, "sympos", 0, &pos) || pos < 0) {
			err_set(e, "BAD_REQUEST",
				"functions[%zu]: 'sympos' must be >= 0", i);
			return -1;
		}
	}
	for (i = 0; syms && i < syms->n; i++) {
		if (syms->items[i].type != J_STR) {
			err_set(e, "BAD_REQUEST",
				"symbols[%zu] must be a string", i);
			return -1;
		}
	}

	names = calloc((fns ? fns->n : 0) + (syms ? syms->n : 0) + 1,
		       sizeof(*names));
	if (!names) {
		err_set(e, "INTERNAL", "out of memory");
		return -1;
	}
	for (i = 0; fns && i < fns->n; i++)
		names[nnames++] = json_get(&fns->items[i], "symbol")->str;
	for (i = 0; syms && i < syms->n; i++)
		names[nnames++] = syms->items[i].str;
	snprintf(path, sizeof(path), "%s/kallsyms", c->proc);
	if (nnames && kallsyms_collect(path, names, nnames, &set)) {
		err_errno(e, errno, "open kallsyms");
		free(names);
		return -1;
	}
	free(names);

	jw_obj(w);
	jw_key(w, "functions");
	jw_arr(w);
	for (i = 0; fns && i < fns->n; i++) {
		const struct jval *f = &fns->items[i], *m;
		const char *sym = json_get(f, "symbol")->str;
		const char *mod = NULL;
		const struct ksym *ks;
		long len = 0, pos = 0;
		size_t count;

		m = json_get(f, "module");
		if (m && m->type == J_STR)
			mod = m->str;
		get_long(f, "length", -1, &len);
		get_long(f, "sympos", 0, &pos);
		jw_obj(w);
		jw_key(w, "symbol");
		jw_str(w, sym);
		jw_key(w, "module");
		jw_str(w, mod);
		jw_key(w, "sympos");
		jw_int(w, pos);
		jw_key(w, "length");
		jw_int(w, len);
		switch (ksym_resolve(&set, sym, mod, pos, &ks, &count)) {
		case KSYM_NONE:
			fn_error(w, "NO_SYMBOL", "no symbol '%s' in %s", sym,
				 mod ? mod : "vmlinux");
			break;
		case KSYM_AMBIGUOUS:
			jw_key(w, "candidates");
			jw_int(w, count);
			fn_error(w, "AMBIGUOUS",
				 "%zu symbols '%s' in %s: give sympos", count,
				 sym, mod ? mod : "vmlinux");
			break;
		case KSYM_BAD_SYMPOS:
			jw_key(w, "candidates");
			jw_int(w, count);
			fn_error(w, "BAD_SYMPOS", "only %zu symbols '%s' in %s",
				 count, sym, mod ? mod : "vmlinux");
			break;
		case KSYM_OK:
			jw_key(w, "address");
			jw_hex64(w, ks->addr);
			jw_key(w, "type");
			jw_strn(w, &ks->type, 1);
			jw_key(w, "candidates");
			jw_int(w, count);
			if (!ks->addr) {
				fn_error(w, "ADDRESS_HIDDEN",
					 "kallsyms shows address 0 (not root or kptr_restrict)");
				break;
			}
			if (k.fd == -1 && !k.err)
				kcore_open(c, &k);
			capture_bytes(&k, w, ks->addr, len);
			break;
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "symbols");
	jw_arr(w);
	for (i = 0; syms && i < syms->n; i++) {
		const char *name = syms->items[i].str;

		jw_obj(w);
		jw_key(w, "name");
		jw_str(w, name);
		jw_key(w, "candidates");
		jw_arr(w);
		for (j = ksym_find(&set, name, &first) + first; first < j;
		     first++) {
			const struct ksym *ks = &set.v[first];

			jw_obj(w);
			jw_key(w, "address");
			jw_hex64(w, ks->addr);
			jw_key(w, "type");
			jw_strn(w, &ks->type, 1);
			jw_key(w, "module");
			jw_str(w, ks->module);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	ksym_set_free(&set);
	if (k.fd >= 0)
		close(k.fd);
	free(k.segs);
	return 0;
}

/* load / unload */

/* Does the image's .modinfo hold "name=<name>"? */
bool modinfo_has_name(const unsigned char *mod, size_t len, const char *name)
{
	char want[80];
	size_t n, i;

	n = snprintf(want, sizeof(want), "name=%s", name) + 1;
	if (n > sizeof(want) || len < n + 1)
		return false;
	for (i = 1; i + n <= len; i++) {
		if (mod[i - 1] == '\0' && mod[i] == 'n' &&
		    !memcmp(mod + i, want, n))
			return true;
	}
	return false;
}

int op_load(const struct ctx *c, const struct jval *req, struct jw *w,
	    struct err *e)
{
	const struct jval *name = json_get(req, "name");
	const struct jval *mod = json_get(req, "module");
	const struct jval *params = json_get(req, "params");
	unsigned char *bytes;
	size_t len, done = 0;
	int fd;

	if (!name || name->type != J_STR || !valid_module_name(name->str)) {
		err_set(e, "BAD_REQUEST", "missing module name 'name'");
		return -1;
	}
	if (!mod || mod->type != J_STR) {
		err_set(e, "BAD_REQUEST", "missing base64 string 'module'");
		return -1;
	}
	if (params && params->type != J_STR && params->type != J_NULL) {
		err_set(e, "BAD_REQUEST", "'params' must be a string");
		return -1;
	}
	if (base64_decode(mod->str, mod->len, &bytes, &len)) {
		err_set(e, "BAD_BASE64", "'module' is not valid base64");
		return -1;
	}
	if (!modinfo_has_name(bytes, len, name->str)) {
		err_set(e, "NAME_MISMATCH",
			"the module's .modinfo has no name=%s", name->str);
		free(bytes);
		return -1;
	}
	fd = memfd_create("khp-module", MFD_CLOEXEC);
	if (fd < 0) {
		err_errno(e, errno, "memfd_create");
		free(bytes);
		return -1;
	}
	while (done < len) {
		ssize_t r = write(fd, bytes + done, len - done);

		if (r < 0) {
			err_errno(e, errno, "write memfd");
			close(fd);
			free(bytes);
			return -1;
		}
		done += r;
	}
	free(bytes);
	if (syscall(SYS_finit_module, fd,
		    params && params->type == J_STR ? params->str : "", 0)) {
		err_errno(e, errno, "finit_module");
		close(fd);
		return -1;
	}
	close(fd);
	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, name->str);
	jw_key(w, "size");
	jw_int(w, len);
	jw_key(w, "livepatch");
	livepatch_write(c, w, name->str);
	jw_obj_end(w);
	return 0;
}

int op_unload(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e)
{
	const struct jval *name = json_get(req, "name");

	(void)c;
	if (!name || name->type != J_STR || !valid_module_name(name->str)) {
		err_set(e, "BAD_REQUEST", "missing module name 'name'");
		return -1;
	}
	if (syscall(SYS_delete_module, name->str, O_NONBLOCK)) {
		err_errno(e, errno, "delete_module");
		return -1;
	}
	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, name->str);
	jw_obj_end(w);
	return 0;
}

/* kmsg */

/* "prio,seq,usec,flags[,...];text" */
static int kmsg_parse(const char *rec, size_t len, long long *seq, int *level,
		      long long *usec, const char **text, size_t *textlen)
{
	const char *semi = memchr(rec, ';', len);
	long long prio;

	if (!semi || sscanf(rec, "%lld,%lld,%lld", &prio, seq, usec) != 3)
		return -1;
	*level = prio & 7;
	*text = semi + 1;
	*textlen = len - (semi + 1 - rec);
	return 0;
}

int op_kmsg(const struct ctx *c, const struct jval *req, struct jw *w,
	    struct err *e)
{
	char path[PATH_MAX], *rec;
	long cursor, next;
	int fd, count = 0;
	bool more = false;
	struct buf pend;

	if (get_long(req, "cursor", 0, &cursor) || cursor < 0) {
		err_set(e, "BAD_REQUEST", "'cursor' must be a number >= 0");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/kmsg", c->dev);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err_errno(e, errno, "open kmsg");
		return -1;
	}
	rec = malloc(16384);
	if (!rec) {
		close(fd);
		err_set(e, "INTERNAL", "out of memory");
		return -1;
	}
	next = cursor;
	buf_init(&pend);
	jw_obj(w);
	jw_key(w, "lines");
	jw_arr(w);
	for (;;) {
		ssize_t r = read(fd, rec, 16384);
		size_t pos = 0;

		if (r < 0 && (errno == EPIPE || errno == EINTR))
			continue;	/* overwritten records */
		if (r <= 0)
			break;
		/* /dev/kmsg gives one record per read; files may give many */
		buf_add(&pend, rec, r);
		while (pos < pend.len) {
			char *nl = memchr(pend.p + pos, '\n', pend.len - pos);
			const char *text;
			size_t l, tl;
			long long seq, usec;
			int level;

			if (!nl)
				break;
			l = nl - (pend.p + pos);
			if (pend.p[pos] != ' ' &&
			    !kmsg_parse(pend.p + pos, l, &seq, &level, &usec,
					&text, &tl) && seq >= cursor) {
				if (count == KHP_MAX_KMSG) {
					more = true;
				} else {
					jw_obj(w);
					jw_key(w, "seq");
					jw_int(w, seq);
					jw_key(w, "level");
					jw_int(w, level);
					jw_key(w, "usec");
					jw_int(w, usec);
					jw_key(w, "text");
					jw_strn(w, text, tl);
					jw_obj_end(w);
					count++;
					next = seq + 1;
				}
			}
			pos += l + 1;
		}
		memmove(pend.p, pend.p + pos, pend.len - pos);
		pend.len -= pos;
		if (more)
			break;
	}
	jw_arr_end(w);
	jw_key(w, "cursor");
	jw_int(w, next);
	jw_key(w, "more");
	jw_bool(w, more);
	jw_obj_end(w);
	buf_free(&pend);
	free(rec);
	close(fd);
	return 0;
}

/* exec */

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int op_exec(const struct ctx *c, const struct jval *req, struct jw *w,
	    struct err *e)
{
	const struct jval *cmd = json_get(req, "cmd");
	int out[2], errp[2], status = 0, nopen = 2;
	struct buf bo, be;
	bool truncated = false, timed_out = false, exited = false;
	double deadline;
	long timeout;
	pid_t pid;

	if (!c->allow_exec) {
		err_set(e, "EXEC_DISABLED",
			"exec is for tests only: start the helper with --allow-exec-for-tests");
		return -1;
	}
	if (!cmd || cmd->type != J_STR) {
		err_set(e, "BAD_REQUEST", "missing string field 'cmd'");
		return -1;
	}
	if (get_long(req, "timeout", 60, &timeout) || timeout < 1) {
		err_set(e, "BAD_REQUEST", "'timeout' must be seconds >= 1");
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		err_errno(e, errno, "pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		err_errno(e, errno, "fork");
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (null >= 0)
			dup2(null, 0);
		dup2(out[1], 1);
		dup2(errp[1], 2);
		execl("/bin/sh", "sh", "-c", cmd->str, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(errp[1]);
	buf_init(&bo);
	buf_init(&be);
	deadline = now_sec() + timeout;
	while (nopen) {
		struct pollfd p[2] = {
			{ out[0], POLLIN, 0 }, { errp[0], POLLIN, 0 }
		};
		char chunk[4096];
		double left = deadline - now_sec();
		int i, r, wait_ms;

		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			/*
			 * The shell is gone: take what its pipes hold, but do
			 * not wait for background children keeping them open.
			 */
			exited = true;
			if (out[0] >= 0)
				fcntl(out[0], F_SETFL, O_NONBLOCK);
			if (errp[0] >= 0)
				fcntl(errp[0], F_SETFL, O_NONBLOCK);
		}
		if (left <= 0 && !exited) {
			timed_out = true;
			kill(-pid, SIGKILL);
			break;
		}
		wait_ms = exited ? 0 : left > 0.1 ? 100 : (int)(left * 1000) + 1;
		r = poll(p, 2, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && exited)
			break;
		for (i = 0; i < 2; i++) {
			struct buf *b = i ? &be : &bo;
			ssize_t n;

			if (p[i].fd < 0 ||
			    !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EAGAIN && !exited)
				continue;
			if (n <= 0) {
				close(p[i].fd);
				if (i)
					errp[0] = -1;
				else
					out[0] = -1;
				nopen--;
				continue;
			}
			if (b->len + n > KHP_MAX_EXEC_OUT) {
				truncated = true;
				n = KHP_MAX_EXEC_OUT - b->len;
			}
			buf_add(b, chunk, n);
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (!exited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	jw_obj(w);
	jw_key(w, "status");
	if (WIFEXITED(status))
		jw_int(w, WEXITSTATUS(status));
	else
		jw_null(w);
	jw_key(w, "signal");
	if (WIFSIGNALED(status))
		jw_int(w, WTERMSIG(status));
	else
		jw_null(w);
	jw_key(w, "timed_out");
	jw_bool(w, timed_out);
	jw_key(w, "stdout");
	jw_strn(w, bo.p ? bo.p : "", bo.len);
	jw_key(w, "stderr");
	jw_strn(w, be.p ? be.p : "", be.len);
	jw_key(w, "truncated");
	jw_bool(w, truncated);
	jw_obj_end(w);
	buf_free(&bo);
	buf_free(&be);
	return 0;
}
