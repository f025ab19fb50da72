/* Golden files for the unit tests (golden.c). */
#ifndef BG_TEST_GOLDEN_H
#define BG_TEST_GOLDEN_H

#include "config.h"
#include "ruleset.h"

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/golden"
#endif

/* The text of file name in GOLDEN_DIR (malloc'ed); NULL if unreadable. */
char	*golden_read(const char *name);
/*
 * Fails the test unless out is the golden file's text. With
 * UPDATE_GOLDEN=1 in the environment it writes out there first: review
 * the diff.
 */
void	golden_check(const char *name, const char *out);

/* A golden config, compiled against these interfaces for this kernel. */
struct golden_case {
	const char		*name;		/* NAME.nft, NAME.nl */
	const char		*config;	/* in GOLDEN_DIR */
	const struct bg_port	*ports;
	size_t			 n_ports;
	struct rs_kernel	 kernel;
};
extern const struct golden_case golden_cases[];
extern const size_t golden_n_cases;
/* Loads and compiles a case; fails the test on any error. */
void	golden_build(const struct golden_case *, struct bg_config *,
	    struct ruleset *);

#endif
