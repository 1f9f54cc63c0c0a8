/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UDP sockets for IKE (RFC 7296 2.11): one IPv4 and one IPv6 socket on the
 * IKE port, bound to the wildcard address, on the libevent loop. The local
 * address of each datagram is learnt from IP_PKTINFO / IPV6_PKTINFO, and
 * answers leave from that same address.
 */
#ifndef KEYD_NET_H
#define KEYD_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;

#define NET_MAX_DGRAM	65535

/* local, remote carry addresses and ports (network order in the sockaddr). */
typedef void (*net_recv_fn)(const uint8_t *p, size_t len, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, void *ctx);

/* Opens the sockets; 0 if at least one family could be bound, -1 (logged) otherwise. */
int net_open(struct event_base *base, uint16_t port, net_recv_fn fn, void *ctx);
void net_close(void);
/* Sends from local (address; its port is ignored) to remote (address and port). */
int net_send(const uint8_t *p, size_t len, const struct sockaddr_storage *local,
	     const struct sockaddr_storage *remote);

/* Helpers on sockaddr_storage. */
const uint8_t *net_addr_bytes(const struct sockaddr_storage *ss, size_t *len);
uint16_t net_port(const struct sockaddr_storage *ss);
void net_set_port(struct sockaddr_storage *ss, uint16_t port);
int net_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* "192.0.2.1" / "2001:db8::1" (no port), into buf. */
const char *net_ntop(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif /* KEYD_NET_H */
