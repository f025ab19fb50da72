/*
 * NFLOG: every frame a bridgeguard rule drops, with the prefix naming the
 * reason. Runs inside the sensor (child.c): it turns each log message
 * into a record and parses the frame's headers, nothing else.
 *
 * In the netdev and bridge families the payload starts at the network
 * header and the Ethernet header comes separately (NFULA_HWHEADER), if
 * there is an input device; at the netdev egress hook there is none and
 * the payload starts with the Ethernet header itself, while in the
 * bridge's output hook (frames the host sends) there is none either and
 * the payload still starts at the network header.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"
#include "rcvbuf.h"
#include "reason.h"

#define NFLOG_COPY	1024		/* headers, and a DHCP message with
					   its options (learn_log) */
#define NFLOG_QTHRESH	32		/* messages per netlink batch */
#define NFLOG_TIMEOUT	1		/* 1/100 s before a partial batch */
#define NFLOG_RCVBUF	(4 << 20)	/* an int: setsockopt takes one */
#define NFLOG_BUF	((size_t)256 * 1024)
#define BIND_TRIES	30		/* a previous sensor may still hold it */

struct nflog_mon {
	struct nflog_handle	*h;
	struct nflog_g_handle	*gh;
	char			*buf;
	void			(*emit)(const struct sensor_rec *, void *);
	void			*arg;
};

/* The frame's headers into r->pkt; its bytes in *bytes, *blen. */
static void
parse_frame(struct nflog_data *nfa, uint8_t family, struct sensor_rec *r,
    const uint8_t **bytes, size_t *blen)
{
	struct nfulnl_msg_packet_hdr *ph = nflog_get_msg_packet_hdr(nfa);
	const uint8_t *hw = (const uint8_t *)nflog_get_msg_packet_hwhdr(nfa);
	uint16_t hwlen = nflog_get_msg_packet_hwhdrlen(nfa);
	char *payload = NULL;
	int len = nflog_get_payload(nfa, &payload);

	if (len < 0 || payload == NULL)
		len = 0;
	*bytes = (const uint8_t *)payload;
	*blen = (size_t)len;
	if (hw == NULL && family != NFPROTO_BRIDGE) {
		pkt_parse_frame((const uint8_t *)payload, (size_t)len,
		    &r->pkt);
		return;
	}
	pkt_parse_l3(ph ? ntohs(ph->hw_protocol) : 0,
	    (const uint8_t *)payload, (size_t)len, &r->pkt);
	if (hwlen >= 14) {
		r->pkt.has_eth = 1;
		memcpy(r->pkt.dst_mac, hw, 6);
		memcpy(r->pkt.src_mac, hw + 6, 6);
	}
}

/*
 * A DHCP or DHCPv6 message, NS or NA learn_log copied: from a guest at its port's
 * ingress (no output device), or to one in the bridge's forward or output
 * hook (the port it leaves by; where it came in, 0 if from the host).
 */
static int
learn_cb(struct nflog_mon *m, uint8_t family, struct nflog_data *nfa)
{
	uint32_t in = nflog_get_indev(nfa), out = nflog_get_outdev(nfa);
	uint32_t phys = nflog_get_physindev(nfa);
	uint32_t physout = nflog_get_physoutdev(nfa);
	struct sensor_rec r;
	const uint8_t *bytes;
	size_t blen;

	memset(&r, 0, sizeof(r));
	r.kind = SR_DHCP;
	r.outgoing = out != 0 || physout != 0;
	if (r.outgoing) {
		r.ifindex = (int32_t)(physout ? physout : out);
		r.peer = (int32_t)(phys ? phys : in);
	} else
		r.ifindex = (int32_t)(phys ? phys : in);
	parse_frame(nfa, family, &r, &bytes, &blen);
	if (r.pkt.has_nd_target)
		r.kind = SR_ND;
	else if (dhcp6_parse_pkt(bytes, blen, &r.pkt, &r.dhcp6) == 0)
		r.kind = SR_DHCP6;
	else if (dhcp_parse_pkt(bytes, blen, &r.pkt, &r.dhcp) == -1)
		return 0;
	m->emit(&r, m->arg);
	return 0;
}

