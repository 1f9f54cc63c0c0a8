// SPDX-License-Identifier: GPL-2.0
/*
 * The IKEv2 exchange state machine; see ikev2_exch.h. Every message is
 * decoded completely (ikev2_msg.c) before any state changes, and every
 * failure is logged as one line that names the peer and the reason.
 */
#include "ikev2_exch.h"
#include "ikev2.h"
#include "cert.h"
#include "ikev2_auth.h"
#include "ikev2_child.h"
#include "ikev2_frag.h"
#include "ikev2_msg.h"
#include "ikev2_sa.h"
#include "dpd.h"
#include "kernel.h"
#include "log.h"
#include "net.h"
#include "proposal.h"
#include "trap.h"
#include "ts.h"

#include <stdlib.h>
#include <string.h>

#include <linux/kipsec.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>

#define NONCE_LEN	32
#define PRIO_BYPASS	10	/* IKE itself, ahead of transport-mode selectors */
#define PRIO_PROTECT	1000
#define HALF_OPEN_SECS	60	/* a responder SA waits this long for IKE_AUTH */
/* RFC 7383 2.5.1: fragments fit a 1280-byte IPv6 packet (40 IP + 8 UDP bytes off) */
#define FRAG_MAX_DATAGRAM	1232

static const struct keyd_conf *cfg;

void ikev2_setup(const struct keyd_conf *conf)
{
	cfg = conf;
}

static const char *peer(const struct ike_sa *sa)
{
	static char buf[INET6_ADDRSTRLEN];

	return net_ntop(&sa->remote, buf, sizeof(buf));
}

/* ------------------------------------------------------------ sending */

static void hdr_for(const struct ike_sa *sa, struct ikev2_hdr *h, uint8_t exch, bool response,
		    uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->version = IKEV2_VERSION;
	h->exchange = exch;
	h->flags = (uint8_t)((sa->initiator ? IKEV2_FLAG_INITIATOR : 0) | (response ? IKEV2_FLAG_RESPONSE : 0));
	h->msgid = msgid;
}

/* Keys we send with (the initiator's for the original initiator). */
static const uint8_t *out_ek(const struct ike_sa *sa)
{
	return sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er;
}

static const uint8_t *out_ak(const struct ike_sa *sa)
{
	return sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
}

/* Seals the inner chain in SK and sends it as our request or our response. */
int send_sk(struct ike_sa *sa, uint8_t exch, bool response, struct buf *inner, uint8_t first)
{
	struct ikev2_hdr h;
	struct ikev2_chain c;
	struct buf msg;
	int ret;

	buf_init(&msg);
	hdr_for(sa, &h, exch, response, response ? sa->peer_msgid : sa->req_msgid);
	ikev2_msg_begin(&msg, &c, &h);
	if (inner->failed ||
	    ikev2_msg_seal(&c, &sa->sk, out_ek(sa), out_ak(sa), inner->data, inner->len, first, 0, 0, NULL)) {
		log_err("%s to %s: cannot build the message", ikev2_exchange_name(exch), peer(sa));
		buf_free(&msg);
		return -1;
	}
	/* RFC 7383: too big for one datagram and the peer reassembles: SKF fragments */
	if (sa->peer_frag && msg.len > FRAG_MAX_DATAGRAM &&
	    ikev2_frag_split_into(&h, &sa->sk, out_ek(sa), out_ak(sa), inner->data, inner->len, first,
				  FRAG_MAX_DATAGRAM, &msg) < 0) {
		log_err("%s to %s: cannot fragment the message", ikev2_exchange_name(exch), peer(sa));
		buf_free(&msg);
		return -1;
	}
	ret = response ? ike_sa_send_response(sa, &msg) : ike_sa_send_request(sa, exch, &msg);
	buf_free(&msg);
	return ret;
}

/* Is this an SKF fragment other than the first? */
static bool later_fragment(const struct ikev2_msg *m)
{
	const struct ikev2_pld *p = m->pl.n ? &m->pl.p[m->pl.n - 1] : NULL;
	struct ikev2_skf skf;

	return p && p->type == IKEV2_PL_SKF && !ikev2_pld_skf_decode(p->body, p->len, &skf, NULL) &&
	       skf.frag_num != 1;
}

/*
 * An SKF fragment, already authenticated and decrypted into plain: 1 while
 * the message is incomplete (or on error, logged), 0 when it is whole:
 * then plain holds it and inner its payloads.
 */
static int collect_fragment(struct ike_sa *sa, const struct ikev2_msg *m, struct buf *plain,
			    struct ikev2_pldlist *inner)
{
	const struct ikev2_pld *p = &m->pl.p[m->pl.n - 1];
	struct ikev2_error err;
	struct ikev2_skf skf;
	struct buf whole;
	int r;

	if (!sa->frag) {
		sa->frag = malloc(sizeof(*sa->frag));
		if (!sa->frag)
			return 1;
		ikev2_frag_init(sa->frag);
	}
	r = ikev2_pld_skf_decode(p->body, p->len, &skf, &err);
	if (!r)
		r = ikev2_frag_add(sa->frag, m->hdr.msgid, &skf, p->np, plain->data, plain->len, &err);
	if (r <= 0) {
		if (r < 0)
			log_warn("%s from %s: bad fragment: %s", ikev2_exchange_name(m->hdr.exchange), peer(sa),
				 err.msg);
		return 1;
	}
	buf_init(&whole);
	r = ikev2_frag_assemble(sa->frag, &whole, inner, &err);
	log_debug("%s from %s: reassembled from %u fragments (%zu bytes)",
		  ikev2_exchange_name(m->hdr.exchange), peer(sa), sa->frag->total, whole.len);
	ikev2_frag_reset(sa->frag);
	if (r) {
		log_warn("%s from %s: reassembled message malformed: %s", ikev2_exchange_name(m->hdr.exchange),
			 peer(sa), err.msg);
		buf_free(&whole);
		return 1;
	}
	buf_free(plain);
	*plain = whole;		/* inner points into it */
	return 0;
}

static void put_notify(struct ikev2_chain *c, uint16_t type, const void *data, size_t len)
{
	struct ikev2_notify n = { .type = type, .data = data, .len = len };

	ikev2_put_notify(c, &n);
}

/* An encrypted answer holding one error notify. */
static void answer_error(struct ike_sa *sa, uint8_t exch, uint16_t type)
{
	struct buf inner;
	struct ikev2_chain c;

	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	put_notify(&c, type, NULL, 0);
	send_sk(sa, exch, true, &inner, c.first);
	buf_free(&inner);
}

/* An unencrypted IKE_SA_INIT answer holding one notify (no state kept). */
static void answer_init_notify(const struct ikev2_hdr *rq, const struct sockaddr_storage *local,
			       const struct sockaddr_storage *remote, uint16_t type,
			       const void *data, size_t len)
{
	struct ikev2_hdr h = {
		.spi_i = rq->spi_i, .version = IKEV2_VERSION, .exchange = IKEV2_EXCH_IKE_SA_INIT,
		.flags = IKEV2_FLAG_RESPONSE, .msgid = 0,
	};
	struct ikev2_chain c;
	struct buf msg;

	buf_init(&msg);
	ikev2_msg_begin(&msg, &c, &h);
	put_notify(&c, type, data, len);
	if (!ikev2_msg_finish(&msg))
		net_send(msg.data, msg.len, local, remote);
	buf_free(&msg);
}

