// SPDX-License-Identifier: GPL-2.0
/*
 * A small JSON reader and writer, enough for khp-helper's line protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

#define JSON_MAX_NESTING 64

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fputs("khp-helper: out of memory\n", stderr);
		abort();
	}
	return p;
}

void buf_init(struct buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

static void buf_reserve(struct buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;

	if (want <= b->cap)
		return;
	if (b->cap * 2 > want)
		want = b->cap * 2;
	b->p = xrealloc(b->p, want);
	b->cap = want;
	b->p[b->len] = '\0';
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* Reads at most max bytes of a file; returns 0 or -errno. */
int read_file(const char *path, struct buf *b, size_t max)
{
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	buf_reserve(b, 0);
	while (b->len < max) {
		size_t want = sizeof(chunk);

		if (want > max - b->len)
			want = max - b->len;
		r = read(fd, chunk, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		if (r == 0)
			break;
		buf_add(b, chunk, r);
	}
	close(fd);
	return 0;
}

/* parser */

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
	int depth;
	size_t values;
	size_t max_values;
};

static int perr(struct parser *p, const char *what)
{
	if (!p->err[0])
		snprintf(p->err, p->errlen, "%s at offset %zu", what, p->pos);
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
		p->pos++;
	}
}

static int hex4(struct parser *p, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	if (p->len - p->pos < 4)
		return perr(p, "short \\u escape");
	for (i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return perr(p, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned int cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = cp;
		buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		buf_add(b, u, 3);
	} else {
		u[0] = 0xf0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		buf_add(b, u, 4);
	}
}

static int parse_string(struct parser *p, char **out, size_t *outlen)
{
	struct buf b;
	size_t start, end;

	/* decoded text is never longer than its source: allocate that once */
	for (end = p->pos + 1; end < p->len && p->s[end] != '"'; end++)
		if (p->s[end] == '\\')
			end++;
	buf_init(&b);
	buf_reserve(&b, (end < p->len ? end : p->len) - p->pos);
	p->pos++;		/* opening quote */
	for (;;) {
		start = p->pos;
		while (p->pos < p->len && p->s[p->pos] != '"' &&
		       p->s[p->pos] != '\\' &&
		       (unsigned char)p->s[p->pos] >= 0x20)
			p->pos++;
		buf_add(&b, p->s + start, p->pos - start);
		if (p->pos >= p->len) {
			buf_free(&b);
			return perr(p, "unterminated string");
		}
		if (p->s[p->pos] == '"') {
			p->pos++;
			break;
		}
		if (p->s[p->pos] != '\\') {
			buf_free(&b);
			return perr(p, "control character in string");
		}
		p->pos++;
		if (p->pos >= p->len) {
			buf_free(&b);
			return perr(p, "unterminated string");
		}
		switch (p->s[p->pos++]) {
		case '"':
			buf_add(&b, "\"", 1);
			break;
		case '\\':
			buf_add(&b, "\\", 1);
			break;
		case '/':
			buf_add(&b, "/", 1);
			break;
		case 'b':
			buf_add(&b, "\b", 1);
			break;
		case 'f':
			buf_add(&b, "\f", 1);
			break;
		case 'n':
			buf_add(&b, "\n", 1);
			break;
		case 'r':
			buf_add(&b, "\r", 1);
			break;
		case 't':
			buf_add(&b, "\t", 1);
			break;
		case 'u': {
			unsigned int cp, lo;

			if (hex4(p, &cp)) {
				buf_free(&b);
				return -1;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u') {
					buf_free(&b);
					return perr(p, "lone surrogate");
				}
				p->pos += 2;
				if (hex4(p, &lo) || lo < 0xdc00 || lo >= 0xe000) {
					buf_free(&b);
					return perr(p, "bad surrogate pair");
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				buf_free(&b);
				return perr(p, "lone surrogate");
			}
			put_utf8(&b, cp);
			break;
		}
		default:
			buf_free(&b);
			return perr(p, "bad escape");
		}
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

static int parse_value(struct parser *p, struct jval *v);

static int parse_number(struct parser *p, struct jval *v)
{
	size_t start = p->pos;
	char *end;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return perr(p, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		       p->s[p->pos] <= '9')
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return perr(p, "bad number");
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		       p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return perr(p, "bad number");
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		       p->s[p->pos] <= '9')
			p->pos++;
	}
	v->type = J_NUM;
	v->len = p->pos - start;
	v->str = xrealloc(NULL, v->len + 1);
	memcpy(v->str, p->s + start, v->len);
	v->str[v->len] = '\0';
	v->num = strtod(v->str, &end);
	return 0;
}

static int literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return perr(p, "unexpected character");
	p->pos += n;
	return 0;
}

