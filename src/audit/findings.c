/* The report: findings in the order the checks make them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

void
au_add(struct au_report *r, const char *check, enum au_severity sev,
    const char *bridge, const char *port, const char *fix,
    const char *fmt, ...)
{
	struct au_finding *v, *f;
	va_list ap;

	if ((v = reallocarray(r->v, r->n + 1, sizeof(*v))) == NULL) {
		r->oom = true;
		return;
	}
	r->v = v;
	f = &v[r->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->check, sizeof(f->check), "%s", check);
	f->severity = sev;
	snprintf(f->bridge, sizeof(f->bridge), "%s", bridge ? bridge : "");
	snprintf(f->port, sizeof(f->port), "%s", port ? port : "");
	snprintf(f->fix, sizeof(f->fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

void
au_note(struct au_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_notes == sizeof(r->notes) / sizeof(r->notes[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->n_notes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

void
au_report_free(struct au_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

bool
au_report_high(const struct au_report *r)
{
	size_t k;

	for (k = 0; k < r->n; k++)
		if (r->v[k].severity == AU_HIGH)
			return true;
	return false;
}

const char *
au_severity_name(enum au_severity s)
{
	return s == AU_HIGH ? "high" : s == AU_MEDIUM ? "medium" : "low";
}
