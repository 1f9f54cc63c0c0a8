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

/* Control commands; the reply text goes to out, the return value is 0 or -1. */
int ikev2_up(const char *name, FILE *out);
int ikev2_down(const char *name, FILE *out);
void ikev2_list(FILE *out);
/* Removes every Child SA from the kernel and tells the peers (shutdown). */
void ikev2_shutdown(void);

#endif /* KEYD_IKEV2_EXCH_H */
