#include "bridgeguard.h"
int
demo_run(struct bg_opts *o)
{
	(void)o;
	return 1;
}