static void put_natd(struct ikev2_chain *c, const struct ike_sa *sa)
{
	uint8_t src[20], dst[20];
	size_t la, lr;
	const uint8_t *a = net_addr_bytes(&sa->local, &la), *r = net_addr_bytes(&sa->remote, &lr);

	if (ikev2_natd_hash(sa->spi_i, sa->spi_r, a, la, net_port(&sa->local), src) ||
	    ikev2_natd_hash(sa->spi_i, sa->spi_r, r, lr, net_port(&sa->remote), dst))
		return;
	put_notify(c, IKEV2_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	put_notify(c, IKEV2_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
}

/* ---------------------------------------------------------- identities */

/* The ID payload body (type, 3 reserved bytes, data), as AUTH covers it. */
static size_t id_body(const struct conf_end *e, const struct sockaddr_storage *addr, uint8_t *out,
		      size_t cap)
{
	uint8_t type = e->id_type;
	const uint8_t *data = e->id;
	size_t len = e->id_len;

	if (!type) {
		/* no identity configured: our address */
		data = net_addr_bytes(addr, &len);
		type = addr->ss_family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	}
	if (len + 4 > cap)
		return 0;
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, data, len);
	return len + 4;
}

static void put_id(struct ikev2_chain *c, uint8_t pl, const uint8_t *body, size_t len)
{
	struct ikev2_id id = { .type = body[0], .data = body + 4, .len = len - 4 };

	ikev2_put_id(c, pl, &id);
}

static void format_id(const uint8_t *body, size_t len, char *out, size_t cap)
{
	size_t n = len - 4;

	if (body[0] == IKEV2_ID_IPV4_ADDR && n == 4)
		inet_ntop(AF_INET, body + 4, out, (socklen_t)cap);
	else if (body[0] == IKEV2_ID_IPV6_ADDR && n == 16)
		inet_ntop(AF_INET6, body + 4, out, (socklen_t)cap);
	else if (body[0] == IKEV2_ID_FQDN || body[0] == IKEV2_ID_RFC822_ADDR)
		snprintf(out, cap, "%.*s", (int)(n > 200 ? 200 : n), (const char *)body + 4);
	else
		snprintf(out, cap, "(ID type %u, %zu bytes)", body[0], n);
}

/* Does the peer's ID (payload body) match what the connection expects? */
static bool id_matches(const struct conf_end *remote, const struct ike_sa *sa, const uint8_t *body,
		       size_t len)
{
	uint8_t want[CONF_ID_MAX + 4];
	size_t wl;

	if (!remote->id_type && remote->addr.ss_family == AF_UNSPEC)
		return true;	/* %any */
	wl = id_body(remote, &sa->remote, want, sizeof(want));
	if (remote->id_type == IKEV2_ID_DER_ASN1_DN && wl > 4 && len > 4 && body[0] == IKEV2_ID_DER_ASN1_DN)
		return cert_dn_equal(want + 4, wl - 4, body + 4, len - 4);	/* string types may differ */
	return wl == len && !memcmp(want, body, len);
}

/* prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>) for one side. */
static int auth_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *idb, size_t idl,
		       struct buf *octets)
{
	const struct buf *msg = of_initiator ? &sa->init_req : &sa->init_resp;
	const uint8_t *nonce = of_initiator ? sa->nr : sa->ni;
	size_t nlen = of_initiator ? sa->nr_len : sa->ni_len;
	const uint8_t *skp = of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr;

	return ikev2_auth_octets(sa->prf, skp, sa->keys.prf_len, msg->data, msg->len, nonce, nlen,
				 idb, idl, octets);
}

static bool uses_pubkey(const struct conf_conn *conn)
{
	return conn->local.auth == CONF_AUTH_PUBKEY || conn->remote.auth == CONF_AUTH_PUBKEY;
}

/*
 * IKE_SA_INIT: RFC 7383 fragmentation and the RFC 7427 hashes we take; a
 * responder announces them only if the peer did.
 */
