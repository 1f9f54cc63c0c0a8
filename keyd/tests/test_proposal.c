// SPDX-License-Identifier: GPL-2.0
/* Proposal selection (RFC 7296 2.7, 3.3.6) and the proposal text form. */
#include <stdarg.h>
#include <stdlib.h>

#include "ikev2_msg.h"
#include "proposal.h"
#include "tap.h"

/* An SA payload from proposal strings, passed through the wire codec like a peer's would be. */
static void sa_from(struct ikev2_sa *sa, uint8_t proto, ...)
{
	struct ikev2_sa tmp = { 0 };
	struct ikev2_chain c;
	struct buf b;
	char err[256];
	const char *s;
	va_list ap;

	va_start(ap, proto);
	while ((s = va_arg(ap, const char *))) {
		struct ikev2_proposal *p = &tmp.prop[tmp.nproposals];

		if (proposal_parse(s, proto, p, err, sizeof(err)))
			printf("# BUG in test: %s\n", err);
		p->num = ++tmp.nproposals;
		if (proto != IKEV2_PROTO_IKE)
			memcpy(p->spi, "\xc1\x00\x00\x00", 4), p->spi[3] = p->num;
	}
	va_end(ap);
	buf_init(&b);
	ikev2_chain_init(&c, &b, SIZE_MAX);
	if (ikev2_put_sa(&c, &tmp) || ikev2_pld_sa_decode(b.data + 4, b.len - 4, sa, NULL))
		printf("# BUG in test: SA codec\n");
	buf_free(&b);
}

static const char *fmt(const struct ikev2_proposal *p)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	proposal_format(p, buf[i], sizeof(buf[i]));
	return buf[i];
}

