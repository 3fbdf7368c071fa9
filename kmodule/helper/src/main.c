// SPDX-License-Identifier: GPL-2.0
/*
 * khp-helper: serves khp's line protocol (../PROTOCOL.md) on stdin/stdout
 * or a serial device, or, with --connect, sends requests to a helper behind
 * a unix socket and prints the replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

struct reader {
	int fd;
	struct buf b;
	size_t scanned;
	bool discarding;
};

enum { LINE_OK, LINE_EOF, LINE_TOO_LONG_READ };

/*
 * Returns the next line (without its newline) in line and len. A line over
 * KHP_MAX_LINE is consumed to its end and reported as LINE_TOO_LONG_READ.
 */
static int read_line_fd(struct reader *r, char **line, size_t *len)
{
	char chunk[65536];

	for (;;) {
		char *nl = NULL;

		if (r->b.len > r->scanned)
			nl = memchr(r->b.p + r->scanned, '\n',
				    r->b.len - r->scanned);
		if (nl) {
			size_t l = nl - r->b.p;

			if (r->discarding || l > KHP_MAX_LINE) {
				memmove(r->b.p, nl + 1, r->b.len - l - 1);
				r->b.len -= l + 1;
				r->scanned = 0;
				r->discarding = false;
				*line = NULL;
				*len = 0;
				return LINE_TOO_LONG_READ;
			}
			*line = r->b.p;
			*len = l;
			r->b.p[l] = '\0';
			r->scanned = l + 1;	/* consumed by next call */
			return LINE_OK;
		}
		if (r->b.len > KHP_MAX_LINE) {
			r->discarding = true;
			r->b.len = 0;
		}
		r->scanned = r->b.len;
		for (;;) {
			ssize_t n = read(r->fd, chunk, sizeof(chunk));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* a last line without its newline */
				if (r->b.len && !r->discarding) {
					*line = r->b.p;
					*len = r->b.len;
					r->scanned = r->b.len;
					return LINE_OK;
				}
				return LINE_EOF;
			}
			buf_add(&r->b, chunk, n);
			break;
		}
	}
}

/* drops the line returned last */
static void reader_consume(struct reader *r)
{
	memmove(r->b.p, r->b.p + r->scanned, r->b.len - r->scanned);
	r->b.len -= r->scanned;
	r->scanned = 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static bool blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Serves requests from in until end of input. */
static void serve(const struct ctx *c, int in, int out)
{
	struct reader r = { .fd = in };
	struct buf reply;
	char *line;
	size_t len;
	int st;

	buf_init(&r.b);
	buf_init(&reply);
	while ((st = read_line_fd(&r, &line, &len)) != LINE_EOF) {
		reply.len = 0;
		if (st == LINE_TOO_LONG_READ) {
			char msg[96];

			snprintf(msg, sizeof(msg),
				 "request line longer than %u bytes",
				 KHP_MAX_LINE);
			reply_error(&reply, NULL, "LINE_TOO_LONG", msg);
		} else {
			if (blank(line, len)) {
				reader_consume(&r);
				continue;
			}
			handle_line(c, line, len, &reply);
			reader_consume(&r);
		}
		buf_add(&reply, "\n", 1);
		if (write_all(out, reply.p, reply.len))
			break;
		/* as PID 1 of a guest we inherit orphans: reap them */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	buf_free(&reply);
	buf_free(&r.b);
}

static int open_tty(const char *dev)
{
	struct termios t;
	int fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "khp-helper: open %s: %s\n", dev,
			strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		cfsetispeed(&t, B115200);
		cfsetospeed(&t, B115200);
		if (tcsetattr(fd, TCSANOW, &t))
			fprintf(stderr, "khp-helper: raw mode on %s: %s\n",
				dev, strerror(errno));
	}
	return fd;
}

static void serve_tty(const struct ctx *c, const char *dev)
{
	for (;;) {
		int fd = open_tty(dev);
		struct timespec ts = { 1, 0 };

		if (fd >= 0) {
			serve(c, fd, fd);
			close(fd);
		}
		nanosleep(&ts, NULL);	/* the device went away: reopen */
	}
}

/* Serves one client at a time on a unix socket (like a qemu serial socket). */
static int serve_unix(const struct ctx *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, conn;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "khp-helper: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 4)) {
		fprintf(stderr, "khp-helper: listen %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	for (;;) {
		conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "khp-helper: accept: %s\n",
				strerror(errno));
			return 2;
		}
		serve(c, conn, conn);
		close(conn);
	}
}