static int
log_cb(struct nflog_g_handle *gh, struct nfgenmsg *msg, struct nflog_data *nfa,
    void *data)
{
	struct nflog_mon *m = data;
	struct sensor_rec r;
	uint32_t in = nflog_get_indev(nfa), out = nflog_get_outdev(nfa);
	uint32_t phys = nflog_get_physindev(nfa);
	uint32_t physout = nflog_get_physoutdev(nfa);
	const char *prefix = nflog_get_prefix(nfa);
	int reason = reason_of_prefix(prefix);
	const uint8_t *bytes;
	size_t blen;

	(void)gh;
	if (prefix && strcmp(prefix, LEARN_PREFIX) == 0)
		return learn_cb(m, msg->nfgen_family, nfa);
	if (reason < 0)
		return 0;	/* not one of ours */
	memset(&r, 0, sizeof(r));
	r.kind = SR_DROP;
	r.reason = (uint8_t)reason;
	/* Frames to a guest are dropped in the bridge table, the rest where
	 * they enter. In the bridge family the devices are the bridge, the
	 * ports are the "physical" ones. */
	r.outgoing = reason == R_EGRESS;
	r.ifindex = (int32_t)(r.outgoing ? (physout ? physout : out) :
	    phys ? phys : in);
	parse_frame(nfa, msg->nfgen_family, &r, &bytes, &blen);
	m->emit(&r, m->arg);
	return 0;
}

static int
configure(struct nflog_mon *m)
{

	if (nflog_set_mode(m->gh, NFULNL_COPY_PACKET, NFLOG_COPY) < 0)
		return -1;
	/* Batching only saves syscalls; failing it is no reason to stop. */
	nflog_set_qthresh(m->gh, NFLOG_QTHRESH);
	nflog_set_timeout(m->gh, NFLOG_TIMEOUT);
	rcvbuf_set(nflog_fd(m->h), rcvbuf_size(NFLOG_RCVBUF));
	return nflog_callback_register(m->gh, log_cb, m);
}

struct nflog_mon *
nflog_mon_open(unsigned int group, char *where, size_t wlen)
{
	struct nflog_mon *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->buf = malloc(NFLOG_BUF)) == NULL) {
		snprintf(where, wlen, "allocating");
		goto err;
	}
	if ((m->h = nflog_open()) == NULL) {
		snprintf(where, wlen, "opening NFLOG");
		goto err;
	}
	for (i = 0; i < BIND_TRIES; i++) {
		if ((m->gh = nflog_bind_group(m->h, (uint16_t)group)) != NULL)
			break;
		if (errno != EBUSY)
			break;
		usleep(100000);
	}
	if (m->gh == NULL) {
		snprintf(where, wlen, "binding NFLOG group %u%s", group,
		    errno == EBUSY ? " (another listener has it)" : "");
		goto err;
	}
	if (configure(m) < 0) {
		snprintf(where, wlen, "configuring NFLOG group %u", group);
		goto err;
	}
	return m;
err:
	nflog_mon_close(m);
	return NULL;
}

int
nflog_mon_fd(const struct nflog_mon *m)
{
	return nflog_fd(m->h);
}

int
nflog_mon_read(struct nflog_mon *m,
    void (*emit)(const struct sensor_rec *, void *), void *arg)
{
	struct sensor_rec r;
	ssize_t n;

	m->emit = emit;
	m->arg = arg;
	for (;;) {
		n = recv(nflog_fd(m->h), m->buf, NFLOG_BUF, MSG_DONTWAIT);
		if (n > 0) {
			nflog_handle_packet(m->h, m->buf, (int)n);
			continue;
		}
		if (n == -1 && errno == ENOBUFS) {
			memset(&r, 0, sizeof(r));
			r.kind = SR_OVERRUN;
			emit(&r, arg);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return -1;
	}
}

void
nflog_mon_close(struct nflog_mon *m)
{
	if (m == NULL)
		return;
	if (m->gh)
		nflog_unbind_group(m->gh);
	if (m->h)
		nflog_close(m->h);
	free(m->buf);
	free(m);
}
