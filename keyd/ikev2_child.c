// SPDX-License-Identifier: GPL-2.0
/*
 * CREATE_CHILD_SA exchanges and rekey timers; see ikev2_child.h.
 *
 * One Child SA per IKE SA (sa->child holds the pair in use and its
 * policies). A rekey creates a second pair for the same policies. The
 * module sends on the newest SA of a template, so the policies never
 * change: installing the new outbound SA switches traffic over.
 *
 *  - We rekey (initiator): request with REKEY_SA; on the answer the new
 *    inbound SA, then the new outbound; then Delete for the old pair,
 *    which goes from the kernel when that Delete is answered.
 *  - The peer rekeys (responder): the new inbound SA when we answer; the
 *    new outbound only when the peer deletes the old pair, because only
 *    then do we know the peer can receive on the new one.
 *  - Both at once (2.8.1): the exchange with the lowest nonce made the
 *    redundant pair, and its initiator deletes it. An exchange whose old
 *    pair is already gone when its answer comes is redundant too.
 */
#include "ikev2_child.h"
#include "ikev2.h"
#include "log.h"
#include "net.h"
#include "proposal.h"
#include "rekey.h"
#include "ts.h"

#include <stdlib.h>
#include <string.h>

#include <linux/kipsec.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#define NONCE_LEN	32
#define RETRY_BUSY_SECS	1	/* another request of ours is out (window 1) */

enum rk_pending { RK_IDLE, RK_CHILD, RK_IKE };

/* A Child SA pair made by a rekey that is not (yet) sa->child. */
struct new_child {
	bool used;
	uint32_t spi_in, spi_out;
	struct ikev2_proposal prop;
	struct crypto_child_keys ck;	/* kept until the outbound SA is installed */
	bool we_init;			/* our CREATE_CHILD_SA made it (key order) */
	uint8_t ni[IKEV2_NONCE_MAX], nr[IKEV2_NONCE_MAX];
	size_t ni_len, nr_len;
};

struct child_rekey {
	struct ike_sa *sa;
	struct event *child_timer, *ike_timer;

	/* our outstanding CREATE_CHILD_SA */
	enum rk_pending pending;
	struct crypto_dh *dh;
	uint16_t dh_group;		/* of the pending exchange; 0: no KE (no PFS) */
	uint16_t child_group, ike_group;	/* what the peer asked for (INVALID_KE_PAYLOAD) */
	uint8_t ni[IKEV2_NONCE_MAX];
	size_t ni_len;
	struct ikev2_sa offer;
	uint32_t rekeyed_in;		/* our inbound SPI of the pair we rekey */
	uint32_t new_in;		/* child: our SPI for the new pair */
	uint64_t new_ike_spi;		/* IKE: our SPI for the new IKE SA */

	/* the replaced pair, removed once our Delete for it is answered */
	bool old;
	bool old_delete_sent;
	uint32_t old_in, old_out;

	/* the peer's rekey we answered: inbound installed, outbound waits */
	struct new_child peer_new;
	bool peer_new_redundant;	/* ours won the collision: the peer should delete it */
};

static struct event_base *evbase;

void ikev2_child_setup(struct event_base *base)
{
	evbase = base;
}

static const char *peer_name(const struct ike_sa *sa)
{
	static char buf[INET6_ADDRSTRLEN];

	return net_ntop(&sa->remote, buf, sizeof(buf));
}

static uint32_t rnd32(void)
{
	uint32_t r = 0;

	crypto_random((uint8_t *)&r, sizeof(r));
	return r;
}

static void put_notify(struct ikev2_chain *c, uint16_t type, const void *data, size_t len)
{
	ikev2_put_notify(c, &(struct ikev2_notify){ .type = type, .data = data, .len = len });
}

static void answer_error(struct ike_sa *sa, uint16_t type, const void *data, size_t len)
{
	struct buf inner;
	struct ikev2_chain c;

	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	put_notify(&c, type, data, len);
	send_sk(sa, IKEV2_EXCH_CREATE_CHILD_SA, true, &inner, c.first);
	buf_free(&inner);
}

/* ---------------------------------------------------------- timers */

static void child_timer_fired(evutil_socket_t fd, short what, void *arg);
static void ike_timer_fired(evutil_socket_t fd, short what, void *arg);

static struct child_rekey *rk_get(struct ike_sa *sa)
{
	struct child_rekey *rk = sa->rk;

	if (rk || !evbase)
		return rk;
	rk = calloc(1, sizeof(*rk));
	if (!rk)
		return NULL;
	rk->child_timer = evtimer_new(evbase, child_timer_fired, rk);
	rk->ike_timer = evtimer_new(evbase, ike_timer_fired, rk);
	if (!rk->child_timer || !rk->ike_timer) {
		if (rk->child_timer)
			event_free(rk->child_timer);
		if (rk->ike_timer)
			event_free(rk->ike_timer);
		free(rk);
		return NULL;
	}
	rk->sa = sa;
	sa->rk = rk;
	return rk;
}

static void arm(struct event *ev, uint32_t secs)
{
	struct timeval tv = { .tv_sec = secs };

	evtimer_add(ev, &tv);
}

static void arm_child(struct ike_sa *sa)
{
	const struct conf_conn *cn = sa->conn;
	struct child_rekey *rk = rk_get(sa);

	if (rk)
		arm(rk->child_timer, rekey_time(cn->child_lifetime, cn->rekey_margin, cn->rekey_jitter,
						rnd32()));
}

