/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE SA state and table (RFC 7296 2.1-2.3): the SAs by our SPI, their
 * message ids with a window of one in each direction, retransmission of
 * our outstanding request with exponential back-off, and the last response
 * kept to answer a retransmitted request without processing it twice.
 */
#ifndef KEYD_IKEV2_SA_H
#define KEYD_IKEV2_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "ikev2_pld.h"

struct event_base;
struct ikev2_frag_reasm;
struct event;
struct child_rekey;

enum ike_state {
	IKE_INIT_SENT,		/* initiator: IKE_SA_INIT request out */
	IKE_INIT_DONE,		/* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_AUTH_SENT,		/* initiator: IKE_AUTH request out */
	IKE_ESTABLISHED,
	IKE_DELETING,		/* our Delete is out */
};

#define CHILD_MAX_POLICIES	32

struct child_sa {
	bool installed;
	uint8_t mode;			/* KIPSEC_MODE_* */
	uint32_t spi_in, spi_out;	/* host order; spi_in is ours */
	struct ikev2_proposal prop;	/* the chosen ESP proposal */
	struct ikev2_ts_list ts_local, ts_remote;
	uint32_t pol_ids[CHILD_MAX_POLICIES];
	size_t npol;
	uint64_t installed_at;		/* ike_sa_now() */
};

struct ike_sa {
	struct ike_sa *next;
	uint64_t spi_i, spi_r;
	bool initiator;			/* we sent the first IKE_SA_INIT */
	enum ike_state state;
	const struct conf_conn *conn;
	struct sockaddr_storage local, remote;	/* with ports */

	/* IKE_SA_INIT */
	uint16_t dh_group;
	struct crypto_dh *dh;
	uint8_t ni[IKEV2_NONCE_MAX], nr[IKEV2_NONCE_MAX];
	size_t ni_len, nr_len;
	struct buf init_req, init_resp;	/* both messages as sent: AUTH signs them */
	uint8_t cookie[256];
	size_t cookie_len;

	/* negotiated */
	struct ikev2_proposal ike_prop;
	struct crypto_sk_alg sk;
	uint16_t prf;
	struct ikev2_keys keys;
	struct ikev2_sa esp_offer;	/* initiator: what IKE_AUTH offered */
	unsigned int peer_hashes;	/* RFC 7427 hashes the peer announced (bit per id) */
	bool peer_frag;			/* peer announced RFC 7383 fragmentation */
	struct ikev2_frag_reasm *frag;	/* fragments of the peer's message being collected */

	/* our requests (window 1) */
	uint32_t req_msgid;		/* id of our outstanding or next request */
	bool req_pending;
	uint8_t req_exchange;
	struct buf req;
	unsigned int retries;
	bool expiring;			/* timer runs for a half-open SA, not a request */
	struct event *timer;

	/* the peer's requests */
	uint32_t peer_msgid;		/* next id we expect */
	bool have_resp;
	struct buf resp;		/* answer to peer_msgid - 1 */

	struct child_sa child;
	struct child_rekey *rk;		/* rekeying state (ikev2_child.c) */

	uint64_t created_at;		/* ike_sa_now() */
	/* liveness check (dpd.c) */
	struct event *dpd_timer;
	uint64_t dpd_last_rx;		/* ike_sa_now() of the last authenticated message */
	uint64_t dpd_esp_in;		/* inbound ESP packets at the last check */
	uint64_t dpd_sent_at;		/* our empty INFORMATIONAL is out since then; 0: none */
};

/* Called when our request got no answer after every retransmission, or a half-open SA expired. */
typedef void (*ike_sa_timeout_fn)(struct ike_sa *sa);

void ike_sa_init(struct event_base *base, ike_sa_timeout_fn fn);
/* A new SA with a fresh random SPI of ours, in the table; NULL if out of memory. */
struct ike_sa *ike_sa_new(bool initiator, const struct conf_conn *conn);
/* Unlinks, wipes every key and frees. */
void ike_sa_free(struct ike_sa *sa);
void ike_sa_free_all(void);
/* By our SPI and our role (spi_i for SAs we initiated, spi_r otherwise). */
struct ike_sa *ike_sa_find(uint64_t our_spi, bool initiator);
/* A responder SA still in IKE_SA_INIT for this peer SPI and address (retransmitted requests). */
struct ike_sa *ike_sa_find_half_open(uint64_t spi_i, const struct sockaddr_storage *remote);
struct ike_sa *ike_sa_first(void);
struct ike_sa *ike_sa_by_conn(const struct conf_conn *conn);
uint64_t ike_sa_our_spi(const struct ike_sa *sa);

/* Sends a request (msg is taken over) and retransmits it until ike_sa_request_done(). */
int ike_sa_send_request(struct ike_sa *sa, uint8_t exchange, struct buf *msg);
/* The answer to our request arrived: stop retransmitting, next message id. */
void ike_sa_request_done(struct ike_sa *sa);
/* A half-open responder SA: ike_sa_timeout_fn runs after secs unless a request cancels it. */
void ike_sa_expire_in(struct ike_sa *sa, unsigned int secs);
/* Stops retransmitting an unanswered request; its message id is used again. */
void ike_sa_request_cancel(struct ike_sa *sa);
/* Sends the answer to the peer's request peer_msgid and keeps it (msg is taken over). */
int ike_sa_send_response(struct ike_sa *sa, struct buf *msg);
/* Sends a kept message: one datagram, or the RFC 7383 fragments stored one after the other. */
int ike_sa_send_kept(const struct ike_sa *sa, const struct buf *msg);

const char *ike_state_name(enum ike_state s);
/* Seconds on the monotonic clock (ages, DPD). */
uint64_t ike_sa_now(void);

#endif /* KEYD_IKEV2_SA_H */
