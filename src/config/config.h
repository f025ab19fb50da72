/* YAML configuration → policy model. */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "validate.h"

#define BG_DEFAULT_CONFIG	"/etc/bridgeguard/bridgeguard.yaml"

/*
 * Parses and validates the file into cfg. On error returns -1 with one
 * message "file:line: field: what is wrong" in err, and cfg left empty.
 */
int	config_load(const char *path, struct bg_config *cfg, char *err,
	    size_t errlen);
/* The same for a YAML text in memory; name is used in messages. */
int	config_load_string(const char *name, const char *text,
	    struct bg_config *cfg, char *err, size_t errlen);
/* Prints the model back as YAML that parses to the same model. */
void	config_print(FILE *, const struct bg_config *);

#endif