/* client mode */

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool same_id(const struct jval *a, const struct jval *b)
{
	if (!a || !b || a->type != b->type)
		return false;
	if (a->type != J_STR && a->type != J_NUM)
		return false;
	return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

/*
 * Sends one request and prints its reply. Returns 0 if the reply says ok,
 * 1 if it says not ok, 2 on a transport failure.
 */
static int call(int fd, struct reader *r, const char *req, size_t len,
		int seq, double timeout)
{
	struct jval q, rep;
	const struct jval *id, *ok;
	char perr[128], idbuf[64];
	struct buf line;
	double deadline = now_sec() + timeout;
	int ret = 2;

	buf_init(&line);
	if (len > KHP_MAX_LINE) {
		fprintf(stderr, "khp-helper: request longer than %u bytes\n",
			KHP_MAX_LINE);
		return 1;
	}
	if (json_parse(req, len, &q, perr, sizeof(perr)) || q.type != J_OBJ) {
		/* let the helper answer bad input itself */
		json_free(&q);
		memset(&q, 0, sizeof(q));
		buf_add(&line, req, len);
	} else if (!json_get(&q, "id")) {
		const char *rest = memchr(req, '{', len) + 1;
		size_t restlen = len - (rest - req);
		size_t skip = strspn(rest, " \t");

		snprintf(idbuf, sizeof(idbuf), "{\"id\":\"cli-%d-%d\"",
			 (int)getpid(), seq);
		buf_puts(&line, idbuf);
		if (rest[skip] != '}')
			buf_add(&line, ",", 1);
		buf_add(&line, rest, restlen);
		json_free(&q);
		json_parse(line.p, line.len, &q, perr, sizeof(perr));
	} else {
		buf_add(&line, req, len);
	}
	buf_add(&line, "\n", 1);
	id = json_get(&q, "id");
	if (write_all(fd, line.p, line.len)) {
		fprintf(stderr, "khp-helper: write: %s\n", strerror(errno));
		goto out;
	}
	for (;;) {
		char *l;
		size_t n;
		struct pollfd p = { fd, POLLIN, 0 };
		double left = deadline - now_sec();

		/* a complete line may already be buffered */
		if (r->b.len && memchr(r->b.p, '\n', r->b.len)) {
			if (read_line_fd(r, &l, &n) != LINE_OK)
				goto out;
		} else {
			if (left <= 0) {
				fprintf(stderr,
					"khp-helper: no reply within %.0f s\n",
					timeout);
				goto out;
			}
			if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
				continue;
			{
				char chunk[65536];
				ssize_t got = read(fd, chunk, sizeof(chunk));

				if (got <= 0) {
					fprintf(stderr,
						"khp-helper: connection closed\n");
					goto out;
				}
				buf_add(&r->b, chunk, got);
			}
			continue;
		}
		/* a reply (a capture of many functions) may hold more values than a request */
		if (json_parse_max(l, n, &rep, perr, sizeof(perr), SIZE_MAX)) {
			reader_consume(r);
			continue;	/* noise on the line */
		}
		if (id && !same_id(id, json_get(&rep, "id"))) {
			/*
			 * a reply to someone else, or an id-less error about
			 * garbage an earlier client left on the line
			 */
			json_free(&rep);
			reader_consume(r);
			continue;
		}
		fwrite(l, 1, n, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		ok = json_get(&rep, "ok");
		ret = ok && ok->type == J_BOOL && ok->b ? 0 : 1;
		json_free(&rep);
		reader_consume(r);
		break;
	}
out:
	json_free(&q);
	buf_free(&line);
	return ret;
}

static int client(const char *path, int argc, char **argv, double timeout)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct reader r = { 0 };
	int fd, ret = 0, seq = 0, i, one;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "khp-helper: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "khp-helper: connect %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	r.fd = fd;
	buf_init(&r.b);
	/* ends any partial line an earlier client left behind */
	if (write_all(fd, "\n", 1))
		return 2;
	if (argc > 0) {
		for (i = 0; i < argc; i++) {
			one = call(fd, &r, argv[i], strlen(argv[i]), ++seq,
				   timeout);
			if (one > ret)
				ret = one;
			if (one == 2)
				break;
		}
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while ((n = getline(&line, &cap, stdin)) > 0) {
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (blank(line, n))
				continue;
			one = call(fd, &r, line, n, ++seq, timeout);
			if (one > ret)
				ret = one;
			if (one == 2)
				break;
		}
		free(line);
	}
	buf_free(&r.b);
	close(fd);
	return ret;
}

static void usage(FILE *f)
{
	fputs("usage: khp-helper [--tty DEVICE | --listen SOCKET] [--host-id ID] [--host-id-file PATH]\n"
	      "                  [--allow-exec-for-tests] [--proc DIR] [--sys DIR] [--dev DIR]\n"
	      "       khp-helper --connect SOCKET [--timeout SECONDS] [REQUEST_JSON...]\n"
	      "Serves the khp line protocol (PROTOCOL.md) on stdin/stdout, DEVICE or a\n"
	      "unix socket (one client at a time);\n"
	      "--connect sends requests (arguments, or lines of stdin) to a helper\n"
	      "behind a unix socket and prints the replies.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tty", required_argument, NULL, 't' },
		{ "host-id", required_argument, NULL, 'i' },
		{ "host-id-file", required_argument, NULL, 'f' },
		{ "allow-exec-for-tests", no_argument, NULL, 'x' },
		{ "proc", required_argument, NULL, 'P' },
		{ "sys", required_argument, NULL, 'S' },
		{ "dev", required_argument, NULL, 'D' },
		{ "connect", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx c = {
		.proc = "/proc", .sys = "/sys", .dev = "/dev",
		.host_id_file = "/etc/khp/host-id",
	};
	const char *tty = NULL, *sock = NULL, *listen_path = NULL;
	double timeout = 300;
	int o;

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			tty = optarg;
			break;
		case 'i':
			c.host_id = optarg;
			break;
		case 'f':
			c.host_id_file = optarg;
			break;
		case 'x':
			c.allow_exec = true;
			break;
		case 'P':
			c.proc = optarg;
			break;
		case 'S':
			c.sys = optarg;
			break;
		case 'D':
			c.dev = optarg;
			break;
		case 'c':
			sock = optarg;
			break;
		case 'l':
			listen_path = optarg;
			break;
		case 'T':
			timeout = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (sock)
		return client(sock, argc - optind, argv + optind, timeout);
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (listen_path)
		return serve_unix(&c, listen_path);
	if (tty)
		serve_tty(&c, tty);
	else
		serve(&c, 0, 1);
	return 0;
}
