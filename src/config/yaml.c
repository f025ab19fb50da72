/*
 * Walking a libfyaml document: the helpers every part of the config parser
 * shares (parse.c, parse_mirror.c), each saying file:line: field: what.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"

/* The length of the UTF-8 sequence at p (at most n bytes); 0 if invalid. */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 :
	    (p[0] & 0xf0) == 0xe0 ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	size_t i;

	if (len == 0 || len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates, and beyond U+10FFFF. */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

int
utf8_check(const char *text, size_t len)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t i = 0, n;
	int line = 1;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return line;
		if (p[i] == '\n')
			line++;
		i += n;
	}
	return 0;
}

/* The 1-based line a node starts at; 0 if unknown. */
int
node_line(struct fy_node *n)
{
	struct fy_token *t;
	const struct fy_mark *m;
	void *it = NULL;
	struct fy_node_pair *p;
	struct fy_node *c;

	if (n == NULL)
		return 0;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		if ((t = fy_node_get_scalar_token(n)) == NULL ||
		    (m = fy_token_start_mark(t)) == NULL)
			return 0;
		return m->line + 1;
	case FYNT_MAPPING:
		if ((p = fy_node_mapping_iterate(n, &it)) == NULL)
			return 0;
		return node_line(fy_node_pair_key(p));
	case FYNT_SEQUENCE:
		if ((c = fy_node_sequence_iterate(n, &it)) == NULL)
			return 0;
		return node_line(c);
	}
	return 0;
}

int
cfg_err(struct cfgctx *cx, int line, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(cx->err, cx->errlen, "%s:%d: %s: %s", cx->file, line, field,
	    msg);
	return -1;
}

/*
 * The scalar text of n as a NUL-terminated string, or NULL if not scalar.
 * No field holds a NUL: a scalar with one ("a\x00b") is not read as the
 * text before it, but refused.
 */
const char *
scalar(struct fy_node *n, char *buf, size_t len)
{
	const char *s;
	size_t l;

	if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR)
		return NULL;
	if ((s = fy_node_get_scalar(n, &l)) == NULL || memchr(s, '\0', l))
		return NULL;
	if (l >= len)
		l = len - 1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	return buf;
}

int
want_type(struct cfgctx *cx, struct fy_node *n, enum fy_node_type type,
    int line, const char *field)
{
	static const char *names[] = { "a scalar", "a list", "a mapping" };

	if (n != NULL && fy_node_get_type(n) == type)
		return 0;
	return cfg_err(cx, n ? node_line(n) : line, field, "must be %s",
	    names[type]);
}

int
parse_ifname(struct cfgctx *cx, struct fy_node *n, int line,
    const char *field, char out[BG_IFNAMSIZ])
{
	char buf[256];

	if (scalar(n, buf, sizeof(buf)) == NULL)
		return cfg_err(cx, n ? node_line(n) : line, field,
		    "must be an interface name (text, with no NUL byte)");
	if (!ifname_valid(buf))
		return cfg_err(cx, node_line(n), field,
		    "'%s' is not a valid interface name (1-15 characters, "
		    "no '/', ':' or spaces)", buf);
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

int
parse_uint(struct cfgctx *cx, struct fy_node *v, const char *field,
    unsigned long min, unsigned long max, unsigned long *out)
{
	char buf[32], *end;

	errno = 0;
	if (scalar(v, buf, sizeof(buf)) == NULL || buf[0] == '\0' ||
	    buf[0] == '-' || (*out = strtoul(buf, &end, 10), *end) || errno ||
	    *out < min || *out > max)
		return cfg_err(cx, node_line(v), field,
		    "must be a number from %lu to %lu", min, max);
	return 0;
}

int
parse_ip4(struct cfgctx *cx, struct fy_node *n, const char *field,
    struct in_addr *a)
{
	char buf[64];

	if (scalar(n, buf, sizeof(buf)) == NULL ||
	    inet_pton(AF_INET, buf, a) != 1)
		return cfg_err(cx, node_line(n), field,
		    "'%s' is not an IPv4 address", scalar(n, buf, sizeof(buf))
		    ? buf : "");
	return 0;
}

int
cfg_map_walk(struct cfgctx *cx, struct fy_node *n, const char *path,
    cfg_key_fn fn, void *arg)
{
	struct fy_node_pair *p;
	void *it = NULL;
	char key[64], field[320];

	if (want_type(cx, n, FYNT_MAPPING, node_line(n),
	    path[0] ? path : "(top level)") == -1)
		return -1;
	while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
		struct fy_node *k = fy_node_pair_key(p);
		struct fy_node *v = fy_node_pair_value(p);

		if (scalar(k, key, sizeof(key)) == NULL)
			return cfg_err(cx, node_line(k), path[0] ? path :
			    "(top level)", "keys must be scalars");
		snprintf(field, sizeof(field), "%s%s%s", path,
		    path[0] ? "." : "", key);
		if (v == NULL)
			return cfg_err(cx, node_line(k), field,
			    "has no value");
		if (fn(cx, key, v, node_line(k), field, arg) == -1)
			return -1;
	}
	return 0;
}

int
cfg_list_walk(struct cfgctx *cx, struct fy_node *v, const char *field,
    size_t size, void **arr, size_t *n, cfg_item_fn fn)
{
	struct fy_node *item;
	void *it = NULL;
	char f[320];
	int count;

	if (want_type(cx, v, FYNT_SEQUENCE, node_line(v), field) == -1)
		return -1;
	if ((count = fy_node_sequence_item_count(v)) == 0)
		return 0;
	if ((*arr = calloc((size_t)count, size)) == NULL)
		return cfg_err(cx, node_line(v), field, "out of memory");
	while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
		snprintf(f, sizeof(f), "%s[%zu]", field, *n);
		/* Count first so config_clear frees a half-parsed element. */
		(*n)++;
		if (fn(cx, item, f, (char *)*arr + (*n - 1) * size) == -1)
			return -1;
	}
	return 0;
}

int
ifname_item(struct cfgctx *cx, struct fy_node *item, const char *field,
    void *elem)
{
	return parse_ifname(cx, item, 0, field, elem);
}
