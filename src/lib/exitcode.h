/* The exit statuses every command shares, the daemon's included. */
#ifndef BG_EXITCODE_H
#define BG_EXITCODE_H

#define EXIT_RUNTIME	1	/* the kernel or the system said no */
#define EXIT_CONFIG	2	/* bad usage or bad config: nothing changed */

#endif
