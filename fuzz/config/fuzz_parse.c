/* links: src/config/parse.c src/config/yaml.c src/config/parse_mirror.c src/config/validate.c src/config/model.c */
/*
 * libFuzzer harness for the config parser and validator (config_load's
 * path from text to model). The input is the file's text; as config_load
 * reads it, a NUL ends it. Besides ASan/UBSan's checks, the parser's
 * promises are asserted: a refusal names "file:line: field", an accepted
 * config is one config_validate accepts too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bg_config cfg;
	char err[1024], *text;
	int rc;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	rc = config_load_string("f", text, &cfg, err, sizeof(err));
	if (rc == -1 && (strncmp(err, "f:", 2) != 0 || cfg.n_bridges != 0))
		abort();
	if (rc == 0 && config_validate("f", &cfg, err, sizeof(err)) != 0)
		abort();
	config_clear(&cfg);
	free(text);
	return 0;
}