static void put_init_notifies(struct ikev2_chain *c, const struct ike_sa *sa)
{
	uint8_t h[6];

	/* RFC 7383: large IKE_AUTH messages (certificates) may come and go in fragments */
	if (sa->initiator || sa->peer_frag)
		put_notify(c, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	if (uses_pubkey(sa->conn) && (sa->initiator || sa->peer_hashes))
		put_notify(c, IKEV2_N_SIGNATURE_HASH_ALGORITHMS, h, ikev2_sig_hashes_ours(h));
}

static void get_init_notifies(struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	struct ikev2_notify n;

	if (find_notify(l, IKEV2_N_SIGNATURE_HASH_ALGORITHMS, &n))
		sa->peer_hashes = ikev2_sig_hashes_parse(n.data, n.len);
	sa->peer_frag = find_notify(l, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, &n) != NULL;
}

/* A CERTREQ that names none of our CAs: we send our certificate anyway, but say so. */
static void note_certreq(const struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	if (sa->conn->local.auth == CONF_AUTH_PUBKEY && sa->conn->certs &&
	    cert_certreq_check(sa->conn->certs, l) == 0)
		log_warn("%s: %s asks for certificates of CAs that did not issue ours", sa->conn->name,
			 peer(sa));
}

/* [CERT...] [CERTREQ (initiator)] AUTH: PSK MIC or signature. */
static int put_our_auth(struct ikev2_chain *c, const struct ike_sa *sa, const uint8_t *idb, size_t idl)
{
	const struct conf_conn *conn = sa->conn;
	uint8_t mac[CRYPTO_PRF_MAX];
	struct buf octets, sig;
	uint8_t method = 0;
	int ret;

	buf_init(&octets);
	buf_init(&sig);
	if (auth_octets(sa, sa->initiator, idb, idl, &octets)) {
		buf_free(&octets);
		return -1;
	}
	if (conn->local.auth == CONF_AUTH_PUBKEY) {
		ret = !conn->certs || cert_put_ours(conn->certs, c) ||
		      ikev2_auth_sign(conn->certs->key, sa->peer_hashes, false, octets.data, octets.len,
				      &method, &sig);
	} else {
		ret = ikev2_auth_psk(sa->prf, conn->psk, conn->psk_len, octets.data, octets.len, mac);
	}
	buf_free(&octets);
	if (!ret && sa->initiator && conn->remote.auth == CONF_AUTH_PUBKEY && conn->certs)
		ret = cert_put_certreq(conn->certs, c);
	if (!ret)
		ret = conn->local.auth == CONF_AUTH_PUBKEY ?
		      ikev2_put_auth(c, &(struct ikev2_auth){ method, sig.data, sig.len }) :
		      ikev2_put_auth(c, &(struct ikev2_auth){ IKEV2_AUTH_PSK, mac, crypto_prf_len(sa->prf) });
	OPENSSL_cleanse(mac, sizeof(mac));
	buf_free(&sig);
	return ret ? -1 : 0;
}

/* 0 if the peer's AUTH payload is right, else -1 with the reason in why. */
static int check_peer_auth(const struct ike_sa *sa, const struct ikev2_pldlist *l,
			   const struct ikev2_pld *auth_pl, const uint8_t *idb, size_t idl,
			   const char **why)
{
	static char reason[300];
	const struct conf_conn *conn = sa->conn;
	struct ikev2_auth a;
	struct buf octets;
	int ret;

	if (!auth_pl || ikev2_pld_auth_decode(auth_pl->body, auth_pl->len, &a, NULL)) {
		*why = "no valid AUTH payload";
		return -1;
	}
	if ((a.method == IKEV2_AUTH_PSK) != (conn->remote.auth == CONF_AUTH_PSK)) {
		*why = a.method == IKEV2_AUTH_PSK ?
		       "peer authenticates with a pre-shared key, we expect a certificate" :
		       "peer authenticates with another method than a pre-shared key";
		return -1;
	}
	buf_init(&octets);
	ret = auth_octets(sa, !sa->initiator, idb, idl, &octets);
	if (ret) {
		*why = "cannot compute the signed octets";
	} else if (conn->remote.auth == CONF_AUTH_PUBKEY) {
		ret = !conn->certs ||
		      cert_check_peer(conn->certs, l, idb, idl, &a, octets.data, octets.len, reason,
				      sizeof(reason));
		*why = conn->certs ? reason : "no CA loaded";
		if (!ret)
			log_info("%s: %s authenticated by %s", conn->name, peer(sa), reason);
	} else {
		ret = ikev2_auth_psk_verify(sa->prf, conn->psk, conn->psk_len, octets.data, octets.len,
					    a.data, a.len);
		*why = "PSK mismatch";
	}
	buf_free(&octets);
	return ret ? -1 : 0;
}

/* ---------------------------------------------------------- Child SA */

uint32_t new_esp_spi(void)
{
	uint32_t spi = 0;

	/* SPIs 1..255 are reserved by IANA (RFC 4303 2.1) */
	while (spi < 256)
		if (crypto_random((uint8_t *)&spi, sizeof(spi)))
			return 0;
	return spi;
}

/* The ESP proposals of a connection for IKE_AUTH: no DH there (RFC 7296 1.2), our SPI. */
static void esp_offer(const struct conf_conn *conn, uint32_t spi, struct ikev2_sa *out)
{
	*out = conn->esp;
	for (size_t i = 0; i < out->nproposals; i++) {
		struct ikev2_proposal *p = &out->prop[i];
		size_t k = 0;

		for (size_t j = 0; j < p->ntransforms; j++)
			if (p->xf[j].type != IKEV2_XF_DH)
				p->xf[k++] = p->xf[j];
		p->ntransforms = (uint8_t)k;
		p->spi_size = 4;
		put_be32(p->spi, spi);
	}
}

void child_uninstall(struct ike_sa *sa)
{
	struct child_sa *ch = &sa->child;

	if (!ch->installed)
		return;
	for (size_t i = 0; i < ch->npol; i++)
		kernel_policy_del(ch->pol_ids[i]);
	ch->npol = 0;
	kernel_sa_del(&sa->local, ch->spi_in);
	kernel_sa_del(&sa->remote, ch->spi_out);
	ch->installed = false;
	log_info("%s: Child SA removed (ESP SPIs in 0x%08x, out 0x%08x)", sa->conn->name, ch->spi_in,
		 ch->spi_out);
}

static int add_policy(struct child_sa *ch, const struct kernel_policy *p)
{
	uint32_t id;

	if (ch->npol >= CHILD_MAX_POLICIES) {
		log_err("too many policies for one Child SA (traffic selectors split into > %d prefixes)",
			CHILD_MAX_POLICIES);
		return -1;
	}
	if (kernel_policy_add(p, &id))
		return -1;
	ch->pol_ids[ch->npol++] = id;
	return 0;
}

/* Policies for every prefix pair of the local and remote selectors, in, out (and fwd). */
static int child_policies(struct ike_sa *sa)
{
	struct child_sa *ch = &sa->child;
	const struct conf_conn *conn = sa->conn;

	for (size_t i = 0; i < ch->ts_local.n; i++) {
		const struct ikev2_ts *l = &ch->ts_local.ts[i];
		struct ts_prefix lp[8];
		int nl = ts_to_prefixes(l, lp, 8);

		for (size_t j = 0; j < ch->ts_remote.n; j++) {
			const struct ikev2_ts *r = &ch->ts_remote.ts[j];
			struct ts_prefix rp[8];
			int nr = ts_to_prefixes(r, rp, 8);
			uint8_t proto = l->proto ? l->proto : r->proto;

			if (l->type != r->type || (l->proto && r->proto && l->proto != r->proto))
				continue;
			if (nl < 0 || nr < 0) {
				log_err("%s: traffic selector range too fragmented for the kernel policy",
					conn->name);
				return -1;
			}
			for (int a = 0; a < nl; a++) {
				for (int b = 0; b < nr; b++) {
					struct kernel_policy p = {
						.action = KIPSEC_ACTION_PROTECT, .priority = PRIO_PROTECT,
						.proto = proto, .tmpl = true, .mode = ch->mode,
						.reqid = conn->reqid,
					};

					p.dir = KIPSEC_DIR_OUT;
					p.src = lp[a];
					p.dst = rp[b];
					p.sport_min = l->sport, p.sport_max = l->eport;
					p.dport_min = r->sport, p.dport_max = r->eport;
					p.tmpl_src = &sa->local, p.tmpl_dst = &sa->remote;
					if (add_policy(ch, &p))
						return -1;
					p.dir = KIPSEC_DIR_IN;
					p.src = rp[b];
					p.dst = lp[a];
					p.sport_min = r->sport, p.sport_max = r->eport;
					p.dport_min = l->sport, p.dport_max = l->eport;
					p.tmpl_src = &sa->remote, p.tmpl_dst = &sa->local;
					if (add_policy(ch, &p))
						return -1;
					if (ch->mode == KIPSEC_MODE_TUNNEL) {
						p.dir = KIPSEC_DIR_FWD;
						if (add_policy(ch, &p))
							return -1;
					}
				}
			}
		}
	}
	return 0;
}

/* In transport mode the selectors may cover IKE itself: let it pass in clear. */
static int ike_bypass(struct ike_sa *sa)
{
	struct child_sa *ch = &sa->child;
	struct kernel_policy p = {
		.action = KIPSEC_ACTION_BYPASS, .priority = PRIO_BYPASS, .proto = IPPROTO_UDP,
		.sport_max = 65535, .dport_max = 65535,
	};
	size_t la, lr;
	const uint8_t *a = net_addr_bytes(&sa->local, &la), *r = net_addr_bytes(&sa->remote, &lr);

	p.src.family = p.dst.family = (uint8_t)sa->local.ss_family;
	p.src.plen = p.dst.plen = (uint8_t)(la * 8);
	memcpy(p.src.addr, a, la);
	memcpy(p.dst.addr, r, lr);
	p.dir = KIPSEC_DIR_OUT;
	p.sport_min = p.sport_max = net_port(&sa->local);
	if (add_policy(ch, &p))
		return -1;
	p.dir = KIPSEC_DIR_IN;
	p.sport_min = 0, p.sport_max = 65535;
	memcpy(p.src.addr, r, lr);
	memcpy(p.dst.addr, a, la);
	p.dport_min = p.dport_max = net_port(&sa->local);
	return add_policy(ch, &p);
}

/* Derives the Child SA keys (RFC 7296 2.17) and installs both SAs and the policies. */
static int child_install(struct ike_sa *sa)
{
	struct child_sa *ch = &sa->child;
	const struct ikev2_transform *enc = proposal_get(&ch->prop, IKEV2_XF_ENCR);
	const struct ikev2_transform *integ = proposal_get(&ch->prop, IKEV2_XF_INTEG);
	const struct ikev2_transform *esn = proposal_get(&ch->prop, IKEV2_XF_ESN);
	uint16_t integ_id = integ ? integ->id : IKEV2_INTEG_NONE;
	struct crypto_child_keys ck;
	size_t enc_len, integ_len = 0;
	struct kernel_sa in, out;
	int ret;

	if (!enc) {
		log_err("%s: chosen ESP proposal has no cipher", sa->conn->name);
		return -1;
	}
	enc_len = crypto_esp_enc_keylen(enc->id, enc->keylen);
	if (integ_id != IKEV2_INTEG_NONE)
		integ_len = crypto_esp_integ_keylen(integ_id);
	if (!enc_len || (integ_id != IKEV2_INTEG_NONE && !integ_len)) {
		log_err("%s: ESP algorithms not supported for the kernel", sa->conn->name);
		return -1;
	}
	if (crypto_child_keymat(sa->prf, sa->keys.sk_d, sa->keys.prf_len, NULL, 0, sa->ni, sa->ni_len,
				sa->nr, sa->nr_len, enc_len, integ_len, &ck)) {
		log_err("%s: Child SA key derivation failed", sa->conn->name);
		return -1;
	}
	/* KEYMAT: initiator->responder keys first (2.17) */
	out = (struct kernel_sa){
		.src = &sa->local, .dst = &sa->remote, .spi = ch->spi_out, .mode = ch->mode,
		.reqid = sa->conn->reqid, .enc_alg = enc->id, .enc_len = enc_len,
		.integ_alg = integ_id, .integ_len = integ_len,
		.replay_window = sa->conn->replay_window, .esn = esn && esn->id == IKEV2_ESN_YES,
		.enc_key = sa->initiator ? ck.enc_i : ck.enc_r,
		.integ_key = sa->initiator ? ck.integ_i : ck.integ_r,
	};
	ikev2_child_lifetimes(sa, &out);
	in = out;
	in.src = &sa->remote;
	in.dst = &sa->local;
	in.spi = ch->spi_in;
	in.enc_key = sa->initiator ? ck.enc_r : ck.enc_i;
	in.integ_key = sa->initiator ? ck.integ_r : ck.integ_i;
	ret = kernel_sa_add(&in);
	if (!ret) {
		ret = kernel_sa_add(&out);
		if (ret)
			kernel_sa_del(&sa->local, ch->spi_in);
	}
	crypto_child_keys_clear(&ck);
	if (ret)
		return -1;
	ch->installed = true;
	ch->installed_at = ike_sa_now();
	ch->npol = 0;
	if ((ch->mode == KIPSEC_MODE_TRANSPORT && ike_bypass(sa)) || child_policies(sa)) {
		child_uninstall(sa);
		return -1;
	}
	{
		char pr[128], tl[64], tr[64];

		proposal_format(&ch->prop, pr, sizeof(pr));
		ts_format(&ch->ts_local.ts[0], tl, sizeof(tl));
		ts_format(&ch->ts_remote.ts[0], tr, sizeof(tr));
		log_info("%s: Child SA installed: ESP %s, %s, SPIs in 0x%08x out 0x%08x, %s%s === %s%s",
			 sa->conn->name, pr, ch->mode == KIPSEC_MODE_TUNNEL ? "tunnel" : "transport",
			 ch->spi_in, ch->spi_out, tl, ch->ts_local.n > 1 ? " ..." : "", tr,
			 ch->ts_remote.n > 1 ? " ..." : "");
	}
	ikev2_child_installed(sa);
	return 0;
}

/* ---------------------------------------------------------- teardown */

void ike_delete_local(struct ike_sa *sa, const char *why)
{
	ikev2_child_cleanup(sa);
	child_uninstall(sa);
	if (why)
		log_info("%s: IKE SA with %s deleted (%s)", sa->conn->name, peer(sa), why);
	ike_sa_free(sa);
}

/* Removes the Child SA at once and sends an INFORMATIONAL Delete for the IKE SA. */
int send_ike_delete(struct ike_sa *sa)
{
	struct buf inner;
	struct ikev2_chain c;
	struct ikev2_delete d = { .proto = IKEV2_PROTO_IKE };
	int ret;

	child_uninstall(sa);
	/* window 1: an outstanding request is abandoned, its message id reused */
	ike_sa_request_cancel(sa);
	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	ikev2_put_delete(&c, &d);
	sa->state = IKE_DELETING;
	ret = send_sk(sa, IKEV2_EXCH_INFORMATIONAL, false, &inner, c.first);
	buf_free(&inner);
	return ret;
}

/* The same, then waits for the answer (or the retransmission timeout) to free the SA. */
static void ike_delete_send(struct ike_sa *sa)
{
	if (send_ike_delete(sa))
		ike_delete_local(sa, "could not send the Delete");
}

void ikev2_timeout(struct ike_sa *sa)
{
	const char *ex = ikev2_exchange_name(sa->req_exchange);

	if (sa->state == IKE_INIT_DONE) {
		log_warn("%s: half-open IKE SA from %s expired: no IKE_AUTH within %d s", sa->conn->name,
			 peer(sa), HALF_OPEN_SECS);
		ike_delete_local(sa, NULL);
		return;
	}
	if (sa->state == IKE_DELETING) {
		ike_delete_local(sa, "peer did not answer our Delete");
		return;
	}
	if (sa->dpd_sent_at) {
		dpd_dead(sa);	/* the liveness check it was: DPD's action applies */
		return;
	}
	log_err("%s to %s: no answer after %u transmissions, giving up", ex, peer(sa), sa->retries + 1);
	ike_delete_local(sa, "peer unreachable");
}

/* ---------------------------------------------------------- initiator */

static int send_init_request(struct ike_sa *sa)
{
	uint8_t pub[1024];
	size_t plen;
	struct ikev2_hdr h;
	struct ikev2_chain c;
	struct buf msg;

	if (!sa->dh || crypto_dh_group(sa->dh) != sa->dh_group) {
		crypto_dh_free(sa->dh);
		sa->dh = crypto_dh_new(sa->dh_group);
	}
	plen = crypto_dh_pub_len(sa->dh_group);
	if (!sa->dh || plen > sizeof(pub) || crypto_dh_public(sa->dh, pub, plen)) {
		log_err("%s: cannot create a DH key for group %u", sa->conn->name, sa->dh_group);
		return -1;
	}
	sa->ni_len = NONCE_LEN;
	if (crypto_random(sa->ni, sa->ni_len))
		return -1;
	buf_init(&msg);
	hdr_for(sa, &h, IKEV2_EXCH_IKE_SA_INIT, false, 0);
	ikev2_msg_begin(&msg, &c, &h);
	if (sa->cookie_len)	/* must come first (2.6) */
		put_notify(&c, IKEV2_N_COOKIE, sa->cookie, sa->cookie_len);
	ikev2_put_sa(&c, &sa->conn->ike);
	ikev2_put_ke(&c, &(struct ikev2_ke){ sa->dh_group, pub, plen });
	ikev2_put_nonce(&c, sa->ni, sa->ni_len);
	put_natd(&c, sa);
	put_init_notifies(&c, sa);
	if (ikev2_msg_finish(&msg)) {
		buf_free(&msg);
		return -1;
	}
	buf_free(&sa->init_req);
	buf_put(&sa->init_req, msg.data, msg.len);
	sa->state = IKE_INIT_SENT;
	sa->req_msgid = 0;
	log_info("%s: initiating IKE_SA_INIT with %s (DH group %u)", sa->conn->name, peer(sa), sa->dh_group);
	ike_sa_send_request(sa, IKEV2_EXCH_IKE_SA_INIT, &msg);
	buf_free(&msg);
	return 0;
}

static int initiate(const struct conf_conn *conn)
{
	struct ike_sa *sa;
	const struct ikev2_transform *dh;

	if (conn->remote.addr.ss_family == AF_UNSPEC) {
		log_err("%s: remote address is %%any: this connection can only respond", conn->name);
		return -1;
	}
	dh = proposal_get(&conn->ike.prop[0], IKEV2_XF_DH);
	if (!dh) {
		log_err("%s: first IKE proposal has no DH group", conn->name);
		return -1;
	}
	sa = ike_sa_new(true, conn);
	if (!sa) {
		log_err("%s: out of memory", conn->name);
		return -1;
	}
	sa->local = conn->local.addr;
	sa->remote = conn->remote.addr;
	net_set_port(&sa->local, cfg->port);
	net_set_port(&sa->remote, cfg->port);
	sa->dh_group = dh->id;
	if (send_init_request(sa)) {
		ike_sa_free(sa);
		return -1;
	}
	return 0;
}

static int send_auth_request(struct ike_sa *sa)
{
	const struct conf_conn *conn = sa->conn;
	uint8_t idb[CONF_ID_MAX + 4];
	size_t idl = id_body(&conn->local, &sa->local, idb, sizeof(idb));
	struct buf inner;
	struct ikev2_chain c;
	int ret;

	sa->child.spi_in = new_esp_spi();
	sa->child.mode = conn->mode;
	esp_offer(conn, sa->child.spi_in, &sa->esp_offer);
	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	put_id(&c, IKEV2_PL_IDI, idb, idl);
	if (put_our_auth(&c, sa, idb, idl)) {
		buf_free(&inner);
		log_err("%s: cannot compute our AUTH payload", conn->name);
		return -1;
	}
	if (conn->mode == KIPSEC_MODE_TRANSPORT)
		put_notify(&c, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	ikev2_put_sa(&c, &sa->esp_offer);
	ikev2_put_ts(&c, IKEV2_PL_TSI, &conn->local.ts);
	ikev2_put_ts(&c, IKEV2_PL_TSR, &conn->remote.ts);
	sa->state = IKE_AUTH_SENT;
	ret = send_sk(sa, IKEV2_EXCH_IKE_AUTH, false, &inner, c.first);
	buf_free(&inner);
	return ret;
}

/* The first error notify of a chain (0: none). */
uint16_t error_notify(const struct ikev2_pldlist *l)
{
	size_t pos = 0;
	const struct ikev2_pld *p;
	struct ikev2_notify n;

	while ((p = ikev2_pld_find(l, IKEV2_PL_NOTIFY, &pos))) {	/* pos moves past p */
		if (!ikev2_pld_notify_decode(p->body, p->len, &n, NULL) && n.type <= IKEV2_N_ERROR_MAX)
			return n.type;
	}
	return 0;
}

const struct ikev2_pld *find_notify(const struct ikev2_pldlist *l, uint16_t type,
				    struct ikev2_notify *n)
{
	size_t pos = 0;
	const struct ikev2_pld *p;

	while ((p = ikev2_pld_find(l, IKEV2_PL_NOTIFY, &pos))) {	/* pos moves past p */
		if (!ikev2_pld_notify_decode(p->body, p->len, n, NULL) && n->type == type)
			return p;
	}
	return NULL;
}

/* Common part of IKE_SA_INIT processing once the proposal is known: DH, keys. */
static int derive_ike_keys(struct ike_sa *sa, const struct ikev2_ke *ke)
{
	uint8_t gir[1024];
	size_t gl = crypto_dh_secret_len(sa->dh_group);
	int ret;

	if (!sa->dh || gl > sizeof(gir) || crypto_dh_derive(sa->dh, ke->data, ke->len, gir, gl)) {
		log_err("IKE_SA_INIT with %s: invalid KE payload (DH group %u)", peer(sa), sa->dh_group);
		return -1;
	}
	ret = crypto_ike_keys(sa->prf, &sa->sk, sa->ni, sa->ni_len, sa->nr, sa->nr_len, gir, gl,
			      sa->spi_i, sa->spi_r, &sa->keys);
	OPENSSL_cleanse(gir, sizeof(gir));
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	if (ret)
		log_err("IKE_SA_INIT with %s: key derivation failed: %s", peer(sa), crypto_strerror(ret));
	return ret ? -1 : 0;
}

static void init_response(struct ike_sa *sa, const struct ikev2_msg *m)
{
	const struct ikev2_pldlist *l = &m->pl;
	const struct ikev2_pld *p;
	struct ikev2_notify n;
	struct ikev2_sa reply;
	struct ikev2_ke ke;
	const uint8_t *nonce;
	size_t nlen, pos;
	uint16_t err, dh;
	char prop[128];

	ike_sa_request_done(sa);
	if (find_notify(l, IKEV2_N_COOKIE, &n) && n.len && n.len <= sizeof(sa->cookie)) {
		memcpy(sa->cookie, n.data, n.len);
		sa->cookie_len = n.len;
		log_info("%s: %s asks for a cookie, retrying", sa->conn->name, peer(sa));
		if (send_init_request(sa))
			ike_delete_local(sa, NULL);
		return;
	}
	if (find_notify(l, IKEV2_N_INVALID_KE_PAYLOAD, &n) && n.len == 2) {
		uint16_t want = get_be16(n.data);
		bool ours = false;

		for (size_t i = 0; i < sa->conn->ike.nproposals; i++)
			for (size_t j = 0; j < sa->conn->ike.prop[i].ntransforms; j++)
				if (sa->conn->ike.prop[i].xf[j].type == IKEV2_XF_DH &&
				    sa->conn->ike.prop[i].xf[j].id == want)
					ours = true;
		if (ours && want != sa->dh_group) {
			log_info("%s: %s wants DH group %u, retrying", sa->conn->name, peer(sa), want);
			sa->dh_group = want;
			if (send_init_request(sa))
				ike_delete_local(sa, NULL);
			return;
		}
		log_err("IKE_SA_INIT failed with %s: INVALID_KE_PAYLOAD, peer wants DH group %u, "
			"which we do not offer", peer(sa), want);
		ike_delete_local(sa, NULL);
		return;
	}
	err = error_notify(l);
	if (err) {
		log_err("IKE_SA_INIT failed with %s: %s", peer(sa), ikev2_notify_name(err));
		ike_delete_local(sa, NULL);
		return;
	}
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_SA, &pos);
	if (!p || ikev2_pld_sa_decode(p->body, p->len, &reply, NULL) ||
	    proposal_check_reply(&sa->conn->ike, &reply, &sa->ike_prop) ||
	    proposal_ike_algs(&sa->ike_prop, &sa->sk, &sa->prf, &dh) || dh != sa->dh_group) {
		log_err("IKE_SA_INIT failed with %s: the peer's SA payload is not one we offered",
			peer(sa));
		ike_delete_local(sa, NULL);
		return;
	}
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_KE, &pos);
	if (!p || ikev2_pld_ke_decode(p->body, p->len, &ke, NULL) || ke.group != sa->dh_group) {
		log_err("IKE_SA_INIT failed with %s: missing or wrong KE payload", peer(sa));
		ike_delete_local(sa, NULL);
		return;
	}
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_NONCE, &pos);
	if (!p || ikev2_pld_nonce_decode(p->body, p->len, &nonce, &nlen, NULL) || nlen > sizeof(sa->nr)) {
		log_err("IKE_SA_INIT failed with %s: missing or wrong nonce", peer(sa));
		ike_delete_local(sa, NULL);
		return;
	}
	memcpy(sa->nr, nonce, nlen);
	sa->nr_len = nlen;
	sa->spi_r = m->hdr.spi_r;
	get_init_notifies(sa, l);
	note_certreq(sa, l);
	buf_free(&sa->init_resp);
	buf_put(&sa->init_resp, m->raw, m->raw_len);
	if (derive_ike_keys(sa, &ke)) {
		ike_delete_local(sa, NULL);
		return;
	}
	proposal_format(&sa->ike_prop, prop, sizeof(prop));
	log_info("%s: IKE_SA_INIT done with %s (%s), sending IKE_AUTH", sa->conn->name, peer(sa), prop);
	if (send_auth_request(sa))
		ike_delete_local(sa, NULL);
}