/* A random 2..5 s wait before trying again (TEMPORARY_FAILURE: 2.25), in ms so two peers part. */
static void retry_later(struct event *ev)
{
	uint32_t ms = 2000 + rnd32() % 3000;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

void ikev2_child_lifetimes(const struct ike_sa *sa, struct kernel_sa *ksa)
{
	rekey_kernel_lifetimes(sa->conn->child_lifetime, sa->conn->rekey_margin, &ksa->soft_secs,
			       &ksa->hard_secs);
}

void ikev2_child_installed(struct ike_sa *sa)
{
	arm_child(sa);
}

void ikev2_rekey_ike_established(struct ike_sa *sa)
{
	const struct conf_conn *cn = sa->conn;
	struct child_rekey *rk = rk_get(sa);

	if (rk)
		arm(rk->ike_timer, rekey_time(cn->ike_lifetime, cn->rekey_margin, cn->rekey_jitter,
					      rnd32()));
}

/* ---------------------------------------------------------- kernel */

static void keys_clear(struct new_child *nc)
{
	crypto_child_keys_clear(&nc->ck);
	OPENSSL_cleanse(nc, sizeof(*nc));
}

/* Derives KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) for the pair in nc (2.17). */
static int child_keys(const struct ike_sa *sa, struct new_child *nc, const uint8_t *gir, size_t gir_len)
{
	const struct ikev2_transform *enc = proposal_get(&nc->prop, IKEV2_XF_ENCR);
	const struct ikev2_transform *integ = proposal_get(&nc->prop, IKEV2_XF_INTEG);
	uint16_t integ_id = integ ? integ->id : IKEV2_INTEG_NONE;
	size_t enc_len, integ_len = 0;

	if (!enc)
		return -1;
	enc_len = crypto_esp_enc_keylen(enc->id, enc->keylen);
	if (integ_id != IKEV2_INTEG_NONE)
		integ_len = crypto_esp_integ_keylen(integ_id);
	if (!enc_len || (integ_id != IKEV2_INTEG_NONE && !integ_len))
		return -1;
	return crypto_child_keymat(sa->prf, sa->keys.sk_d, sa->keys.prf_len, gir, gir_len, nc->ni,
				   nc->ni_len, nc->nr, nc->nr_len, enc_len, integ_len, &nc->ck) ? -1 : 0;
}

/* One SA of the pair nc: inbound (our SPI) or outbound (the peer's). */
static int install_sa(struct ike_sa *sa, const struct new_child *nc, bool inbound)
{
	const struct ikev2_transform *enc = proposal_get(&nc->prop, IKEV2_XF_ENCR);
	const struct ikev2_transform *integ = proposal_get(&nc->prop, IKEV2_XF_INTEG);
	const struct ikev2_transform *esn = proposal_get(&nc->prop, IKEV2_XF_ESN);
	/* initiator -> responder keys come first (2.17) */
	bool first = inbound != nc->we_init;
	struct kernel_sa k = {
		.src = inbound ? &sa->remote : &sa->local,
		.dst = inbound ? &sa->local : &sa->remote,
		.spi = inbound ? nc->spi_in : nc->spi_out,
		.mode = sa->child.mode, .reqid = sa->conn->reqid,
		.enc_alg = enc->id, .enc_len = nc->ck.enc_len,
		.enc_key = first ? nc->ck.enc_i : nc->ck.enc_r,
		.integ_alg = integ ? integ->id : IKEV2_INTEG_NONE,
		.integ_len = integ && integ->id != IKEV2_INTEG_NONE ? nc->ck.integ_len : 0,
		.integ_key = first ? nc->ck.integ_i : nc->ck.integ_r,
		.replay_window = sa->conn->replay_window, .esn = esn && esn->id == IKEV2_ESN_YES,
	};

	if (k.integ_alg == IKEV2_INTEG_NONE)
		k.integ_alg = 0;
	ikev2_child_lifetimes(sa, &k);
	return kernel_sa_add(&k);
}

static void del_pair(struct ike_sa *sa, uint32_t in, uint32_t out)
{
	if (in)
		kernel_sa_del(&sa->local, in);
	if (out)
		kernel_sa_del(&sa->remote, out);
}

/* nc becomes sa->child's pair; the previous pair is remembered as old (if not already). */
static void switch_to(struct ike_sa *sa, struct new_child *nc, const char *how)
{
	struct child_rekey *rk = sa->rk;
	struct child_sa *ch = &sa->child;
	char pr[128];

	if (rk->old)	/* a pair older still: gone now */
		del_pair(sa, rk->old_in, rk->old_out);
	rk->old = true;
	rk->old_delete_sent = false;
	rk->old_in = ch->spi_in;
	rk->old_out = ch->spi_out;
	ch->spi_in = nc->spi_in;
	ch->spi_out = nc->spi_out;
	ch->prop = nc->prop;
	proposal_format(&ch->prop, pr, sizeof(pr));
	log_info("%s: Child SA rekeyed (%s): ESP %s, SPIs in 0x%08x out 0x%08x, replacing in 0x%08x "
		 "out 0x%08x", sa->conn->name, how, pr, ch->spi_in, ch->spi_out, rk->old_in, rk->old_out);
	keys_clear(nc);
	arm_child(sa);
}

/* Sends an INFORMATIONAL Delete for our inbound SPI spi; 0 if sent. */
static int send_child_delete(struct ike_sa *sa, uint32_t spi)
{
	struct buf inner;
	struct ikev2_chain c;
	uint8_t b[4];
	int ret;

	if (sa->req_pending)
		return -1;
	put_be32(b, spi);
	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	ikev2_put_delete(&c, &(struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 1, b });
	ret = send_sk(sa, IKEV2_EXCH_INFORMATIONAL, false, &inner, c.first);
	buf_free(&inner);
	return ret;
}

/* ---------------------------------------------------------- payload helpers */

static int get_nonce(const struct ikev2_pldlist *l, uint8_t *out, size_t *len)
{
	const struct ikev2_pld *p = ikev2_pld_find(l, IKEV2_PL_NONCE, &(size_t){ 0 });
	const uint8_t *n;
	size_t nl;

	if (!p || ikev2_pld_nonce_decode(p->body, p->len, &n, &nl, NULL) || nl > IKEV2_NONCE_MAX)
		return -1;
	memcpy(out, n, nl);
	*len = nl;
	return 0;
}

static int get_sa(const struct ikev2_pldlist *l, struct ikev2_sa *out)
{
	const struct ikev2_pld *p = ikev2_pld_find(l, IKEV2_PL_SA, &(size_t){ 0 });

	return !p || ikev2_pld_sa_decode(p->body, p->len, out, NULL) ? -1 : 0;
}

/* g^ir from the peer's KE payload with our key dh; 0 and its length, or -1. */
static int get_gir(const struct ikev2_pldlist *l, struct crypto_dh *dh, uint8_t *gir, size_t cap,
		   size_t *gir_len)
{
	const struct ikev2_pld *p = ikev2_pld_find(l, IKEV2_PL_KE, &(size_t){ 0 });
	uint16_t group = crypto_dh_group(dh);
	size_t gl = crypto_dh_secret_len(group);
	struct ikev2_ke ke;

	if (!p || ikev2_pld_ke_decode(p->body, p->len, &ke, NULL) || ke.group != group || gl > cap ||
	    crypto_dh_derive(dh, ke.data, ke.len, gir, gl))
		return -1;
	*gir_len = gl;
	return 0;
}

static int put_ke(struct ikev2_chain *c, struct crypto_dh *dh)
{
	uint8_t pub[1024];
	uint16_t group = crypto_dh_group(dh);
	size_t plen = crypto_dh_pub_len(group);

	if (plen > sizeof(pub) || crypto_dh_public(dh, pub, plen))
		return -1;
	return ikev2_put_ke(c, &(struct ikev2_ke){ group, pub, plen });
}

/* The DH group of the first proposal that has one (0: none). */
static uint16_t first_dh(const struct ikev2_sa *s)
{
	for (size_t i = 0; i < s->nproposals; i++) {
		const struct ikev2_transform *t = proposal_get(&s->prop[i], IKEV2_XF_DH);

		if (t && t->id != IKEV2_DH_NONE)
			return t->id;
	}
	return 0;
}

static bool offers_dh(const struct ikev2_sa *s, uint16_t group)
{
	for (size_t i = 0; i < s->nproposals; i++)
		for (size_t j = 0; j < s->prop[i].ntransforms; j++)
			if (s->prop[i].xf[j].type == IKEV2_XF_DH && s->prop[i].xf[j].id == group)
				return true;
	return false;
}

static void set_spi(struct ikev2_sa *s, const uint8_t *spi, uint8_t size)
{
	for (size_t i = 0; i < s->nproposals; i++) {
		s->prop[i].spi_size = size;
		memcpy(s->prop[i].spi, spi, size);
	}
}

static void pending_clear(struct child_rekey *rk)
{
	crypto_dh_free(rk->dh);
	rk->dh = NULL;
	OPENSSL_cleanse(rk->ni, sizeof(rk->ni));
	rk->pending = RK_IDLE;
}

/* ---------------------------------------------------------- Child SA rekey: initiator */

static int child_rekey_start(struct ike_sa *sa)
{
	struct child_rekey *rk = rk_get(sa);
	struct child_sa *ch = &sa->child;
	struct buf inner;
	struct ikev2_chain c;
	uint8_t spi[4];
	int ret;

	if (!rk || sa->state != IKE_ESTABLISHED || !ch->installed)
		return -1;
	if (rk->peer_new.used && rk->peer_new_redundant && !sa->req_pending) {
		/* the peer never deleted its losing pair: we do it (either end may) */
		log_info("%s: deleting the peer's redundant Child SA (in 0x%08x)", sa->conn->name,
			 rk->peer_new.spi_in);
		if (!send_child_delete(sa, rk->peer_new.spi_in)) {
			kernel_sa_del(&sa->local, rk->peer_new.spi_in);
			keys_clear(&rk->peer_new);
		}
	}
	if (sa->req_pending || rk->pending != RK_IDLE || rk->old || rk->peer_new.used) {
		/* one thing at a time: try again shortly */
		arm(rk->child_timer, RETRY_BUSY_SECS);
		return 0;
	}
	rk->new_in = new_esp_spi();
	rk->ni_len = NONCE_LEN;
	rk->dh_group = rk->child_group ? rk->child_group : first_dh(&sa->conn->esp);
	if (!rk->new_in || crypto_random(rk->ni, rk->ni_len))
		return -1;
	if (rk->dh_group) {
		rk->dh = crypto_dh_new(rk->dh_group);
		if (!rk->dh)
			return -1;
	}
	rk->offer = sa->conn->esp;
	put_be32(spi, rk->new_in);
	set_spi(&rk->offer, spi, 4);
	rk->rekeyed_in = ch->spi_in;
	put_be32(spi, ch->spi_in);

	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	ikev2_put_notify(&c, &(struct ikev2_notify){ .proto = IKEV2_PROTO_ESP, .spi_size = 4,
						     .spi = { spi[0], spi[1], spi[2], spi[3] },
						     .type = IKEV2_N_REKEY_SA });
	if (ch->mode == KIPSEC_MODE_TRANSPORT)
		put_notify(&c, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_put_sa(&c, &rk->offer);
	ikev2_put_nonce(&c, rk->ni, rk->ni_len);
	if (rk->dh && put_ke(&c, rk->dh)) {
		buf_free(&inner);
		pending_clear(rk);
		return -1;
	}
	ikev2_put_ts(&c, IKEV2_PL_TSI, &ch->ts_local);
	ikev2_put_ts(&c, IKEV2_PL_TSR, &ch->ts_remote);
	rk->pending = RK_CHILD;
	log_info("%s: rekeying Child SA (SPIs in 0x%08x out 0x%08x)%s", sa->conn->name, ch->spi_in,
		 ch->spi_out, rk->dh ? ", with PFS" : "");
	ret = send_sk(sa, IKEV2_EXCH_CREATE_CHILD_SA, false, &inner, c.first);
	buf_free(&inner);
	/* a queued request is retransmitted even if this first send failed */
	if (ret && !sa->req_pending) {
		pending_clear(rk);
		return ret;
	}
	return 0;
}

static void child_rekey_response(struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	struct child_rekey *rk = sa->rk;
	struct child_sa *ch = &sa->child;
	struct ikev2_sa reply;
	struct ikev2_notify n;
	struct new_child nc = { .used = true, .we_init = true };
	uint8_t gir[1024];
	size_t gl = 0;
	uint16_t err = error_notify(l);
	bool redundant, pfs;
	int ret;

	if (err && (!ch->installed || ch->spi_in != rk->rekeyed_in)) {
		/* the pair we wanted to rekey was replaced meanwhile (the peer's rekey won) */
		pending_clear(rk);
		log_info("%s: Child SA rekey: peer answered %s, but the pair was rekeyed by the peer "
			 "meanwhile", sa->conn->name, ikev2_notify_name(err));
		return;
	}
	if (err) {
		pending_clear(rk);
		if (err == IKEV2_N_INVALID_KE_PAYLOAD && find_notify(l, err, &n) && n.len == 2 &&
		    offers_dh(&sa->conn->esp, get_be16(n.data))) {
			rk->child_group = get_be16(n.data);
			log_info("%s: %s wants DH group %u for the Child SA, retrying", sa->conn->name,
				 peer_name(sa), rk->child_group);
			arm(rk->child_timer, 0);
		} else if (err == IKEV2_N_TEMPORARY_FAILURE) {
			log_info("%s: Child SA rekey: peer answered TEMPORARY_FAILURE%s", sa->conn->name,
				 rk->peer_new.used ? " (its own rekey goes on)" : ", retrying shortly");
			if (!rk->peer_new.used)
				retry_later(rk->child_timer);
		} else if (err == IKEV2_N_CHILD_SA_NOT_FOUND) {
			log_err("%s: Child SA rekey: peer answered CHILD_SA_NOT_FOUND, removing the Child SA",
				sa->conn->name);
			child_uninstall(sa);
		} else {
			log_err("%s: Child SA rekey failed: peer answered %s; the old SA stays until it expires",
				sa->conn->name, ikev2_notify_name(err));
			retry_later(rk->child_timer);
		}
		return;
	}
	nc.spi_in = rk->new_in;
	memcpy(nc.ni, rk->ni, rk->ni_len);
	nc.ni_len = rk->ni_len;
	if (get_sa(l, &reply) || proposal_check_reply(&rk->offer, &reply, &nc.prop) ||
	    nc.prop.spi_size != 4 || get_nonce(l, nc.nr, &nc.nr_len)) {
		log_err("%s: Child SA rekey: the answer lacks an offered proposal or a nonce", sa->conn->name);
		goto fail;
	}
	nc.spi_out = get_be32(nc.prop.spi);
	{
		/* the peer may pick one of our proposals without a DH group: no PFS then */
		const struct ikev2_transform *dh = proposal_get(&nc.prop, IKEV2_XF_DH);

		pfs = dh && dh->id != IKEV2_DH_NONE;
		if (pfs && (!rk->dh || dh->id != rk->dh_group ||
			    get_gir(l, rk->dh, gir, sizeof(gir), &gl))) {
			log_err("%s: Child SA rekey: missing or wrong KE payload in the answer",
				sa->conn->name);
			goto fail;
		}
	}
	ret = child_keys(sa, &nc, pfs ? gir : NULL, gl);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (ret) {
		log_err("%s: Child SA rekey: key derivation failed", sa->conn->name);
		goto fail;
	}
	pending_clear(rk);

	/* 2.8.1: is ours the redundant one? */
	redundant = !ch->installed || ch->spi_in != rk->rekeyed_in;
	if (!redundant && rk->peer_new.used)
		redundant = rekey_we_lose(nc.ni, nc.ni_len, nc.nr, nc.nr_len, rk->peer_new.ni,
					  rk->peer_new.ni_len, rk->peer_new.nr, rk->peer_new.nr_len);
	if (redundant) {
		log_info("%s: simultaneous Child SA rekey: ours (in 0x%08x out 0x%08x) is redundant, "
			 "deleting it", sa->conn->name, nc.spi_in, nc.spi_out);
		send_child_delete(sa, nc.spi_in);
		keys_clear(&nc);
		return;
	}
	/* make before break: receive on the new pair, then send on it */
	if (install_sa(sa, &nc, true)) {
		keys_clear(&nc);
		return;
	}
	if (install_sa(sa, &nc, false)) {
		kernel_sa_del(&sa->local, nc.spi_in);
		keys_clear(&nc);
		return;
	}
	rk->peer_new_redundant = rk->peer_new.used;
	switch_to(sa, &nc, rk->peer_new.used ? "ours won a collision" : "by us");
	if (!send_child_delete(sa, rk->old_in))
		rk->old_delete_sent = true;
	return;
fail:
	pending_clear(rk);
	/* the peer answered with a pair of its own: have it removed (2.8) */
	if (nc.prop.spi_size == 4 && send_child_delete(sa, nc.spi_in) == 0)
		log_info("%s: deleting the pair the peer created for our failed rekey", sa->conn->name);
	keys_clear(&nc);
	retry_later(rk->child_timer);
}

/* ---------------------------------------------------------- Child SA rekey: responder */

static void child_rekey_request(struct ike_sa *sa, const struct ikev2_pldlist *l, uint32_t spi)
{
	struct child_rekey *rk = rk_get(sa);
	struct child_sa *ch = &sa->child;
	const struct conf_conn *conn = sa->conn;
	struct new_child *nc;
	struct ikev2_sa *offer;
	struct ikev2_notify n;
	struct ikev2_ts_list tsi, tsr, nl, nr;
	const struct ikev2_pld *tsi_p, *tsr_p;
	const struct ikev2_transform *dh;
	struct crypto_dh *mydh = NULL;
	uint8_t gir[1024], b[4];
	size_t gl = 0;
	struct buf inner;
	struct ikev2_chain c;
	int ret;

	if (!rk) {
		answer_error(sa, IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (!ch->installed || spi != ch->spi_out) {
		bool old = rk->old && spi == rk->old_out;

		log_info("%s: peer rekeys Child SA with SPI 0x%08x: %s", conn->name, spi,
			 old ? "being deleted, TEMPORARY_FAILURE" : "unknown, CHILD_SA_NOT_FOUND");
		answer_error(sa, old ? IKEV2_N_TEMPORARY_FAILURE : IKEV2_N_CHILD_SA_NOT_FOUND, NULL, 0);
		return;
	}
	if (rk->peer_new.used || rk->pending == RK_IKE) {
		answer_error(sa, IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	nc = &rk->peer_new;
	memset(nc, 0, sizeof(*nc));
	rk->peer_new_redundant = false;
	offer = malloc(sizeof(*offer));
	if (!offer || get_sa(l, offer) || proposal_select(&conn->esp, offer, IKEV2_PROTO_ESP, &nc->prop, NULL) ||
	    nc->prop.spi_size != 4) {
		free(offer);
		log_err("%s: Child SA rekey from %s: NO_PROPOSAL_CHOSEN", conn->name, peer_name(sa));
		answer_error(sa, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	free(offer);
	if (get_nonce(l, nc->ni, &nc->ni_len)) {
		answer_error(sa, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	tsi_p = ikev2_pld_find(l, IKEV2_PL_TSI, &(size_t){ 0 });
	tsr_p = ikev2_pld_find(l, IKEV2_PL_TSR, &(size_t){ 0 });
	if (!tsi_p || !tsr_p || ikev2_pld_ts_decode(IKEV2_PL_TSI, tsi_p->body, tsi_p->len, &tsi, NULL) ||
	    ikev2_pld_ts_decode(IKEV2_PL_TSR, tsr_p->body, tsr_p->len, &tsr, NULL) ||
	    ts_responder_narrow(&tsi, &tsr, &conn->remote.ts, &conn->local.ts, &nr, &nl)) {
		log_err("%s: Child SA rekey from %s: TS_UNACCEPTABLE", conn->name, peer_name(sa));
		answer_error(sa, IKEV2_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	if ((ch->mode == KIPSEC_MODE_TRANSPORT) != (find_notify(l, IKEV2_N_USE_TRANSPORT_MODE, &n) != NULL)) {
		log_err("%s: Child SA rekey from %s changes the mode: NO_PROPOSAL_CHOSEN", conn->name,
			peer_name(sa));
		answer_error(sa, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	dh = proposal_get(&nc->prop, IKEV2_XF_DH);
	if (dh && dh->id != IKEV2_DH_NONE) {
		const struct ikev2_pld *kp = ikev2_pld_find(l, IKEV2_PL_KE, &(size_t){ 0 });
		struct ikev2_ke ke;

		if (!kp || ikev2_pld_ke_decode(kp->body, kp->len, &ke, NULL) || ke.group != dh->id) {
			put_be16(b, dh->id);
			log_info("%s: Child SA rekey from %s: asking for DH group %u", conn->name,
				 peer_name(sa), dh->id);
			answer_error(sa, IKEV2_N_INVALID_KE_PAYLOAD, b, 2);
			return;
		}
		mydh = crypto_dh_new(dh->id);
		if (!mydh || get_gir(l, mydh, gir, sizeof(gir), &gl)) {
			crypto_dh_free(mydh);
			log_err("%s: Child SA rekey from %s: invalid KE payload", conn->name, peer_name(sa));
			answer_error(sa, IKEV2_N_INVALID_SYNTAX, NULL, 0);
			return;
		}
	}
	nc->we_init = false;
	nc->spi_out = get_be32(nc->prop.spi);
	nc->spi_in = new_esp_spi();
	nc->nr_len = NONCE_LEN;
	ret = !nc->spi_in || crypto_random(nc->nr, nc->nr_len) || child_keys(sa, nc, mydh ? gir : NULL, gl);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (ret || install_sa(sa, nc, true)) {
		crypto_dh_free(mydh);
		keys_clear(nc);
		answer_error(sa, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	nc->used = true;
	put_be32(nc->prop.spi, nc->spi_in);

	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	if (ch->mode == KIPSEC_MODE_TRANSPORT)
		put_notify(&c, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_put_sa(&c, &(struct ikev2_sa){ .nproposals = 1, .prop = { nc->prop } });
	ikev2_put_nonce(&c, nc->nr, nc->nr_len);
	if (mydh)
		put_ke(&c, mydh);
	ikev2_put_ts(&c, IKEV2_PL_TSI, &nr);
	ikev2_put_ts(&c, IKEV2_PL_TSR, &nl);
	crypto_dh_free(mydh);
	log_info("%s: peer %s rekeys the Child SA%s: new SPIs in 0x%08x out 0x%08x (outbound once the "
		 "old pair is deleted)%s", conn->name, peer_name(sa), mydh ? " with PFS" : "", nc->spi_in,
		 nc->spi_out, rk->pending == RK_CHILD ? ", collides with ours" : "");
	send_sk(sa, IKEV2_EXCH_CREATE_CHILD_SA, true, &inner, c.first);
	buf_free(&inner);
}

/* ---------------------------------------------------------- IKE SA rekey */

/* The Child SA and the rekey state go over to the new IKE SA (2.18). */
static void move_children(struct ike_sa *old, struct ike_sa *nsa)
{
	nsa->child = old->child;
	memset(&old->child, 0, sizeof(old->child));
	nsa->rk = old->rk;
	old->rk = NULL;
	if (nsa->rk)
		nsa->rk->sa = nsa;
	ikev2_rekey_ike_established(nsa);
}

static int ike_keys(struct ike_sa *old, struct ike_sa *nsa, struct crypto_dh *dh,
		    const struct ikev2_pldlist *l)
{
	uint8_t gir[1024];
	size_t gl;
	int ret;

	if (get_gir(l, dh, gir, sizeof(gir), &gl))
		return -1;
	ret = crypto_ike_rekey_keys(old->prf, old->keys.sk_d, old->keys.prf_len, nsa->prf, &nsa->sk,
				    nsa->ni, nsa->ni_len, nsa->nr, nsa->nr_len, gir, gl, nsa->spi_i,
				    nsa->spi_r, &nsa->keys);
	OPENSSL_cleanse(gir, sizeof(gir));
	return ret ? -1 : 0;
}

static void new_ike_common(struct ike_sa *old, struct ike_sa *nsa)
{
	nsa->local = old->local;
	nsa->remote = old->remote;
	nsa->state = IKE_ESTABLISHED;
	nsa->req_msgid = 0;
	nsa->peer_msgid = 0;
}

static int ike_rekey_start(struct ike_sa *sa)
{
	struct child_rekey *rk = rk_get(sa);
	struct buf inner;
	struct ikev2_chain c;
	uint8_t spi[8];
	int ret;

	if (!rk || sa->state != IKE_ESTABLISHED)
		return -1;
	if (sa->req_pending || rk->pending != RK_IDLE || rk->old || rk->peer_new.used) {
		arm(rk->ike_timer, RETRY_BUSY_SECS);
		return 0;
	}
	do {
		if (crypto_random((uint8_t *)&rk->new_ike_spi, 8))
			return -1;
	} while (!rk->new_ike_spi);
	rk->ni_len = NONCE_LEN;
	if (crypto_random(rk->ni, rk->ni_len))
		return -1;
	rk->dh_group = rk->ike_group ? rk->ike_group : sa->dh_group;
	rk->dh = crypto_dh_new(rk->dh_group);
	if (!rk->dh)
		return -1;
	rk->offer = sa->conn->ike;
	put_be64(spi, rk->new_ike_spi);
	set_spi(&rk->offer, spi, 8);
	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	ikev2_put_sa(&c, &rk->offer);
	ikev2_put_nonce(&c, rk->ni, rk->ni_len);
	if (put_ke(&c, rk->dh)) {
		buf_free(&inner);
		pending_clear(rk);
		return -1;
	}
	rk->pending = RK_IKE;
	log_info("%s: rekeying the IKE SA with %s (DH group %u)", sa->conn->name, peer_name(sa),
		 rk->dh_group);
	ret = send_sk(sa, IKEV2_EXCH_CREATE_CHILD_SA, false, &inner, c.first);
	buf_free(&inner);
	/* a queued request is retransmitted even if this first send failed */
	if (ret && !sa->req_pending) {
		pending_clear(rk);
		return ret;
	}
	return 0;
}

static void ike_rekey_response(struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	struct child_rekey *rk = sa->rk;
	struct ikev2_sa reply;
	struct ikev2_proposal chosen;
	struct ikev2_notify n;
	struct ike_sa *nsa;
	uint16_t err = error_notify(l), dh;

	if (err) {
		pending_clear(rk);
		if (err == IKEV2_N_INVALID_KE_PAYLOAD && find_notify(l, err, &n) && n.len == 2 &&
		    offers_dh(&sa->conn->ike, get_be16(n.data))) {
			rk->ike_group = get_be16(n.data);
			arm(rk->ike_timer, 0);
			return;
		}
		log_info("%s: IKE SA rekey: peer answered %s, retrying shortly", sa->conn->name,
			 ikev2_notify_name(err));
		retry_later(rk->ike_timer);
		return;
	}
	if (get_sa(l, &reply) || proposal_check_reply(&rk->offer, &reply, &chosen) ||
	    chosen.spi_size != 8) {
		log_err("%s: IKE SA rekey: the answer holds no proposal we offered", sa->conn->name);
		goto fail;
	}
	nsa = ike_sa_new(true, sa->conn);
	if (!nsa)
		goto fail;
	nsa->spi_i = rk->new_ike_spi;
	nsa->spi_r = get_be64(chosen.spi);
	nsa->ike_prop = chosen;
	memcpy(nsa->ni, rk->ni, rk->ni_len);
	nsa->ni_len = rk->ni_len;
	new_ike_common(sa, nsa);
	if (proposal_ike_algs(&chosen, &nsa->sk, &nsa->prf, &dh) || dh != rk->dh_group ||
	    get_nonce(l, nsa->nr, &nsa->nr_len) || ike_keys(sa, nsa, rk->dh, l)) {
		log_err("%s: IKE SA rekey: invalid answer (proposal, nonce or KE)", sa->conn->name);
		ike_sa_free(nsa);
		goto fail;
	}
	nsa->dh_group = dh;
	pending_clear(rk);
	move_children(sa, nsa);
	log_info("%s: IKE SA rekeyed by us, new SPIs %016llx_i %016llx_r, deleting the old one",
		 sa->conn->name, (unsigned long long)nsa->spi_i, (unsigned long long)nsa->spi_r);
	if (send_ike_delete(sa))
		ike_delete_local(sa, "rekeyed");
	return;
fail:
	pending_clear(rk);
	retry_later(rk->ike_timer);
}

static void ike_rekey_request(struct ike_sa *sa, const struct ikev2_pldlist *l, const struct ikev2_sa *offer)
{
	struct child_rekey *rk = rk_get(sa);
	struct ikev2_proposal chosen;
	const struct ikev2_pld *kp;
	struct ikev2_ke ke;
	struct crypto_dh *mydh = NULL;
	struct ike_sa *nsa;
	uint16_t dh;
	uint8_t b[2];
	struct buf inner;
	struct ikev2_chain c;

	if (!rk || rk->pending != RK_IDLE || rk->old || rk->peer_new.used || sa->req_pending) {
		/* 2.25: busy with another exchange (also a simultaneous IKE rekey: both retry later) */
		answer_error(sa, IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (proposal_select(&sa->conn->ike, offer, IKEV2_PROTO_IKE, &chosen, NULL) || chosen.spi_size != 8 ||
	    proposal_ike_algs(&chosen, &(struct crypto_sk_alg){ 0 }, &(uint16_t){ 0 }, &dh)) {
		log_err("%s: IKE SA rekey from %s: NO_PROPOSAL_CHOSEN", sa->conn->name, peer_name(sa));
		answer_error(sa, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	kp = ikev2_pld_find(l, IKEV2_PL_KE, &(size_t){ 0 });
	if (!kp || ikev2_pld_ke_decode(kp->body, kp->len, &ke, NULL) || ke.group != dh) {
		put_be16(b, dh);
		answer_error(sa, IKEV2_N_INVALID_KE_PAYLOAD, b, 2);
		return;
	}
	nsa = ike_sa_new(false, sa->conn);
	if (!nsa) {
		answer_error(sa, IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	nsa->spi_i = get_be64(chosen.spi);
	nsa->ike_prop = chosen;
	nsa->dh_group = dh;
	proposal_ike_algs(&chosen, &nsa->sk, &nsa->prf, &dh);
	new_ike_common(sa, nsa);
	nsa->nr_len = NONCE_LEN;
	mydh = crypto_dh_new(dh);
	if (get_nonce(l, nsa->ni, &nsa->ni_len) || crypto_random(nsa->nr, nsa->nr_len) || !mydh ||
	    ike_keys(sa, nsa, mydh, l)) {
		crypto_dh_free(mydh);
		ike_sa_free(nsa);
		log_err("%s: IKE SA rekey from %s: invalid nonce or KE payload", sa->conn->name, peer_name(sa));
		answer_error(sa, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	put_be64(chosen.spi, nsa->spi_r);
	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	ikev2_put_sa(&c, &(struct ikev2_sa){ .nproposals = 1, .prop = { chosen } });
	ikev2_put_nonce(&c, nsa->nr, nsa->nr_len);
	put_ke(&c, mydh);
	crypto_dh_free(mydh);
	send_sk(sa, IKEV2_EXCH_CREATE_CHILD_SA, true, &inner, c.first);
	buf_free(&inner);
	move_children(sa, nsa);
	log_info("%s: IKE SA rekeyed by %s, new SPIs %016llx_i %016llx_r", sa->conn->name, peer_name(sa),
		 (unsigned long long)nsa->spi_i, (unsigned long long)nsa->spi_r);
	/* the old IKE SA waits for the peer's Delete; if that never comes it goes anyway */
	sa->state = IKE_DELETING;
	ike_sa_expire_in(sa, 30);
}

/* ---------------------------------------------------------- dispatch */

void ikev2_child_recv(struct ike_sa *sa, const struct ikev2_pldlist *l, bool response)
{
	struct ikev2_notify n;
	struct ikev2_sa *offer;

	if (response) {
		ike_sa_request_done(sa);
		if (!sa->rk || sa->rk->pending == RK_IDLE)
			return;
		if (sa->rk->pending == RK_CHILD)
			child_rekey_response(sa, l);
		else
			ike_rekey_response(sa, l);
		return;
	}
	if (find_notify(l, IKEV2_N_REKEY_SA, &n)) {
		if (n.proto != IKEV2_PROTO_ESP || n.spi_size != 4) {
			answer_error(sa, IKEV2_N_CHILD_SA_NOT_FOUND, NULL, 0);
			return;
		}
		child_rekey_request(sa, l, get_be32(n.spi));
		return;
	}
	offer = malloc(sizeof(*offer));
	if (offer && !get_sa(l, offer) && offer->nproposals && offer->prop[0].proto == IKEV2_PROTO_IKE) {
		ike_rekey_request(sa, l, offer);
		free(offer);
		return;
	}
	free(offer);
	/* one Child SA per IKE SA for now */
	log_warn("%s: CREATE_CHILD_SA from %s for an additional Child SA, answering NO_ADDITIONAL_SAS",
		 sa->conn->name, peer_name(sa));
	answer_error(sa, IKEV2_N_NO_ADDITIONAL_SAS, NULL, 0);
}

bool ikev2_child_delete(struct ike_sa *sa, uint32_t spi, struct ikev2_chain *c)
{
	struct child_rekey *rk = sa->rk;
	struct child_sa *ch = &sa->child;
	uint8_t b[4];

	if (!rk)
		return false;
	if (rk->peer_new.used && spi == rk->peer_new.spi_out) {
		/* the peer drops its redundant pair (collision) */
		log_info("%s: peer deletes its redundant Child SA (in 0x%08x out 0x%08x)", sa->conn->name,
			 rk->peer_new.spi_in, rk->peer_new.spi_out);
		put_be32(b, rk->peer_new.spi_in);
		kernel_sa_del(&sa->local, rk->peer_new.spi_in);
		keys_clear(&rk->peer_new);
		ikev2_put_delete(c, &(struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 1, b });
		return true;
	}
	if (rk->peer_new.used && ch->installed && spi == ch->spi_out) {
		/* the peer's rekey is done: now send on the new pair, then drop the old one */
		if (install_sa(sa, &rk->peer_new, false)) {
			kernel_sa_del(&sa->local, rk->peer_new.spi_in);
			keys_clear(&rk->peer_new);
			return false;	/* the Child SA goes as a whole */
		}
		switch_to(sa, &rk->peer_new, "by the peer");
		put_be32(b, rk->old_in);
		del_pair(sa, rk->old_in, rk->old_out);
		rk->old = false;
		ikev2_put_delete(c, &(struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 1, b });
		return true;
	}
	if (rk->old && spi == rk->old_out) {
		/* our Delete and the peer's crossed */
		put_be32(b, rk->old_in);
		del_pair(sa, rk->old_in, rk->old_out);
		rk->old = false;
		ikev2_put_delete(c, &(struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 1, b });
		return true;
	}
	return false;
}

void ikev2_child_info_response(struct ike_sa *sa)
{
	struct child_rekey *rk = sa->rk;

	if (rk && rk->old && rk->old_delete_sent) {
		del_pair(sa, rk->old_in, rk->old_out);
		log_info("%s: old Child SA removed (SPIs in 0x%08x out 0x%08x)", sa->conn->name, rk->old_in,
			 rk->old_out);
		rk->old = false;
		rk->old_delete_sent = false;
	}
}

void ikev2_child_cleanup(struct ike_sa *sa)
{
	struct child_rekey *rk = sa->rk;

	if (!rk)
		return;
	if (rk->old)
		del_pair(sa, rk->old_in, rk->old_out);
	if (rk->peer_new.used)
		kernel_sa_del(&sa->local, rk->peer_new.spi_in);
	keys_clear(&rk->peer_new);
	pending_clear(rk);
	event_free(rk->child_timer);
	event_free(rk->ike_timer);
	OPENSSL_cleanse(rk, sizeof(*rk));
	free(rk);
	sa->rk = NULL;
}

/* ---------------------------------------------------------- triggers */

static void child_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct child_rekey *rk = arg;

	(void)fd;
	(void)what;
	if (child_rekey_start(rk->sa))
		log_err("%s: cannot start the Child SA rekey", rk->sa->conn->name);
}

static void ike_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct child_rekey *rk = arg;

	(void)fd;
	(void)what;
	if (ike_rekey_start(rk->sa))
		log_err("%s: cannot start the IKE SA rekey", rk->sa->conn->name);
}

void ikev2_child_expire(const struct sockaddr_storage *dst, uint32_t spi, bool hard)
{
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next) {
		struct child_rekey *rk = sa->rk;
		struct rekey_child_view v = {
			.installed = sa->child.installed, .spi_in = sa->child.spi_in,
			.spi_out = sa->child.spi_out, .old = rk && rk->old,
			.old_in = rk ? rk->old_in : 0, .old_out = rk ? rk->old_out : 0,
			.rekeying = rk && (rk->pending == RK_CHILD || rk->peer_new.used),
		};
		bool inbound;

		if (net_addr_equal(dst, &sa->local))
			inbound = true;
		else if (net_addr_equal(dst, &sa->remote))
			inbound = false;
		else
			continue;
		switch (rekey_on_expire(&v, spi, inbound, hard)) {
		case REKEY_EXPIRE_REKEY:
			log_info("%s: soft lifetime of SA 0x%08x reached, rekeying", sa->conn->name, spi);
			if (rk)
				arm(rk->child_timer, 0);
			else
				child_rekey_start(sa);
			return;
		case REKEY_EXPIRE_REMOVE:
			log_warn("%s: hard lifetime of SA 0x%08x reached, removing the Child SA",
				 sa->conn->name, spi);
			send_child_delete(sa, sa->child.spi_in);
			child_uninstall(sa);
			return;
		case REKEY_EXPIRE_FORGET:
			rk->old = false;
			return;
		case REKEY_EXPIRE_IGNORE:
			break;
		}
	}
}

int ikev2_rekey_cmd(const char *name, const char *what, FILE *out)
{
	struct ike_sa *sa;
	bool ike = !strcmp(what, "ike");

	if (!ike && strcmp(what, "child")) {
		fprintf(out, "error: rekey what? \"child\" or \"ike\"\n");
		return -1;
	}
	for (sa = ike_sa_first(); sa; sa = sa->next)
		if (!strcmp(sa->conn->name, name) && sa->state == IKE_ESTABLISHED)
			break;
	if (!sa) {
		fprintf(out, "error: %s has no established IKE SA\n", name);
		return -1;
	}
	if (!ike && !sa->child.installed) {
		fprintf(out, "error: %s has no Child SA\n", name);
		return -1;
	}
	if (!sa->rk && !rk_get(sa)) {
		fprintf(out, "error: out of memory\n");
		return -1;
	}
	/* through the timer, so a busy IKE SA retries by itself */
	arm(ike ? sa->rk->ike_timer : sa->rk->child_timer, 0);
	fprintf(out, "ok: %s rekeying the %s SA\n", name, ike ? "IKE" : "Child");
	return 0;
}
