// SPDX-License-Identifier: GPL-2.0
/* IKE UDP sockets on libevent; see net.h. */
#include "net.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

struct net_sock {
	int fd;
	int family;
	struct event *ev;
};

static struct net_sock socks[2] = { { .fd = -1 }, { .fd = -1 } };
static net_recv_fn recv_fn;
static void *recv_ctx;
static uint16_t ike_port;

const uint8_t *net_addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	}
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	*len = 0;
	return NULL;
}

uint16_t net_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

void net_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

int net_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const uint8_t *pa = net_addr_bytes(a, &la), *pb = net_addr_bytes(b, &lb);

	return pa && pb && la == lb && !memcmp(pa, pb, la);
}

const char *net_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	size_t alen;
	const uint8_t *a = net_addr_bytes(ss, &alen);

	if (!a || !inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "%%any");
	return buf;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_sock *s = arg;
	static uint8_t pkt[NET_MAX_DGRAM];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct sockaddr_storage from, local;
	struct iovec iov = { pkt, sizeof(pkt) };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *cm;
	ssize_t n;

	(void)what;
	/* drain: several datagrams may wait (retransmissions, fragments) */
	for (int i = 0; i < 32; i++) {
		mh.msg_namelen = sizeof(from);
		mh.msg_controllen = sizeof(cbuf.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("receive on the IKE socket failed: %s", strerror(errno));
			return;
		}
		memset(&local, 0, sizeof(local));
		local.ss_family = (sa_family_t)s->family;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				((struct sockaddr_in *)&local)->sin_addr = pi.ipi_addr;
			} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				((struct sockaddr_in6 *)&local)->sin6_addr = pi.ipi6_addr;
			}
		}
		net_set_port(&local, ike_port);
		recv_fn(pkt, (size_t)n, &local, &from, recv_ctx);
	}
}

static int open_one(struct event_base *base, struct net_sock *s, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	net_set_port(&ss, port);
	sl = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl)) {
		log_err("cannot bind UDP port %u (%s): %s", port, family == AF_INET ? "IPv4" : "IPv6",
			strerror(errno));
		close(fd);
		return -1;
	}
	s->fd = fd;
	s->family = family;
	s->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, s);
	if (!s->ev || event_add(s->ev, NULL)) {
		close(fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

int net_open(struct event_base *base, uint16_t port, net_recv_fn fn, void *ctx)
{
	int ok4, ok6;

	recv_fn = fn;
	recv_ctx = ctx;
	ike_port = port;
	ok4 = !open_one(base, &socks[0], AF_INET, port);
	ok6 = !open_one(base, &socks[1], AF_INET6, port);
	if (!ok4 && !ok6)
		return -1;
	log_info("listening on UDP port %u (%s%s%s)", port, ok4 ? "IPv4" : "", ok4 && ok6 ? ", " : "",
		 ok6 ? "IPv6" : "");
	return 0;
}

void net_close(void)
{
	for (size_t i = 0; i < 2; i++) {
		if (socks[i].ev)
			event_free(socks[i].ev);
		if (socks[i].fd >= 0)
			close(socks[i].fd);
		socks[i].ev = NULL;
		socks[i].fd = -1;
	}
}

int net_send(const uint8_t *p, size_t len, const struct sockaddr_storage *local,
	     const struct sockaddr_storage *remote)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov = { (void *)p, len };
	struct msghdr mh = {
		.msg_name = (void *)remote,
		.msg_namelen = remote->ss_family == AF_INET ? sizeof(struct sockaddr_in)
							    : sizeof(struct sockaddr_in6),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct net_sock *s = remote->ss_family == AF_INET ? &socks[0] : &socks[1];
	struct cmsghdr *cm;
	char a[INET6_ADDRSTRLEN];

	if (s->fd < 0) {
		log_err("no %s IKE socket to send to %s", remote->ss_family == AF_INET ? "IPv4" : "IPv6",
			net_ntop(remote, a, sizeof(a)));
		return -1;
	}
	memset(&cbuf, 0, sizeof(cbuf));
	/* leave from the address the peer knows us by */
	if (local && local->ss_family == remote->ss_family) {
		mh.msg_control = cbuf.b;
		if (remote->ss_family == AF_INET) {
			struct in_pktinfo pi = { .ipi_spec_dst = ((const struct sockaddr_in *)local)->sin_addr };

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { .ipi6_addr = ((const struct sockaddr_in6 *)local)->sin6_addr };

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, 0) < 0) {
		log_warn("send to %s failed: %s", net_ntop(remote, a, sizeof(a)), strerror(errno));
		return -1;
	}
	return 0;
}
