/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKEv2 exchanges (RFC 7296 1.2-1.4), implemented in ikev2.c:
 * IKE_SA_INIT and IKE_AUTH with pre-shared keys as initiator and as
 * responder, creating one ESP Child SA (tunnel or transport mode) that is
 * installed in the kipsec module, and INFORMATIONAL (Delete, liveness).
 */
#ifndef KEYD_IKEV2_EXCH_H
#define KEYD_IKEV2_EXCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config.h"

struct ike_sa;

void ikev2_setup(const struct keyd_conf *conf);
/* Connections with start_action "start". */
void ikev2_autostart(void);
/* A datagram from the IKE socket (net_recv_fn). */
void ikev2_recv(const uint8_t *p, size_t len, const struct sockaddr_storage *local,
		const struct sockaddr_storage *remote, void *ctx);
/* Retransmissions exhausted (ike_sa_timeout_fn). */
void ikev2_timeout(struct ike_sa *sa);

/* Control commands; msg gets the one-line answer, the return value is 0 or -1. */
int ikev2_up(const char *name, char *msg, size_t len);
int ikev2_down(const char *name, char *msg, size_t len);
const struct conf_conn *ikev2_conn_by_name(const char *name);
/* Starts IKE_SA_INIT for conn (start_action start, up, trap ACQUIRE, DPD restart). */
int ikev2_initiate(const struct conf_conn *conn);
/* An empty INFORMATIONAL request (liveness check, RFC 7296 2.4); 0 or -1. */
int ikev2_send_liveness(struct ike_sa *sa);
/* Removes the Child SA from the kernel and frees the IKE SA without telling the peer. */
void ikev2_sa_drop(struct ike_sa *sa, const char *why);
/* Sends a Delete if established (not waiting for the answer), then as ikev2_sa_drop. */
void ikev2_sa_close(struct ike_sa *sa, const char *why);
/* Removes every Child SA from the kernel and tells the peers (shutdown). */
void ikev2_shutdown(void);

#endif /* KEYD_IKEV2_EXCH_H */