static void auth_response(struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	const struct conf_conn *conn = sa->conn;
	struct child_sa *ch = &sa->child;
	const struct ikev2_pld *idp, *p;
	struct ikev2_notify n;
	struct ikev2_sa reply;
	const char *why = NULL;
	char idtext[256];
	size_t pos = 0;
	uint16_t err;

	ike_sa_request_done(sa);
	idp = ikev2_pld_find(l, IKEV2_PL_IDR, &pos);
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_AUTH, &pos);
	err = error_notify(l);
	if (!idp || !p) {
		const char *what = err ? ikev2_notify_name(err) : "answer without identity or AUTH payload";

		if (err == IKEV2_N_AUTHENTICATION_FAILED)
			what = conn->local.auth == CONF_AUTH_PUBKEY ?
			       "AUTHENTICATION_FAILED, the peer refused our authentication (certificate or identity)" :
			       "AUTHENTICATION_FAILED, the peer refused our authentication (PSK or identity mismatch)";
		log_err("IKE_AUTH failed with %s: %s", peer(sa), what);
		ike_delete_local(sa, NULL);
		return;
	}
	if (idp->len < 5) {
		log_err("IKE_AUTH failed with %s: malformed IDr", peer(sa));
		ike_delete_local(sa, NULL);
		return;
	}
	format_id(idp->body, idp->len, idtext, sizeof(idtext));
	if (!id_matches(&conn->remote, sa, idp->body, idp->len)) {
		log_err("IKE_AUTH failed with %s: peer identity %s is not the configured %s", peer(sa),
			idtext, conn->remote.id_text);
		ike_delete_send(sa);
		return;
	}
	if (check_peer_auth(sa, l, p, idp->body, idp->len, &why)) {
		log_err("IKE_AUTH failed with %s: AUTHENTICATION_FAILED, %s (peer %s)", peer(sa), why, idtext);
		ike_delete_send(sa);
		return;
	}
	sa->state = IKE_ESTABLISHED;
	log_info("%s: IKE SA established with %s (peer ID %s), SPIs %016llx_i %016llx_r", conn->name,
		 peer(sa), idtext, (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
	ikev2_rekey_ike_established(sa);
	if (err) {
		log_err("%s: no Child SA: peer answered %s", conn->name, ikev2_notify_name(err));
		return;
	}
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_SA, &pos);
	if (!p || ikev2_pld_sa_decode(p->body, p->len, &reply, NULL) ||
	    proposal_check_reply(&sa->esp_offer, &reply, &ch->prop) || ch->prop.spi_size != 4) {
		log_err("%s: no Child SA: the peer's ESP proposal is not one we offered", conn->name);
		ike_delete_send(sa);
		return;
	}
	ch->spi_out = get_be32(ch->prop.spi);
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_TSI, &pos);
	if (!p || ikev2_pld_ts_decode(IKEV2_PL_TSI, p->body, p->len, &ch->ts_local, NULL) ||
	    !ts_list_within(&ch->ts_local, &conn->local.ts)) {
		log_err("%s: no Child SA: TSi of the answer is not within what we proposed", conn->name);
		ike_delete_send(sa);
		return;
	}
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_TSR, &pos);
	if (!p || ikev2_pld_ts_decode(IKEV2_PL_TSR, p->body, p->len, &ch->ts_remote, NULL) ||
	    !ts_list_within(&ch->ts_remote, &conn->remote.ts)) {
		log_err("%s: no Child SA: TSr of the answer is not within what we proposed", conn->name);
		ike_delete_send(sa);
		return;
	}
	if (conn->mode == KIPSEC_MODE_TRANSPORT && !find_notify(l, IKEV2_N_USE_TRANSPORT_MODE, &n)) {
		log_err("%s: no Child SA: peer refused transport mode", conn->name);
		ike_delete_send(sa);
		return;
	}
	if (child_install(sa))
		ike_delete_send(sa);
}

