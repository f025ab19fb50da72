/* The /metrics endpoint; see metrics_http.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connsrv.h"
#include "metrics_http.h"

#define MAX_CONNS	8
#define REQ_MAX		4096
#define CONN_TIMEOUT_MS	5000

struct metrics_http {
	struct connsrv	*srv;
	metrics_render_fn render;
	void		*arg;
};

static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - s)) == 0 ||
	    hl >= sizeof(host))
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ?
		    0 : -1;
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	*len = sizeof(struct sockaddr_in);
	return inet_pton(AF_INET, host,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1 ? 0 : -1;
}

/* An HTTP/1.0 answer, then the connection closes. */
static void
respond(struct conn *c, const char *status, const char *body, size_t blen)
{
	char head[256], *out;
	int hl;

	hl = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: "
	    "text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n\r\n", status, blen);
	if ((out = malloc((size_t)hl + blen)) == NULL) {
		conn_close(c);
		return;
	}
	memcpy(out, head, (size_t)hl);
	memcpy(out + hl, body, blen);
	conn_reply(c, out, (size_t)hl + blen);
	free(out);
}

static void
handle(struct metrics_http *m, struct conn *c, const uint8_t *req, size_t len)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *f;

	if ((len < 13 || memcmp(req, "GET /metrics ", 13) != 0) &&
	    (len < 6 || memcmp(req, "GET / ", 6) != 0)) {
		respond(c, "404 Not Found", "try /metrics\n", 13);
		return;
	}
	if ((f = open_memstream(&body, &blen)) == NULL) {
		conn_close(c);
		return;
	}
	m->render(m->arg, f);
	fclose(f);
	respond(c, "200 OK", body, blen);
	free(body);
}

/* The request's headers are all we wait for. */
static enum conn_state
input(void *arg, struct conn *c, const uint8_t *buf, size_t len)
{
	if (memmem(buf, len, "\r\n\r\n", 4) || memmem(buf, len, "\n\n", 2))
		handle(arg, c, buf, len);
	else if (len == REQ_MAX)
		respond(c, "431 Request Header Fields Too Large", "", 0);
	else
		return CONN_MORE;
	return CONN_DONE;
}

struct metrics_http *
metrics_http_open(const char *addr, struct loop *loop, metrics_render_fn render,
    void *arg, char *err, size_t errlen)
{
	static const struct connsrv_ops ops = { NULL, input };
	const struct connsrv_conf conf = { MAX_CONNS, REQ_MAX,
	    CONN_TIMEOUT_MS };
	struct sockaddr_storage ss;
	struct metrics_http *m;
	socklen_t len;
	int one = 1, fd = -1;

	if (parse_addr(addr, &ss, &len) == -1) {
		snprintf(err, errlen, "--metrics %s: not ADDR:PORT", addr);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto fail;
	m->render = render;
	m->arg = arg;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, MAX_CONNS) == -1 ||
	    (m->srv = connsrv_new(fd, loop, &conf, &ops, m)) == NULL)
		goto fail;
	return m;
fail:
	snprintf(err, errlen, "metrics on %s: %s", addr, strerror(errno));
	if (fd != -1)
		close(fd);
	free(m);
	return NULL;
}

void
metrics_http_close(struct metrics_http *m)
{
	if (m == NULL)
		return;
	connsrv_free(m->srv);
	free(m);
}
