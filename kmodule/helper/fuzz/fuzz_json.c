// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the JSON reader, and the writer on what it read (every
 * parsed document is written back and must parse again to the same shape).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

static void write_value(struct jw *w, const struct jval *v)
{
	size_t i;

	switch (v->type) {
	case J_NULL:
		jw_null(w);
		break;
	case J_BOOL:
		jw_bool(w, v->b);
		break;
	case J_NUM:
		jw_raw(w, v->str, v->len);
		break;
	case J_STR:
		jw_strn(w, v->str, v->len);
		break;
	case J_ARR:
	case J_OBJ:
		if (v->type == J_ARR)
			jw_arr(w);
		else
			jw_obj(w);
		for (i = 0; i < v->n; i++) {
			if (v->type == J_OBJ)
				jw_key(w, v->keys[i]);
			write_value(w, &v->items[i]);
		}
		if (v->type == J_ARR)
			jw_arr_end(w);
		else
			jw_obj_end(w);
		break;
	}
}

static size_t count_values(const struct jval *v)
{
	size_t i, n = 1;

	for (i = 0; i < v->n; i++)
		n += count_values(&v->items[i]);
	return n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jval v, again;
	struct jw w;
	char err[128];

	if (json_parse((const char *)data, size, &v, err, sizeof(err))) {
		if (!err[0])
			abort();	/* every refusal says why */
		return 0;
	}
	/* the writer nests at most JW_MAX_DEPTH: deeper documents are only read */
	jw_init(&w);
	write_value(&w, &v);
	if (json_parse(w.b.p, w.b.len, &again, err, sizeof(err))) {
		fprintf(stderr, "rewritten document does not parse: %s\n%s\n", err, w.b.p);
		abort();
	}
	if (count_values(&again) != count_values(&v))
		abort();
	json_free(&again);
	jw_free(&w);
	json_free(&v);
	return 0;
}
