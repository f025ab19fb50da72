/*
 * Detection events as data: a type, a severity, fields in order, and a
 * human message; formatted as one JSON line. Pure: the sinks are in
 * evwriter.c.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "model.h"

const char *const ev_type_names[EV_NTYPES] = {
	"spoof_drop", "fdb_move", "arp_change", "new_station",
	"host_neigh_change", "promisc", "hub_mode", "port_join",
	"port_leave", "unknown_port", "guest_add", "guest_remove",
	"binding_add", "binding_renew", "binding_remove", "binding_refused",
	"learn_limited",
	"dhcp_client_spoof",
};

static const char *const ev_severity_names[4] = {
	"info", "notice", "warning", "critical",
};

struct event {
	enum ev_type	 type;
	enum ev_severity sev;
	json_t		*fields;
	char		 msg[256];
};

struct event *
event_new(enum ev_type type, enum ev_severity sev)
{
	struct event *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->fields = json_object()) == NULL) {
		free(e);
		return NULL;
	}
	e->type = type;
	e->sev = sev;
	return e;
}

void
event_free(struct event *e)
{
	if (e == NULL)
		return;
	json_decref(e->fields);
	free(e);
}

/*
 * Interface names may hold any byte but '/', ':' and blanks: printable
 * ASCII is kept, anything else is written \xHH, so every line is valid
 * UTF-8 JSON whatever a name holds.
 */
static void
printable(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	for (; *src && i + 5 < len; src++) {
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c < 0x7f) {
			dst[i++] = (char)c;
			continue;
		}
		dst[i++] = '\\';
		dst[i++] = 'x';
		dst[i++] = hex[c >> 4];
		dst[i++] = hex[c & 15];
	}
	dst[i] = '\0';
}

void
ev_str(struct event *e, const char *key, const char *val)
{
	char buf[256];

	if (e == NULL || val == NULL || val[0] == '\0')
		return;
	printable(buf, sizeof(buf), val);
	json_object_set_new(e->fields, key, json_string(buf));
}

void
ev_int(struct event *e, const char *key, long long val)
{
	if (e)
		json_object_set_new(e->fields, key, json_integer(val));
}

void
ev_bool(struct event *e, const char *key, bool val)
{
	if (e)
		json_object_set_new(e->fields, key, json_boolean(val));
}

void
ev_mac(struct event *e, const char *key, const uint8_t mac[6])
{
	char buf[18];

	ev_str(e, key, mac_format(mac, buf));
}

void
ev_ip(struct event *e, const char *key, int af, const void *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(af, addr, buf, sizeof(buf)) != NULL)
		ev_str(e, key, buf);
}

void
ev_msg(struct event *e, const char *fmt, ...)
{
	char buf[sizeof(e->msg)];
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printable(e->msg, sizeof(e->msg), buf);
}

int
ev_timestamp(char *buf, size_t len, const struct timespec *ts)
{
	struct tm tm;
	size_t n;

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return -1;
	if (snprintf(buf + n, len - n, ".%06ldZ", ts->tv_nsec / 1000) >=
	    (int)(len - n))
		return -1;
	return 0;
}

/*
 * The line is sanitised by construction: jansson escapes every control
 * character, so a guest-chosen byte can never start a new line.
 */
char *
event_format(const struct event *e, const struct timespec *ts, uint64_t seq)
{
	char when[40], *s, *line = NULL;
	const char *k;
	json_t *o, *v;
	size_t n;

	if (ev_timestamp(when, sizeof(when), ts) == -1)
		return NULL;
	o = json_pack("{s:s, s:I, s:s, s:s}", "time", when, "seq",
	    (json_int_t)seq, "type", ev_type_names[e->type], "severity",
	    ev_severity_names[e->sev]);
	if (o == NULL)
		return NULL;
	json_object_foreach(e->fields, k, v)
		json_object_set(o, k, v);
	json_object_set_new(o, "message", json_string(e->msg));
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((line = malloc(n + 2)) != NULL) {
		memcpy(line, s, n);
		memcpy(line + n, "\n", 2);
	}
	free(s);
	return line;
}

enum ev_type
event_type(const struct event *e)
{
	return e->type;
}

enum ev_severity
event_severity(const struct event *e)
{
	return e->sev;
}
