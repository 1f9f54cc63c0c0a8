// SPDX-License-Identifier: GPL-2.0
/* IKE SA table, message ids and retransmission; see ikev2_sa.h. */
#include "ikev2_sa.h"
#include "dpd.h"
#include "ikev2.h"
#include "ikev2_frag.h"
#include "log.h"
#include "net.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>

/*
 * RFC 7296 2.1: back off exponentially: 2, 4, 8, 16, 32, 60, 60 s, then give
 * up (~3 min, like strongSwan's defaults: a peer may spend a minute loading
 * kernel crypto before it answers IKE_AUTH).
 */
#define RETX_FIRST_MS	2000
#define RETX_CAP_MS	60000
#define RETX_MAX	6

static struct event_base *evbase;
static ike_sa_timeout_fn on_timeout;
static struct ike_sa *sas;

void ike_sa_init(struct event_base *base, ike_sa_timeout_fn fn)
{
	evbase = base;
	on_timeout = fn;
}

uint64_t ike_sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

struct ike_sa *ike_sa_find(uint64_t our_spi, bool initiator)
{
	for (struct ike_sa *sa = sas; sa; sa = sa->next)
		if (sa->initiator == initiator && ike_sa_our_spi(sa) == our_spi)
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_find_half_open(uint64_t spi_i, const struct sockaddr_storage *remote)
{
	for (struct ike_sa *sa = sas; sa; sa = sa->next)
		if (!sa->initiator && sa->spi_i == spi_i && net_addr_equal(&sa->remote, remote))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_first(void)
{
	return sas;
}

struct ike_sa *ike_sa_by_conn(const struct conf_conn *conn)
{
	for (struct ike_sa *sa = sas; sa; sa = sa->next)
		if (sa->conn == conn)
			return sa;
	return NULL;
}

static void retransmit(evutil_socket_t fd, short what, void *arg);

struct ike_sa *ike_sa_new(bool initiator, const struct conf_conn *conn)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint64_t spi;

	if (!sa)
		return NULL;
	sa->timer = evtimer_new(evbase, retransmit, sa);
	if (!sa->timer) {
		free(sa);
		return NULL;
	}
	/* a random SPI, never 0 and never one we already use */
	do {
		if (crypto_random((uint8_t *)&spi, sizeof(spi))) {
			event_free(sa->timer);
			free(sa);
			return NULL;
		}
	} while (!spi || ike_sa_find(spi, initiator));
	sa->initiator = initiator;
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	sa->conn = conn;
	sa->created_at = ike_sa_now();
	if (dpd_start(evbase, sa)) {
		event_free(sa->timer);
		free(sa);
		return NULL;
	}
	buf_init(&sa->init_req);
	buf_init(&sa->init_resp);
	buf_init(&sa->req);
	buf_init(&sa->resp);
	sa->next = sas;
	sas = sa;
	return sa;
}

void ike_sa_free(struct ike_sa *sa)
{
	for (struct ike_sa **pp = &sas; *pp; pp = &(*pp)->next) {
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	}
	event_free(sa->timer);
	dpd_stop(sa);
	crypto_dh_free(sa->dh);
	crypto_ike_keys_clear(&sa->keys);
	buf_free(&sa->init_req);
	buf_free(&sa->init_resp);
	buf_free(&sa->req);
	buf_free(&sa->resp);
	if (sa->frag) {
		ikev2_frag_reset(sa->frag);
		free(sa->frag);
	}
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

void ike_sa_free_all(void)
{
	while (sas)
		ike_sa_free(sas);
}

static void arm(struct ike_sa *sa)
{
	unsigned int ms = RETX_FIRST_MS << sa->retries;
	struct timeval tv;

	if (ms > RETX_CAP_MS)
		ms = RETX_CAP_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(sa->timer, &tv);
}

static void retransmit(evutil_socket_t fd, short what, void *arg)
{
	struct ike_sa *sa = arg;

	(void)fd;
	(void)what;
	if (!sa->req_pending) {
		if (sa->expiring) {
			sa->expiring = false;
			on_timeout(sa);		/* may free sa */
		}
		return;
	}
	if (sa->retries >= RETX_MAX) {
		sa->req_pending = false;
		on_timeout(sa);		/* may free sa */
		return;
	}
	sa->retries++;
	log_debug("retransmitting %s request %u (try %u)", ikev2_exchange_name(sa->req_exchange),
		  sa->req_msgid, sa->retries + 1);
	ike_sa_send_kept(sa, &sa->req);
	arm(sa);
}

int ike_sa_send_request(struct ike_sa *sa, uint8_t exchange, struct buf *msg)
{
	buf_free(&sa->req);
	sa->req = *msg;
	buf_init(msg);
	sa->req_pending = true;
	sa->req_exchange = exchange;
	sa->retries = 0;
	arm(sa);
	return ike_sa_send_kept(sa, &sa->req);
}

void ike_sa_request_done(struct ike_sa *sa)
{
	evtimer_del(sa->timer);
	sa->req_pending = false;
	sa->req_msgid++;
	buf_free(&sa->req);
}

void ike_sa_expire_in(struct ike_sa *sa, unsigned int secs)
{
	struct timeval tv = { .tv_sec = secs };

	sa->expiring = true;
	evtimer_add(sa->timer, &tv);
}

void ike_sa_request_cancel(struct ike_sa *sa)
{
	evtimer_del(sa->timer);
	sa->expiring = false;
	sa->req_pending = false;
	buf_free(&sa->req);
}

int ike_sa_send_response(struct ike_sa *sa, struct buf *msg)
{
	buf_free(&sa->resp);
	sa->resp = *msg;
	buf_init(msg);
	sa->have_resp = true;
	sa->peer_msgid++;
	return ike_sa_send_kept(sa, &sa->resp);
}

int ike_sa_send_kept(const struct ike_sa *sa, const struct buf *msg)
{
	size_t off = 0, l;
	int ret = 0;

	while (off < msg->len && (l = ikev2_datagram_len(msg->data + off, msg->len - off))) {
		ret |= net_send(msg->data + off, l, &sa->local, &sa->remote);
		off += l;
	}
	return ret;
}

const char *ike_state_name(enum ike_state s)
{
	switch (s) {
	case IKE_INIT_SENT:
		return "CONNECTING (IKE_SA_INIT sent)";
	case IKE_INIT_DONE:
		return "CONNECTING (waiting for IKE_AUTH)";
	case IKE_AUTH_SENT:
		return "CONNECTING (IKE_AUTH sent)";
	case IKE_ESTABLISHED:
		return "ESTABLISHED";
	case IKE_DELETING:
		return "DELETING";
	}
	return "?";
}

uint64_t ike_sa_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}
