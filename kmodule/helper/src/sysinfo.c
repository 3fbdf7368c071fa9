// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the running kernel's identity and livepatch state: report,
 * status, and the writes to a livepatch's sysfs attributes: disable,
 * signal, force.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

#define NT_GNU_BUILD_ID_TYPE 3

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Finds the GNU build-id note in a notes blob; returns 0 or -1. */
int notes_build_id(const unsigned char *notes, size_t len,
		   char *hex, size_t hexlen)
{
	size_t pos = 0;

	while (len - pos >= 12) {
		uint32_t namesz = get32(notes + pos);
		uint32_t descsz = get32(notes + pos + 4);
		uint32_t type = get32(notes + pos + 8);
		size_t name = pos + 12;
		size_t desc = name + ((namesz + 3ul) & ~3ul);
		size_t next = desc + ((descsz + 3ul) & ~3ul);
		size_t i;

		if (namesz > len || descsz > len || next > len)
			return -1;
		if (type == NT_GNU_BUILD_ID_TYPE && namesz == 4 &&
		    !memcmp(notes + name, "GNU", 4)) {
			if (descsz * 2 + 1 > hexlen || !descsz)
				return -1;
			for (i = 0; i < descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x",
					 notes[desc + i]);
			return 0;
		}
		pos = next;
	}
	return -1;
}

/* "none [integrity] confidentiality" -> "integrity" */
int lockdown_mode(const char *text, char *mode, size_t modelen)
{
	const char *open = strchr(text, '['), *close;

	if (!open)
		return -1;
	close = strchr(open, ']');
	if (!close || (size_t)(close - open) > modelen)
		return -1;
	memcpy(mode, open + 1, close - open - 1);
	mode[close - open - 1] = '\0';
	return 0;
}

/* Reads the first line of a file into dst; returns 0 or -errno. */
static int read_line(const char *path, char *dst, size_t len)
{
	struct buf b;
	int r;

	buf_init(&b);
	r = read_file(path, &b, 65536);
	if (r) {
		buf_free(&b);
		return r;
	}
	snprintf(dst, len, "%.*s", (int)strcspn(b.p ? b.p : "", "\n"),
		 b.p ? b.p : "");
	buf_free(&b);
	return 0;
}

