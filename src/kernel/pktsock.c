/* Packet sockets bound to an interface, and their processes; see pktsock.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktsock.h"

/* /proc/net/packet: sk RefCnt Type Proto Iface R Rmem User Inode */
static int
read_sockets(int ifindex, struct pktsock *out, size_t max)
{
	char line[256];
	unsigned long inode;
	unsigned int uid;
	size_t n = 0;
	int iface;
	FILE *f;

	if ((f = fopen("/proc/self/net/packet", "re")) == NULL)
		return -1;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %*d %*d %*x %d %*d %*u %u %lu", &iface,
		    &uid, &inode) != 3 || iface != ifindex)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].inode = inode;
		out[n].uid = (uid_t)uid;
		n++;
	}
	fclose(f);
	return (int)n;
}

static void
comm_of(pid_t pid, char comm[16])
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	comm[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if ((r = read(fd, comm, 15)) > 0)
		comm[r - (comm[r - 1] == '\n')] = '\0';
	close(fd);
}

/* Does process pid hold one of the sockets? Fills in the first it holds. */
static void
match_process(pid_t pid, struct pktsock *s, size_t n)
{
	char path[64], link[64], want[32];
	struct dirent *e;
	size_t i;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		ssize_t l = readlinkat(dirfd(d), e->d_name, link,
		    sizeof(link) - 1);

		if (l <= 0)
			continue;
		link[l] = '\0';
		for (i = 0; i < n; i++) {
			snprintf(want, sizeof(want), "socket:[%lu]",
			    s[i].inode);
			if (s[i].pid == 0 && strcmp(link, want) == 0) {
				s[i].pid = pid;
				comm_of(pid, s[i].comm);
			}
		}
	}
	closedir(d);
}

int
pktsock_bound(int ifindex, struct pktsock *out, size_t max)
{
	struct dirent *e;
	char *end;
	long pid;
	DIR *d;
	int n;

	if ((n = read_sockets(ifindex, out, max)) <= 0)
		return n;
	/* Processes /proc hides (hidepid) keep their sockets unnamed. */
	if ((d = opendir("/proc")) == NULL)
		return n;
	while ((e = readdir(d)) != NULL) {
		pid = strtol(e->d_name, &end, 10);
		if (*end == '\0' && pid > 0)
			match_process((pid_t)pid, out, (size_t)n);
	}
	closedir(d);
	return n;
}
