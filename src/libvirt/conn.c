/* The connection: read-only, and silent (libvirt prints errors itself
 * unless told not to; here they go into err). */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv.h"
#include "lvconn.h"

static void
quiet(void *arg, virErrorPtr e)
{
	(void)arg;
	(void)e;
}

void
lv_err(char *err, size_t errlen, const char *what)
{
	const char *m = virGetLastErrorMessage();

	snprintf(err, errlen, "libvirt: %s: %s", what, m ? m : "failed");
	virResetLastError();
}

struct lv_conn *
lv_open(const char *uri, char *err, size_t errlen)
{
	struct lv_conn *c;
	char what[300];

	if (uri == NULL)
		uri = LV_DEFAULT_URI;
	virSetErrorFunc(NULL, quiet);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "libvirt: out of memory");
		return NULL;
	}
	snprintf(c->uri, sizeof(c->uri), "%s", uri);
	if ((c->conn = virConnectOpenReadOnly(uri)) == NULL) {
		snprintf(what, sizeof(what), "connecting to %s", uri);
		lv_err(err, errlen, what);
		free(c);
		return NULL;
	}
	return c;
}

void
lv_close(struct lv_conn *c)
{
	if (c == NULL)
		return;
	virConnectClose(c->conn);
	free(c);
}

const char *
lv_uri(const struct lv_conn *c)
{
	return c->uri;
}
