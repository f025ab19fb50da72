/*
 * ARP as it arrives on every interface of the namespace, for arpwatch.c.
 * Runs inside the sensor. A packet socket sees frames on a bridge port
 * before the netdev ingress hook, so it also sees ARP that bridgeguard
 * is about to drop; the daemon sorts those out with the bindings.
 *
 * The socket costs the data path little: a classic BPF filter in the
 * kernel keeps only ARP, and PACKET_IGNORE_OUTGOING keeps it off the
 * transmit path entirely (no clone per forwarded frame).
 *
 * It must be an ETH_P_ALL socket: one bound to ETH_P_ARP is a protocol
 * handler, which the bridge's rx_handler runs before, so it would see ARP
 * only as the bridge passes it up, on the bridge, not on the port. What
 * keeps that much access safe: the filter is locked (SO_LOCK_FILTER: no
 * detaching or replacing it), and the sensor's seccomp filter lets it
 * send on no socket but its pipe to the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"
#include "rcvbuf.h"

#define ARP_SNAP	64		/* Ethernet + ARP, with a VLAN tag */
#define ARP_RCVBUF	(1 << 20)

/* ldh [12]; jeq #0x806, accept, drop */
static struct sock_filter arp_only[] = {
	{ 0x28, 0, 0, 12 },
	{ 0x15, 0, 1, ETH_P_ARP },
	{ 0x06, 0, 0, ARP_SNAP },
	{ 0x06, 0, 0, 0 },
};

/*
 * Bound to protocol 0 (which receives nothing) until the filter is in
 * place, so no unfiltered frame is ever queued.
 */
int
arp_mon_open(char *where, size_t wlen)
{
	struct sock_fprog prog = { sizeof(arp_only) / sizeof(arp_only[0]),
	    arp_only };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int fd, one = 1;

	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(where, wlen, "opening a packet socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one,
	    sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof(one)) == -1) {
		snprintf(where, wlen, "filtering the packet socket");
		goto err;
	}
	rcvbuf_set(fd, ARP_RCVBUF);
	sll.sll_protocol = htons(ETH_P_ALL);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		snprintf(where, wlen, "binding the packet socket");
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

int
arp_mon_read(int fd, void (*emit)(const struct sensor_rec *, void *),
    void *arg)
{
	uint8_t buf[ARP_SNAP];
	struct sockaddr_ll sll = { 0 };
	struct sensor_rec r;
	socklen_t sl;
	ssize_t n;

	for (;;) {
		sl = sizeof(sll);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&sll, &sl);
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (sl < sizeof(sll) || sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		memset(&r, 0, sizeof(r));
		r.kind = SR_ARP;
		r.ifindex = sll.sll_ifindex;
		if (pkt_parse_frame(buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf), &r.pkt) == -1 || !r.pkt.is_arp)
			continue;
		emit(&r, arg);
	}
}
