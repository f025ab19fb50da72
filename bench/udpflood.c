/*
 * udpflood: small-packet load for the data-plane benchmark.
 *
 *   udpflood send DST_IPV4 PORT SECONDS PAYLOAD_BYTES   (prints packets sent)
 *   udpflood sink PORT SECONDS                          (binds, never reads)
 *
 * iperf3's UDP mode sends one datagram per syscall with a timer check in
 * between, which tops out far below what the bridge can forward, so the cost
 * of a filter per packet hides behind the sender.  sendmmsg() in batches of
 * 64 moves the bottleneck into the kernel path we want to measure.  The sink
 * only exists so that the receiver answers no ICMP port-unreachable: its
 * socket buffer fills and the kernel drops the rest silently.  Both modes
 * stop by themselves after SECONDS (at most 60).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: udpflood send DST PORT SECONDS BYTES | sink PORT SECONDS\n");
	return 2;
}

static int sink(int port, double secs)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udpflood: sink");
		return 1;
	}
	usleep((useconds_t)(secs * 1e6));
	close(fd);
	return 0;
}

static int send_flood(const char *dst, int port, double secs, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[1500];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	unsigned long long sent = 0;
	double end;
	int fd, i;

	if (inet_pton(AF_INET, dst, &sa.sin_addr) != 1 || len > sizeof(buf))
		return usage();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udpflood: send");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	end = now() + secs;
	while (now() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0)
			sent += (unsigned long long)n;
		/* ENOBUFS and friends: the queue is full, keep pushing. */
	}
	close(fd);
	printf("%llu\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	double secs;

	if (argc == 6 && strcmp(argv[1], "send") == 0) {
		secs = atof(argv[4]);
		if (secs <= 0 || secs > 60)
			return usage();
		return send_flood(argv[2], atoi(argv[3]), secs, (size_t)atoi(argv[5]));
	}
	if (argc == 4 && strcmp(argv[1], "sink") == 0) {
		secs = atof(argv[3]);
		if (secs <= 0 || secs > 60)
			return usage();
		return sink(atoi(argv[2]), secs);
	}
	return usage();
}
