/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dead peer detection (RFC 7296 2.4): after dpd.delay seconds without an
 * authenticated IKE message or inbound ESP packet from the peer, an empty
 * INFORMATIONAL request goes out (retransmitted with the usual back-off by
 * ikev2_sa.c). With no answer for dpd.timeout seconds the peer is declared
 * dead, its SAs are removed, and dpd.action says what follows: clear
 * (nothing), restart (initiate again) or trap (policies that wait for
 * traffic).
 */
#ifndef KEYD_DPD_H
#define KEYD_DPD_H

struct event_base;
struct ike_sa;

/* Arms the timer if the connection has DPD; 0 or -1 (out of memory). */
int dpd_start(struct event_base *base, struct ike_sa *sa);
void dpd_stop(struct ike_sa *sa);
/* Our liveness check went unanswered (timeout, or retransmissions exhausted): frees sa. */
void dpd_dead(struct ike_sa *sa);
/* An authenticated message from the peer arrived. */
void dpd_seen(struct ike_sa *sa);

#endif /* KEYD_DPD_H */
