/*
 * `bridgeguard events [--follow] [FILE]`: the events file for a person.
 * One line per event: time, severity, type, where, message, then the
 * remaining fields as key=value. --follow keeps reading as tail -F does,
 * across truncation and rotation.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

#define FOLLOW_POLL_US	200000

static bool
shown_apart(const char *k)
{
	static const char *const keys[] = { "time", "seq", "type",
	    "severity", "bridge", "port", "message", NULL };
	size_t i;

	for (i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
print_value(FILE *f, json_t *v)
{
	char *s;

	if (json_is_string(v))
		fputs(json_string_value(v), f);
	else if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		fputs(s, f);
		free(s);
	}
}

static void
print_event(FILE *f, const char *line)
{
	char when[40], where[40];
	json_t *o, *v;
	const char *k;

	if ((o = json_loads(line, 0, NULL)) == NULL || !json_is_object(o)) {
		fprintf(f, "(not an event) %s", line);
		json_decref(o);
		return;
	}
	snprintf(when, sizeof(when), "%s", str(o, "time"));
	if (strlen(when) > 10 && when[10] == 'T')
		when[10] = ' ';
	snprintf(where, sizeof(where), "%s%s%s", str(o, "bridge"),
	    *str(o, "bridge") && *str(o, "port") ? "/" : "", str(o, "port"));
	fprintf(f, "%-27s %-8s %-17s %-24s %s", when, str(o, "severity"),
	    str(o, "type"), where, str(o, "message"));
	json_object_foreach(o, k, v) {
		if (shown_apart(k))
			continue;
		fprintf(f, " %s=", k);
		print_value(f, v);
	}
	fputc('\n', f);
	json_decref(o);
}

static void
print_lines(FILE *in, char **line, size_t *cap)
{
	ssize_t n;

	while ((n = getline(line, cap, in)) > 0) {
		if ((*line)[n - 1] != '\n') {
			/* Half a line: the writer is mid-write; reread it. */
			fseeko(in, -(off_t)n, SEEK_CUR);
			break;
		}
		print_event(stdout, *line);
	}
	clearerr(in);
	fflush(stdout);
}

/* Reopens the file if it was rotated or truncated. */
static FILE *
follow_check(FILE *in, const char *path)
{
	struct stat now, cur;
	FILE *f;

	if (stat(path, &now) == -1 || fstat(fileno(in), &cur) == -1)
		return in;
	if (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev) {
		if ((f = fopen(path, "r")) == NULL)
			return in;
		fclose(in);
		return f;
	}
	if (now.st_size < ftello(in))
		rewind(in);
	return in;
}

int
events_print_cmd(struct bg_opts *o)
{
	const char *path = o->argc > 0 ? o->argv[0] : BG_DEFAULT_EVENTS;
	char *line = NULL;
	size_t cap = 0;
	FILE *in;

	if (o->argc > 1) {
		log_warnx("usage: bridgeguard events [--follow] [FILE]");
		return EXIT_CONFIG;
	}
	if ((in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return EXIT_RUNTIME;
	}
	print_lines(in, &line, &cap);
	while (o->follow && in != stdin) {
		usleep(FOLLOW_POLL_US);
		in = follow_check(in, path);
		print_lines(in, &line, &cap);
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return 0;
}
