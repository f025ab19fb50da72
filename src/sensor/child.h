/* The sensor's child process (child.c) and its readers (nflog.c, arp.c). */
#ifndef BG_SENSOR_CHILD_H
#define BG_SENSOR_CHILD_H

#include <sys/types.h>

#include "sensor.h"

/* Where the sensor finds its end of the socketpair after exec. */
#define SENSOR_FD	3

/* The system call filter (seccomp.c); out_fd is the pipe to the daemon. */
int	sensor_seccomp(int out_fd);

/* What it reads: NFLOG (nflog.c) and ARP on a packet socket (arp.c). */
struct nflog_mon;
struct nflog_mon *nflog_mon_open(unsigned int group, char *where,
	    size_t wlen);
int	nflog_mon_fd(const struct nflog_mon *);
/* Handles what is pending, calling emit per record. -1: socket broken. */
int	nflog_mon_read(struct nflog_mon *,
	    void (*emit)(const struct sensor_rec *, void *), void *arg);
void	nflog_mon_close(struct nflog_mon *);
int	arp_mon_open(char *where, size_t wlen);
int	arp_mon_read(int fd, void (*emit)(const struct sensor_rec *, void *),
	    void *arg);

#endif
