/* What the CLI's commands share. */
#ifndef BG_BRIDGEGUARD_H
#define BG_BRIDGEGUARD_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

#define EXIT_RUNTIME	1	/* the kernel or the system said no */
#define EXIT_CONFIG	2	/* bad usage or bad config: nothing changed */

struct bg_opts {
	const char	*config;
	int		 verbose;
	bool		 dry_run;
	bool		 json;
	int		 argc;		/* what follows the command's options */
	char		**argv;
};

int	status_show(FILE *, const struct bg_config *, bool json);
int	demo_run(struct bg_opts *);
/* Prints the model back as YAML that parses to the same model. */
void	config_print(FILE *, const struct bg_config *);

#endif