static void test_select(void)
{
	struct ikev2_sa local, peer;
	struct ikev2_proposal ch;
	size_t li = 99;
	int r;

	sa_from(&local, IKEV2_PROTO_IKE, "aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048", NULL);
	sa_from(&peer, IKEV2_PROTO_IKE, "aes128-aes256-sha256-sha1-modp2048-ecp256",
		"aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp384-ecp256", NULL);
	r = proposal_select(&local, &peer, IKEV2_PROTO_IKE, &ch, &li);
	ok(r == 0 && li == 0 && ch.num == 2 && !strcmp(fmt(&ch), "aes256gcm16-prfsha384-ecp384"),
	   "local proposal order wins over the peer's: %s from peer proposal #%u", fmt(&ch), ch.num);

	sa_from(&local, IKEV2_PROTO_IKE, "aes256-aes128-sha256-sha1-modp2048-ecp256", NULL);
	sa_from(&peer, IKEV2_PROTO_IKE, "aes128-aes256-sha1-sha256-ecp256-modp2048", NULL);
	r = proposal_select(&local, &peer, IKEV2_PROTO_IKE, &ch, &li);
	ok(r == 0 && !strcmp(fmt(&ch), "aes256-prfsha256-sha256-modp2048"),
	   "transform by transform in local order: %s", fmt(&ch));
	ok(ch.ntransforms == 4, "exactly one transform per type in the choice");

	sa_from(&local, IKEV2_PROTO_IKE, "aes256-sha256-modp2048", NULL);
	sa_from(&peer, IKEV2_PROTO_IKE, "aes128-sha256-modp2048", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_IKE, &ch, NULL) == -1,
	   "key length is part of the match: AES-CBC-256 vs AES-CBC-128 -> NO_PROPOSAL_CHOSEN");
	sa_from(&peer, IKEV2_PROTO_IKE, "aes256-sha256-ecp256", "aes256-sha1-modp2048", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_IKE, &ch, NULL) == -1 && ch.ntransforms == 0,
	   "every type must match within one peer proposal -> NO_PROPOSAL_CHOSEN, choice cleared");

	/* ESP with PFS */
	sa_from(&local, IKEV2_PROTO_ESP, "aes128gcm16-ecp256", NULL);
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128gcm16-ecp256", NULL);
	peer.prop[0].xf[peer.prop[0].ntransforms++] = (struct ikev2_transform){ IKEV2_XF_DH, 0, 0, false };
	r = proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL);
	ok(r == 0 && !strcmp(fmt(&ch), "aes128gcm16-ecp256-noesn") && ch.spi_size == 4 &&
	   !memcmp(ch.spi, "\xc1\x00\x00\x01", 4), "ESP with PFS: %s, peer's SPI kept", fmt(&ch));
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128gcm16", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == -1,
	   "local requires PFS, peer offers no DH -> NO_PROPOSAL_CHOSEN");
	sa_from(&local, IKEV2_PROTO_ESP, "aes128gcm16", NULL);
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128gcm16-ecp256", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == -1,
	   "peer requires PFS, local has none -> NO_PROPOSAL_CHOSEN");
	peer.prop[0].xf[peer.prop[0].ntransforms++] = (struct ikev2_transform){ IKEV2_XF_DH, 0, 0, false };
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == 0 && !proposal_get(&ch, IKEV2_XF_DH),
	   "peer's optional DH (NONE offered) accepted without PFS");

	/* a peer mixing AEAD and classic ciphers in one proposal (RFC 7296 3.3) */
	sa_from(&local, IKEV2_PROTO_ESP, "aes128gcm16", "aes128-sha256", NULL);
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256", NULL);
	peer.prop[0].xf[peer.prop[0].ntransforms++] =
		(struct ikev2_transform){ IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 128, false };
	r = proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, &li);
	ok(r == 0 && li == 0 && !strcmp(fmt(&ch), "aes128gcm16-noesn"),
	   "AEAD chosen from a mixed proposal drops the integrity transform: %s", fmt(&ch));

	/* transform types and attributes we don't understand */
	sa_from(&local, IKEV2_PROTO_ESP, "aes128-sha256", NULL);
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256", "aes128-sha256", NULL);
	peer.prop[0].xf[peer.prop[0].ntransforms++] = (struct ikev2_transform){ 200, 1, 0, false };
	r = proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL);
	ok(r == 0 && ch.num == 2, "peer proposal with an unknown transform type skipped, next one taken");
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256", NULL);
	peer.prop[0].xf[0].unknown_attr = true;
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == -1,
	   "transform with an unknown attribute never selected");
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256", NULL);
	peer.prop[0].spi_size = 0;
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == -1, "ESP proposal without a 4-byte SPI skipped");
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_AH, &ch, NULL) == -1, "protocol must match (ESP offered, AH wanted)");

	/* ESN */
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256", NULL);
	peer.prop[0].ntransforms--;	/* drop the ESN transform: some peers leave it out */
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == 0,
	   "peer without ESN transform treated as 'no ESN'");
	sa_from(&local, IKEV2_PROTO_ESP, "aes128-sha256-esn", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == -1, "local ESN-only vs peer without ESN fails");
	sa_from(&peer, IKEV2_PROTO_ESP, "aes128-sha256-noesn-esn", NULL);
	ok(proposal_select(&local, &peer, IKEV2_PROTO_ESP, &ch, NULL) == 0 &&
	   proposal_get(&ch, IKEV2_XF_ESN)->id == IKEV2_ESN_YES, "ESN chosen when both allow it");
}

