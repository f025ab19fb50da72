/* The control socket's requests (requests.c). */
#ifndef BG_REQUESTS_H
#define BG_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "mon_link.h"
#include "policy.h"
#include "stations.h"

/* What the requests change and consult. */
struct requests {
	struct policy		*pol;
	struct stations		*stations;	/* told of new bindings */
	const struct mon_link	*links;		/* which bridge a port is on */
	const char		*config_path;	/* reload reads, --save writes */
	/* A reload, as SIGHUP does it: -1 with a message in err. */
	int			(*reload)(void *arg, char *err, size_t errlen);
	void			*arg;
};

/* A ctl_handler (control.h); arg is a struct requests. */
uint32_t	requests_handle(void *arg, uint32_t type, const void *payload,
		    size_t plen, char **out, size_t *len);

#endif
