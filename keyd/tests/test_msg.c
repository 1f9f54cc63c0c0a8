// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 message codec: round trips for every payload type, exact wire
 * bytes for a hand-assembled SA payload, SK/SKF sealing and opening, and
 * hostile input (every truncation, overlong data, random mutations with a
 * fixed seed, hand-made malformations).
 */
#include <stdlib.h>

#include "ikev2_frag.h"
#include "ikev2_msg.h"
#include "tap.h"

static uint64_t rng_state = 0x6b697073656364ULL;	/* fixed seed: reproducible */

static uint64_t rnd(void)
{
	/* xorshift64 */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const uint8_t nonce_i[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t ke_data[64] = { [0] = 0xaa, [63] = 0x55 };
static const uint8_t natd[20] = { 0xde, 0xad, 0xbe, 0xef };
static const uint8_t vid[16] = "kipsec-keyd-0.1";
static const uint8_t certreq[20] = { 0x11, 0x22 };

static void fill_ike_sa(struct ikev2_sa *sa)
{
	struct ikev2_proposal *p;

	memset(sa, 0, sizeof(*sa));
	sa->nproposals = 2;
	p = &sa->prop[0];
	p->num = 1;
	p->proto = IKEV2_PROTO_IKE;
	p->ntransforms = 4;
	p->xf[0] = (struct ikev2_transform){ IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 256, false };
	p->xf[1] = (struct ikev2_transform){ IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_384, 0, false };
	p->xf[2] = (struct ikev2_transform){ IKEV2_XF_DH, IKEV2_DH_ECP_384, 0, false };
	p->xf[3] = (struct ikev2_transform){ IKEV2_XF_DH, IKEV2_DH_CURVE25519, 0, false };
	p = &sa->prop[1];
	p->num = 2;
	p->proto = IKEV2_PROTO_IKE;
	p->spi_size = 8;
	memcpy(p->spi, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	p->ntransforms = 5;
	p->xf[0] = (struct ikev2_transform){ IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 128, false };
	p->xf[1] = (struct ikev2_transform){ IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 256, false };
	p->xf[2] = (struct ikev2_transform){ IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false };
	p->xf[3] = (struct ikev2_transform){ IKEV2_XF_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0, false };
	p->xf[4] = (struct ikev2_transform){ IKEV2_XF_DH, IKEV2_DH_MODP_2048, 0, false };
}

static int sa_equal(const struct ikev2_sa *a, const struct ikev2_sa *b)
{
	if (a->nproposals != b->nproposals)
		return 0;
	for (int i = 0; i < a->nproposals; i++) {
		const struct ikev2_proposal *x = &a->prop[i], *y = &b->prop[i];

		if (x->num != y->num || x->proto != y->proto || x->spi_size != y->spi_size ||
		    memcmp(x->spi, y->spi, x->spi_size) || x->ntransforms != y->ntransforms)
			return 0;
		for (int j = 0; j < x->ntransforms; j++)
			if (x->xf[j].type != y->xf[j].type || x->xf[j].id != y->xf[j].id ||
			    x->xf[j].keylen != y->xf[j].keylen || x->xf[j].unknown_attr != y->xf[j].unknown_attr)
				return 0;
	}
	return 1;
}

/* An IKE_SA_INIT request: SA, KE, Ni, N(NAT_D), N(with SPI), CERTREQ, V. */
static void build_init(struct buf *b)
{
	struct ikev2_hdr h = { .spi_i = 0x0102030405060708ULL, .exchange = IKEV2_EXCH_IKE_SA_INIT,
			       .flags = IKEV2_FLAG_INITIATOR, .msgid = 0 };
	struct ikev2_chain c;
	struct ikev2_sa sa;
	struct ikev2_notify n1 = { .type = IKEV2_N_NAT_DETECTION_SOURCE_IP, .data = natd, .len = sizeof(natd) };
	struct ikev2_notify n2 = { .proto = IKEV2_PROTO_ESP, .spi_size = 4, .spi = { 0xc0, 0xff, 0xee, 0x01 },
				   .type = IKEV2_N_REKEY_SA };
	struct ikev2_cert cr = { .encoding = IKEV2_CERT_X509_SIG, .data = certreq, .len = sizeof(certreq) };

	fill_ike_sa(&sa);
	ikev2_msg_begin(b, &c, &h);
	ikev2_put_sa(&c, &sa);
	ikev2_put_ke(&c, &(struct ikev2_ke){ IKEV2_DH_ECP_256, ke_data, sizeof(ke_data) });
	ikev2_put_nonce(&c, nonce_i, sizeof(nonce_i));
	ikev2_put_notify(&c, &n1);
	ikev2_put_notify(&c, &n2);
	ikev2_put_cert(&c, IKEV2_PL_CERTREQ, &cr);
	ikev2_put_vendor(&c, vid, sizeof(vid));
	ikev2_msg_finish(b);
}

static void test_init_roundtrip(void)
{
	struct buf b;
	struct ikev2_msg m;
	struct ikev2_error err = { 0 };
	struct ikev2_sa sa, want;
	struct ikev2_ke ke;
	struct ikev2_notify n;
	struct ikev2_cert cr;
	const uint8_t *np;
	size_t nl;
	int r;

	buf_init(&b);
	build_init(&b);
	ok(!b.failed && b.len > IKEV2_HDR_LEN, "IKE_SA_INIT built (%zu bytes)", b.len);
	r = ikev2_msg_decode(b.data, b.len, &m, &err);
	ok(r == 0, "IKE_SA_INIT decodes (%s)", r ? err.msg : "ok");
	ok(m.hdr.spi_i == 0x0102030405060708ULL && m.hdr.spi_r == 0 && m.hdr.version == 0x20 &&
	   m.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT && m.hdr.flags == IKEV2_FLAG_INITIATOR &&
	   m.hdr.msgid == 0 && m.hdr.length == b.len, "header fields round-trip");
	ok(m.pl.n == 7, "7 payloads found (%zu)", m.pl.n);
	ok(m.pl.p[0].type == IKEV2_PL_SA && m.pl.p[1].type == IKEV2_PL_KE && m.pl.p[2].type == IKEV2_PL_NONCE &&
	   m.pl.p[3].type == IKEV2_PL_NOTIFY && m.pl.p[4].type == IKEV2_PL_NOTIFY &&
	   m.pl.p[5].type == IKEV2_PL_CERTREQ && m.pl.p[6].type == IKEV2_PL_VENDOR, "payload order kept");

	fill_ike_sa(&want);
	r = ikev2_pld_sa_decode(m.pl.p[0].body, m.pl.p[0].len, &sa, &err);
	ok(r == 0 && sa_equal(&sa, &want), "SA: proposals, SPIs, transforms, key lengths round-trip");
	r = ikev2_pld_ke_decode(m.pl.p[1].body, m.pl.p[1].len, &ke, &err);
	ok(r == 0 && ke.group == IKEV2_DH_ECP_256 && ke.len == sizeof(ke_data) &&
	   !memcmp(ke.data, ke_data, ke.len), "KE round-trips");
	r = ikev2_pld_nonce_decode(m.pl.p[2].body, m.pl.p[2].len, &np, &nl, &err);
	ok(r == 0 && nl == 32 && !memcmp(np, nonce_i, 32), "Nonce round-trips");
	r = ikev2_pld_notify_decode(m.pl.p[3].body, m.pl.p[3].len, &n, &err);
	ok(r == 0 && n.type == IKEV2_N_NAT_DETECTION_SOURCE_IP && n.proto == 0 && n.spi_size == 0 &&
	   n.len == sizeof(natd) && !memcmp(n.data, natd, n.len), "N without SPI round-trips");
	r = ikev2_pld_notify_decode(m.pl.p[4].body, m.pl.p[4].len, &n, &err);
	ok(r == 0 && n.type == IKEV2_N_REKEY_SA && n.proto == IKEV2_PROTO_ESP && n.spi_size == 4 &&
	   !memcmp(n.spi, "\xc0\xff\xee\x01", 4) && n.len == 0, "N with protocol id and SPI round-trips");
	r = ikev2_pld_cert_decode(IKEV2_PL_CERTREQ, m.pl.p[5].body, m.pl.p[5].len, &cr, &err);
	ok(r == 0 && cr.encoding == IKEV2_CERT_X509_SIG && cr.len == sizeof(certreq) &&
	   !memcmp(cr.data, certreq, cr.len), "CERTREQ round-trips");
	ok(m.pl.p[6].len == sizeof(vid) && !memcmp(m.pl.p[6].body, vid, sizeof(vid)), "V round-trips");
	buf_free(&b);
}

/* RFC 7296 3.3 layout, assembled by hand: catches symmetric encoder/decoder mistakes. */
static void test_sa_wire_bytes(void)
{
	struct buf b;
	struct ikev2_chain c;
	struct ikev2_sa sa = { .nproposals = 1 };

	sa.prop[0] = (struct ikev2_proposal){ .num = 1, .proto = IKEV2_PROTO_ESP, .spi_size = 4,
					      .spi = { 0x12, 0x34, 0x56, 0x78 }, .ntransforms = 2 };
	sa.prop[0].xf[0] = (struct ikev2_transform){ IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 128, false };
	sa.prop[0].xf[1] = (struct ikev2_transform){ IKEV2_XF_ESN, IKEV2_ESN_NO, 0, false };
	buf_init(&b);
	ikev2_chain_init(&c, &b, SIZE_MAX);
	ikev2_put_sa(&c, &sa);
	ok(c.first == IKEV2_PL_SA &&
	   hexeq(b.data, b.len,
		 "00 00 00 24"			/* SA: next none, length 36 */
		 "00 00 00 20 01 03 04 02 12345678"	/* last proposal, len 32, #1, ESP, SPI size 4, 2 xforms */
		 "03 00 00 0c 01 00 00 0c 800e 0080"	/* more, len 12, ENCR AES_CBC, Key Length 128 */
		 "00 00 00 08 05 00 00 00"),		/* last, len 8, ESN none */
	   "SA payload encodes to the RFC 7296 3.3 wire layout");
	buf_free(&b);
}

static const uint8_t cert_der[40] = { 0x30, 0x82 };
static const uint8_t auth_data[32] = { 0xa5 };
static const uint8_t cp_body[8] = { 1, 0, 0, 0, 0, 1, 0, 0 };	/* CFG_REQUEST, INTERNAL_IP4_ADDRESS */
static const uint8_t eap_body[5] = { 1, 7, 0, 5, 1 };

static void fill_ts(struct ikev2_ts_list *tl)
{
	memset(tl, 0, sizeof(*tl));
	tl->n = 2;
	tl->ts[0] = (struct ikev2_ts){ .type = IKEV2_TS_IPV4_ADDR_RANGE, .proto = 6, .sport = 0, .eport = 65535,
				       .start = { 10, 1, 0, 0 }, .end = { 10, 1, 255, 255 } };
	tl->ts[1] = (struct ikev2_ts){ .type = IKEV2_TS_IPV6_ADDR_RANGE, .proto = 0, .sport = 443, .eport = 443 };
	memcpy(tl->ts[1].start, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	memcpy(tl->ts[1].end, "\x20\x01\x0d\xb8\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff", 16);
}

/* The inner chain of an IKE_AUTH: IDi, CERT, AUTH, SA, TSi, TSr, N, D, D, CP, EAP. */
static void build_auth_inner(struct buf *b, struct ikev2_chain *c)
{
	struct ikev2_sa sa = { .nproposals = 1 };
	struct ikev2_ts_list ts;
	static const uint8_t spis[8] = { 0, 0, 0x10, 0, 0, 0, 0x20, 0 };

	sa.prop[0] = (struct ikev2_proposal){ .num = 1, .proto = IKEV2_PROTO_ESP, .spi_size = 4,
					      .spi = { 0xca, 0xfe, 0, 1 }, .ntransforms = 2 };
	sa.prop[0].xf[0] = (struct ikev2_transform){ IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 128, false };
	sa.prop[0].xf[1] = (struct ikev2_transform){ IKEV2_XF_ESN, IKEV2_ESN_NO, 0, false };
	fill_ts(&ts);
	buf_init(b);
	ikev2_chain_init(c, b, SIZE_MAX);
	ikev2_put_id(c, IKEV2_PL_IDI, &(struct ikev2_id){ IKEV2_ID_FQDN, (const uint8_t *)"moon.example", 12 });
	ikev2_put_cert(c, IKEV2_PL_CERT, &(struct ikev2_cert){ IKEV2_CERT_X509_SIG, cert_der, sizeof(cert_der) });
	ikev2_put_auth(c, &(struct ikev2_auth){ IKEV2_AUTH_PSK, auth_data, sizeof(auth_data) });
	ikev2_put_sa(c, &sa);
	ikev2_put_ts(c, IKEV2_PL_TSI, &ts);
	ts.n = 1;
	ikev2_put_ts(c, IKEV2_PL_TSR, &ts);
	ikev2_put_notify(c, &(struct ikev2_notify){ .type = IKEV2_N_USE_TRANSPORT_MODE });
	ikev2_put_delete(c, &(struct ikev2_delete){ IKEV2_PROTO_ESP, 4, 2, spis });
	ikev2_put_delete(c, &(struct ikev2_delete){ IKEV2_PROTO_IKE, 0, 0, NULL });
	ikev2_put_raw(c, IKEV2_PL_CP, false, cp_body, sizeof(cp_body));
	ikev2_put_raw(c, IKEV2_PL_EAP, false, eap_body, sizeof(eap_body));
}

static void check_auth_inner(const struct ikev2_pldlist *in, const char *what)
{
	struct ikev2_error err = { 0 };
	struct ikev2_id id;
	struct ikev2_cert cert;
	struct ikev2_auth auth;
	struct ikev2_sa sa;
	struct ikev2_ts_list ts, want;
	struct ikev2_notify n;
	struct ikev2_delete d;
	size_t pos = 0;
	const struct ikev2_pld *p;

	ok(in->n == 11, "%s: 11 inner payloads (%zu)", what, in->n);
	if (in->n != 11)
		return;
	ok(!ikev2_pld_id_decode(IKEV2_PL_IDI, in->p[0].body, in->p[0].len, &id, &err) &&
	   id.type == IKEV2_ID_FQDN && id.len == 12 && !memcmp(id.data, "moon.example", 12),
	   "%s: IDi round-trips", what);
	ok(!ikev2_pld_cert_decode(IKEV2_PL_CERT, in->p[1].body, in->p[1].len, &cert, &err) &&
	   cert.encoding == IKEV2_CERT_X509_SIG && cert.len == sizeof(cert_der) &&
	   !memcmp(cert.data, cert_der, cert.len), "%s: CERT round-trips", what);
	ok(!ikev2_pld_auth_decode(in->p[2].body, in->p[2].len, &auth, &err) &&
	   auth.method == IKEV2_AUTH_PSK && auth.len == sizeof(auth_data) &&
	   !memcmp(auth.data, auth_data, auth.len), "%s: AUTH round-trips", what);
	ok(!ikev2_pld_sa_decode(in->p[3].body, in->p[3].len, &sa, &err) && sa.nproposals == 1 &&
	   sa.prop[0].proto == IKEV2_PROTO_ESP && sa.prop[0].spi_size == 4 &&
	   !memcmp(sa.prop[0].spi, "\xca\xfe\x00\x01", 4) && sa.prop[0].xf[0].keylen == 128,
	   "%s: child SA round-trips", what);
	fill_ts(&want);
	ok(!ikev2_pld_ts_decode(IKEV2_PL_TSI, in->p[4].body, in->p[4].len, &ts, &err) && ts.n == 2 &&
	   !memcmp(&ts.ts[0], &want.ts[0], sizeof(ts.ts[0])) && !memcmp(&ts.ts[1], &want.ts[1], sizeof(ts.ts[1])),
	   "%s: TSi (IPv4 + IPv6 ranges) round-trips", what);
	ok(!ikev2_pld_ts_decode(IKEV2_PL_TSR, in->p[5].body, in->p[5].len, &ts, &err) && ts.n == 1 &&
	   !memcmp(&ts.ts[0], &want.ts[0], sizeof(ts.ts[0])), "%s: TSr round-trips", what);
	ok(!ikev2_pld_notify_decode(in->p[6].body, in->p[6].len, &n, &err) &&
	   n.type == IKEV2_N_USE_TRANSPORT_MODE && n.len == 0, "%s: N round-trips", what);
	ok(!ikev2_pld_delete_decode(in->p[7].body, in->p[7].len, &d, &err) && d.proto == IKEV2_PROTO_ESP &&
	   d.spi_size == 4 && d.nspi == 2 && get_be32(d.spis + 4) == 0x00002000, "%s: D (ESP SPIs) round-trips", what);
	ok(!ikev2_pld_delete_decode(in->p[8].body, in->p[8].len, &d, &err) && d.proto == IKEV2_PROTO_IKE &&
	   d.nspi == 0, "%s: D (IKE SA) round-trips", what);
	ok(in->p[9].type == IKEV2_PL_CP && in->p[9].len == sizeof(cp_body) &&
	   in->p[10].type == IKEV2_PL_EAP && in->p[10].len == sizeof(eap_body), "%s: CP and EAP kept", what);
	p = ikev2_pld_find(in, IKEV2_PL_DELETE, &pos);
	ok(p == &in->p[7] && ikev2_pld_find(in, IKEV2_PL_DELETE, &pos) == &in->p[8] &&
	   !ikev2_pld_find(in, IKEV2_PL_DELETE, &pos), "%s: ikev2_pld_find walks repeated payloads", what);
}

struct sk_case {
	const char *name;
	struct crypto_sk_alg alg;
};

static const struct sk_case sk_cases[] = {
	{ "AES-GCM-16-256", { IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE } },
	{ "AES-GCM-16-128", { IKEV2_ENCR_AES_GCM_16, 128, IKEV2_INTEG_NONE } },
	{ "ChaCha20-Poly1305", { IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_INTEG_NONE } },
	{ "AES-CBC-128/HMAC-SHA2-256-128", { IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 } },
	{ "AES-CBC-256/HMAC-SHA2-512-256", { IKEV2_ENCR_AES_CBC, 256, IKEV2_INTEG_HMAC_SHA2_512_256 } },
	{ "AES-CBC-192/HMAC-SHA1-96", { IKEV2_ENCR_AES_CBC, 192, IKEV2_INTEG_HMAC_SHA1_96 } },
};

static void test_sk(const struct sk_case *tc)
{
	struct buf inner, msg, plain;
	struct ikev2_chain ic, oc;
	struct ikev2_msg m;
	struct ikev2_pldlist in;
	struct ikev2_error err = { 0 };
	struct ikev2_hdr h = { .spi_i = 1, .spi_r = 2, .exchange = IKEV2_EXCH_IKE_AUTH,
			       .flags = IKEV2_FLAG_INITIATOR, .msgid = 1 };
	uint8_t ek[CRYPTO_KEY_MAX], ak[CRYPTO_KEY_MAX];
	int r, flips_caught = 0, flips = 0;

	for (int i = 0; i < CRYPTO_KEY_MAX; i++) {
		ek[i] = (uint8_t)(i * 7 + 1);
		ak[i] = (uint8_t)(i * 13 + 5);
	}
	build_auth_inner(&inner, &ic);
	buf_init(&msg);
	ikev2_msg_begin(&msg, &oc, &h);
	r = ikev2_msg_seal(&oc, &tc->alg, ek, ak, inner.data, inner.len, ic.first, 0, 0, NULL);
	ok(r == 0, "%s: IKE_AUTH sealed (%zu bytes)", tc->name, msg.len);
	r = ikev2_msg_decode(msg.data, msg.len, &m, &err);
	ok(r == 0 && m.pl.n == 1 && m.pl.p[0].type == IKEV2_PL_SK && m.pl.p[0].np == IKEV2_PL_IDI,
	   "%s: outer message decodes to one SK payload", tc->name);
	buf_init(&plain);
	r = ikev2_msg_open(&m, &tc->alg, ek, ak, &plain, &in, &err);
	ok(r == 0 && plain.len == inner.len && !memcmp(plain.data, inner.data, inner.len),
	   "%s: SK opens to the original inner chain (%s)", tc->name, r ? err.msg : "ok");
	if (!r)
		check_auth_inner(&in, tc->name);

	/* Any flipped bit anywhere in the message must fail the integrity check. */
	for (size_t bit = 0; bit < msg.len * 8; bit += 7) {
		msg.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (!ikev2_msg_decode(msg.data, msg.len, &m, &err)) {
			flips++;
			if (ikev2_msg_open(&m, &tc->alg, ek, ak, &plain, &in, &err) &&
			    err.code == IKEV2_E_INTEGRITY)
				flips_caught++;
		}
		msg.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ok(flips > 0 && flips == flips_caught, "%s: %d/%d bit flips rejected by the ICV", tc->name,
	   flips_caught, flips);
	/* AEAD keys are in ek, CBC+HMAC's integrity key in ak: change both */
	ek[0] ^= 1;
	ak[0] ^= 1;
	r = ikev2_msg_decode(msg.data, msg.len, &m, &err) ||
	    ikev2_msg_open(&m, &tc->alg, ek, ak, &plain, &in, &err);
	ok(r && err.code == IKEV2_E_INTEGRITY, "%s: wrong key is an integrity failure", tc->name);
	buf_free(&inner);
	buf_free(&msg);
	buf_free(&plain);
}

static void test_skf(void)
{
	const struct crypto_sk_alg alg = { IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE };
	struct ikev2_hdr h = { .spi_i = 1, .spi_r = 2, .exchange = IKEV2_EXCH_IKE_AUTH, .msgid = 1 };
	struct buf msg, plain;
	struct ikev2_chain oc;
	struct ikev2_msg m;
	struct ikev2_pldlist in;
	struct ikev2_error err = { 0 };
	struct ikev2_skf skf;
	uint8_t ek[36] = { 9 }, chunk[100];
	int r;

	memset(chunk, 0x5a, sizeof(chunk));
	buf_init(&plain);
	buf_init(&msg);
	for (uint16_t num = 1; num <= 3; num++) {
		ikev2_msg_begin(&msg, &oc, &h);
		r = ikev2_msg_seal(&oc, &alg, ek, NULL, chunk, sizeof(chunk), IKEV2_PL_IDI, num, 3, NULL);
		r = r || ikev2_msg_decode(msg.data, msg.len, &m, &err);
		r = r || m.pl.n != 1 || m.pl.p[0].type != IKEV2_PL_SKF ||
		    ikev2_pld_skf_decode(m.pl.p[0].body, m.pl.p[0].len, &skf, &err);
		ok(!r && skf.frag_num == num && skf.frag_total == 3 &&
		   m.pl.p[0].np == (num == 1 ? IKEV2_PL_IDI : IKEV2_PL_NONE),
		   "SKF fragment %u/3 recognised, next payload only in the first", num);
		r = ikev2_msg_open(&m, &alg, ek, NULL, &plain, &in, &err);
		ok(!r && plain.len == sizeof(chunk) && !memcmp(plain.data, chunk, sizeof(chunk)) && in.n == 0,
		   "SKF fragment %u/3 decrypts to its chunk", num);
		/* fragment numbers are authenticated */
		put_be16(msg.data + IKEV2_HDR_LEN + 4, num == 1 ? 2 : 1);
		r = ikev2_msg_decode(msg.data, msg.len, &m, &err) ||
		    ikev2_msg_open(&m, &alg, ek, NULL, &plain, &in, &err);
		ok(r && err.code == IKEV2_E_INTEGRITY, "SKF fragment %u/3 with altered number rejected", num);
		buf_free(&msg);
	}
	buf_free(&plain);
}

static void expect_fail(const uint8_t *p, size_t len, enum ikev2_errcode code, const char *what)
{
	struct ikev2_msg m;
	struct ikev2_error err = { 0 };
	int r = ikev2_msg_decode(p, len, &m, &err);

	ok(r == -1 && err.code == code && err.msg[0], "%s -> %s (\"%s\")", what, ikev2_strerror(code), err.msg);
}

static void test_truncation_and_overlong(void)
{
	struct buf b;
	struct ikev2_msg m;
	struct ikev2_error err;
	uint8_t *copy;
	size_t failed_plain = 0, failed_patched = 0, weird = 0;

	buf_init(&b);
	build_init(&b);
	copy = malloc(b.len + 16);
	for (size_t n = 0; n < b.len; n++) {
		memcpy(copy, b.data, n);
		memset(&err, 0, sizeof(err));
		if (ikev2_msg_decode(copy, n, &m, &err) == -1 && err.code != IKEV2_OK)
			failed_plain++;
		if (n >= IKEV2_HDR_LEN) {
			/* make the header agree, so the payload chain itself is cut */
			put_be32(copy + 24, (uint32_t)n);
			memset(&err, 0, sizeof(err));
			if (ikev2_msg_decode(copy, n, &m, &err) == -1 && err.code != IKEV2_OK)
				failed_patched++;
			else
				weird++;
		}
	}
	ok(failed_plain == b.len, "all %zu truncations refused (%zu)", b.len, failed_plain);
	ok(failed_patched == b.len - IKEV2_HDR_LEN && !weird,
	   "all %zu truncations with a matching header length refused (%zu)",
	   b.len - IKEV2_HDR_LEN, failed_patched);

	memcpy(copy, b.data, b.len);
	memset(copy + b.len, 0, 16);
	expect_fail(copy, b.len + 16, IKEV2_E_LENGTH, "datagram longer than the header length");
	put_be32(copy + 24, (uint32_t)b.len + 16);
	expect_fail(copy, b.len + 16, IKEV2_E_LENGTH, "bytes after the last payload");
	free(copy);
	buf_free(&b);
}

/* Decode every payload of a message with its typed decoder too. */
static void decode_all(const struct ikev2_msg *m)
{
	struct ikev2_error err;

	for (size_t i = 0; i < m->pl.n; i++)
		ikev2_pld_check(m->pl.p[i].type, m->pl.p[i].body, m->pl.p[i].len, &err);
}

static void test_mutations(void)
{
	const struct crypto_sk_alg alg = { IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128 };
	struct buf b, inner, sealed, plain;
	struct ikev2_chain c;
	struct ikev2_msg m;
	struct ikev2_pldlist in;
	struct ikev2_error err;
	uint8_t key[64] = { 3 }, *copy, garbage[600];
	unsigned int accepted = 0, refused = 0, bad_err = 0, inner_ok = 0;
	const int iterations = 30000;

	buf_init(&b);
	build_init(&b);
	copy = malloc(b.len);
	for (int i = 0; i < iterations; i++) {
		int nmut = 1 + (int)(rnd() % 4);

		memcpy(copy, b.data, b.len);
		for (int j = 0; j < nmut; j++)
			copy[rnd() % b.len] = (uint8_t)rnd();
		if (rnd() % 2)	/* keep the length right half of the time: reach deeper */
			put_be32(copy + 24, (uint32_t)b.len);
		memset(&err, 0, sizeof(err));
		if (ikev2_msg_decode(copy, b.len, &m, &err) == 0) {
			accepted++;
			decode_all(&m);
		} else {
			refused++;
			if (err.code == IKEV2_OK || !err.msg[0])
				bad_err++;
		}
	}
	ok(bad_err == 0 && refused > 0, "%d random mutations: %u refused with an error, %u accepted, 0 crashes",
	   iterations, refused, accepted);

	/* the inner chain gets the same treatment: mutate the plaintext, seal, open */
	build_auth_inner(&inner, &c);
	buf_init(&plain);
	for (int i = 0; i < 5000; i++) {
		struct ikev2_chain oc;
		struct ikev2_hdr h = { .spi_i = 1, .spi_r = 2, .exchange = IKEV2_EXCH_IKE_AUTH };
		uint8_t *ip = malloc(inner.len);
		size_t ilen = inner.len - (rnd() % 2 ? rnd() % inner.len : 0);

		memcpy(ip, inner.data, inner.len);
		for (int j = 0; j < 3; j++)
			ip[rnd() % ilen] = (uint8_t)rnd();
		buf_init(&sealed);
		ikev2_msg_begin(&sealed, &oc, &h);
		ikev2_msg_seal(&oc, &alg, key, key, ip, ilen, c.first, 0, 0, NULL);
		memset(&err, 0, sizeof(err));
		if (!ikev2_msg_decode(sealed.data, sealed.len, &m, &err) &&
		    !ikev2_msg_open(&m, &alg, key, key, &plain, &in, &err)) {
			struct ikev2_msg fake = { .pl = in };

			inner_ok++;
			decode_all(&fake);
		} else if (err.code == IKEV2_OK || !err.msg[0]) {
			bad_err++;
		}
		buf_free(&sealed);
		free(ip);
	}
	ok(bad_err == 0, "5000 mutated inner chains behind a valid ICV: %u decoded, rest refused cleanly", inner_ok);

	/* pure garbage of every length up to 600 bytes, with a plausible header half of the time */
	for (size_t n = 0; n < sizeof(garbage); n++) {
		for (size_t j = 0; j < n; j++)
			garbage[j] = (uint8_t)rnd();
		if (n >= IKEV2_HDR_LEN && n % 2) {
			garbage[17] = IKEV2_VERSION;
			put_be32(garbage + 24, (uint32_t)n);
		}
		memset(&err, 0, sizeof(err));
		if (ikev2_msg_decode(garbage, n, &m, &err))
			bad_err += err.code == IKEV2_OK;
		else
			decode_all(&m);
	}
	ok(bad_err == 0, "random garbage of 0..599 bytes never accepted without a decodable structure");
	buf_free(&inner);
	buf_free(&plain);
	buf_free(&b);
	free(copy);
}

/* A message with one payload (type, critical, body) after the header. */
static size_t one_payload(uint8_t *out, uint8_t type, uint8_t flags, const char *hex)
{
	size_t blen = unhex(hex, out + IKEV2_HDR_LEN + 4, 1000);
	size_t len = IKEV2_HDR_LEN + 4 + blen;

	memset(out, 0, IKEV2_HDR_LEN);
	out[16] = type;
	out[17] = IKEV2_VERSION;
	out[18] = IKEV2_EXCH_INFORMATIONAL;
	put_be32(out + 24, (uint32_t)len);
	out[IKEV2_HDR_LEN] = 0;
	out[IKEV2_HDR_LEN + 1] = flags;
	put_be16(out + IKEV2_HDR_LEN + 2, (uint16_t)(4 + blen));
	return len;
}

static void test_malformed(void)
{
	uint8_t m[1200];
	size_t n;
	struct ikev2_msg msg;
	struct ikev2_error err = { 0 };
	int r;

	n = one_payload(m, 200, 0, "01020304");
	r = ikev2_msg_decode(m, n, &msg, &err);
	ok(r == 0 && msg.pl.n == 1 && msg.pl.p[0].type == 200, "unknown non-critical payload skipped");
	n = one_payload(m, 200, IKEV2_CRITICAL, "01020304");
	r = ikev2_msg_decode(m, n, &msg, &err);
	ok(r == -1 && err.code == IKEV2_E_CRITICAL && err.pld_type == 200 &&
	   ikev2_error_notify(&err) == IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD,
	   "unknown critical payload -> UNSUPPORTED_CRITICAL_PAYLOAD with its type");
	m[17] = 0x30;
	r = ikev2_msg_decode(m, n, &msg, &err);
	ok(r == -1 && err.code == IKEV2_E_VERSION && ikev2_error_notify(&err) == IKEV2_N_INVALID_MAJOR_VERSION,
	   "major version 3 -> INVALID_MAJOR_VERSION");
	m[17] = 0x10;
	r = ikev2_msg_decode(m, n, &msg, &err);
	ok(r == -1 && err.code == IKEV2_E_OLD_VERSION && ikev2_error_notify(&err) == 0,
	   "IKEv1 (version 1.0) dropped without a notify");
	n = one_payload(m, IKEV2_PL_VENDOR, 0, "01");
	m[17] = 0x21;
	ok(ikev2_msg_decode(m, n, &msg, &err) == 0, "minor version 1 accepted");

	n = one_payload(m, IKEV2_PL_SA, 0, "00000018 01010002 03000008 01000014 00000008 02000005");
	ok(ikev2_msg_decode(m, n, &msg, &err) == 0, "well-formed hand-made SA accepted");
	n = one_payload(m, IKEV2_PL_SA, 0, "00000018 01010003 03000008 01000014 00000008 02000005");
	expect_fail(m, n, IKEV2_E_LENGTH, "SA: transform count larger than present");
	n = one_payload(m, IKEV2_PL_SA, 0, "00000018 01010002 00000008 01000014 00000008 02000005");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SA: 'last transform' before the end");
	n = one_payload(m, IKEV2_PL_SA, 0, "02000018 01010002 03000008 01000014 00000008 02000005");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SA: 'more proposals' on the last one");
	n = one_payload(m, IKEV2_PL_SA, 0, "00000019 01010002 03000008 01000014 00000008 02000005");
	expect_fail(m, n, IKEV2_E_TRUNCATED, "SA: proposal length past the payload");
	n = one_payload(m, IKEV2_PL_SA, 0, "00000014 01010001 0000000c 0100000c 000e0010");
	expect_fail(m, n, IKEV2_E_TRUNCATED, "SA: TLV attribute longer than its transform");
	n = one_payload(m, IKEV2_PL_SA, 0, "00000018 01010001 00000010 0100000c 800e0080 800e0100");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SA: duplicate Key Length");
	n = one_payload(m, IKEV2_PL_SA, 0, "0000000a 01010201 00000008 01000014");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SA: SPI size 2");
	n = one_payload(m, IKEV2_PL_SA, 0, "");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SA: empty");
	n = one_payload(m, IKEV2_PL_NONCE, 0, "0102030405060708090a0b0c0d0e0f");
	expect_fail(m, n, IKEV2_E_SYNTAX, "Nonce of 15 bytes");
	n = one_payload(m, IKEV2_PL_KE, 0, "0013 0000");
	expect_fail(m, n, IKEV2_E_SYNTAX, "KE without data");
	n = one_payload(m, IKEV2_PL_IDI, 0, "01000000 0a0000");
	expect_fail(m, n, IKEV2_E_SYNTAX, "ID_IPV4_ADDR of 3 bytes");
	n = one_payload(m, IKEV2_PL_NOTIFY, 0, "03044000 0102");
	expect_fail(m, n, IKEV2_E_TRUNCATED, "N: SPI longer than the payload");
	n = one_payload(m, IKEV2_PL_DELETE, 0, "03040002 00000001");
	expect_fail(m, n, IKEV2_E_LENGTH, "D: 2 SPIs announced, 1 present");
	n = one_payload(m, IKEV2_PL_DELETE, 0, "01040000");
	expect_fail(m, n, IKEV2_E_SYNTAX, "D: IKE delete with SPI size 4");
	n = one_payload(m, IKEV2_PL_TSI, 0, "01000000 0700000f 0000ffff 0a000000 0a0000ff");
	expect_fail(m, n, IKEV2_E_LENGTH, "TS: selector length 15");
	n = one_payload(m, IKEV2_PL_TSI, 0, "02000000 07000010 0000ffff 0a000000 0a0000ff");
	expect_fail(m, n, IKEV2_E_TRUNCATED, "TS: 2 announced, 1 present");
	n = one_payload(m, IKEV2_PL_TSI, 0, "00000000");
	expect_fail(m, n, IKEV2_E_SYNTAX, "TS: zero selectors");
	n = one_payload(m, IKEV2_PL_TSI, 0, "01000000 09000010 0000ffff 0a000000 0a0000ff");
	expect_fail(m, n, IKEV2_E_UNSUPPORTED, "TS: unknown TS type");
	n = one_payload(m, IKEV2_PL_SKF, 0, "0000 0001 00");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SKF: fragment number 0");
	n = one_payload(m, IKEV2_PL_SKF, 0, "0003 0002 00");
	expect_fail(m, n, IKEV2_E_SYNTAX, "SKF: fragment 3 of 2");
	n = one_payload(m, IKEV2_PL_SK, 0, "00112233");
	m[IKEV2_HDR_LEN] = IKEV2_PL_VENDOR;	/* the inner chain: must not be parsed as outer */
	ok(ikev2_msg_decode(m, n, &msg, &err) == 0 && msg.pl.n == 1 && msg.pl.p[0].np == IKEV2_PL_VENDOR,
	   "SK: next payload names the inner chain");
	/* SK followed by another payload */
	n = one_payload(m, IKEV2_PL_SK, 0, "00112233");
	memcpy(m + n, "\x00\x00\x00\x05\x01", 5);
	put_be16(m + IKEV2_HDR_LEN + 2, 8);
	put_be32(m + 24, (uint32_t)n + 5);
	expect_fail(m, n + 5, IKEV2_E_SK_POSITION, "SK not the last payload");
	n = one_payload(m, IKEV2_PL_VENDOR, 0, "01");
	put_be16(m + IKEV2_HDR_LEN + 2, 3);
	expect_fail(m, n, IKEV2_E_LENGTH, "payload length 3");
	n = one_payload(m, IKEV2_PL_VENDOR, 0, "01");
	m[IKEV2_HDR_LEN] = IKEV2_PL_VENDOR;
	expect_fail(m, n, IKEV2_E_TRUNCATED, "next payload announced after the end");
	expect_fail(m, 27, IKEV2_E_TRUNCATED, "27-byte datagram");
}

/* RFC 7383: split an IKE_AUTH into SKF datagrams, deliver them out of order with duplicates, reassemble. */
static void test_fragmentation(const struct crypto_sk_alg *alg, const char *name)
{
	struct ikev2_hdr h = { .spi_i = 7, .spi_r = 8, .exchange = IKEV2_EXCH_IKE_AUTH,
			       .flags = IKEV2_FLAG_INITIATOR, .msgid = 1 };
	struct buf inner, msgs[IKEV2_MAX_FRAGS], plain, whole;
	struct ikev2_chain ic;
	struct ikev2_frag_reasm ra;
	struct ikev2_pldlist in;
	struct ikev2_error err = { 0 };
	uint8_t ek[CRYPTO_KEY_MAX] = { 1, 2, 3 }, ak[CRYPTO_KEY_MAX] = { 4, 5, 6 };
	size_t biggest = 0, order[IKEV2_MAX_FRAGS];
	int n, r = 0, complete = 0, bad = 0;

	build_auth_inner(&inner, &ic);
	for (size_t i = 0; i < IKEV2_MAX_FRAGS; i++)
		buf_init(&msgs[i]);
	buf_init(&plain);
	buf_init(&whole);
	n = ikev2_frag_split(&h, alg, ek, ak, inner.data, inner.len, ic.first, 150, msgs, IKEV2_MAX_FRAGS);
	for (int i = 0; i < n; i++)
		biggest = msgs[i].len > biggest ? msgs[i].len : biggest;
	ok(n > 2 && biggest <= 150, "%s: %zu-byte IKE_AUTH split into %d SKF datagrams of <= 150 bytes",
	   name, inner.len, n);

	/* reverse order, every fragment twice */
	for (int i = 0; i < n; i++)
		order[i] = (size_t)(n - 1 - i);
	ikev2_frag_init(&ra);
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < n; k++) {
			struct ikev2_msg m;
			struct ikev2_skf skf;
			const struct buf *b = &msgs[order[k]];

			if (ikev2_msg_decode(b->data, b->len, &m, &err) ||
			    ikev2_pld_skf_decode(m.pl.p[0].body, m.pl.p[0].len, &skf, &err) ||
			    ikev2_msg_open(&m, alg, ek, ak, &plain, &in, &err)) {
				bad++;
				continue;
			}
			r = ikev2_frag_add(&ra, m.hdr.msgid, &skf, m.pl.p[0].np, plain.data, plain.len, &err);
			if (r < 0)
				bad++;
			complete += r == 1;
		}
	}
	ok(!bad && complete == 1, "%s: fragments authenticated, duplicates ignored, complete once", name);
	r = ikev2_frag_assemble(&ra, &whole, &in, &err);
	ok(!r && whole.len == inner.len && !memcmp(whole.data, inner.data, inner.len),
	   "%s: reassembled inner chain identical to the original", name);
	if (!r)
		check_auth_inner(&in, name);
	ikev2_frag_reset(&ra);

	/* the daemon keeps the fragments in one buffer, back to back */
	{
		size_t off = 0, l, k = 0;
		bool same = true;

		r = ikev2_frag_split_into(&h, alg, ek, ak, inner.data, inner.len, ic.first, 150, &whole);
		while ((l = ikev2_datagram_len(whole.data + off, whole.len - off))) {
			struct ikev2_msg m;

			same &= k < (size_t)n && !ikev2_msg_decode(whole.data + off, l, &m, &err) &&
				m.pl.n == 1 && m.pl.p[0].type == IKEV2_PL_SKF && l == msgs[k].len;
			off += l;
			k++;
		}
		ok(r == n && same && k == (size_t)n && off == whole.len,
		   "%s: %d fragments kept back to back, walked datagram by datagram", name, n);
		ok(!ikev2_datagram_len(whole.data, 27) && !ikev2_datagram_len(whole.data, msgs[0].len - 1),
		   "%s: a truncated kept datagram is not walked into", name);
	}
	for (size_t i = 0; i < IKEV2_MAX_FRAGS; i++)
		buf_free(&msgs[i]);
	buf_free(&inner);
	buf_free(&plain);
	buf_free(&whole);
}

static void test_reassembly_rules(void)
{
	struct ikev2_frag_reasm ra;
	struct ikev2_error err = { 0 };
	struct ikev2_pldlist in;
	struct buf out;
	const uint8_t x[4] = { 0, 0, 0, 4 };	/* one empty V payload: 4-byte header */

	buf_init(&out);
	ikev2_frag_init(&ra);
	ok(ikev2_frag_add(&ra, 5, &(struct ikev2_skf){ 1, 3, NULL, 0 }, IKEV2_PL_VENDOR, x, 2, &err) == 0 &&
	   ikev2_frag_add(&ra, 5, &(struct ikev2_skf){ 2, 2, NULL, 0 }, 0, x, 2, &err) == 0 && ra.total == 3,
	   "fragment with a smaller Total Fragments ignored");
	ok(ikev2_frag_add(&ra, 5, &(struct ikev2_skf){ 2, 4, NULL, 0 }, 0, x + 2, 2, &err) == 0 &&
	   ra.total == 4 && ra.have == 1, "larger Total Fragments restarts the reassembly");
	ok(ikev2_frag_assemble(&ra, &out, &in, &err) == -1, "incomplete message not assembled");
	ok(ikev2_frag_add(&ra, 5, &(struct ikev2_skf){ 3, 4, NULL, 0 }, IKEV2_PL_VENDOR, x, 2, &err) == -1,
	   "next payload on a non-first fragment refused");
	ok(ikev2_frag_add(&ra, 5, &(struct ikev2_skf){ 1, 40, NULL, 0 }, IKEV2_PL_VENDOR, x, 2, &err) == -1 &&
	   err.code == IKEV2_E_LIMIT, "more than %u fragments refused", IKEV2_MAX_FRAGS);
	ikev2_frag_reset(&ra);
	ok(ikev2_frag_add(&ra, 6, &(struct ikev2_skf){ 2, 2, NULL, 0 }, 0, x + 2, 2, &err) == 0 &&
	   ikev2_frag_add(&ra, 6, &(struct ikev2_skf){ 1, 2, NULL, 0 }, IKEV2_PL_VENDOR, x, 2, &err) == 1 &&
	   !ikev2_frag_assemble(&ra, &out, &in, &err) && in.n == 1 && in.p[0].type == IKEV2_PL_VENDOR,
	   "two fragments in reverse order make one V payload");
	ikev2_frag_reset(&ra);
	buf_free(&out);
}

/*
 * Packets produced by another IKEv2 implementation: the IKE_SA_INIT pair and
 * an encrypted INFORMATIONAL from Wireshark's test capture
 * ikev2-decrypt-aes128ccm12.pcap, as quoted in scapy's test/contrib/ikev2.uts
 * (Ethernet/IP/UDP headers stripped).
 */
static const char *ws_request =
	"ea684d21597afd3600000000000000002120220800000000000000f822000028"
	"00000024010100030300000c0100000f800e0080030000080200000500000008"
	"04000013280000480013000032c6dffe5c43b0d5811f7eaaa84c9f78bf99b906"
	"9c2b072e0b82f46bf6f66dd45f97ef89ee285fd5df527a44776b529fc9d8a909"
	"d842a6fb59b96a095395617229000024b655462d6f4b66f872ccd7f0f4b48577"
	"32921339cbaa5237edba244f262b68232900001c00004004949c9db5739d75a9"
	"74a49c184618369b34b7f9422900001c000040053e721b46be07d53111425d7f"
	"80d2c6e220c6072e000000100000402f0001000200030004";
static const char *ws_response =
	"ea684d21597afd36d9fe2ab22dac23ac2120222000000000000000f022000028"
	"00000024010100030300000c0100000f800e0080030000080200000500000008"
	"0400001328000048001300002c66beadb6ce8535d6218cb401aa5a1eb4035b97"
	"caddaf36374a979c0446b8800506bf9d6f950952326bf3011913da93bb8e40f8"
	"15376be1a06801c0a63e3b54290000249e5d267379e681e7d38d81c710d38340"
	"1de7e3607b926d90a9958adcb52831aa2900001c000040047a0785273d592038"
	"29a697550f31cbb94eb72b432900001c00004005c3e58a8cc9933ce0b78f2a50"
	"e8de80134e12ce310000000800004014";
static const char *ws_informational =
	"ea684d21597afd36d9fe2ab22dac23ac2e202508000000020000003d2a000021"
	"cca0b35de5abc51c9987cbf1f5ecff210eb767cdb85179383b964d78e2";

static void test_foreign_packets(void)
{
	uint8_t pkt[300];
	size_t n, refused = 0;
	struct ikev2_msg m;
	struct ikev2_error err = { 0 };
	struct ikev2_sa sa;
	struct ikev2_ke ke;
	struct ikev2_notify no;
	int r;

	n = unhex(ws_request, pkt, sizeof(pkt));
	r = ikev2_msg_decode(pkt, n, &m, &err);
	ok(r == 0 && m.hdr.spi_i == 0xea684d21597afd36ULL && m.hdr.spi_r == 0 &&
	   m.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT && m.hdr.flags == IKEV2_FLAG_INITIATOR && m.pl.n == 6 &&
	   m.pl.p[0].type == IKEV2_PL_SA && m.pl.p[1].type == IKEV2_PL_KE && m.pl.p[2].type == IKEV2_PL_NONCE &&
	   m.pl.p[5].type == IKEV2_PL_NOTIFY, "foreign IKE_SA_INIT request decodes: SA, KE, Ni, 3 x N (%s)",
	   r ? err.msg : "ok");
	if (r)
		return;
	ok(!ikev2_pld_sa_decode(m.pl.p[0].body, m.pl.p[0].len, &sa, &err) && sa.nproposals == 1 &&
	   sa.prop[0].ntransforms == 3 && sa.prop[0].xf[0].type == IKEV2_XF_ENCR && sa.prop[0].xf[0].id == 15 &&
	   sa.prop[0].xf[0].keylen == 128 && sa.prop[0].xf[1].id == IKEV2_PRF_HMAC_SHA2_256 &&
	   sa.prop[0].xf[2].id == IKEV2_DH_ECP_256, "its SA: AES-CCM-12/128, PRF-HMAC-SHA2-256, ECP-256");
	ok(!ikev2_pld_ke_decode(m.pl.p[1].body, m.pl.p[1].len, &ke, &err) && ke.group == IKEV2_DH_ECP_256 &&
	   ke.len == 64 && m.pl.p[2].len == 32, "its KE: group 19, 64 bytes (x | y); nonce 32 bytes");
	ok(!ikev2_pld_notify_decode(m.pl.p[5].body, m.pl.p[5].len, &no, &err) &&
	   no.type == IKEV2_N_SIGNATURE_HASH_ALGORITHMS && no.len == 8 && hexeq(no.data, 8, "0001000200030004"),
	   "its SIGNATURE_HASH_ALGORITHMS notify: SHA1, SHA2-256/384/512");
	for (size_t k = 0; k < n; k++) {
		uint8_t cut[300];

		memcpy(cut, pkt, k);
		if (k >= IKEV2_HDR_LEN)
			put_be32(cut + 24, (uint32_t)k);
		refused += ikev2_msg_decode(cut, k, &m, &err) == -1;
	}
	ok(refused == n, "every truncation of it refused (%zu of %zu)", refused, n);

	n = unhex(ws_response, pkt, sizeof(pkt));
	r = ikev2_msg_decode(pkt, n, &m, &err);
	ok(r == 0 && m.hdr.spi_r == 0xd9fe2ab22dac23acULL && m.hdr.flags == IKEV2_FLAG_RESPONSE && m.pl.n == 6 &&
	   !ikev2_pld_notify_decode(m.pl.p[5].body, m.pl.p[5].len, &no, &err) && no.type == 16404 && no.len == 0,
	   "foreign IKE_SA_INIT response decodes (last: MULTIPLE_AUTH_SUPPORTED)");

	n = unhex(ws_informational, pkt, sizeof(pkt));
	r = ikev2_msg_decode(pkt, n, &m, &err);
	ok(r == 0 && m.hdr.exchange == IKEV2_EXCH_INFORMATIONAL && m.hdr.msgid == 2 && m.pl.n == 1 &&
	   m.pl.p[0].type == IKEV2_PL_SK && m.pl.p[0].np == IKEV2_PL_DELETE && m.pl.p[0].len == 29,
	   "foreign encrypted INFORMATIONAL: one SK payload, inner chain starts with D");
}

int main(void)
{
	test_init_roundtrip();
	test_sa_wire_bytes();
	test_foreign_packets();
	for (size_t i = 0; i < sizeof(sk_cases) / sizeof(sk_cases[0]); i++)
		test_sk(&sk_cases[i]);
	test_skf();
	test_fragmentation(&sk_cases[0].alg, "SKF AES-GCM");
	test_fragmentation(&sk_cases[3].alg, "SKF AES-CBC");
	test_reassembly_rules();
	test_truncation_and_overlong();
	test_malformed();
	test_mutations();
	return tap_done();
}