/* ---------------------------------------------------------- responder */

static const struct conf_conn *find_conn(const struct sockaddr_storage *local,
					 const struct sockaddr_storage *remote)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct conf_conn *c = &cfg->conns[i];

		if (c->local.addr.ss_family != AF_UNSPEC && !net_addr_equal(&c->local.addr, local))
			continue;
		if (c->remote.addr.ss_family != AF_UNSPEC && !net_addr_equal(&c->remote.addr, remote))
			continue;
		if (c->remote.addr.ss_family == AF_UNSPEC && c->local.addr.ss_family != remote->ss_family)
			continue;
		return c;
	}
	return NULL;
}

static void init_request(const struct ikev2_msg *m, const struct sockaddr_storage *local,
			 const struct sockaddr_storage *remote)
{
	const struct ikev2_pldlist *l = &m->pl;
	const struct conf_conn *conn;
	const struct ikev2_pld *p;
	struct ikev2_sa *offer;
	struct ikev2_proposal chosen;
	struct ikev2_ke ke;
	const uint8_t *nonce;
	size_t nlen, pos = 0, plen;
	uint16_t dh;
	struct ike_sa *sa;
	struct ikev2_hdr h;
	struct ikev2_chain c;
	struct buf msg;
	uint8_t pub[1024];
	char addr[INET6_ADDRSTRLEN], prop[128];

	net_ntop(remote, addr, sizeof(addr));
	conn = find_conn(local, remote);
	if (!conn) {
		log_warn("IKE_SA_INIT from %s: no connection configured for this peer, ignored", addr);
		return;
	}
	offer = malloc(sizeof(*offer));
	if (!offer)
		return;
	p = ikev2_pld_find(l, IKEV2_PL_SA, &pos);
	if (!p || ikev2_pld_sa_decode(p->body, p->len, offer, NULL) ||
	    proposal_select(&conn->ike, offer, IKEV2_PROTO_IKE, &chosen, NULL) ||
	    proposal_ike_algs(&chosen, &(struct crypto_sk_alg){ 0 }, &(uint16_t){ 0 }, &dh)) {
		free(offer);
		log_err("IKE_SA_INIT from %s (%s): NO_PROPOSAL_CHOSEN, none of the peer's IKE proposals "
			"is acceptable", addr, conn->name);
		answer_init_notify(&m->hdr, local, remote, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	free(offer);
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_KE, &pos);
	if (!p || ikev2_pld_ke_decode(p->body, p->len, &ke, NULL)) {
		log_err("IKE_SA_INIT from %s: no valid KE payload", addr);
		answer_init_notify(&m->hdr, local, remote, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ke.group != dh) {
		uint8_t g[2];

		put_be16(g, dh);
		log_info("IKE_SA_INIT from %s: KE for DH group %u, asking for group %u", addr, ke.group, dh);
		answer_init_notify(&m->hdr, local, remote, IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_NONCE, &pos);
	if (!p || ikev2_pld_nonce_decode(p->body, p->len, &nonce, &nlen, NULL) || nlen > IKEV2_NONCE_MAX) {
		log_err("IKE_SA_INIT from %s: no valid nonce", addr);
		answer_init_notify(&m->hdr, local, remote, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	sa = ike_sa_new(false, conn);
	if (!sa)
		return;
	sa->spi_i = m->hdr.spi_i;
	sa->local = *local;
	sa->remote = *remote;
	sa->ike_prop = chosen;
	proposal_ike_algs(&chosen, &sa->sk, &sa->prf, &sa->dh_group);
	memcpy(sa->ni, nonce, nlen);
	sa->ni_len = nlen;
	sa->nr_len = NONCE_LEN;
	sa->dh = crypto_dh_new(sa->dh_group);
	plen = crypto_dh_pub_len(sa->dh_group);
	if (crypto_random(sa->nr, sa->nr_len) || !sa->dh || plen > sizeof(pub) ||
	    crypto_dh_public(sa->dh, pub, plen) || derive_ike_keys(sa, &ke)) {
		ike_delete_local(sa, NULL);
		return;
	}
	buf_put(&sa->init_req, m->raw, m->raw_len);
	buf_init(&msg);
	hdr_for(sa, &h, IKEV2_EXCH_IKE_SA_INIT, true, 0);
	ikev2_msg_begin(&msg, &c, &h);
	ikev2_put_sa(&c, &(struct ikev2_sa){ .nproposals = 1, .prop = { chosen } });
	ikev2_put_ke(&c, &(struct ikev2_ke){ sa->dh_group, pub, plen });
	ikev2_put_nonce(&c, sa->nr, sa->nr_len);
	if (conn->remote.auth == CONF_AUTH_PUBKEY && conn->certs)
		cert_put_certreq(conn->certs, &c);
	put_natd(&c, sa);
	get_init_notifies(sa, l);
	put_init_notifies(&c, sa);
	if (ikev2_msg_finish(&msg)) {
		buf_free(&msg);
		ike_delete_local(sa, NULL);
		return;
	}
	buf_put(&sa->init_resp, msg.data, msg.len);
	sa->state = IKE_INIT_DONE;
	sa->peer_msgid = 0;
	proposal_format(&chosen, prop, sizeof(prop));
	log_info("%s: IKE_SA_INIT from %s answered (%s)", conn->name, addr, prop);
	ike_sa_send_response(sa, &msg);
	ike_sa_expire_in(sa, HALF_OPEN_SECS);
	buf_free(&msg);
}

static void auth_request(struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	const struct conf_conn *conn = sa->conn;
	struct child_sa *ch = &sa->child;
	const struct ikev2_pld *idp, *p, *tsi_p, *tsr_p;
	struct ikev2_ts_list tsi, tsr;
	struct ikev2_sa *offer, mine;
	struct ikev2_notify n;
	uint8_t idb[CONF_ID_MAX + 4];
	size_t idl, pos = 0;
	const char *why = NULL;
	char idtext[256];
	struct buf inner;
	struct ikev2_chain c;
	uint16_t child_err = 0;
	bool transport;

	ike_sa_request_cancel(sa);	/* stops the half-open expiry */
	note_certreq(sa, l);
	idp = ikev2_pld_find(l, IKEV2_PL_IDI, &pos);
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_AUTH, &pos);
	if (!idp || idp->len < 5 || !p) {
		log_err("IKE_AUTH from %s: no identity or AUTH payload (EAP is not supported)", peer(sa));
		answer_error(sa, IKEV2_EXCH_IKE_AUTH, IKEV2_N_AUTHENTICATION_FAILED);
		ike_delete_local(sa, NULL);
		return;
	}
	format_id(idp->body, idp->len, idtext, sizeof(idtext));
	if (!id_matches(&conn->remote, sa, idp->body, idp->len)) {
		log_err("IKE_AUTH failed with %s: AUTHENTICATION_FAILED, peer identity %s is not the "
			"configured %s", peer(sa), idtext, conn->remote.id_text);
		answer_error(sa, IKEV2_EXCH_IKE_AUTH, IKEV2_N_AUTHENTICATION_FAILED);
		ike_delete_local(sa, NULL);
		return;
	}
	if (check_peer_auth(sa, l, p, idp->body, idp->len, &why)) {
		log_err("IKE_AUTH failed with %s: AUTHENTICATION_FAILED, %s (peer %s)", peer(sa), why, idtext);
		answer_error(sa, IKEV2_EXCH_IKE_AUTH, IKEV2_N_AUTHENTICATION_FAILED);
		ike_delete_local(sa, NULL);
		return;
	}
	sa->state = IKE_ESTABLISHED;
	log_info("%s: IKE SA established with %s (peer ID %s), SPIs %016llx_i %016llx_r", conn->name,
		 peer(sa), idtext, (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
	ikev2_rekey_ike_established(sa);

	/* the Child SA: proposal, selectors, mode */
	transport = find_notify(l, IKEV2_N_USE_TRANSPORT_MODE, &n) != NULL;
	ch->mode = conn->mode;
	offer = malloc(sizeof(*offer));
	pos = 0;
	p = ikev2_pld_find(l, IKEV2_PL_SA, &pos);
	tsi_p = ikev2_pld_find(l, IKEV2_PL_TSI, &(size_t){ 0 });
	tsr_p = ikev2_pld_find(l, IKEV2_PL_TSR, &(size_t){ 0 });
	esp_offer(conn, 0, &mine);
	if (!offer || !p || ikev2_pld_sa_decode(p->body, p->len, offer, NULL) ||
	    proposal_select(&mine, offer, IKEV2_PROTO_ESP, &ch->prop, NULL)) {
		child_err = IKEV2_N_NO_PROPOSAL_CHOSEN;
		log_err("%s: no Child SA with %s: NO_PROPOSAL_CHOSEN, none of the peer's ESP proposals "
			"is acceptable", conn->name, peer(sa));
	} else if (!tsi_p || !tsr_p ||
		   ikev2_pld_ts_decode(IKEV2_PL_TSI, tsi_p->body, tsi_p->len, &tsi, NULL) ||
		   ikev2_pld_ts_decode(IKEV2_PL_TSR, tsr_p->body, tsr_p->len, &tsr, NULL) ||
		   ts_responder_narrow(&tsi, &tsr, &conn->remote.ts, &conn->local.ts, &ch->ts_remote,
				       &ch->ts_local)) {
		child_err = IKEV2_N_TS_UNACCEPTABLE;
		log_err("%s: no Child SA with %s: TS_UNACCEPTABLE, the peer's traffic selectors do not "
			"overlap ours", conn->name, peer(sa));
	} else if (conn->mode == KIPSEC_MODE_TRANSPORT && !transport) {
		child_err = IKEV2_N_NO_PROPOSAL_CHOSEN;
		log_err("%s: no Child SA with %s: we require transport mode, the peer asks for tunnel",
			conn->name, peer(sa));
	}
	free(offer);
	if (!child_err) {
		ch->spi_out = get_be32(ch->prop.spi);
		ch->spi_in = new_esp_spi();
		put_be32(ch->prop.spi, ch->spi_in);
		if (child_install(sa))
			child_err = IKEV2_N_NO_PROPOSAL_CHOSEN;	/* kernel refused: logged */
	}

	idl = id_body(&conn->local, &sa->local, idb, sizeof(idb));
	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	put_id(&c, IKEV2_PL_IDR, idb, idl);
	if (put_our_auth(&c, sa, idb, idl)) {
		buf_free(&inner);
		log_err("%s: cannot compute our AUTH payload", conn->name);
		ike_delete_local(sa, NULL);
		return;
	}
	if (child_err) {
		put_notify(&c, child_err, NULL, 0);
	} else {
		if (ch->mode == KIPSEC_MODE_TRANSPORT)
			put_notify(&c, IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
		ikev2_put_sa(&c, &(struct ikev2_sa){ .nproposals = 1, .prop = { ch->prop } });
		ikev2_put_ts(&c, IKEV2_PL_TSI, &ch->ts_remote);
		ikev2_put_ts(&c, IKEV2_PL_TSR, &ch->ts_local);
	}
	send_sk(sa, IKEV2_EXCH_IKE_AUTH, true, &inner, c.first);
	buf_free(&inner);
}

/* ---------------------------------------------------------- INFORMATIONAL */

static void info_request(struct ike_sa *sa, const struct ikev2_pldlist *l)
{
	struct child_sa *ch = &sa->child;
	const struct ikev2_pld *p;
	struct ikev2_delete d;
	struct buf inner;
	struct ikev2_chain c;
	size_t pos = 0;
	bool delete_ike = false;
	uint8_t spi[4];

	buf_init(&inner);
	ikev2_chain_init(&c, &inner, SIZE_MAX);
	while ((p = ikev2_pld_find(l, IKEV2_PL_DELETE, &pos))) {	/* pos moves past p */
		if (ikev2_pld_delete_decode(p->body, p->len, &d, NULL))
			continue;
		if (d.proto == IKEV2_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d.proto != IKEV2_PROTO_ESP || d.spi_size != 4)
			continue;
		for (size_t i = 0; i < d.nspi; i++) {
			if (ikev2_child_delete(sa, get_be32(d.spis + 4 * i), &c))
				continue;	/* a replaced or redundant pair (rekeying) */
			/* the peer names the SPI it receives on: our outbound SA */
			if (ch->installed && get_be32(d.spis + 4 * i) == ch->spi_out) {
				log_info("%s: peer %s deletes the Child SA", sa->conn->name, peer(sa));
				put_be32(spi, ch->spi_in);
				ikev2_put_delete(&c, &(struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 1, spi });
				child_uninstall(sa);
			}
		}
	}
	if (delete_ike) {
		/* empty answer, then everything goes (RFC 7296 1.4.1) */
		ikev2_chain_init(&c, &inner, SIZE_MAX);
		inner.len = 0;
	}
	send_sk(sa, IKEV2_EXCH_INFORMATIONAL, true, &inner, c.first);
	buf_free(&inner);
	if (delete_ike)
		ike_delete_local(sa, "deleted by the peer");
}

/* ---------------------------------------------------------- receive */

void ikev2_recv(const uint8_t *pkt, size_t len, const struct sockaddr_storage *local,
		const struct sockaddr_storage *remote, void *ctx)
{
	struct ikev2_msg m;
	struct ikev2_error err;
	struct ikev2_pldlist inner;
	struct ike_sa *sa;
	struct buf plain;
	bool response, from_initiator;
	char addr[INET6_ADDRSTRLEN];

	(void)ctx;
	net_ntop(remote, addr, sizeof(addr));
	if (ikev2_msg_decode(pkt, len, &m, &err)) {
		log_warn("dropped a malformed IKE message from %s: %s", addr, err.msg);
		return;
	}
	response = m.hdr.flags & IKEV2_FLAG_RESPONSE;
	from_initiator = m.hdr.flags & IKEV2_FLAG_INITIATOR;
	log_debug("received %s %s %u from %s (%zu bytes)", ikev2_exchange_name(m.hdr.exchange),
		  response ? "response" : "request", m.hdr.msgid, addr, len);

	if (m.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT && !response) {
		if (!from_initiator || m.hdr.spi_r || m.hdr.msgid)
			return;
		sa = ike_sa_find_half_open(m.hdr.spi_i, remote);
		if (sa) {
			/* a retransmission: the same answer again */
			if (sa->have_resp && sa->state == IKE_INIT_DONE)
				ike_sa_send_kept(sa, &sa->resp);
			return;
		}
		init_request(&m, local, remote);
		return;
	}

	/* the SA is found by our SPI: spi_r if the sender is the original initiator */
	sa = ike_sa_find(from_initiator ? m.hdr.spi_r : m.hdr.spi_i, !from_initiator);
	if (!sa || !net_addr_equal(&sa->remote, remote)) {
		log_debug("%s from %s for an unknown IKE SA, dropped", ikev2_exchange_name(m.hdr.exchange),
			  addr);
		return;
	}
	if (response) {
		if (!sa->req_pending || m.hdr.msgid != sa->req_msgid ||
		    m.hdr.exchange != sa->req_exchange)
			return;		/* late duplicate or unsolicited */
		if (m.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT) {
			init_response(sa, &m);
			return;
		}
	} else {
		if (m.hdr.msgid + 1 == sa->peer_msgid && sa->have_resp) {
			/* a fragmented request is answered again once, on its first fragment (RFC 7383 2.6.1) */
			if (!later_fragment(&m))
				ike_sa_send_kept(sa, &sa->resp);
			return;
		}
		if (m.hdr.msgid != sa->peer_msgid)
			return;
	}

	/* everything else is protected by SK */
	buf_init(&plain);
	if (ikev2_msg_open(&m, &sa->sk, sa->initiator ? sa->keys.sk_er : sa->keys.sk_ei,
			   sa->initiator ? sa->keys.sk_ar : sa->keys.sk_ai, &plain, &inner, &err)) {
		/* forged or corrupted: ignore it, as if it never came (RFC 7296 2.21) */
		log_warn("%s from %s: %s, dropped", ikev2_exchange_name(m.hdr.exchange), addr, err.msg);
		buf_free(&plain);
		return;
	}
	if (m.pl.n && m.pl.p[m.pl.n - 1].type == IKEV2_PL_SKF && collect_fragment(sa, &m, &plain, &inner)) {
		buf_free(&plain);
		return;		/* more fragments to come */
	}
	dpd_seen(sa);
	switch (m.hdr.exchange) {
	case IKEV2_EXCH_IKE_AUTH:
		if (response && sa->state == IKE_AUTH_SENT)
			auth_response(sa, &inner);
		else if (!response && sa->state == IKE_INIT_DONE)
			auth_request(sa, &inner);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		if (response) {
			ike_sa_request_done(sa);
			if (sa->state == IKE_DELETING)
				ike_delete_local(sa, "deleted by us");
			else
				ikev2_child_info_response(sa);
		} else if (sa->state == IKE_ESTABLISHED || sa->state == IKE_DELETING) {
			info_request(sa, &inner);
		}
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		if (sa->state == IKE_ESTABLISHED || (response && sa->state == IKE_DELETING))
			ikev2_child_recv(sa, &inner, response);
		break;
	default:
		log_debug("%s from %s: exchange type %u ignored", sa->conn->name, addr, m.hdr.exchange);
		break;
	}
	buf_free(&plain);
}

/* ---------------------------------------------------------- control */

void ikev2_autostart(void)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		if (cfg->conns[i].start_action == CONF_START_START)
			initiate(&cfg->conns[i]);
		else if (cfg->conns[i].start_action == CONF_START_TRAP)
			trap_install(&cfg->conns[i]);
	}
}

const struct conf_conn *ikev2_conn_by_name(const char *name)
{
	for (size_t i = 0; i < cfg->nconns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return &cfg->conns[i];
	return NULL;
}

int ikev2_up(const char *name, char *msg, size_t len)
{
	const struct conf_conn *conn = ikev2_conn_by_name(name);

	if (!conn) {
		snprintf(msg, len, "no connection named \"%s\"", name);
		return -1;
	}
	if (ike_sa_by_conn(conn)) {
		snprintf(msg, len, "%s already has an IKE SA", name);
		return -1;
	}
	if (initiate(conn)) {
		snprintf(msg, len, "%s: could not initiate (see the log)", name);
		return -1;
	}
	snprintf(msg, len, "%s initiating", name);
	return 0;
}

int ikev2_down(const char *name, char *msg, size_t len)
{
	const struct conf_conn *conn = ikev2_conn_by_name(name);
	struct ike_sa *sa;

	if (!conn) {
		snprintf(msg, len, "no connection named \"%s\"", name);
		return -1;
	}
	sa = ike_sa_by_conn(conn);
	if (!sa) {
		snprintf(msg, len, "%s has no IKE SA", name);
		return -1;
	}
	if (sa->state == IKE_ESTABLISHED) {
		ike_delete_send(sa);
	} else {
		log_info("%s: IKE SA with %s abandoned while connecting", name, peer(sa));
		ike_delete_local(sa, NULL);
	}
	snprintf(msg, len, "%s deleting", name);
	return 0;
}

int ikev2_initiate(const struct conf_conn *conn)
{
	return initiate(conn);
}

int ikev2_send_liveness(struct ike_sa *sa)
{
	struct buf inner;
	int ret;

	buf_init(&inner);
	ret = send_sk(sa, IKEV2_EXCH_INFORMATIONAL, false, &inner, IKEV2_PL_NONE);
	buf_free(&inner);
	return ret;
}

void ikev2_sa_drop(struct ike_sa *sa, const char *why)
{
	ike_delete_local(sa, why);
}

void ikev2_sa_close(struct ike_sa *sa, const char *why)
{
	/* tell the peer, without waiting for its answer: the connection goes away now */
	if (sa->state == IKE_ESTABLISHED)
		send_ike_delete(sa);
	ike_delete_local(sa, why);
}

void ikev2_shutdown(void)
{
	struct ike_sa *sa;

	while ((sa = ike_sa_first())) {
		bool told = sa->state == IKE_ESTABLISHED;

		/* tell the peer, without waiting for its answer */
		if (told)
			send_ike_delete(sa);
		ike_delete_local(sa, told ? "shutdown" : NULL);
	}
}
