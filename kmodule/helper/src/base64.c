// SPDX-License-Identifier: GPL-2.0
/*
 * Standard base64 (RFC 4648, padded), strict on decode.
 */
#include <stdlib.h>
#include <string.h>

#include "helper.h"

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(struct buf *out, const unsigned char *in, size_t len)
{
	char quad[4];
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		quad[0] = b64chars[in[i] >> 2];
		quad[1] = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		quad[2] = b64chars[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		quad[3] = b64chars[in[i + 2] & 63];
		buf_add(out, quad, 4);
	}
	if (len - i == 1) {
		quad[0] = b64chars[in[i] >> 2];
		quad[1] = b64chars[(in[i] & 3) << 4];
		quad[2] = '=';
		quad[3] = '=';
		buf_add(out, quad, 4);
	} else if (len - i == 2) {
		quad[0] = b64chars[in[i] >> 2];
		quad[1] = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		quad[2] = b64chars[(in[i + 1] & 15) << 2];
		quad[3] = '=';
		buf_add(out, quad, 4);
	}
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, size_t len, unsigned char **out,
		  size_t *outlen)
{
	unsigned char *o;
	size_t i, n = 0;

	if (len % 4)
		return -1;
	o = malloc(len / 4 * 3 + 1);
	if (!o)
		return -1;
	for (i = 0; i < len; i += 4) {
		int a = b64val(in[i]), b = b64val(in[i + 1]);
		int c = in[i + 2] == '=' ? -2 : b64val(in[i + 2]);
		int d = in[i + 3] == '=' ? -2 : b64val(in[i + 3]);
		bool last = i + 4 == len;

		if (a < 0 || b < 0 || c == -1 || d == -1)
			goto bad;
		if ((c == -2 || d == -2) && !last)
			goto bad;
		if (c == -2 && d != -2)
			goto bad;
		o[n++] = (a << 2) | (b >> 4);
		if (c == -2) {
			if (b & 15)
				goto bad;
			break;
		}
		o[n++] = ((b & 15) << 4) | (c >> 2);
		if (d == -2) {
			if (c & 3)
				goto bad;
			break;
		}
		o[n++] = ((c & 3) << 6) | d;
	}
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	return -1;
}