static int read_flag(const char *dir, const char *file)
{
	char path[PATH_MAX], v[32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_line(path, v, sizeof(v)))
		return -1;
	return atoi(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of entries of dir (dirs only if want_dirs). */
static char **list_dir(const char *dir, bool want_dirs, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (want_dirs) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st) || !S_ISDIR(st.st_mode))
				continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void write_livepatches(const struct ctx *c, struct jw *w)
{
	char dir[PATH_MAX], pdir[PATH_MAX];
	char **names, **objs;
	size_t n, nobj, i, j;

	snprintf(dir, sizeof(dir), "%s/kernel/livepatch", c->sys);
	names = list_dir(dir, true, &n);
	jw_arr(w);
	for (i = 0; i < n; i++) {
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, names[i]);
		jw_obj(w);
		jw_key(w, "name");
		jw_str(w, names[i]);
		jw_key(w, "enabled");
		jw_bool(w, read_flag(pdir, "enabled") == 1);
		jw_key(w, "transition");
		jw_bool(w, read_flag(pdir, "transition") == 1);
		jw_key(w, "objects");
		jw_arr(w);
		objs = list_dir(pdir, true, &nobj);
		for (j = 0; j < nobj; j++)
			jw_str(w, objs[j]);
		free_names(objs, nobj);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	free_names(names, n);
}

static void key_file_line(struct jw *w, const char *key, const char *root,
			  const char *rel)
{
	char path[PATH_MAX], v[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	jw_key(w, key);
	if (read_line(path, v, sizeof(v)))
		jw_null(w);
	else
		jw_str(w, v);
}

int op_report(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e)
{
	char path[PATH_MAX], v[4096], mode[64];
	const char *host_id = c->host_id;
	char idbuf[256];
	struct buf b;

	(void)req;
	(void)e;
	if (!host_id)
		host_id = getenv("KHP_HOST_ID");
	if ((!host_id || !*host_id) && c->host_id_file &&
	    !read_line(c->host_id_file, idbuf, sizeof(idbuf)) && idbuf[0])
		host_id = idbuf;
	if (host_id && !*host_id)
		host_id = NULL;

	jw_obj(w);
	jw_key(w, "protocol");
	jw_int(w, KHP_PROTOCOL_VERSION);
	key_file_line(w, "release", c->proc, "sys/kernel/osrelease");
	key_file_line(w, "version", c->proc, "version");

	jw_key(w, "build_id");
	snprintf(path, sizeof(path), "%s/kernel/notes", c->sys);
	buf_init(&b);
	if (!read_file(path, &b, 1 << 20) && b.len &&
	    !notes_build_id((unsigned char *)b.p, b.len, v, sizeof(v)))
		jw_str(w, v);
	else
		jw_null(w);
	buf_free(&b);

	key_file_line(w, "boot_id", c->proc, "sys/kernel/random/boot_id");
	jw_key(w, "uptime");
	snprintf(path, sizeof(path), "%s/uptime", c->proc);
	if (read_line(path, v, sizeof(v)))
		jw_null(w);
	else
		jw_double(w, strtod(v, NULL));

	jw_key(w, "lockdown");
	snprintf(path, sizeof(path), "%s/kernel/security/lockdown", c->sys);
	if (!read_line(path, v, sizeof(v)) &&
	    !lockdown_mode(v, mode, sizeof(mode)))
		jw_str(w, mode);
	else
		jw_str(w, "none");

	key_file_line(w, "hostname", c->proc, "sys/kernel/hostname");
	jw_key(w, "host_id");
	jw_str(w, host_id);
	jw_key(w, "exec_allowed");
	jw_bool(w, c->allow_exec);
	jw_key(w, "livepatches");
	write_livepatches(c, w);
	jw_obj_end(w);
	return 0;
}

/* livepatch and module names: what the kernel allows in a module name */
bool valid_module_name(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n >= 56)
		return false;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!(ch == '_' || ch == '-' || (ch >= '0' && ch <= '9') ||
		      (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
			return false;
	}
	return true;
}

static const char *req_name(const struct jval *req, struct err *e)
{
	const struct jval *name = json_get(req, "name");

	if (!name || name->type != J_STR) {
		err_set(e, "BAD_REQUEST", "missing string field 'name'");
		return NULL;
	}
	if (!valid_module_name(name->str)) {
		err_set(e, "BAD_REQUEST", "'name' is not a module name");
		return NULL;
	}
	return name->str;
}

/* Writes {"enabled": .., "transition": ..} of a livepatch, or null. */
int livepatch_write(const struct ctx *c, struct jw *w, const char *name)
{
	char dir[PATH_MAX];
	int en, tr;

	snprintf(dir, sizeof(dir), "%s/kernel/livepatch/%s", c->sys, name);
	en = read_flag(dir, "enabled");
	tr = read_flag(dir, "transition");
	if (en < 0) {
		jw_null(w);
		return -1;
	}
	jw_obj(w);
	jw_key(w, "enabled");
	jw_bool(w, en == 1);
	jw_key(w, "transition");
	jw_bool(w, tr == 1);
	jw_obj_end(w);
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void write_task(struct jw *w, const char *tdir, const char *pid,
		       const char *tid, int state)
{
	char path[PATH_MAX], comm[64];
	struct buf b;
	size_t pos = 0;
	int lines = 0;

	jw_obj(w);
	jw_key(w, "pid");
	jw_int(w, atoll(tid));
	jw_key(w, "tgid");
	jw_int(w, atoll(pid));
	snprintf(path, sizeof(path), "%s/comm", tdir);
	jw_key(w, "comm");
	if (read_line(path, comm, sizeof(comm)))
		jw_null(w);
	else
		jw_str(w, comm);
	jw_key(w, "patch_state");
	jw_int(w, state);
	jw_key(w, "stack");
	jw_arr(w);
	snprintf(path, sizeof(path), "%s/stack", tdir);
	buf_init(&b);
	if (!read_file(path, &b, 65536)) {
		while (pos < b.len && lines < KHP_MAX_STACK_LINES) {
			size_t n = strcspn(b.p + pos, "\n");

			if (n)
				jw_strn(w, b.p + pos, n);
			pos += n + 1;
			lines++;
		}
	}
	buf_free(&b);
	jw_arr_end(w);
	jw_obj_end(w);
}

/* Lists the tasks whose patch_state is not target; returns their count. */
static long write_pending(const struct ctx *c, struct jw *w, int target)
{
	char **pids, **tids, tdir[PATH_MAX], path[PATH_MAX];
	size_t npid, ntid, i, j;
	long count = 0;

	pids = list_dir(c->proc, false, &npid);
	jw_arr(w);
	for (i = 0; i < npid; i++) {
		if (!all_digits(pids[i]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/task", c->proc, pids[i]);
		tids = list_dir(path, false, &ntid);
		for (j = 0; j < ntid; j++) {
			int state;

			snprintf(tdir, sizeof(tdir), "%s/%s", path, tids[j]);
			state = read_flag(tdir, "patch_state");
			if (state == target || state < 0)
				continue;
			if (count < KHP_MAX_PENDING)
				write_task(w, tdir, pids[i], tids[j], state);
			count++;
		}
		free_names(tids, ntid);
	}
	jw_arr_end(w);
	free_names(pids, npid);
	return count;
}

int op_status(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e)
{
	const char *name = req_name(req, e);
	char dir[PATH_MAX];
	int en, tr;
	long count = 0;
	struct jw pending;

	if (!name)
		return -1;
	snprintf(dir, sizeof(dir), "%s/kernel/livepatch/%s", c->sys, name);
	en = read_flag(dir, "enabled");
	tr = read_flag(dir, "transition");
	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "present");
	jw_bool(w, en >= 0);
	snprintf(dir, sizeof(dir), "%s/module/%s", c->sys, name);
	jw_key(w, "module_loaded");
	jw_bool(w, access(dir, F_OK) == 0);
	if (en < 0) {
		jw_obj_end(w);
		return 0;
	}
	jw_key(w, "enabled");
	jw_bool(w, en == 1);
	jw_key(w, "transition");
	jw_bool(w, tr == 1);
	jw_init(&pending);
	if (tr == 1) {
		jw_key(w, "target");
		jw_int(w, en == 1 ? 1 : 0);
		count = write_pending(c, &pending, en == 1 ? 1 : 0);
	} else {
		jw_arr(&pending);
		jw_arr_end(&pending);
	}
	jw_key(w, "pending_count");
	jw_int(w, count);
	jw_key(w, "pending");
	jw_raw(w, pending.b.p, pending.b.len);
	jw_free(&pending);
	jw_obj_end(w);
	return 0;
}

/*
 * Writes val to /sys/kernel/livepatch/<name>/<attr> and replies with the
 * patch's enabled and transition flags read back right after the write.
 * A missing attribute is EOPNOTSUPP when optional, else NOT_FOUND like a
 * missing patch.
 */
static int livepatch_attr_write(const struct ctx *c, const char *name,
				const char *attr, const char *val,
				bool optional, struct jw *w, struct err *e)
{
	char path[PATH_MAX], what[64];
	int fd;

	snprintf(path, sizeof(path), "%s/kernel/livepatch/%s/%s", c->sys, name,
		 attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && optional) {
			err_set(e, "EOPNOTSUPP", "no attribute %s", path);
		} else if (errno == ENOENT) {
			err_set(e, "NOT_FOUND", "no livepatch '%s'", name);
		} else {
			snprintf(what, sizeof(what), "open %s", attr);
			err_errno(e, errno, what);
		}
		return -1;
	}
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		snprintf(what, sizeof(what), "write %s to %s", val, attr);
		err_errno(e, errno, what);
		close(fd);
		return -1;
	}
	close(fd);
	if (!w)
		return 0;
	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, name);
	snprintf(path, sizeof(path), "%s/kernel/livepatch/%s", c->sys, name);
	jw_key(w, "enabled");
	jw_bool(w, read_flag(path, "enabled") == 1);
	jw_key(w, "transition");
	jw_bool(w, read_flag(path, "transition") == 1);
	jw_obj_end(w);
	return 0;
}

int op_disable(const struct ctx *c, const struct jval *req, struct jw *w,
	       struct err *e)
{
	const char *name = req_name(req, e);

	if (!name)
		return -1;
	return livepatch_attr_write(c, name, "enabled", "0", false, w, e);
}

/*
 * Newer kernels (Debian's 6.1 among them) have no signal attribute: they send
 * the fake signals themselves every 15 transition attempts (about 15 s).
 * There the helper checks what the kernel would have checked (a transition of
 * this patch is running) and says that it wrote nothing.
 */
int op_signal(const struct ctx *c, const struct jval *req, struct jw *w,
	      struct err *e)
{
	const char *name = req_name(req, e);
	char dir[PATH_MAX];
	bool written = true;

	if (!name)
		return -1;
	snprintf(dir, sizeof(dir), "%s/kernel/livepatch/%s", c->sys, name);
	if (access(dir, F_OK)) {
		err_set(e, "NOT_FOUND", "no livepatch '%s'", name);
		return -1;
	}
	if (livepatch_attr_write(c, name, "signal", "1", true, NULL, e)) {
		if (strcmp(e->code, "EOPNOTSUPP"))
			return -1;
		if (read_flag(dir, "transition") != 1) {
			err_set(e, "EINVAL", "no transition of '%s' is running",
				name);
			return -1;
		}
		written = false;
	}
	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "enabled");
	jw_bool(w, read_flag(dir, "enabled") == 1);
	jw_key(w, "transition");
	jw_bool(w, read_flag(dir, "transition") == 1);
	jw_key(w, "written");
	jw_bool(w, written);
	jw_obj_end(w);
	return 0;
}

/* The kernel answers EINVAL when no transition of this patch is running. */
int op_force(const struct ctx *c, const struct jval *req, struct jw *w,
	     struct err *e)
{
	const char *name = req_name(req, e);

	if (!name)
		return -1;
	return livepatch_attr_write(c, name, "force", "1", false, w, e);
}
