/* rtnetlink sockets for the monitors; see nlmon.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "nlmon.h"
#include "rcvbuf.h"

#define NLMON_BUF	(MNL_SOCKET_BUFFER_SIZE * 8)
#define NLMON_RCVBUF	(8 << 20)	/* room for a burst of hotplug */

int
nlmon_open(struct nlmon *m, const unsigned int *groups)
{

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if ((m->buf = malloc(NLMON_BUF)) == NULL ||
	    (m->nl = mnl_socket_open2(NETLINK_ROUTE,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(m->nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto err;
	m->fd = mnl_socket_get_fd(m->nl);
	rcvbuf_set(m->fd, rcvbuf_size(NLMON_RCVBUF));
	for (; *groups; groups++)
		if (mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP,
		    (void *)groups, sizeof(*groups)) == -1)
			goto err;
	return 0;
err:
	nlmon_close(m);
	return -1;
}

void
nlmon_close(struct nlmon *m)
{
	int saved = errno;

	if (m->nl)
		mnl_socket_close(m->nl);
	free(m->buf);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	errno = saved;
}

int
nlmon_read(struct nlmon *m, mnl_cb_t cb, void *data)
{
	ssize_t n;
	int overrun = 0;

	for (;;) {
		n = recv(m->fd, m->buf, NLMON_BUF, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return overrun;
			if (errno == ENOBUFS) {
				m->overruns++;
				overrun = 1;
				continue;
			}
			return -1;
		}
		/* Notifications: any sequence number, from the kernel. */
		if (mnl_cb_run(m->buf, (size_t)n, 0, 0, cb, data) == -1 &&
		    errno != ENOENT && errno != ESRCH)
			return -1;
	}
}

int
nlmon_dump(uint16_t type, uint8_t family, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL), portid;
	char *buf;
	ssize_t n;
	int rc = -1, saved;

	if ((buf = malloc(NLMON_BUF)) == NULL)
		return -1;
	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL) {
		free(buf);
		return -1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* The full header of the type: the FDB dump misreads a short one. */
	if (type == RTM_GETNEIGH)
		((struct ndmsg *)mnl_nlmsg_put_extra_header(nlh,
		    sizeof(struct ndmsg)))->ndm_family = family;
	else
		((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh,
		    sizeof(struct ifinfomsg)))->ifi_family = family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while ((n = mnl_socket_recvfrom(nl, buf, NLMON_BUF)) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (rc <= MNL_CB_STOP)
			break;
	}
	if (n == -1)
		rc = -1;
out:
	saved = errno;
	mnl_socket_close(nl);
	free(buf);
	errno = saved;
	return rc == MNL_CB_STOP ? 0 : -1;
}