static int parse_container(struct parser *p, struct jval *v, bool obj)
{
	char close = obj ? '}' : ']';
	size_t cap = 0;

	if (++p->depth > JSON_MAX_NESTING)
		return perr(p, "nesting too deep");
	v->type = obj ? J_OBJ : J_ARR;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;;) {
		struct jval *item;
		char *key = NULL;
		size_t keylen;

		skip_ws(p);
		if (obj) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return perr(p, "expected a key");
			if (parse_string(p, &key, &keylen))
				return -1;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				return perr(p, "expected ':'");
			}
			p->pos++;
		}
		if (v->n == cap) {
			cap = cap ? cap * 2 : 4;
			v->items = xrealloc(v->items, cap * sizeof(*v->items));
			if (obj)
				v->keys = xrealloc(v->keys,
						   cap * sizeof(*v->keys));
		}
		item = &v->items[v->n];
		memset(item, 0, sizeof(*item));
		if (obj)
			v->keys[v->n] = key;
		v->n++;
		if (parse_value(p, item))
			return -1;
		skip_ws(p);
		if (p->pos >= p->len)
			return perr(p, "unterminated container");
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		return perr(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	if (cap > v->n) {
		v->items = xrealloc(v->items, v->n * sizeof(*v->items));
		if (obj)
			v->keys = xrealloc(v->keys, v->n * sizeof(*v->keys));
	}
	p->depth--;
	return 0;
}

static int parse_value(struct parser *p, struct jval *v)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return perr(p, "unexpected end of input");
	if (++p->values > p->max_values)
		return perr(p, "too many values");
	switch (p->s[p->pos]) {
	case '{':
		return parse_container(p, v, true);
	case '[':
		return parse_container(p, v, false);
	case '"':
		v->type = J_STR;
		return parse_string(p, &v->str, &v->len);
	case 't':
		v->type = J_BOOL;
		v->b = true;
		return literal(p, "true");
	case 'f':
		v->type = J_BOOL;
		v->b = false;
		return literal(p, "false");
	case 'n':
		v->type = J_NULL;
		return literal(p, "null");
	default:
		return parse_number(p, v);
	}
}

int json_parse(const char *s, size_t len, struct jval *out,
	       char *err, size_t errlen)
{
	return json_parse_max(s, len, out, err, errlen, JSON_MAX_VALUES);
}

int json_parse_max(const char *s, size_t len, struct jval *out,
		   char *err, size_t errlen, size_t max_values)
{
	struct parser p = { s, len, 0, err, errlen, 0, 0, max_values };

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (parse_value(&p, out))
		goto fail;
	skip_ws(&p);
	if (p.pos != p.len) {
		perr(&p, "trailing characters");
		goto fail;
	}
	return 0;
fail:
	json_free(out);
	memset(out, 0, sizeof(*out));
	return -1;
}

void json_free(struct jval *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	v->items = NULL;
	v->keys = NULL;
	v->str = NULL;
	v->n = 0;
}

const struct jval *json_get(const struct jval *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (obj->keys[i] && !strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

/* writer */

/* Length of a valid UTF-8 sequence starting at s, or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		return 0;
	return n;
}

void json_escape(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start;

	buf_add(b, "\"", 1);
	while (i < len) {
		size_t n;

		start = i;
		while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' &&
		       s[i] != '\\')
			i++;
		buf_add(b, s + start, i - start);
		if (i >= len)
			break;
		switch (s[i]) {
		case '"':
			buf_puts(b, "\\\"");
			i++;
			continue;
		case '\\':
			buf_puts(b, "\\\\");
			i++;
			continue;
		case '\n':
			buf_puts(b, "\\n");
			i++;
			continue;
		case '\r':
			buf_puts(b, "\\r");
			i++;
			continue;
		case '\t':
			buf_puts(b, "\\t");
			i++;
			continue;
		}
		if (s[i] < 0x20) {
			buf_printf(b, "\\u%04x", s[i]);
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n) {
			buf_add(b, s + i, n);
			i += n;
		} else {
			buf_puts(b, "\\ufffd");
			i++;
		}
	}
	buf_add(b, "\"", 1);
}

void jw_init(struct jw *w)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->b);
	buf_reserve(&w->b, 0);
}

void jw_free(struct jw *w)
{
	buf_free(&w->b);
}

static void jw_pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			buf_add(&w->b, ",", 1);
		w->first[w->depth] = false;
	}
}

static void jw_open(struct jw *w, char c)
{
	jw_pre(w);
	buf_add(&w->b, &c, 1);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	buf_add(&w->b, &c, 1);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj(struct jw *w)
{
	jw_open(w, '{');
}

void jw_obj_end(struct jw *w)
{
	jw_close(w, '}');
}

void jw_arr(struct jw *w)
{
	jw_open(w, '[');
}

void jw_arr_end(struct jw *w)
{
	jw_close(w, ']');
}


void jw_key(struct jw *w, const char *key)
{
	jw_pre(w);
	json_escape(&w->b, key, strlen(key));
	buf_add(&w->b, ":", 1);
	w->after_key = true;
}

void jw_strn(struct jw *w, const char *s, size_t len)
{
	jw_pre(w);
	json_escape(&w->b, s, len);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, long long v)
{
	jw_pre(w);
	buf_printf(&w->b, "%lld", v);
}

void jw_double(struct jw *w, double v)
{
	jw_pre(w);
	buf_printf(&w->b, "%.2f", v);
}

void jw_bool(struct jw *w, bool v)
{
	jw_pre(w);
	buf_puts(&w->b, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	jw_pre(w);
	buf_puts(&w->b, "null");
}

void jw_raw(struct jw *w, const char *s, size_t len)
{
	jw_pre(w);
	buf_add(&w->b, s, len);
}

void jw_hex64(struct jw *w, uint64_t v)
{
	jw_pre(w);
	buf_printf(&w->b, "\"0x%016" PRIx64 "\"", v);
}