static void test_reply(void)
{
	struct ikev2_sa offered, reply;
	struct ikev2_proposal out;
	struct crypto_sk_alg sk;
	uint16_t prf, dh;

	sa_from(&offered, IKEV2_PROTO_IKE, "aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048-ecp256", NULL);
	sa_from(&reply, IKEV2_PROTO_IKE, "aes128-sha256-ecp256", NULL);
	reply.prop[0].num = 2;
	ok(!proposal_check_reply(&offered, &reply, &out) && !proposal_ike_algs(&out, &sk, &prf, &dh) &&
	   sk.encr == IKEV2_ENCR_AES_CBC && sk.keybits == 128 && sk.integ == IKEV2_INTEG_HMAC_SHA2_256_128 &&
	   prf == IKEV2_PRF_HMAC_SHA2_256 && dh == IKEV2_DH_ECP_256, "valid reply accepted, algorithms extracted");
	reply.prop[0].num = 1;
	ok(proposal_check_reply(&offered, &reply, &out) == -1, "reply naming the wrong proposal number refused");
	sa_from(&reply, IKEV2_PROTO_IKE, "aes128-sha256-modp3072", NULL);
	reply.prop[0].num = 2;
	ok(proposal_check_reply(&offered, &reply, &out) == -1, "reply with a transform never offered refused");
	sa_from(&reply, IKEV2_PROTO_IKE, "aes128-sha256-modp2048-ecp256", NULL);
	reply.prop[0].num = 2;
	ok(proposal_check_reply(&offered, &reply, &out) == -1, "reply with two DH groups refused");
	sa_from(&reply, IKEV2_PROTO_IKE, "aes128-sha256-modp2048", NULL);
	reply.prop[0].num = 2;
	reply.prop[0].ntransforms--;	/* drop the DH group */
	ok(proposal_check_reply(&offered, &reply, &out) == -1, "reply without a DH group refused");
	sa_from(&reply, IKEV2_PROTO_IKE, "aes128-sha256-modp2048", "aes128-sha256-modp2048", NULL);
	ok(proposal_check_reply(&offered, &reply, &out) == -1, "reply with two proposals refused");
}

static void test_parse(void)
{
	struct ikev2_proposal p, q;
	char err[256], text[256];

	ok(!proposal_parse("aes128-sha256-modp2048", IKEV2_PROTO_IKE, &p, err, sizeof(err)) &&
	   !strcmp(fmt(&p), "aes128-prfsha256-sha256-modp2048"), "IKE proposal: PRF defaults to the integrity hash");
	proposal_format(&p, text, sizeof(text));
	ok(!proposal_parse(text, IKEV2_PROTO_IKE, &q, err, sizeof(err)) && q.ntransforms == p.ntransforms &&
	   !strcmp(fmt(&q), text), "format -> parse round trip");
	ok(!proposal_parse("chacha20poly1305-prfsha256-x25519", IKEV2_PROTO_IKE, &p, err, sizeof(err)) &&
	   !strcmp(fmt(&p), "chacha20poly1305-prfsha256-curve25519"), "ChaCha20-Poly1305 + X25519 IKE proposal");
	ok(!proposal_parse("aes256gcm16", IKEV2_PROTO_ESP, &p, err, sizeof(err)) &&
	   !strcmp(fmt(&p), "aes256gcm16-noesn") && p.spi_size == 4, "ESP proposal: ESN defaults to noesn");
	ok(proposal_parse("aes256gcm16-ecp256", IKEV2_PROTO_IKE, &p, err, sizeof(err)) && strstr(err, "prf"),
	   "AEAD IKE proposal without prf refused: %s", err);
	ok(proposal_parse("aes128-prfsha256", IKEV2_PROTO_IKE, &p, err, sizeof(err)) && strstr(err, "integrity"),
	   "non-AEAD without integrity refused: %s", err);
	ok(proposal_parse("aes128-sha256", IKEV2_PROTO_IKE, &p, err, sizeof(err)) && strstr(err, "DH"),
	   "IKE proposal without DH refused: %s", err);
	ok(proposal_parse("aes128gcm16-aes128-sha256", IKEV2_PROTO_ESP, &p, err, sizeof(err)) && strstr(err, "mixes"),
	   "AEAD and non-AEAD mixed refused: %s", err);
	ok(proposal_parse("aes128-md5", IKEV2_PROTO_ESP, &p, err, sizeof(err)) && strstr(err, "md5"),
	   "unknown algorithm named in the error: %s", err);
	ok(proposal_parse("aes128-sha256-prfsha256", IKEV2_PROTO_ESP, &p, err, sizeof(err)) &&
	   proposal_parse("aes128-sha256-modp2048-esn", IKEV2_PROTO_IKE, &p, err, sizeof(err)),
	   "prf in ESP and esn in IKE refused");
}

int main(void)
{
	test_select();
	test_reply();
	test_parse();
	return tap_done();
}
